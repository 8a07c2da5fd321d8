// What the HTTP API asks of Temporal, behind one interface (the API's tests give it a fake): the runs of a
// cluster's failovers and switchovers, starting them, their progress, approval signals, the topology (the
// discoverTopology workflow: the API itself never connects to a database), what the metrics count, and the cluster's
// monitor (started, signalled and read through src/monitor/control.ts, as `mhaflow monitor` does).
// The real one talks to Temporal with the SDK client; an unreachable Temporal becomes a TemporalUnavailable error (503).
import type { Client } from '@temporalio/client';
import { PROGRESS_QUERY, type WorkflowProgress } from '../contracts/common';
import type { FailoverInput } from '../contracts/failover';
import { monitorWorkflowId, type MonitorInput, type PauseRequest } from '../contracts/monitor';
import { DISCOVER_TOPOLOGY_WORKFLOW, type DiscoveredTopology } from '../contracts/topology';
import type { SwitchoverInput } from '../contracts/switchover';
import { APPROVE_SIGNAL, REJECT_SIGNAL, type ApprovalAnswer } from '../contracts/switchover';
import { startFailover } from '../failover/start';
import { monitorStatus, signalMonitor, startMonitor, type MonitorSignal, type MonitorView } from '../monitor/control';
import { startSwitchover } from '../switchover/start';
import { TASK_QUEUE, uiLink } from '../temporal/config';

/** A failover or switchover run as the API shows it. */
export interface RunInfo {
  workflowId: string;
  runId: string;
  /** The workflow type: failover, switchover. */
  kind: string;
  /** Temporal's status: RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  /** The MhaflowPhase search attribute: the step family it is in, or how it ended (completed, rolled-back, refused...). */
  phase: string | null;
  cluster: string | null;
  startTime: string | null;
  closeTime: string | null;
  /** The Temporal UI page of the run. */
  link: string;
}

export interface StartedRef { workflowId: string; runId: string; link: string }

/** A cluster's monitor as the API shows it: `mhaflow monitor status`'s view, its workflow id and UI page (null: never started). */
export interface MonitorInfo extends MonitorView { workflowId: string; link: string | null }

/** The view of a cluster that has never had a monitor: not running, nothing to show. */
export function monitorNeverStarted(cluster: string): MonitorInfo {
  return { workflowId: monitorWorkflowId(cluster), link: null, running: false, execution: 'NOT_STARTED', status: null, watch: null, historyLength: 0 };
}

export interface ClusterRuns {
  /** The run of this id (the latest), or null when there is none. */
  describe(workflowId: string): Promise<RunInfo | null>;
  /** The latest run of a kind for a cluster, running or closed. */
  lastRun(kind: 'failover' | 'switchover', cluster: string): Promise<RunInfo | null>;
  startSwitchover(input: SwitchoverInput): Promise<StartedRef>;
  startFailover(input: FailoverInput): Promise<StartedRef>;
  /** The progress query of a run (null when it cannot answer: no worker, or not an mhaflow workflow). */
  progress(workflowId: string): Promise<WorkflowProgress | null>;
  /** The result of a closed run (its report), or its failure's message. */
  outcome(workflowId: string): Promise<{ result?: unknown; failure?: string }>;
  answer(workflowId: string, approved: boolean, answer: ApprovalAnswer): Promise<void>;
  topology(cluster: string, timeoutMs: number): Promise<DiscoveredTopology>;
  /** Runs of mhaflow's cluster workflows closed after `since`, and those running now (the metrics). */
  closedSince(since: Date): Promise<RunInfo[]>;
  runningNow(): Promise<RunInfo[]>;
  /** The monitor of a cluster: running or not, its status query, its watch's last heartbeat. */
  monitorView(cluster: string): Promise<MonitorInfo>;
  /** Start the monitor of a cluster, or attach to the running one (`started: false`). */
  startMonitor(input: MonitorInput): Promise<StartedRef & { started: boolean }>;
  /** pause (with a reason), resume, reload, stop: a RefusedError when no monitor of the cluster runs. */
  signalMonitor(cluster: string, signal: MonitorSignal, pause?: PauseRequest): Promise<{ workflowId: string; link: string }>;
}

/** Temporal could not be reached: the API answers 503. */
export class TemporalUnavailable extends Error {
  override readonly name = 'TemporalUnavailable';
}

/** The kinds of workflows the API knows, and the ids they use. */
export const RUN_KINDS = ['failover', 'switchover'] as const;

/** Is this an id of one of them (failover:app1, switchover-dryrun:app1:123...)? */
export function isClusterRunId(id: string): boolean {
  return /^(failover|switchover)(-dryrun)?:[A-Za-z0-9][A-Za-z0-9_.-]*(:\d+)?$/.test(id);
}

const UNAVAILABLE = new Set(['ServiceError', 'ConnectionError', 'TransportError', 'GrpcError']);

/** Errors that mean Temporal is not there (as opposed to "no such workflow"). */
function unavailable(e: unknown): boolean {
  const err = e as { name?: string; code?: number; cause?: { code?: number } };
  if (err?.name === 'WorkflowNotFoundError' || err?.name === 'QueryNotRegisteredError') return false;
  const code = err?.code ?? err?.cause?.code;
  return UNAVAILABLE.has(err?.name ?? '') && (code === undefined || code === 14 || code === 4 || err?.name === 'ConnectionError');
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (unavailable(e)) throw new TemporalUnavailable(`Temporal is unreachable: ${(e as Error).message}`);
    throw e;
  }
}

