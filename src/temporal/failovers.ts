// The record of a cluster's failovers is Temporal's own visibility store: completed `failover` workflows with
// the cluster's MhaflowCluster and MhaflowPhase=completed. Durable, shared by every worker, nothing on one disk.
// The anti-flapping check (activities/failover-check.ts) and the rejoin (activities/rejoin-check.ts) read it.
import type { Client } from '@temporalio/client';
import { FAILOVER_WORKFLOW } from '../contracts/failover';

export interface CompletedFailover { workflowId: string; runId: string; closeTime: string }

/** The cluster's completed failovers (closed after `since`, when given), newest first; `excludeRunId` left out (the caller itself). */
export async function completedFailovers(client: Client, cluster: string, opts: { since?: Date; excludeRunId?: string } = {}): Promise<CompletedFailover[]> {
  const query = `WorkflowType = '${FAILOVER_WORKFLOW}' AND MhaflowCluster = '${cluster.replace(/'/g, '')}' AND MhaflowPhase = 'completed' `
    + `AND ExecutionStatus = 'Completed'${opts.since ? ` AND CloseTime > '${opts.since.toISOString()}'` : ''}`;
  const out: CompletedFailover[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: 100 })) {
    if (wf.runId === opts.excludeRunId) continue;
    out.push({ workflowId: wf.workflowId, runId: wf.runId, closeTime: wf.closeTime?.toISOString() ?? '' });
  }
  return out.sort((a, b) => (a.closeTime < b.closeTime ? 1 : a.closeTime > b.closeTime ? -1 : 0));
}
