// `mhaflow worker`: run a worker in the foreground until SIGINT/SIGTERM (several may run at once).
import { hostname } from 'node:os';
import { clusterConfigDir, listClusters } from '../src/config/registry';
import { logger } from '../src/log';
import { TASK_QUEUE, temporalAddress, temporalNamespace } from '../src/temporal/config';
import { createWorker, installRuntimeLogger, runUntilShutdown } from './worker';

export async function runWorker(opts: { identity?: string } = {}): Promise<void> {
  const log = logger().child({ component: 'worker' });
  installRuntimeLogger(log);
  const identity = opts.identity ?? `mhaflow-worker-${process.pid}@${hostname()}`;
  const worker = await createWorker({ identity });
  // Workflows name a cluster; this worker serves those whose config is in its directory.
  const configDir = clusterConfigDir();
  const clusters = listClusters(configDir).map((c) => c.name);
  if (!clusters.length) log.warn({ configDir }, 'no cluster config in the config directory: every workflow will be refused until one is there');
  log.info({ address: temporalAddress(), namespace: temporalNamespace(), taskQueue: TASK_QUEUE, identity, configDir, clusters }, 'worker started');
  await runUntilShutdown(worker);
  log.info('worker stopped');
}
