// Starting (or attaching to) a failover workflow: one per cluster at a time, id failover:<cluster>.
// A dry run gets an id of its own, so it never blocks or joins a real failover. Two ways in, the same
// workflow (src/temporal/start.ts): the SDK client (tests, demo, API) and the HTTP API (the failover command: no
// gRPC start-up cost).
import type { Client, WorkflowHandle } from '@temporalio/client';
import { FAILOVER_WORKFLOW, failoverWorkflowId, type FailoverInput, type FailoverProgress, type FailoverReport } from '../contracts/failover';
import { randomUUID } from 'node:crypto';
import { RefusedError } from '../errors';
import type { TemporalHttp } from '../temporal/http';
import { findRun, findRunHttp, followableRun, startClusterRun, startClusterRunHttp, type ClusterRunStart, type RunHandle, type StartedRun } from '../temporal/start';
import { findUnresolvedFailover } from '../temporal/failovers';

/** What following a failover needs of its workflow, whichever API started it. */
export type FailoverHandle = RunHandle<FailoverProgress, FailoverReport>;

export type StartedFailover<H = FailoverHandle> = StartedRun<H>;

/** The start options both ways share. */
function startOptions(input: FailoverInput, taskQueue?: string): ClusterRunStart<FailoverInput> {
  return {
    workflowType: FAILOVER_WORKFLOW, workflowId: failoverWorkflowId(input.cluster, input.dryRun), cluster: input.cluster, input, taskQueue,
    summary: `${input.dryRun ? 'dry run of a ' : ''}failover of cluster ${input.cluster}${input.deadMaster ? ` (dead master ${input.deadMaster})` : ''}`,
    details: `dead master: ${input.deadMaster ?? 'detected'}\nnew master: ${input.newMaster ?? 'chosen'}\nignore last failover: ${Boolean(input.ignoreLastFailover)}`,
  };
}

export type FailoverWorkflow = (input: FailoverInput) => Promise<FailoverReport>;

export async function startFailover(client: Client, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover<WorkflowHandle<FailoverWorkflow>>> {
  return startClusterRun<FailoverInput, FailoverReport>(client, startOptions(input, opts.taskQueue));
}

/** What the CLI follows of an SDK handle. */
export function followable(h: WorkflowHandle<FailoverWorkflow>): FailoverHandle {
  return followableRun<FailoverProgress, FailoverReport>(h);
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startFailoverHttp(api: TemporalHttp, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover> {
  return startClusterRunHttp<FailoverInput, FailoverProgress, FailoverReport>(api, startOptions(input, opts.taskQueue));
}

/** The latest failover of a cluster through the SDK (null: there never was one), without starting any. */
export function findFailover(client: Client, cluster: string): Promise<StartedFailover | null> {
  return findRun<FailoverProgress, FailoverReport>(client, failoverWorkflowId(cluster));
}

/** The latest failover of a cluster through the HTTP API (null: there never was one), without starting any. */
export function findFailoverHttp(api: TemporalHttp, cluster: string): Promise<StartedFailover | null> {
  return findRunHttp<FailoverProgress, FailoverReport>(api, failoverWorkflowId(cluster));
}

/**
 * `mhaflow failover --resume`: the cluster's failover that stopped after changing servers goes on from before its
 * last step, with everything it recorded (positions, plan, what each server applied): a Temporal reset to the
 * workflow task that scheduled that step. Its steps check again that each server is the one it read.
 */
export async function resumeFailover(client: Client, cluster: string): Promise<StartedFailover<WorkflowHandle<FailoverWorkflow>>> {
  const workflowId = failoverWorkflowId(cluster);
  const current = await client.workflow.getHandle(workflowId).describe().catch(() => null);
  if (current?.status.name === 'RUNNING') return { handle: client.workflow.getHandle<FailoverWorkflow>(workflowId, current.runId), workflowId, runId: current.runId, started: false };
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
  return { handle: client.workflow.getHandle<FailoverWorkflow>(workflowId, reset.runId ?? undefined), workflowId, runId: reset.runId ?? '', started: true };
}
