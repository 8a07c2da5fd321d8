// `mhaflow api`: see ../api.ts.
import type { Command } from 'commander';
import { exitWhenFlushed } from '../exit';
import type { ApiCommandOptions } from '../api';

const impl = () => require('../api') as typeof import('../api');
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program.command('api')
    .description('the HTTP API: clusters, switchovers, failovers, approvals, metrics, OpenAPI at /v1/openapi.json (through Temporal)')
    .option('--listen <host:port>', 'where to listen (default 127.0.0.1:8484)')
    .option('--config-dir <dir>', 'the clusters\' config files (default MHAFLOW_CONFIG_DIR or /etc/mhaflow/clusters)')
    .option('--operate-token <ref>', 'a token that may start runs and answer approvals, as a secret reference (env:NAME, file:PATH); repeatable', collect)
    .option('--read-token <ref>', 'a token that may only read, as a secret reference; repeatable', collect)
    .action(async (o: ApiCommandOptions) => {
      await impl().apiCommand(o);
      await exitWhenFlushed(0);
    });
}
