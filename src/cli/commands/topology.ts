// `mhaflow topology`: see ../topology.ts.
import type { Command } from 'commander';
import { exitWhenFlushed } from '../exit';
import type { TopologyOptions } from '../topology';

const impl = () => require('../topology') as typeof import('../topology');

export function register(program: Command): void {
  program.command('topology')
    .description('discover every server of a cluster (through Temporal) and print roles, versions and coordinates')
    .requiredOption('--config <file>', 'cluster config (YAML)')
    .option('--json', 'print the workflow result as JSON')
    .action(async (o: TopologyOptions) => {
      await impl().topologyCommand(o);
      await exitWhenFlushed();
    });
}
