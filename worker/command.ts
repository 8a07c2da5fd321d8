// `mhaflow worker`: registered by bin/mhaflow.js beside the product's commands (src/ knows nothing of the worker,
// which carries the workflows and activities).
import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('worker')
    .description('run a worker on task queue mhaflow in the foreground (several may run at once)')
    .option('--identity <name>', 'worker identity shown in the Temporal UI')
    .option('--config-dir <dir>', 'the clusters\' config files (default: MHAFLOW_CONFIG_DIR, else /etc/mhaflow/clusters)')
    .action(async (o: { identity?: string; configDir?: string }) => {
      if (o.configDir) process.env.MHAFLOW_CONFIG_DIR = o.configDir;
      // Loaded on demand: the worker SDK is heavy and other commands do not need it.
      const { runWorker } = require('./main') as typeof import('./main');
      await runWorker(o);
    });
}
