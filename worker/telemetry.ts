// The worker's health and metrics, off unless an address is configured (`mhaflow worker --metrics-address
// HOST:PORT`, MHAFLOW_METRICS_ADDRESS). One HTTP listener there serves:
//   /metrics  Prometheus text: the Temporal SDK's own runtime telemetry (temporal_*: task latencies, slots,
//             poll failures; Core's exporter, bound on a loopback port of its own and read per scrape) and
//             mhaflow's (mhaflow_*: workflow and failover outcomes, refusals, step durations; prom-client);
//   /healthz  liveness: 200 while the worker runs or drains, 503 once it has failed or stopped.
import http from 'node:http';
import net from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActivityInterceptorsFactory, InjectedSinks, Worker } from '@temporalio/worker';
import type { MhaflowSinks } from './workflow-interceptors';

/** mhaflow's own metrics, in a registry of their own (the SDK's come from Core). */
export class MhaflowMetrics {
  readonly registry = new Registry();
  readonly workflows = new Counter({
    name: 'mhaflow_workflows_total', help: 'Workflow runs that ended on this worker, by workflow type and outcome',
    labelNames: ['workflow', 'outcome'] as const, registers: [this.registry],
  });
  readonly failovers = new Counter({
    name: 'mhaflow_failovers_total', help: 'Failovers that ended on this worker, by cluster and outcome (completed, completed-unrecoverable, completed-degraded, dry-run, refused, failed...)',
    labelNames: ['cluster', 'outcome'] as const, registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'mhaflow_refusals_total', help: 'Workflows refused (a precondition did not hold, nothing changed), by workflow type and cluster',
    labelNames: ['workflow', 'cluster'] as const, registers: [this.registry],
  });
  readonly workflowDuration = new Histogram({
    name: 'mhaflow_workflow_duration_seconds', help: 'Run time of workflows that ended on this worker, by workflow type and outcome',
    labelNames: ['workflow', 'outcome'] as const, buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: 'mhaflow_step_duration_seconds', help: 'Duration of each step (activity) run on this worker, by activity type and outcome (ok, refused, error)',
    labelNames: ['step', 'outcome'] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 120], registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'mhaflow_' });
  }

  /** Times every activity this worker runs. */
  activityInterceptor(): ActivityInterceptorsFactory {
    return (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          const end = this.stepDuration.startTimer({ step: ctx.info.activityType });
          try {
            const result = await next(input);
            end({ outcome: 'ok' });
            return result;
          } catch (e) {
            end({ outcome: errorType(e) === 'RefusedError' || errorType(e) === 'SafetyError' ? 'refused' : 'error' });
            throw e;
          }
        },
      },
    });
  }

  /** The sink the workflow interceptor (workflow-interceptors.ts) reports each workflow's end to. */
  sinks(): InjectedSinks<MhaflowSinks> {
    return {
      mhaflowMetrics: {
        workflowEnded: {
          fn: (_info, ended) => {
            this.workflows.inc({ workflow: ended.workflow, outcome: ended.outcome });
            this.workflowDuration.observe({ workflow: ended.workflow, outcome: ended.outcome }, ended.ms / 1000);
            if (ended.outcome === 'refused') this.refusals.inc({ workflow: ended.workflow, cluster: ended.cluster ?? '' });
            if (ended.workflow === 'failover') this.failovers.inc({ cluster: ended.cluster ?? '', outcome: ended.outcome });
          },
          callDuringReplay: false,
        },
      },
    };
  }
}

const errorType = (e: unknown) => (e as { type?: string; name?: string } | null)?.type ?? (e as Error | null)?.name;

/** A free port on the loopback for Core's own Prometheus exporter (read through our listener, never exposed). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** HOST:PORT ([::]:PORT for IPv6), as the flag and the variable take it. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  if (!m || Number(m[2]) > 65535) throw new Error(`not an address to listen on: ${address} (expected HOST:PORT, e.g. 0.0.0.0:9464)`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

/** Core's metrics text (its exporter answers on loopback); an empty string when it does not answer. */
function coreMetricsText(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : ''));
      res.on('error', () => resolve(''));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
  });
}

/** The worker's state for the liveness probe. */
export function liveness(worker: Pick<Worker, 'getStatus'>): { live: boolean; body: Record<string, unknown> } {
  const s = worker.getStatus();
  // Draining is alive: killing a worker that is finishing its steps would abort its grace time.
  const live = ['RUNNING', 'STOPPING', 'DRAINING', 'DRAINED'].includes(s.runState);
  return {
    live,
    body: {
      status: live ? 'ok' : 'down', state: s.runState, workflowPoller: s.workflowPollerState, activityPoller: s.activityPollerState,
      activitiesInFlight: s.numInFlightActivities, cachedWorkflows: s.numCachedWorkflows,
    },
  };
}

export interface TelemetryServer { address: string; close(): Promise<void> }

export async function startTelemetryServer(o: { address: string; metrics: MhaflowMetrics; coreMetricsPort: number | null; worker: Pick<Worker, 'getStatus'> }): Promise<TelemetryServer> {
  const { host, port } = parseListenAddress(o.address);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (path === '/metrics') {
      void Promise.all([o.coreMetricsPort ? coreMetricsText(o.coreMetricsPort) : '', o.metrics.registry.metrics()]).then(([core, own]) => {
        res.writeHead(200, { 'content-type': o.metrics.registry.contentType });
        res.end(`${core}${core && !core.endsWith('\n') ? '\n' : ''}${own}`);
      }, (e: Error) => res.writeHead(500).end(e.message));
    } else if (path === '/healthz' || path === '/livez') {
      const l = liveness(o.worker);
      res.writeHead(l.live ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(l.body)}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('mhaflow worker: /metrics (Prometheus), /healthz (liveness)\n');
    }
  });
  // Scrapers keep connections alive: they must not hold the process once the worker stops.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
