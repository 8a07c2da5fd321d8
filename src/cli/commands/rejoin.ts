// `mhaflow rejoin`: see ../rejoin.ts.
import type { Command } from 'commander';
import { exitWhenFlushed } from '../exit';
import type { RejoinOptions } from '../rejoin';

const impl = () => require('../rejoin') as typeof import('../rejoin');

export function register(program: Command): void {
  program.command('rejoin')
    .description('rejoin an old master as a replica of the current master: count what only it holds, rewind or reapply it (through Temporal)')
    .option('--cluster <name>', 'the cluster, as the workers know it (a config file in their directory)')
    .option('--config <file>', 'a cluster config file: names the cluster; the workers\' copy must be the same')
    .requiredOption('--server <name>', 'the old master (its name in the config)')
    .option('--reapply', 'apply the transactions only it holds to the current master before rewinding them (they then replicate everywhere)')
    .option('--dry-run', 'check and count only: change nothing, extract nothing')
    .option('--json', 'print the report as JSON (extraTransactions.count: how many transactions only it held)')
    .action(async (o: RejoinOptions) => {
      await impl().rejoinCommand(o);
      await exitWhenFlushed();
    });
}
