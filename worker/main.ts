// `mhaflow worker`: run a worker in the foreground until SIGTERM or SIGINT (several may run at once).
//
// Stopping (systemd, docker and Kubernetes all send SIGTERM, then SIGKILL after a grace period): on the
// first signal the worker stops polling and lets the steps it is running finish within the grace time
// (--shutdown-grace, default 10 s); then it closes every connection it holds (SSH, Temporal, the metrics
// listener) and exits 0. A step still running at grace + 0.25 s is abandoned: the process exits 0 anyway,
// and Temporal retries the step on another worker once its heartbeat times out (every step is safe to run
// again). A second signal exits at once (128 + the signal's number).
import { hostname } from 'node:os';
import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { clusterConfigDir, listClusters } from '../src/config/registry';
import { durationMs } from '../src/config/values';
import { ConfigError } from '../src/errors';
import { logger } from '../src/log';
import { describeEndpoint, TASK_QUEUE, temporalEndpoint } from '../src/temporal/config';
import { freeLoopbackPort, MhaflowMetrics, parseListenAddress, startTelemetryServer, type TelemetryServer } from './telemetry';
import { keepWarmCode, warmClusters } from './warm';
import { createWorker, installRuntime, runUntilShutdown, type WorkerOptions } from './worker';

export interface RunWorkerOptions extends Pick<WorkerOptions, 'identity' | 'workflowBundle' | 'activityInterceptors'> {
  /** Called once the worker has connected (and its metrics listener, if any, listens). */
  onStarted?: (info: { metricsAddress: string | null }) => void;
  /** How long running steps may take to finish after a stop signal (default MHAFLOW_SHUTDOWN_GRACE, else 10s). */
  shutdownGrace?: string;
  /** HOST:PORT for /metrics and /healthz (default MHAFLOW_METRICS_ADDRESS; none: off). */
  metricsAddress?: string;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

function graceMsOf(v: string): number {
  try {
    return durationMs(/^\d+(\.\d+)?$/.test(v) ? `${v}s` : v);
  } catch {
    throw new ConfigError(`shutdown grace time: not a duration: ${v}`, { hint: 'e.g. 10s, 500ms, 2m' });
  }
}

/**
 * The stop signals: the first stops the worker gracefully (with a deadline), the second exits at once.
 * Returns done(): call it once everything is closed (cancels the deadline).
 */
function stopOnSignals(worker: Worker, graceMs: number, log: Logger): { done(): void } {
  let deadline: NodeJS.Timeout | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second stop signal: exiting now');
      process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
    }
    stopping = true;
    const inFlight = worker.getStatus().numInFlightActivities;
    log.info({ signal, graceMs, activitiesInFlight: inFlight }, inFlight
      ? 'stopping: polling stopped; the running steps get the grace time to finish'
      : 'stopping: polling stopped, no step running');
    if (worker.getState() === 'RUNNING') worker.shutdown();
    deadline = setTimeout(() => {
      log.warn({ activitiesInFlight: worker.getStatus().numInFlightActivities },
        'grace time over with steps still running: exiting; Temporal retries them on another worker once their heartbeat times out');
      process.exit(0);
    }, graceMs + 250);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { done: () => clearTimeout(deadline) };
}

/** A caller may pass a prebuilt workflow bundle (no bundling at start) and learn when the worker has connected. */
export async function runWorker(opts: RunWorkerOptions = {}): Promise<void> {
  keepWarmCode(); // before the workflow threads start
  const log = logger().child({ component: 'worker' });
  const graceMs = graceMsOf(opts.shutdownGrace ?? process.env.MHAFLOW_SHUTDOWN_GRACE ?? '10s');
  const metricsAddress = opts.metricsAddress ?? (process.env.MHAFLOW_METRICS_ADDRESS || undefined);
  if (metricsAddress) parseListenAddress(metricsAddress); // a typo fails before anything starts
  const metrics = metricsAddress ? new MhaflowMetrics() : undefined;
  const coreMetricsPort = metricsAddress ? await freeLoopbackPort() : null;
  installRuntime(log, { coreMetricsPort });
  const identity = opts.identity ?? `mhaflow-worker-${process.pid}@${hostname()}`;
  const worker = await createWorker({ identity, workflowBundle: opts.workflowBundle, shutdownGraceTime: graceMs, metrics, activityInterceptors: opts.activityInterceptors, log });
  let telemetry: TelemetryServer | undefined;
  try {
    if (metricsAddress && metrics) telemetry = await startTelemetryServer({ address: metricsAddress, metrics, coreMetricsPort, worker });
  } catch (e) {
    await worker.connection?.close().catch(() => {});
    throw new ConfigError(`cannot listen on ${metricsAddress} for metrics: ${(e as Error).message}`, { hint: 'choose another --metrics-address' });
  }
  const signals = stopOnSignals(worker, graceMs, log);
  // Workflows name a cluster; this worker serves those whose config is in its directory.
  const configDir = clusterConfigDir();
  const clusters = listClusters(configDir).map((c) => c.name);
  if (!clusters.length) log.warn({ configDir }, 'no cluster config in the config directory: every workflow will be refused until one is there');
  log.info({ temporal: describeEndpoint(temporalEndpoint()), taskQueue: TASK_QUEUE, identity, configDir, clusters, shutdownGraceMs: graceMs, metrics: telemetry?.address ?? 'off' },
    'worker started');
  opts.onStarted?.({ metricsAddress: telemetry?.address ?? null });
  // Beside the polling: the first failover or switchover finds the connections open and the code warm (worker/warm.ts).
  const stopWarming = warmClusters(configDir, { client: worker.client, taskQueue: TASK_QUEUE, identity }, log);
  try {
    await runUntilShutdown(worker);
  } finally {
    stopWarming();
    await telemetry?.close();
    signals.done();
  }
  log.info('worker stopped');
}
