// How a workflow ended, as the worker's metrics count it: read by the workflow interceptor (in the workflow
// sandbox, so plain code, no SDK import: failures are read by their names) and reported through a sink.

export type WorkflowOutcome = 'completed' | 'completed-unrecoverable' | 'completed-degraded' | 'dry-run' | 'refused' | 'failed' | 'cancelled' | 'terminated';

/** Failure types that mean "refused, nothing changed" (src/errors.ts's refusal classes, by name). */
const REFUSALS = new Set(['RefusedError', 'SafetyError', 'ConfigError']);

/** A workflow's result: a failover's report (dryRun, unrecoverable, leftOut, fence), a switchover's (outcome), or anything else (completed). */
export function outcomeOfResult(result: unknown): WorkflowOutcome {
  const r = result as { dryRun?: unknown; unrecoverable?: unknown; leftOut?: unknown; fence?: { verified?: unknown } | null; outcome?: unknown } | null | undefined;
  if (r && (r.dryRun === true || r.outcome === 'dry-run')) return 'dry-run';
  if (r && Array.isArray(r.unrecoverable) && r.unrecoverable.length > 0) return 'completed-unrecoverable';
  if (r && ((Array.isArray(r.leftOut) && r.leftOut.length > 0) || (r.fence && r.fence.verified === false))) return 'completed-degraded';
  // A switchover that rolled back or was rejected changed nothing: as a refusal.
  if (r && (r.outcome === 'rolled-back' || r.outcome === 'rejected')) return 'refused';
  return 'completed';
}

/**
 * A workflow's thrown error, or null when it does not end the execution: a plain Error fails the workflow
 * task (retried, the workflow stays open), continue-as-new starts the next run. Only Temporal failures end it.
 */
export function outcomeOfError(e: unknown): WorkflowOutcome | null {
  if (!(e instanceof Error)) return null;
  let cur: unknown = e;
  let type: string | undefined;
  while (cur instanceof Error) {
    const t = (cur as { type?: unknown }).type;
    if (cur.name === 'ApplicationFailure' && typeof t === 'string') type = t;
    cur = cur.cause;
  }
  if (e.name === 'CancelledFailure') return 'cancelled';
  if (e.name === 'TerminatedFailure') return 'terminated';
  if (!/Failure$/.test(e.name)) return null;
  return type && REFUSALS.has(type) ? 'refused' : 'failed';
}

/** What the workflow interceptor reports to the worker (sink `mhaflowMetrics.workflowEnded`). */
export interface WorkflowEnded { workflow: string; cluster: string | null; outcome: WorkflowOutcome; ms: number }
