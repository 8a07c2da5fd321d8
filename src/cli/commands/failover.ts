// `mhaflow failover`: see ../failover.ts.
import type { Command } from 'commander';
import { exitWith } from '../exit';
import type { FailoverOptions } from '../failover';

const impl = () => require('../failover') as typeof import('../failover');

function seconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new Error(`not a number of seconds: ${v}`);
  return Number(v);
}

export function register(program: Command): void {
  program.command('failover')
    .description('fail over a dead master: promote the best replica, recover every survivor (through Temporal)')
    .option('--cluster <name>', 'the cluster, as the workers know it (a config file in their directory)')
    .option('--config <file>', 'a cluster config file: names the cluster; the workers\' copy must be the same')
    .option('--dead-master <host[:port]>', 'the dead master (default: the server the replicas replicate from)')
    .option('--new-master <host[:port]>', 'promote this server if it is eligible')
    .option('--ignore-last-failover', 'proceed even if this cluster failed over within failover.lastFailoverWindow')
    .option('--no-fence', 'go on even if the dead master cannot be fenced (no SSH, no shutdown hook): split brain becomes possible')
    .option('--allow-errant-candidate', 'GTID mode: a candidate with errant transactions (held by no other replica) may still be promoted')
    .option('--dry-run', 'check and plan only: print the whole plan, change nothing')
    .option('--resume', 'resume the cluster\'s failover that stopped midway, from before its failed step, with its recorded positions')
    .option('--resolved <run-id>', 'that earlier failover (run id) was repaired by hand: allow a new one')
    .option('--follow', 'follow the cluster\'s running (or latest) failover; never start one')
    .option('--reconnect-timeout <seconds>', 'how long to keep trying while Temporal does not answer (it may be restarting)', seconds, 60)
    .option('--json', 'print the report as JSON, with its outcome and exit code')
    .action(async (o: FailoverOptions) => {
      await exitWith(await impl().failoverCommand(o));
    });
}
