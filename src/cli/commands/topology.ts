// `mhaflow topology`: see ../topology.ts.
import type { Command } from 'commander';
import { exitWith } from '../exit';
import type { TopologyOptions } from '../topology';

const impl = () => require('../topology') as typeof import('../topology');

export function register(program: Command): void {
  program.command('topology')
    .description('discover every server of a cluster (through Temporal) and print roles, versions and coordinates')
    .option('--cluster <name>', 'the cluster, as the workers know it (a config file in their directory)')
    .option('--config <file>', 'a cluster config file (names the cluster)')
    .option('--json', 'print the workflow result as JSON')
    .action(async (o: TopologyOptions) => {
      await exitWith(await impl().topologyCommand(o));
    });
}
