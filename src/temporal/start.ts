// Starting (or attaching to) one of mhaflow's workflows that change a cluster (failover, switchover): one run per
// workflow id at a time (USE_EXISTING), the cluster as a search attribute, a summary and details for the UI. Two ways
// in, the same start: the SDK client (tests, demo, the HTTP API) and Temporal's HTTP API (the commands that must start
// fast: no gRPC start-up cost). src/failover/start.ts and src/switchover/start.ts name their workflow's options.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { PROGRESS_QUERY } from '../contracts/common';
import { TASK_QUEUE } from './config';
import type { TemporalHttp } from './http';

/** What following a run needs of its workflow, whichever API started it. */
export interface RunHandle<P, R> {
  progress(): Promise<P>;
  result(): Promise<R>;
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

export async function startClusterRun<I, R>(client: Client, o: ClusterRunStart<I>): Promise<StartedRun<WorkflowHandle<(input: I) => Promise<R>>>> {
  const { defineSearchAttributeKey } = require('@temporalio/common') as typeof import('@temporalio/common');
  const running = await client.workflow.getHandle(o.workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
  const handle = await client.workflow.start<(input: I) => Promise<R>>(o.workflowType, {
    taskQueue: o.taskQueue ?? TASK_QUEUE,
    workflowId: o.workflowId,
    args: [o.input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
    typedSearchAttributes: [{ key: defineSearchAttributeKey('MhaflowCluster', 'KEYWORD'), value: o.cluster }],
    staticSummary: o.summary,
    staticDetails: o.details,
  });
  return { handle, workflowId: o.workflowId, runId: handle.firstExecutionRunId, started: !running };
}

/** What a command follows of an SDK handle: the progress query and the result. */
export function followableRun<P, R>(h: WorkflowHandle): RunHandle<P, R> {
  return { progress: () => h.query<P>(PROGRESS_QUERY), result: () => h.result() as Promise<R> };
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startClusterRunHttp<I, P, R>(api: TemporalHttp, o: ClusterRunStart<I>): Promise<StartedRun<RunHandle<P, R>>> {
  const { runId, started } = await api.start({
    workflowId: o.workflowId, workflowType: o.workflowType, taskQueue: o.taskQueue ?? TASK_QUEUE, input: [o.input], requestId: randomUUID(),
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT, searchAttributes: { MhaflowCluster: o.cluster }, summary: o.summary, details: o.details,
  });
  return {
    workflowId: o.workflowId, runId, started,
    handle: {
      progress: () => api.query<P>(o.workflowId, runId, PROGRESS_QUERY),
      result: () => api.result<R>(o.workflowId, runId),
    },
  };
}
