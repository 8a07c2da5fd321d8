// `mhaflow worker`: run a worker in the foreground until SIGINT/SIGTERM (several may run at once).
import { hostname } from 'node:os';
import { logger } from '../src/log';
import { TASK_QUEUE, temporalAddress, temporalNamespace } from '../src/temporal/config';
import { createWorker, installRuntimeLogger, runUntilShutdown } from './worker';

export async function runWorker(opts: { identity?: string } = {}): Promise<void> {
  const log = logger().child({ component: 'worker' });
  installRuntimeLogger(log);
  const identity = opts.identity ?? `mhaflow-worker-${process.pid}@${hostname()}`;
  const worker = await createWorker({ identity });
  log.info({ address: temporalAddress(), namespace: temporalNamespace(), taskQueue: TASK_QUEUE, identity }, 'worker started');
  await runUntilShutdown(worker);
  log.info('worker stopped');
}
