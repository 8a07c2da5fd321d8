// `mhaflow worker`: run a worker in the foreground until SIGINT/SIGTERM (several may run at once).
import { hostname } from 'node:os';
import { clusterConfigDir, listClusters } from '../src/config/registry';
import { logger } from '../src/log';
import { TASK_QUEUE, temporalAddress, temporalNamespace } from '../src/temporal/config';
import { createWorker, installRuntimeLogger, runUntilShutdown, type WorkerOptions } from './worker';

/** A caller may pass a prebuilt workflow bundle (no bundling at start) and learn when the worker has connected. */
export async function runWorker(opts: Pick<WorkerOptions, 'identity' | 'workflowBundle'> & { onStarted?: () => void } = {}): Promise<void> {
  const log = logger().child({ component: 'worker' });
  installRuntimeLogger(log);
  const identity = opts.identity ?? `mhaflow-worker-${process.pid}@${hostname()}`;
  const worker = await createWorker({ identity, workflowBundle: opts.workflowBundle });
  // Workflows name a cluster; this worker serves those whose config is in its directory.
  const configDir = clusterConfigDir();
  const clusters = listClusters(configDir).map((c) => c.name);
  if (!clusters.length) log.warn({ configDir }, 'no cluster config in the config directory: every workflow will be refused until one is there');
  log.info({ address: temporalAddress(), namespace: temporalNamespace(), taskQueue: TASK_QUEUE, identity, configDir, clusters }, 'worker started');
  opts.onStarted?.();
  await runUntilShutdown(worker);
  log.info('worker stopped');
}
