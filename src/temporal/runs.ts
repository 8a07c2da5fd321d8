// Whether a workflow of a given id is running, through the SDK client: one failover or switchover per cluster at a time.
import type { Client } from '@temporalio/client';
import type { RunningRun } from '../contracts/common';

/** The running execution of `workflowId`, or null (none, or it ended). Errors other than "not found" are thrown. */
export async function runningWorkflow(client: Client, workflowId: string): Promise<RunningRun | null> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING') return null;
    return { workflowId, runId: d.runId, startTime: d.startTime?.toISOString() ?? null };
  } catch (e) {
    if ((e as Error).name === 'WorkflowNotFoundError') return null;
    throw e;
  }
}