function searchValue(sa: unknown, key: string): string | null {
  const v = (sa as { get?: (k: { name: string; valueType: string }) => unknown } | undefined)?.get?.({ name: key, valueType: 'KEYWORD' });
  return typeof v === 'string' ? v : null;
}

interface ExecutionLike {
  workflowId: string; runId: string; type: string; status: { name: string }; startTime?: Date; closeTime?: Date; typedSearchAttributes?: unknown;
}

function runInfo(d: ExecutionLike): RunInfo {
  return {
    workflowId: d.workflowId, runId: d.runId, kind: d.type, status: d.status.name,
    phase: searchValue(d.typedSearchAttributes, 'MhaflowPhase'), cluster: searchValue(d.typedSearchAttributes, 'MhaflowCluster'),
    startTime: d.startTime?.toISOString() ?? null, closeTime: d.closeTime?.toISOString() ?? null, link: uiLink(d.workflowId, d.runId),
  };
}

const quote = (v: string) => `'${v.replace(/'/g, '')}'`;

/** The SDK client behind ClusterRuns. `client` is resolved at each call: a Temporal that comes back later is found. */
export function temporalRuns(client: () => Promise<Client>, o: { taskQueue?: string } = {}): ClusterRuns {
  const taskQueue = o.taskQueue ?? TASK_QUEUE;
  const c = () => client().catch((e: Error) => { throw new TemporalUnavailable(e.message); });
  async function list(query: string, max = 1000): Promise<RunInfo[]> {
    const out: RunInfo[] = [];
    for await (const wf of (await c()).workflow.list({ query, pageSize: 100 })) {
      out.push(runInfo({ ...wf, type: wf.type }));
      if (out.length >= max) break;
    }
    return out;
  }
  return {
    describe: (id) => guard(async () => {
      try {
        const d = await (await c()).workflow.getHandle(id).describe();
        return runInfo({ ...d, type: d.type });
      } catch (e) {
        if ((e as Error).name === 'WorkflowNotFoundError') return null;
        throw e;
      }
    }),
    // SQL visibility lists running runs first, then the most recently closed (it has no ORDER BY).
    lastRun: (kind, cluster) => guard(async () => (await list(`WorkflowType = ${quote(kind)} AND MhaflowCluster = ${quote(cluster)}`, 1))[0] ?? null),
    startSwitchover: (input) => guard(async () => {
      const r = await startSwitchover(await c(), input, { taskQueue });
      return { workflowId: r.workflowId, runId: r.runId, link: uiLink(r.workflowId, r.runId) };
    }),
    startFailover: (input) => guard(async () => {
      const r = await startFailover(await c(), input, { taskQueue });
      return { workflowId: r.workflowId, runId: r.runId, link: uiLink(r.workflowId, r.runId) };
    }),
    progress: (id) => guard(async () => (await c()).workflow.getHandle(id).query<WorkflowProgress>(PROGRESS_QUERY).catch((e: Error) => {
      if (unavailable(e)) throw e;
      return null;
    })),
    outcome: (id) => guard(async () => {
      try {
        return { result: await (await c()).workflow.getHandle(id).result() };
      } catch (e) {
        if (unavailable(e)) throw e;
        let cur: unknown = e;
        while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause;
        return { failure: cur instanceof Error ? cur.message : String(cur) };
      }
    }),
    answer: (id, approved, answer) => guard(async () => {
      await (await c()).workflow.getHandle(id).signal(approved ? APPROVE_SIGNAL : REJECT_SIGNAL, answer);
    }),
    topology: (cluster, timeoutMs) => guard(async () => {
      const h = await (await c()).workflow.start(DISCOVER_TOPOLOGY_WORKFLOW, {
        taskQueue, workflowId: `discover:${cluster}:${Date.now()}`, args: [{ cluster }], staticSummary: `discover topology of cluster ${cluster} (HTTP API)`,
        workflowExecutionTimeout: `${Math.ceil(timeoutMs / 1000)}s`,
      });
      return (await h.result()) as DiscoveredTopology;
    }),
    closedSince: (since) => guard(() => list(`(${RUN_KINDS.map((k) => `WorkflowType = ${quote(k)}`).join(' OR ')}) AND CloseTime > '${since.toISOString()}'`)),
    runningNow: () => guard(() => list(`(${RUN_KINDS.map((k) => `WorkflowType = ${quote(k)}`).join(' OR ')}) AND ExecutionStatus = 'Running'`)),
    monitorView: (cluster) => guard(async () => {
      try {
        const view = await monitorStatus(await c(), cluster);
        return { ...view, workflowId: monitorWorkflowId(cluster), link: uiLink(monitorWorkflowId(cluster)) };
      } catch (e) {
        if ((e as Error).name === 'WorkflowNotFoundError') return monitorNeverStarted(cluster);
        throw e;
      }
    }),
    startMonitor: (input) => guard(async () => {
      const r = await startMonitor(await c(), input, { taskQueue });
      return { workflowId: r.workflowId, runId: r.runId, link: uiLink(r.workflowId, r.runId), started: r.started };
    }),
    signalMonitor: (cluster, signal, pause) => guard(async () => {
      await signalMonitor(await c(), cluster, signal, pause);
      return { workflowId: monitorWorkflowId(cluster), link: uiLink(monitorWorkflowId(cluster)) };
    }),
  };
}
