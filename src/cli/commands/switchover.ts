// `mhaflow switchover` and `mhaflow switchover approve|reject`: see ../switchover.ts.
import type { Command } from 'commander';
import { ConfigError } from '../../errors';
import { exitWhenFlushed } from '../exit';
import type { SwitchoverOptions } from '../switchover';

const impl = () => require('../switchover') as typeof import('../switchover');

export function register(program: Command): void {
  program.command('switchover')
    .description('change the master while it is alive: freeze it, let the new master catch up, promote it, repoint every replica (through Temporal); '
      + '`switchover approve|reject --cluster NAME` answers a plan waiting for approval')
    .argument('[answer]', 'approve or reject: answer the cluster\'s switchover that waits for approval')
    .option('--cluster <name>', 'the cluster, as the workers know it (a config file in their directory)')
    .option('--config <file>', 'a cluster config file: names the cluster; the workers\' copy must be the same')
    .option('--new-master <host[:port]>', 'promote this server if it is eligible (default: the best candidate)')
    .option('--no-orig-master-as-replica', 'leave the old master read-only, out of replication (default: it replicates from the new master)')
    .option('--wait-approval', 'show the plan and wait for `mhaflow switchover approve` (or reject) before changing anything')
    .option('--approval-timeout <duration>', 'how long the plan waits for an answer (default 10m; then it is rejected)')
    .option('--wait-timeout <duration>', 'how long the new master may take to catch up with the frozen master (default 10s; then rollback)')
    .option('--lag-threshold <seconds>', 'refuse when a replica lags more (default 1)')
    .option('--running-updates-limit <seconds>', 'refuse when an update runs on the master this long (default 1)')
    .option('--dry-run', 'check and plan only: print the plan, change nothing')
    .option('--json', 'print the report as JSON')
    .option('--by <name>', 'approve/reject: who answers (for the report)')
    .option('--reason <text>', 'reject: why')
    .action(async (answer: string | undefined, o: SwitchoverOptions) => {
      if (answer !== undefined && answer !== 'approve' && answer !== 'reject') {
        throw new ConfigError(`unknown answer "${answer}": mhaflow switchover approve|reject --cluster NAME`);
      }
      if (answer) await impl().answerCommand(answer === 'approve', o);
      else await impl().switchoverCommand(o);
      await exitWhenFlushed();
    });
}
