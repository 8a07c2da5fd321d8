// Starting (or attaching to) a failover workflow: one per cluster at a time, id failover:<cluster>.
// A dry run gets an id of its own, so it never blocks or joins a real failover. Two ways in, the same
// workflow (src/temporal/start.ts): the SDK client (tests, demo, API) and the HTTP API (the failover command: no
// gRPC start-up cost).
import type { Client, WorkflowHandle } from '@temporalio/client';
import { FAILOVER_WORKFLOW, failoverWorkflowId, type FailoverInput, type FailoverProgress, type FailoverReport } from '../contracts/failover';
import type { TemporalHttp } from '../temporal/http';
import { followableRun, startClusterRun, startClusterRunHttp, type ClusterRunStart, type RunHandle, type StartedRun } from '../temporal/start';

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
