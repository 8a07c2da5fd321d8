// The HTTP API under test without a network (fastify inject) and without Temporal: a fake ClusterRuns that keeps
// runs by id, a monitor per cluster, and what was started and signalled; a directory of two cluster configs (app1,
// app2); an operate and a read token. Shared by test/src/api/*.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { stringify } from 'yaml';
import { loadTokens } from '../../src/api/auth';
import { monitorNeverStarted, TemporalUnavailable, type ClusterRuns, type MonitorInfo, type RunInfo } from '../../src/api/runs';
import { buildApi } from '../../src/api/server';
import { monitorWorkflowId, type MonitorInput, type PauseRequest } from '../../src/contracts/monitor';
import { RefusedError } from '../../src/errors';
import type { MonitorSignal, MonitorView } from '../../src/monitor/control';

export const OPERATE = 'operate-token-0123456789abcdef';
export const READ = 'read-token-0123456789abcdef';
process.env.TEST_API_OPERATE = OPERATE;
process.env.TEST_API_READ = READ;

const cfg = (cluster: string) => ({
  cluster, mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:X' }, ssh: { key: '/k', knownHosts: '/kh' },
  servers: [{ name: 'db1', host: '10.0.0.1' }, { name: 'db2', host: '10.0.0.2' }],
});

/** A directory with the configs of app1 and app2. */
export function clusterDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'api-clusters-'));
  writeFileSync(join(dir, 'app1.yml'), stringify(cfg('app1')));
  writeFileSync(join(dir, 'app2.yml'), stringify(cfg('app2')));
  return dir;
}

export const run = (p: Partial<RunInfo> & { workflowId: string }): RunInfo => ({
  runId: 'r1', kind: p.workflowId.split(/[:-]/)[0]!, status: 'RUNNING', phase: null, cluster: 'app1', startTime: '2026-11-29T10:00:00.000Z', closeTime: null,
  link: `http://ui/${p.workflowId}`, ...p,
});

/** A running monitor's view, as monitorStatus reads it: watching db1, one warning, the watch's fresher ping. */
export function runningMonitor(cluster: string, paused?: PauseRequest): MonitorView {
  return {
    running: true, execution: 'RUNNING', historyLength: 42,
    status: {
      cluster, workflowId: monitorWorkflowId(cluster), state: 'watching', master: 'db1',
      paused: paused ? { since: '2026-11-29T10:00:00.000Z', reason: paused.reason ?? 'paused' } : null,
      lastPing: { at: '2026-11-29T10:00:00.000Z', ok: true, ms: 3 },
      warnings: [{ code: 'replica-lag', severity: 'warning', server: 'db2', what: 'db2 lags 12 s behind db1', fix: 'look at db2\'s load' }],
      lastEvidence: null, lastVerdict: null, failovers: [], events: [{ at: '2026-11-29T10:00:00.000Z', kind: 'start', message: `monitoring cluster ${cluster}` }],
      configDigest: 'abc123', settings: null, since: '2026-11-29T10:00:00.000Z', generation: 0,
    },
    watch: { master: 'db1', lastPing: { at: '2026-11-29T10:00:05.000Z', ok: true, ms: 1 }, checkedAt: '2026-11-29T10:00:04.000Z', warnings: [] },
  };
}

/** A fake Temporal: runs by id, monitors by cluster, what was started and signalled. */
export class FakeRuns implements ClusterRuns {
  byId = new Map<string, RunInfo>();
  progressOf = new Map<string, unknown>();
  monitors = new Map<string, MonitorView>();
  started: { kind: string; input: unknown }[] = [];
  answers: { id: string; approved: boolean; answer: unknown }[] = [];
  signals: { cluster: string; signal: MonitorSignal; pause?: PauseRequest }[] = [];
  down = false;
  closed: RunInfo[] = [];
  private up<T>(v: T | (() => T)): Promise<T> {
    if (this.down) return Promise.reject(new TemporalUnavailable('Temporal is unreachable: connect ECONNREFUSED'));
    try {
      return Promise.resolve(typeof v === 'function' ? (v as () => T)() : v);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  describe(id: string) { return this.up(this.byId.get(id) ?? null); }
  lastRun(kind: string) { return this.up([...this.byId.values()].find((r) => r.kind === kind) ?? null); }
  startSwitchover(input: unknown) { this.started.push({ kind: 'switchover', input }); return this.up({ workflowId: 'switchover:app1', runId: 'new', link: 'http://ui/switchover:app1' }); }
  startFailover(input: unknown) { this.started.push({ kind: 'failover', input }); return this.up({ workflowId: 'failover:app1', runId: 'new', link: 'http://ui/failover:app1' }); }
  progress(id: string) { return this.up((this.progressOf.get(id) ?? null) as never); }
  outcome() { return this.up({ result: { outcome: 'completed' } }); }
  answer(id: string, approved: boolean, answer: unknown) { this.answers.push({ id, approved, answer }); return this.up(undefined); }
  topology(cluster: string) { return this.up({ cluster, probes: [], roles: { master: 'db1', roles: {}, outsideSources: {}, sourcesPointedAt: ['db1'] } }); }
  closedSince() { return this.up(this.closed); }
  runningNow() { return this.up([...this.byId.values()].filter((r) => r.status === 'RUNNING')); }
  monitorView(cluster: string) {
    return this.up((): MonitorInfo => {
      const v = this.monitors.get(cluster);
      return v ? { ...v, workflowId: monitorWorkflowId(cluster), link: `http://ui/${monitorWorkflowId(cluster)}` } : monitorNeverStarted(cluster);
    });
  }
  startMonitor(input: MonitorInput) {
    return this.up(() => {
      this.started.push({ kind: 'monitor', input });
      const running = this.monitors.get(input.cluster)?.running === true;
      if (!running) this.monitors.set(input.cluster, runningMonitor(input.cluster, input.paused));
      const workflowId = monitorWorkflowId(input.cluster);
      return { workflowId, runId: running ? 'r1' : 'new', link: `http://ui/${workflowId}`, started: !running };
    });
  }
  signalMonitor(cluster: string, signal: MonitorSignal, pause?: PauseRequest) {
    return this.up(() => {
      const v = this.monitors.get(cluster);
      if (!v?.running) {
        throw new RefusedError(`no monitor of cluster ${cluster} is running${v ? ` (${monitorWorkflowId(cluster)} is ${v.execution.toLowerCase()})` : ''}`);
      }
      this.signals.push({ cluster, signal, ...(pause ? { pause } : {}) });
      return { workflowId: monitorWorkflowId(cluster), link: `http://ui/${monitorWorkflowId(cluster)}` };
    });
  }
}

export interface TestApi {
  app: FastifyInstance;
  runs: FakeRuns;
  dir: string;
  get(url: string, token?: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
}

/** The API over a fake Temporal and a fresh directory of app1 and app2; close `app` when done. */
export async function testApi(): Promise<TestApi> {
  const runs = new FakeRuns();
  const dir = clusterDir();
  const app = await buildApi({ configDir: dir, tokens: loadTokens({ operate: ['env:TEST_API_OPERATE'], read: ['env:TEST_API_READ'] }), runs });
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });
  return {
    app, runs, dir,
    get: (url, token) => app.inject({ method: 'GET', url, headers: token ? auth(token) : {} }),
    post: (url, body, token = OPERATE) => app.inject({ method: 'POST', url, headers: auth(token), ...(body === undefined ? {} : { payload: body as object }) }),
  };
}
