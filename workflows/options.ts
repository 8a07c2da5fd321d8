// What every workflow shares: activity retry policies (the non-retryable error types come from
// src/errors.ts, one list), timeouts, and the checks of a workflow's input.
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/errors';

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/** Read-only steps (discovery, checks): a few quick tries. */
export const quickRetry: RetryPolicy = { maximumAttempts: 3, initialInterval: '500ms', nonRetryableErrorTypes };

/** Failover steps: every one is safe to run again, so retry briskly, up to ten times. */
export const stepRetry: RetryPolicy = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 10, nonRetryableErrorTypes };

/**
 * Every activity heartbeats each second while it runs (activities/failure.ts guarded()), so a worker
 * killed at any instant of any step is detected after at most HEARTBEAT_TIMEOUT and the step is retried
 * (on another worker if there is one) at once: a crash costs seconds, not the startToCloseTimeout.
 * The worker sends them to the server every second (worker/worker.ts maxHeartbeatThrottleInterval), so a
 * live worker has 3 s of slack before a spurious timeout (which is safe anyway: every step re-runs safely).
 */
const HEARTBEAT_TIMEOUT = '4s';
/** Steps that read or change a few things. */
export const QUICK_STEP: ActivityOptions = { startToCloseTimeout: '60s', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: stepRetry };
/** Steps that move data (binlogs, diffs, relay-log applies). */
export const LONG_STEP: ActivityOptions = { startToCloseTimeout: '2h', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: stepRetry };
/** Steps that run an operator's hook: fewer tries (a hook may not be idempotent). */
export const HOOK_STEP: ActivityOptions = { startToCloseTimeout: '15m', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: { ...stepRetry, maximumAttempts: 3 } };

/**
 * Steps run as local activities, inside their workflow task: the switchover's freeze, wait and promotion, back to back
 * with writes stopped, and no trip through the server between them. They are retried here as briskly. A killed worker's
 * workflow task times out (src/temporal/start.ts: 3 s) and another worker runs them again from the start: the freeze
 * and the promotion are safe to, and the wait takes the result it signalled before the promotion, if it got that far
 * (src/switchover/claim.ts). `startToCloseTimeout` is set per call (the wait's comes from the switchover's wait timeout).
 */
export const LOCAL_STEP: Omit<LocalActivityOptions, 'startToCloseTimeout'> = { retry: stepRetry };

/** The cluster name every workflow takes (never a config: the worker reads its own). */
export function requireCluster(input: unknown, workflow: string): string {
  const cluster = (input as { cluster?: unknown } | null)?.cluster;
  if (typeof cluster !== 'string' || cluster === '') {
    throw ApplicationFailure.nonRetryable(`${workflow} needs { "cluster": "<cluster name>" }: the worker reads that cluster's config from its own directory`, 'ConfigError');
  }
  return cluster;
}

/** A workflow's refusal: nothing more is done, and the reason is the failure's message. */
export function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'RefusedError');
}
