// `mhaflow check`: see ../check.ts.
import type { Command } from 'commander';
import type { CheckOptions } from '../check';
import { exitWith } from '../exit';

const impl = () => require('../check') as typeof import('../check');

export function register(program: Command): void {
  program.command('check')
    .description('check that a cluster is safe to fail over (MHA masterha_check_repl + masterha_check_ssh); exit 0 safe, 2 not safe, 4 bad input')
    .option('--cluster <name>', 'the cluster, as the workers know it (a config file in their directory)')
    .option('--config <file>', 'a cluster config file (names the cluster)')
    .option('--json', 'print the report as JSON')
    .option('--no-ssh', 'skip the SSH half (binlog dirs, mysqlbinlog, workdirs)')
    .option('--local', 'run in this process instead of through Temporal')
    .action(async (o: CheckOptions) => {
      await exitWith(await impl().checkCommand(o));
    });
}
