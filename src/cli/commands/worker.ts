// `mhaflow worker`
import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('worker')
    .description('run a worker on task queue mhaflow in the foreground (several may run at once)')
    .option('--identity <name>', 'worker identity shown in the Temporal UI')
    .action(async (o: { identity?: string }) => {
      // Loaded on demand: the worker SDK is heavy and other commands do not need it.
      const { runWorker } = require('../../../worker/main') as typeof import('../../../worker/main');
      await runWorker(o);
    });
}
