// `mhaflow worker`: run a worker in the foreground until SIGINT/SIGTERM (several may run at once).
import { hostname } from 'node:os';
import { logger } from '../src/log';
import { TASK_QUEUE, temporalAddress, temporalNamespace } from '../src/temporal/config';
import { createWorker, installRuntimeLogger, runUntilShutdown, type WorkerOptions } from './worker';

/** A caller may pass a prebuilt workflow bundle (no bundling at start) and learn when the worker has connected. */
export async function runWorker(opts: Pick<WorkerOptions, 'identity' | 'workflowBundle'> & { onStarted?: () => void } = {}): Promise<void> {
  const log = logger().child({ component: 'worker' });
  installRuntimeLogger(log);
  const identity = opts.identity ?? `mhaflow-worker-${process.pid}@${hostname()}`;
  const worker = await createWorker({ identity, workflowBundle: opts.workflowBundle });
  log.info({ address: temporalAddress(), namespace: temporalNamespace(), taskQueue: TASK_QUEUE, identity }, 'worker started');
  opts.onStarted?.();
  await runUntilShutdown(worker);
  log.info('worker stopped');
}
