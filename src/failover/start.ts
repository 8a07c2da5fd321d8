// Starting (or attaching to) a failover workflow: one per cluster at a time, id failover:<cluster>.
// A dry run gets an id of its own, so it never blocks or joins a real failover. Two ways in, the same
// workflow: the SDK client (tests, demo, API) and the HTTP API (the failover command: no gRPC start-up cost).
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { PROGRESS_QUERY } from '../contracts/common';
import { FAILOVER_WORKFLOW, failoverWorkflowId, type FailoverInput, type FailoverProgress, type FailoverReport } from '../contracts/failover';
import { RefusedError } from '../errors';
import { findUnresolvedFailover } from './runs';
import { TASK_QUEUE } from '../temporal/config';
import type { RunInfo, TemporalHttp } from '../temporal/http';

export type { RunInfo };

/** What following a failover needs of its workflow, whichever API started it. */
export interface FailoverHandle {
  progress(): Promise<FailoverProgress>;
  result(): Promise<FailoverReport>;
  describe(): Promise<RunInfo>;
}

export interface StartedFailover<H = FailoverHandle> {
  handle: H;
  workflowId: string;
  /** false: a failover of this cluster was already running and we attached to it. */
  started: boolean;
}

/** The start options both ways share. */
function startOptions(input: FailoverInput) {
  return {
    workflowId: failoverWorkflowId(input.cluster, input.dryRun),
    // A worker killed while it runs a workflow task: another gets the task after this (default 10 s).
    // The failover's tasks take milliseconds (a full replay included).
    workflowTaskTimeout: '3s' as const,
    summary: `${input.dryRun ? 'dry run of a ' : ''}failover of cluster ${input.cluster}${input.deadMaster ? ` (dead master ${input.deadMaster})` : ''}`,
    details: `dead master: ${input.deadMaster ?? 'detected'}\nnew master: ${input.newMaster ?? 'chosen'}\nignore last failover: ${Boolean(input.ignoreLastFailover)}`,
  };
}

export type FailoverWorkflow = (input: FailoverInput) => Promise<FailoverReport>;

/** The memo key a start request marks its run with: the run carries the mark of the request that created it. */
const START_MARK = 'mhaflowStartRequest';

export async function startFailover(client: Client, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover<WorkflowHandle<FailoverWorkflow>>> {
  const { defineSearchAttributeKey } = require('@temporalio/common') as typeof import('@temporalio/common');
  const o = startOptions(input);
  const mark = randomUUID();
  const handle = await client.workflow.start<FailoverWorkflow>(FAILOVER_WORKFLOW, {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId: o.workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowTaskTimeout: o.workflowTaskTimeout,
    typedSearchAttributes: [{ key: defineSearchAttributeKey('MhaflowCluster', 'KEYWORD'), value: input.cluster }],
    staticSummary: o.summary,
    staticDetails: o.details,
    memo: { [START_MARK]: mark },
  });
  // The SDK does not say whether it attached: the run's memo does (race-free, unlike a describe before the start).
  const d = await client.workflow.getHandle(o.workflowId, handle.firstExecutionRunId).describe();
  return { handle, workflowId: o.workflowId, started: d.memo?.[START_MARK] === mark };
}

const sdkStatus = (name: string) => name.toLowerCase();

/** What the CLI follows of an SDK handle. */
export function followable(h: WorkflowHandle<FailoverWorkflow>): FailoverHandle {
  return {
    progress: () => h.query<FailoverProgress>(PROGRESS_QUERY),
    result: () => h.result(),
    describe: async () => {
      const d = await h.describe();
      return { runId: d.runId, startTime: d.startTime.toISOString(), status: sdkStatus(d.status.name) };
    },
  };
}

/** The latest failover of a cluster through the SDK (null: there never was one), without starting any. */
export async function findFailover(client: Client, cluster: string): Promise<StartedFailover | null> {
  const workflowId = failoverWorkflowId(cluster);
  const h = client.workflow.getHandle<FailoverWorkflow>(workflowId);
  try {
    await h.describe();
  } catch (e) {
    if ((e as Error).name === 'WorkflowNotFoundError') return null;
    throw e;
  }
  return { workflowId, started: false, handle: followable(h) };
}

function httpHandle(api: TemporalHttp, workflowId: string, runId: string): FailoverHandle {
  return {
    progress: () => api.query<FailoverProgress>(workflowId, runId, PROGRESS_QUERY),
    result: () => api.result<FailoverReport>(workflowId, runId),
    describe: () => api.describe(workflowId, runId),
  };
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startFailoverHttp(api: TemporalHttp, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover> {
  const o = startOptions(input);
  const { runId, started } = await api.start({
    workflowId: o.workflowId, workflowType: FAILOVER_WORKFLOW, taskQueue: opts.taskQueue ?? TASK_QUEUE, input: [input], requestId: randomUUID(),
    workflowTaskTimeout: o.workflowTaskTimeout, searchAttributes: { MhaflowCluster: input.cluster }, summary: o.summary, details: o.details,
  });
  return { workflowId: o.workflowId, started, handle: httpHandle(api, o.workflowId, runId) };
}

/** The latest failover of a cluster through the HTTP API (null: there never was one), without starting any. */
export async function findFailoverHttp(api: TemporalHttp, cluster: string): Promise<StartedFailover | null> {
  const workflowId = failoverWorkflowId(cluster);
  const run = await api.describe(workflowId, '').catch((e: unknown) => {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  });
  return run ? { workflowId, started: false, handle: httpHandle(api, workflowId, run.runId) } : null;
}

/**
 * `mhaflow failover --resume`: the cluster's failover that stopped after changing servers goes on from before its
 * last step, with everything it recorded (positions, plan, what each server applied): a Temporal reset to the
 * workflow task that scheduled that step. Its steps check again that each server is the one it read.
 */
export async function resumeFailover(client: Client, cluster: string): Promise<StartedFailover<WorkflowHandle<FailoverWorkflow>>> {
  const workflowId = failoverWorkflowId(cluster);
  const current = await client.workflow.getHandle(workflowId).describe().catch(() => null);
  if (current?.status.name === 'RUNNING') return { handle: client.workflow.getHandle<FailoverWorkflow>(workflowId, current.runId), workflowId, started: false };
  const last = await findUnresolvedFailover(client, cluster);
  if (!last) throw new RefusedError(`no failover of cluster ${cluster} stopped midway: nothing to resume`);
  const history = await client.workflow.getHandle(last.workflowId, last.runId).fetchHistory();
  const events = history.events ?? [];
  const lastScheduled = [...events].reverse().find((e) => e.activityTaskScheduledEventAttributes);
  if (!lastScheduled) throw new RefusedError(`failover ${workflowId} (run ${last.runId}) never ran a step: start a new one`);
  const taskDone = [...events].reverse().find((e) => Number(e.eventId) < Number(lastScheduled.eventId) && e.workflowTaskCompletedEventAttributes);
  if (!taskDone) throw new RefusedError(`failover ${workflowId} (run ${last.runId}): no point to resume from`);
  const reset = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace, workflowExecution: { workflowId, runId: last.runId },
    reason: 'mhaflow failover --resume', workflowTaskFinishEventId: taskDone.eventId, requestId: randomUUID(),
  });
  return { handle: client.workflow.getHandle<FailoverWorkflow>(workflowId, reset.runId ?? undefined), workflowId, started: true };
}
