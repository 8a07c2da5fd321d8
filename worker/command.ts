// `mhaflow worker`: registered by bin/mhaflow.js beside the product's commands (src/ knows nothing of the worker,
// which carries the workflows and activities).
import type { Command } from 'commander';
import { exitWith } from '../src/cli/exit';

export function register(program: Command): void {
  program.command('worker')
    .description('run a worker on task queue mhaflow in the foreground (run several for redundancy); SIGTERM/SIGINT stop it gracefully, exit 0')
    .option('--identity <name>', 'worker identity shown in the Temporal UI')
    .option('--config-dir <dir>', 'the clusters\' config files (default: MHAFLOW_CONFIG_DIR, else /etc/mhaflow/clusters)')
    .option('--shutdown-grace <duration>', 'on SIGTERM, how long running steps may take to finish (default: MHAFLOW_SHUTDOWN_GRACE, else 10s)')
    .option('--metrics-address <host:port>', 'serve /metrics (Prometheus) and /healthz there (default: MHAFLOW_METRICS_ADDRESS; off when unset)')
    .action(async (o: { identity?: string; configDir?: string; shutdownGrace?: string; metricsAddress?: string }) => {
      if (o.configDir) process.env.MHAFLOW_CONFIG_DIR = o.configDir;
      // Loaded on demand: the worker SDK is heavy and other commands do not need it.
      const { runWorker } = require('./main') as typeof import('./main');
      await runWorker({ identity: o.identity, shutdownGrace: o.shutdownGrace, metricsAddress: o.metricsAddress });
      // Everything is closed by now; do not wait for the runtime's last threads to wind down.
      await exitWith('completed');
    });
}
