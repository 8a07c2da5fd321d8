// Following a workflow through a restart of Temporal (any command that waits for a workflow's result: the
// failover command; switchover, rejoin and the API can do the same): a call that fails because Temporal does
// not answer is retried with backoff, for at most reconnectMs of silence, and the caller is told when contact
// is lost and restored. An answer (the workflow's failure, a refused request) is never retried.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError } from '../errors';
import { HttpAnswerError, WorkflowEndedError } from './http';

/**
 * An error that says Temporal did not answer (it may be restarting), as opposed to an answer: the workflow's
 * failure, or a request Temporal refused (no such workflow). Duck-typed on the SDK's names (not loaded here).
 */
export function isContactError(e: unknown): boolean {
  if (e instanceof WorkflowEndedError || !(e instanceof Error)) return false;
  if (e instanceof HttpAnswerError) return e.status >= 500;
  if (e instanceof ConnectionError) return true;
  if (e.name === 'WorkflowFailedError' || e.name === 'WorkflowNotFoundError') return false;
  // @temporalio/client: ServiceError wrapping a gRPC status; UNAVAILABLE 14, DEADLINE_EXCEEDED 4, CANCELLED 1, UNKNOWN 2 (a reset stream).
  const code = (e as { code?: unknown }).code ?? (e.cause as { code?: unknown } | undefined)?.code;
  if (e.name === 'ServiceError' || e.name === 'ConnectionError' || e.name === 'TransportError') return code === undefined || [1, 2, 4, 14].includes(Number(code));
  return false;
}

/** Wait before the n-th retry (0-based) while Temporal does not answer: 250 ms doubling, 2 s at most. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 2000);
}

/** A call that had been running this long before it failed was talking to Temporal: its failure starts a new silence. */
const WORKING_CALL_MS = 2000;

export interface ThroughRestarts {
  /** How long Temporal may stay silent before the caller gives up (lostError). */
  reconnectMs: number;
  onLost(e: Error, reconnectMs: number): void;
  onRestored(silentMs: number): void;
  /** The error to throw once Temporal has been silent for reconnectMs. */
  lostError(silentMs: number): Error;
}

/** `call()`, again and again while Temporal does not answer, for at most reconnectMs of silence at a time. */
export async function throughRestarts<T>(call: () => Promise<T>, o: ThroughRestarts): Promise<T> {
  let silentSince: number | null = null;
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    try {
      const value = await call();
      if (silentSince !== null) o.onRestored(Date.now() - silentSince);
      return value;
    } catch (e) {
      if (!isContactError(e)) throw e;
      if (silentSince === null || Date.now() - started > WORKING_CALL_MS) {
        if (silentSince === null) o.onLost(e as Error, o.reconnectMs);
        silentSince = Date.now();
        attempt = 0;
      }
      if (Date.now() - silentSince >= o.reconnectMs) throw o.lostError(Date.now() - silentSince);
      await sleep(reconnectDelayMs(attempt));
    }
  }
}
