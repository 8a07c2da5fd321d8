// Starting (or attaching to) one of mhaflow's workflows of a cluster (failover, switchover, rejoin, monitor): one run per
// workflow id at a time (USE_EXISTING), the cluster as a search attribute, a summary and details for the UI. Two ways
// in, the same start: the SDK client (tests, demo, the HTTP API) and Temporal's HTTP API (the commands that must start
// fast: no gRPC start-up cost). src/failover/start.ts and src/switchover/start.ts name their workflow's options.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { PROGRESS_QUERY } from '../contracts/common';
import { TASK_QUEUE } from './config';
import type { RunInfo, TemporalHttp } from './http';

export type { RunInfo };

/** What following a run needs of its workflow, whichever API started it. */
export interface RunHandle<P, R> {
  progress(): Promise<P>;
  result(): Promise<R>;
  describe(): Promise<RunInfo>;
}

export interface StartedRun<H> {
  handle: H;
  workflowId: string;
  runId: string;
  /** false: a run of this id was already going on and we attached to it. */
  started: boolean;
}

export interface ClusterRunStart<I> {
  workflowType: string;
  workflowId: string;
  cluster: string;
  input: I;
  /** One line and a few lines for the UI (staticSummary, staticDetails). */
  summary: string;
  details: string;
  taskQueue?: string;
}

/** A worker killed while it runs a workflow task: another gets the task after this (default 10 s); tasks take milliseconds. */
const WORKFLOW_TASK_TIMEOUT = '3s';

/** The memo key a start request marks its run with: the run carries the mark of the request that created it. */
const START_MARK = 'mhaflowStartRequest';

export async function startClusterRun<I, R>(client: Client, o: ClusterRunStart<I>): Promise<StartedRun<WorkflowHandle<(input: I) => Promise<R>>>> {
  const { defineSearchAttributeKey } = require('@temporalio/common') as typeof import('@temporalio/common');
  const mark = randomUUID();
  const handle = await client.workflow.start<(input: I) => Promise<R>>(o.workflowType, {
    taskQueue: o.taskQueue ?? TASK_QUEUE,
    workflowId: o.workflowId,
    args: [o.input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
    typedSearchAttributes: [{ key: defineSearchAttributeKey('MhaflowCluster', 'KEYWORD'), value: o.cluster }],
    staticSummary: o.summary,
    staticDetails: o.details,
    memo: { [START_MARK]: mark },
  });
  // The SDK does not say whether it attached: the run's memo does (race-free, unlike a describe before the start).
  const d = await client.workflow.getHandle(o.workflowId, handle.firstExecutionRunId).describe();
  return { handle, workflowId: o.workflowId, runId: handle.firstExecutionRunId, started: d.memo?.[START_MARK] === mark };
}

/** What a command follows of an SDK handle: the progress query and the result. */
export function followableRun<P, R>(h: WorkflowHandle): RunHandle<P, R> {
  return {
    progress: () => h.query<P>(PROGRESS_QUERY),
    result: () => h.result() as Promise<R>,
    describe: async () => {
      const d = await h.describe();
      return { runId: d.runId, startTime: d.startTime.toISOString(), status: d.status.name.toLowerCase() };
    },
  };
}

/** The latest run of a workflow id through the SDK (null: there never was one), without starting any. */
export async function findRun<P, R>(client: Client, workflowId: string): Promise<StartedRun<RunHandle<P, R>> | null> {
  const h = client.workflow.getHandle(workflowId);
  const d = await h.describe().catch((e: unknown) => {
    if ((e as Error).name === 'WorkflowNotFoundError') return null;
    throw e;
  });
  return d ? { workflowId, runId: d.runId, started: false, handle: followableRun<P, R>(h) } : null;
}

function httpHandle<P, R>(api: TemporalHttp, workflowId: string, runId: string): RunHandle<P, R> {
  return {
    progress: () => api.query<P>(workflowId, runId, PROGRESS_QUERY),
    result: () => api.result<R>(workflowId, runId),
    describe: () => api.describe(workflowId, runId),
  };
}

/** The latest run of a workflow id through the HTTP API (null: there never was one), without starting any. */
export async function findRunHttp<P, R>(api: TemporalHttp, workflowId: string): Promise<StartedRun<RunHandle<P, R>> | null> {
  const run = await api.describe(workflowId, '').catch((e: unknown) => {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  });
  return run ? { workflowId, runId: run.runId, started: false, handle: httpHandle<P, R>(api, workflowId, run.runId) } : null;
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startClusterRunHttp<I, P, R>(api: TemporalHttp, o: ClusterRunStart<I>): Promise<StartedRun<RunHandle<P, R>>> {
  const { runId, started } = await api.start({
    workflowId: o.workflowId, workflowType: o.workflowType, taskQueue: o.taskQueue ?? TASK_QUEUE, input: [o.input], requestId: randomUUID(),
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT, searchAttributes: { MhaflowCluster: o.cluster }, summary: o.summary, details: o.details,
  });
  return { workflowId: o.workflowId, runId, started, handle: httpHandle<P, R>(api, o.workflowId, runId) };
}
