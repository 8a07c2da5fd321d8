// `mhaflow monitor ...`: see ../monitor.ts.
import type { Command } from 'commander';
import { exitWhenFlushed } from '../exit';
import type { MonitorOptions } from '../monitor';

const impl = () => require('../monitor') as typeof import('../monitor');

const target = (c: Command) => c
  .option('--cluster <name>', 'the cluster, as the workers know it (a config file in their directory)')
  .option('--config <file>', 'a cluster config file (names the cluster)');

export function register(program: Command): void {
  const monitor = program.command('monitor').description('watch a cluster\'s master and fail over when it dies (MHA masterha_manager), through Temporal');
  const run = (action: 'start' | 'stop' | 'pause' | 'resume' | 'reload' | 'status') => async (o: MonitorOptions) => {
    await impl().monitorCommand(action, o);
    await exitWhenFlushed();
  };
  target(monitor.command('start').description('start the monitor of a cluster (or say that it runs); it runs until stopped'))
    .option('--paused', 'start in maintenance: watch and report, never fail over')
    .option('--reason <text>', 'why it starts paused')
    .action(run('start'));
  target(monitor.command('stop').description('stop the monitor (a failover in progress finishes)')).action(run('stop'));
  target(monitor.command('pause').description('maintenance: keep watching and reporting, never fail over'))
    .option('--reason <text>', 'shown in the status and the UI')
    .action(run('pause'));
  target(monitor.command('resume').description('fail over again when the master dies (and retry after a refused failover)')).action(run('resume'));
  target(monitor.command('reload').description('re-read the cluster config on the workers now')).action(run('reload'));
  target(monitor.command('status').description('the master, the last ping, the state, the warnings, the last verdict and failovers'))
    .option('--json', 'print the status as JSON')
    .action(run('status'));
}
