// /metrics: Prometheus text (prom-client) about the cluster workflows, read from Temporal's visibility store at each
// scrape (so runs started by the CLI, the temporal CLI or another API instance count too):
//   mhaflow_runs_finished_total{cluster,kind,outcome}   runs that ended since this API started (outcome: the run's
//                                                        MhaflowPhase: completed, rolled-back, rejected, dry-run, refused,
//                                                        failed; else Temporal's status: terminated, timed_out...)
//   mhaflow_run_duration_seconds{cluster,kind,outcome}  their durations (histogram)
//   mhaflow_runs_running{cluster,kind}                  runs going on now
//   mhaflow_api_requests_total{route,method,status}     this API's own requests
// plus prom-client's default process metrics. The first scrape looks back `lookbackMs` (default 24 h).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterRuns, RunInfo } from './runs';

export interface ApiMetrics {
  registry: Registry;
  /** Render the text, after reading what changed in Temporal since the last scrape. */
  render(): Promise<string>;
  request(route: string, method: string, status: number): void;
}

const outcomeOf = (r: RunInfo) => r.phase ?? r.status.toLowerCase();
const labelsOf = (r: RunInfo) => ({ cluster: r.cluster ?? 'unknown', kind: r.kind });

export function apiMetrics(runs: ClusterRuns, o: { lookbackMs?: number; now?: () => number } = {}): ApiMetrics {
  const now = o.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const finished = new Counter({ name: 'mhaflow_runs_finished_total', help: 'failover and switchover runs that ended, by outcome', labelNames: ['cluster', 'kind', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: 'mhaflow_run_duration_seconds', help: 'duration of the failover and switchover runs that ended', labelNames: ['cluster', 'kind', 'outcome'],
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800], registers: [registry],
  });
  const running = new Gauge({ name: 'mhaflow_runs_running', help: 'failover and switchover runs going on now', labelNames: ['cluster', 'kind'], registers: [registry] });
  const requests = new Counter({ name: 'mhaflow_api_requests_total', help: 'HTTP API requests, by route and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  let since = new Date(now() - (o.lookbackMs ?? 24 * 3600_000));
  /** Runs already counted (a run closed exactly at `since` may be listed twice). */
  const seen = new Set<string>();
  return {
    registry,
    async render() {
      const polledAt = new Date(now());
      const [closed, live] = await Promise.all([runs.closedSince(new Date(since.getTime() - 1000)), runs.runningNow()]);
      for (const r of closed) {
        if (seen.has(r.runId)) continue;
        seen.add(r.runId);
        const labels = { ...labelsOf(r), outcome: outcomeOf(r) };
        finished.inc(labels);
        if (r.startTime && r.closeTime) duration.observe(labels, (Date.parse(r.closeTime) - Date.parse(r.startTime)) / 1000);
      }
      since = polledAt;
      running.reset();
      for (const r of live) running.inc(labelsOf(r));
      return registry.metrics();
    },
    request(route, method, status) {
      requests.inc({ route, method, status: String(status) });
    },
  };
}
