// The mhaflow worker: all workflows and activities on task queue `mhaflow`.
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, type ActivityInterceptorsFactory, type WorkflowBundle, makeTelemetryFilterString } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import * as activities from '../activities';
import { sshConnections } from '../src/ssh/cache';
import { TemporalUnreachableError } from '../src/errors';
import { connectionOptions, describeEndpoint, TASK_QUEUE, temporalEndpoint } from '../src/temporal/config';
import type { MhaflowMetrics } from './telemetry';

// Plain JavaScript shared with bin/mhaflow.js: whether a prebuilt bundle is newer than every source it was built from.
const { freshBundle } = require('../bin/fresh-bundle') as { freshBundle: (root: string, name: string) => string | null };

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
  /** Count outcomes and time steps (worker/telemetry.ts). */
  metrics?: MhaflowMetrics;
  /** Activities this worker runs at once; default 2000 (MHAFLOW_MAX_ACTIVITIES). */
  maxConcurrentActivities?: number;
  /** More activity interceptors, after the metrics' (the lab's fault injection: lab/worker-main.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** Where the kept SSH connections say that one dropped or is back (src/ssh/cache.ts). */
  log?: Logger;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** Bundled with the workflows: reports each workflow's end to the worker's metrics (a sink; a no-op without them). */
export const WORKFLOW_INTERCEPTORS_PATH = require.resolve('./workflow-interceptors');

/** The prebuilt workflow bundle's name under dist/ (scripts/build-cli.mjs). */
export const PREBUILT_WORKFLOW_BUNDLE = 'workflow-bundle';

/**
 * The workflows and their interceptors as one bundle: the one scripts/build-cli.mjs built at `npm ci`
 * (dist/workflow-bundle.js) while none of its sources changed since, else built here by webpack (2-4 s of CPU at every
 * worker start: a fresh worker's first failover waited for it). With MHAFLOW_WORKFLOW_SOURCE_MAPS=1, always built here.
 */
export async function bundleWorkflows(opts: { prebuilt?: boolean } = {}): Promise<WorkflowBundle> {
  const maps = process.env.MHAFLOW_WORKFLOW_SOURCE_MAPS === '1';
  if (opts.prebuilt !== false && !maps) {
    const file = freshBundle(join(__dirname, '..'), PREBUILT_WORKFLOW_BUNDLE);
    if (file) return { code: readFileSync(file, 'utf8') };
  }
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
  });
  return maps ? bundle : { code: withoutSourceMap(bundle.code) };
}

/**
 * The bundle with an empty source map in place of webpack's. The SDK records the stack of every promise a workflow
 * creates (for the stack-trace query) and maps each frame through the bundle's source map: on the lab that was half
 * of every workflow task's CPU time (a failover's tasks took 20-70 ms each on a warm worker). Workflow stack traces
 * then name the bundle's lines (functions keep their names); MHAFLOW_WORKFLOW_SOURCE_MAPS=1 keeps the sources'.
 */
export function withoutSourceMap(code: string): string {
  const at = code.lastIndexOf(SOURCE_MAP_COMMENT);
  if (at < 0) return code;
  const map = { version: 3, file: 'mhaflow-workflows.js', sources: [], names: [], mappings: '' };
  return `${code.slice(0, at)}${SOURCE_MAP_COMMENT}application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}
const SOURCE_MAP_COMMENT = '//# sourceMappingURL=data:';

/**
 * Install the SDK's runtime: its logs through pino, its metrics (Core's Prometheus exporter) on a loopback
 * port when asked. Signals are the worker's own (worker/main.ts): the runtime traps none.
 */
export function installRuntime(log: Logger, opts: { coreMetricsPort?: number | null } = {}): void {
  const fwd = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => log[level](meta ?? {}, message);
  Runtime.install({
    logger: {
      log: (level, message, meta) => fwd(level.toLowerCase() as 'info')(message, meta),
      trace: fwd('trace'), debug: fwd('debug'), info: fwd('info'), warn: fwd('warn'), error: fwd('error'),
    },
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(opts.coreMetricsPort ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${opts.coreMetricsPort}`, useSecondsForDurations: true } } } : {}),
    },
  });
}

export async function createWorker(opts: WorkerOptions = {}): Promise<Worker> {
  // Activities of one failover share each host's SSH connection (closed by runUntilShutdown, or after 60 s idle).
  sshConnections.enable(opts.log);
  const ep = temporalEndpoint();
  const connection = await NativeConnection.connect({ ...connectionOptions(ep), ...(opts.address ? { address: opts.address } : {}) }).catch((e: Error) => {
    throw new TemporalUnreachableError(`cannot reach Temporal at ${describeEndpoint({ ...ep, ...(opts.address ? { address: opts.address } : {}) })}: ${e.message}`, {
      hint: 'check TEMPORAL_ADDRESS (and TEMPORAL_TLS_*, TEMPORAL_API_KEY for a secured server); a service manager restarts the worker meanwhile',
    });
  });
  try {
    // Bundled here rather than by the SDK (workflowsPath): the same code, without the source map (withoutSourceMap).
    const workflowBundle = opts.workflowBundle ?? await bundleWorkflows();
    return await Worker.create({
      connection,
      namespace: opts.namespace ?? ep.namespace,
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      activities,
      workflowBundle,
      interceptors: {
        // The bundle has the workflow interceptors already (bundleWorkflows).
        activity: [...(opts.metrics ? [opts.metrics.activityInterceptor()] : []), ...(opts.activityInterceptors ?? [])],
      },
      sinks: opts.metrics ? opts.metrics.sinks() : { mhaflowMetrics: { workflowEnded: { fn: () => {} } } },
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
  } catch (e) {
    await connection.close().catch(() => {});
    throw e;
  }
}

/**
 * Run a worker until it shuts down, then close what it held: the SSH connections its activities kept and
 * its Temporal connection (the last native object: the SDK's runtime then shuts down too). Nothing else
 * keeps the event loop alive: MySQL connections live for one activity, heartbeat timers are unref'd.
 */
export async function runUntilShutdown(worker: Worker): Promise<void> {
  try {
    await worker.run();
  } finally {
    await sshConnections.closeAll();
    await worker.connection?.close().catch(() => {});
  }
}
