// Starting (or attaching to) a switchover workflow: one per cluster at a time, id switchover:<cluster>. A dry run
// gets an id of its own. Two ways in, the same workflow (src/temporal/start.ts): the SDK client (tests, the HTTP API)
// and Temporal's HTTP API (the switchover command: no gRPC start-up cost). Approve and reject are signals.
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  APPROVE_SIGNAL, REJECT_SIGNAL, SWITCHOVER_WORKFLOW, switchoverWorkflowId, type ApprovalAnswer, type SwitchoverInput, type SwitchoverProgress,
  type SwitchoverReport,
} from '../contracts/switchover';
import type { TemporalHttp } from '../temporal/http';
import { followableRun, startClusterRun, startClusterRunHttp, type ClusterRunStart, type RunHandle, type StartedRun } from '../temporal/start';

/** What following a switchover needs of its workflow, whichever API started it. */
export type SwitchoverHandle = RunHandle<SwitchoverProgress, SwitchoverReport>;

export type StartedSwitchover<H = SwitchoverHandle> = StartedRun<H>;

function startOptions(input: SwitchoverInput, taskQueue?: string): ClusterRunStart<SwitchoverInput> {
  return {
    workflowType: SWITCHOVER_WORKFLOW, workflowId: switchoverWorkflowId(input.cluster, input.dryRun), cluster: input.cluster, input, taskQueue,
    summary: `${input.dryRun ? 'dry run of a ' : ''}switchover of cluster ${input.cluster}${input.newMaster ? ` to ${input.newMaster}` : ''}${input.approval ? ' (waits for approval)' : ''}`,
    details: `new master: ${input.newMaster ?? 'chosen'}\nold master becomes a replica: ${input.origMasterIsNewReplica ?? true}\napproval: ${Boolean(input.approval)}`,
  };
}

export type SwitchoverWorkflow = (input: SwitchoverInput) => Promise<SwitchoverReport>;

export async function startSwitchover(client: Client, input: SwitchoverInput, opts: { taskQueue?: string } = {}): Promise<StartedSwitchover<WorkflowHandle<SwitchoverWorkflow>>> {
  return startClusterRun<SwitchoverInput, SwitchoverReport>(client, startOptions(input, opts.taskQueue));
}

/** What the CLI follows of an SDK handle. */
export function followableSwitchover(h: WorkflowHandle<SwitchoverWorkflow>): SwitchoverHandle {
  return followableRun<SwitchoverProgress, SwitchoverReport>(h);
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startSwitchoverHttp(api: TemporalHttp, input: SwitchoverInput, opts: { taskQueue?: string } = {}): Promise<StartedSwitchover> {
  return startClusterRunHttp<SwitchoverInput, SwitchoverProgress, SwitchoverReport>(api, startOptions(input, opts.taskQueue));
}

/** Answer a plan waiting for approval (the approve or reject signal). */
export async function answerSwitchover(client: Client, workflowId: string, approved: boolean, answer: ApprovalAnswer = {}): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(approved ? APPROVE_SIGNAL : REJECT_SIGNAL, answer);
}
