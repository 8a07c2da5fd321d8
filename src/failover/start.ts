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
import type { TemporalHttp } from '../temporal/http';

/** What following a failover needs of its workflow, whichever API started it. */
export interface FailoverHandle {
  progress(): Promise<FailoverProgress>;
  result(): Promise<FailoverReport>;
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

export async function startFailover(client: Client, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover<WorkflowHandle<FailoverWorkflow>>> {
  const { defineSearchAttributeKey } = require('@temporalio/common') as typeof import('@temporalio/common');
  const o = startOptions(input);
  const running = await client.workflow.getHandle(o.workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
  const handle = await client.workflow.start<FailoverWorkflow>(FAILOVER_WORKFLOW, {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId: o.workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowTaskTimeout: o.workflowTaskTimeout,
    typedSearchAttributes: [{ key: defineSearchAttributeKey('MhaflowCluster', 'KEYWORD'), value: input.cluster }],
    staticSummary: o.summary,
    staticDetails: o.details,
  });
  return { handle, workflowId: o.workflowId, started: !running };
}

/** What the CLI follows of an SDK handle. */
export function followable(h: WorkflowHandle<FailoverWorkflow>): FailoverHandle {
  return { progress: () => h.query<FailoverProgress>(PROGRESS_QUERY), result: () => h.result() };
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startFailoverHttp(api: TemporalHttp, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover> {
  const o = startOptions(input);
  const { runId, started } = await api.start({
    workflowId: o.workflowId, workflowType: FAILOVER_WORKFLOW, taskQueue: opts.taskQueue ?? TASK_QUEUE, input: [input], requestId: randomUUID(),
    workflowTaskTimeout: o.workflowTaskTimeout, searchAttributes: { MhaflowCluster: input.cluster }, summary: o.summary, details: o.details,
  });
  return {
    workflowId: o.workflowId, started,
    handle: {
      progress: () => api.query<FailoverProgress>(o.workflowId, runId, PROGRESS_QUERY),
      result: () => api.result<FailoverReport>(o.workflowId, runId),
    },
  };
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
