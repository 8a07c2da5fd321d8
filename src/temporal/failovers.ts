// The record of a cluster's failovers is Temporal's own visibility store: completed `failover` workflows with
// the cluster's MhaflowCluster and MhaflowPhase=completed. Durable, shared by every worker, nothing on one disk.
// The anti-flapping check (activities/failover-check.ts), the refusal to start over an unresolved failover, its
// --resume, and the rejoin (activities/rejoin-check.ts) read it (MHA keeps a failover.error file on the manager).
import type { Client } from '@temporalio/client';
import { FAILOVER_WORKFLOW, type UnresolvedFailover } from '../contracts/failover';

export interface CompletedFailover { workflowId: string; runId: string; closeTime: string }

/**
 * The cluster's newest completed failover (closed after `since`, when given), `excludeRunId` left out (the caller itself).
 * Only the first page is read: Temporal's visibility stores list closed runs newest first (by close time, the order of
 * their default index), and a long-lived store holds many: listing all of them, the check of the 145th failover on the
 * lab decoded 145 executions (50-100 ms, more in a fresh worker), to use one. The page is sorted again, in case a store
 * orders otherwise within it.
 */
export async function newestCompletedFailover(client: Client, cluster: string, opts: { since?: Date; excludeRunId?: string } = {}): Promise<CompletedFailover | null> {
  const query = `${failoversOf(cluster)} AND MhaflowPhase = 'completed' `
    + `AND ExecutionStatus = 'Completed'${opts.since ? ` AND CloseTime > '${opts.since.toISOString()}'` : ''}`;
  const page: CompletedFailover[] = [];
  let seen = 0;
  for await (const wf of client.workflow.list({ query, pageSize: NEWEST_PAGE })) {
    if (wf.runId !== opts.excludeRunId) page.push({ workflowId: wf.workflowId, runId: wf.runId, closeTime: wf.closeTime?.toISOString() ?? '' });
    if (++seen >= NEWEST_PAGE) break; // the iterator fetches the next page only when asked for its first item
  }
  return page.sort(newestClosedFirst)[0] ?? null;
}

const NEWEST_PAGE = 10;

/** The visibility query's clause for the failovers of one cluster (a quote in its name cannot end the literal). */
function failoversOf(cluster: string): string {
  return `WorkflowType = '${FAILOVER_WORKFLOW}' AND MhaflowCluster = '${cluster.replace(/'/g, '')}'`;
}

/** Runs by close time (ISO strings), newest first. */
function newestClosedFirst(a: { closeTime: string }, b: { closeTime: string }): number {
  return a.closeTime < b.closeTime ? 1 : a.closeTime > b.closeTime ? -1 : 0;
}

interface FailureJson { message?: string | null; cause?: FailureJson | null }

/** The innermost message of a failure chain ("Activity task failed" wraps what the activity said). */
function innermost(f: FailureJson | null | undefined): string {
  let msg = '';
  for (let cur = f; cur; cur = cur.cause) if (cur.message) msg = cur.message;
  return msg;
}

/**
 * Phases of an ended failover that cannot leave the cluster unresolved: completed, and those that changed nothing (dry
 * runs, refusals, stops at the check).
 */
const NOT_UNRESOLVED = ['completed', 'dry-run', 'refused', 'check'];

/**
 * The newest failover of the cluster that stopped after changing servers (aborted, or terminated or timed out beyond its
 * check), unless a failover completed after it; refusals and dry runs changed nothing. Only those candidates are listed,
 * not every failover that ended: a long-lived store holds many completed ones, dry runs and refusals, and decoding 50 of
 * them at every check kept a fresh worker busy for 0.1 s on the lab (15 ms against 4 ms warm on a store of 21 failovers).
 * Whether one completed later is counted, not listed.
 */
export async function findUnresolvedFailover(client: Client, cluster: string): Promise<UnresolvedFailover | null> {
  const ofCluster = failoversOf(cluster);
  const query = `${ofCluster} AND ExecutionStatus != 'Running'${NOT_UNRESOLVED.map((p) => ` AND MhaflowPhase != '${p}'`).join('')}`;
  const runs: { workflowId: string; runId: string; closeTime: string; status: string; phase: string }[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: 50 })) {
    const phase = String(wf.searchAttributes?.MhaflowPhase?.[0] ?? '');
    // A store that matches a missing attribute as different (Elasticsearch) lists the runs that never set one: skipped.
    if (phase === '' || NOT_UNRESOLVED.includes(phase) || wf.workflowId.startsWith('failover-dryrun:')) continue;
    runs.push({ workflowId: wf.workflowId, runId: wf.runId, closeTime: wf.closeTime?.toISOString() ?? '', status: wf.status.name, phase });
    if (runs.length >= 50) break;
  }
  const newest = runs.sort(newestClosedFirst)[0];
  if (!newest) return null;
  const later = await client.workflow.count(`${ofCluster} AND MhaflowPhase = 'completed' AND CloseTime > '${newest.closeTime}'`);
  if (later.count > 0) return null;
  const history = await client.workflow.getHandle(newest.workflowId, newest.runId).fetchHistory().catch(() => null);
  const end = history?.events?.[history.events.length - 1];
  const message = innermost(end?.workflowExecutionFailedEventAttributes?.failure) || (end?.workflowExecutionTerminatedEventAttributes?.reason ?? '');
  return { ...newest, message };
}
