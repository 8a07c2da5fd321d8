// The record of a cluster's failovers is Temporal's own visibility store: completed `failover` workflows with
// the cluster's MhaflowCluster and MhaflowPhase=completed. Durable, shared by every worker, nothing on one disk.
// The anti-flapping check (activities/failover-check.ts), the refusal to start over an unresolved failover, its
// --resume, and the rejoin (activities/rejoin-check.ts) read it (MHA keeps a failover.error file on the manager).
import type { Client } from '@temporalio/client';
import { FAILOVER_WORKFLOW, type UnresolvedFailover } from '../contracts/failover';

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

interface FailureJson { message?: string | null; cause?: FailureJson | null }

/** The innermost message of a failure chain ("Activity task failed" wraps what the activity said). */
function innermost(f: FailureJson | null | undefined): string {
  let msg = '';
  for (let cur = f; cur; cur = cur.cause) if (cur.message) msg = cur.message;
  return msg;
}

/**
 * The cluster's failovers that ended, newest first, until the last completed one: the newest that stopped after
 * changing servers (aborted, or terminated or timed out beyond its check) is unresolved; refusals and dry runs
 * changed nothing.
 */
export async function findUnresolvedFailover(client: Client, cluster: string): Promise<UnresolvedFailover | null> {
  const query = `WorkflowType = '${FAILOVER_WORKFLOW}' AND MhaflowCluster = '${cluster.replace(/'/g, '')}' AND ExecutionStatus != 'Running'`;
  const runs: { workflowId: string; runId: string; closeTime: string; status: string; phase: string }[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: 50 })) {
    const phase = String(wf.searchAttributes?.MhaflowPhase?.[0] ?? '');
    runs.push({ workflowId: wf.workflowId, runId: wf.runId, closeTime: wf.closeTime?.toISOString() ?? '', status: wf.status.name, phase });
    if (runs.length >= 50) break;
  }
  runs.sort((a, b) => (a.closeTime < b.closeTime ? 1 : -1));
  for (const r of runs) {
    if (r.phase === 'completed') return null;
    if (['dry-run', 'refused', 'check', ''].includes(r.phase) || r.workflowId.startsWith('failover-dryrun:')) continue;
    const history = await client.workflow.getHandle(r.workflowId, r.runId).fetchHistory().catch(() => null);
    const end = history?.events?.[history.events.length - 1];
    const message = innermost(end?.workflowExecutionFailedEventAttributes?.failure) || (end?.workflowExecutionTerminatedEventAttributes?.reason ?? '');
    return { ...r, message };
  }
  return null;
}
