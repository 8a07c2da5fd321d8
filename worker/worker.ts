// The mhaflow worker: all workflows and activities on task queue `mhaflow`.
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle, makeTelemetryFilterString } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import type { Logger } from 'pino';
import * as activities from '../activities';
import { sshConnections } from '../src/ssh/cache';
import { TASK_QUEUE, temporalAddress, temporalNamespace } from '../src/temporal/config';

export interface WorkerOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Reuse a bundle (tests bundle once). */
  workflowBundle?: WorkflowBundle;
  identity?: string;
  shutdownGraceTime?: Duration;
  /** Force replay of every workflow task (tests: catches nondeterminism early). */
  maxCachedWorkflows?: number;
  stickyQueueScheduleToStartTimeout?: Duration;
  /** Activities this worker runs at once; default 2000 (MHAFLOW_MAX_ACTIVITIES). */
  maxConcurrentActivities?: number;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export async function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
}

/** Route the SDK's logs through pino. */
export function installRuntimeLogger(log: Logger): void {
  const fwd = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => log[level](meta ?? {}, message);
  Runtime.install({
    logger: {
      log: (level, message, meta) => fwd(level.toLowerCase() as 'info')(message, meta),
      trace: fwd('trace'), debug: fwd('debug'), info: fwd('info'), warn: fwd('warn'), error: fwd('error'),
    },
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
}

export async function createWorker(opts: WorkerOptions = {}): Promise<Worker> {
  // Activities of one failover share each host's SSH connection (closed by runWorker, or after 60 s idle).
  sshConnections.enable();
  const connection = await NativeConnection.connect({ address: opts.address ?? temporalAddress() });
  return Worker.create({
    connection,
    namespace: opts.namespace ?? temporalNamespace(),
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    identity: opts.identity,
    // Let a running activity finish its step on SIGTERM; past this it is cancelled and retried elsewhere.
    shutdownGraceTime: opts.shutdownGraceTime ?? '10s',
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // A killed worker's cached workflows: their next task waits this long on its sticky queue before any
    // other worker gets it (with a full replay). The SDK's 10 s would add 10 s to every crash.
    stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeout ?? '1s',
    // Every monitored cluster keeps one watch activity running (it sleeps between pings): the SDK's 100 would cap
    // a worker at 100 clusters with no slot left for a failover's steps.
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? (Number(process.env.MHAFLOW_MAX_ACTIVITIES) || 2000),
    // Activities heartbeat every second; send each to the server (the default throttle is 80% of the
    // heartbeatTimeout), so a short heartbeatTimeout detects a killed worker fast without false alarms.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
  });
}

/** Run a worker until it shuts down, then close the SSH connections its activities kept. */
export async function runUntilShutdown(worker: Worker): Promise<void> {
  try {
    await worker.run();
  } finally {
    await sshConnections.closeAll();
  }
}
