// Typed errors. Each carries the server it concerns (when there is one) and a hint saying what to do,
// so the CLI can print "which server, what is wrong, what to do" instead of a stack trace.
// `nonRetryable` errors are marked so by activities (ApplicationFailure) and Temporal stops retrying them.

export interface ErrorDetails {
  server?: string;
  hint?: string;
  cause?: unknown;
}

export class MhaflowError extends Error {
  readonly server?: string;
  readonly hint?: string;
  /** Retrying cannot help (bad input, split-brain risk, no candidate): stop the workflow with the reason. */
  readonly nonRetryable: boolean = false;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.server = details.server;
    this.hint = details.hint;
  }

  /** One human line (or a few): server, problem, fix. */
  describe(): string {
    const where = this.server ? `[${this.server}] ` : '';
    return `${where}${this.message}${this.hint ? `\n  fix: ${this.hint}` : ''}`;
  }
}

/** The configuration (or a CLI argument) is wrong. Never retried. */
export class ConfigError extends MhaflowError {
  override readonly nonRetryable = true;
}

/** A server could not be reached or answered with an error. Retryable: networks recover. */
export class ConnectionError extends MhaflowError {}

/** Temporal did not answer: nothing was started. */
export class TemporalUnreachableError extends ConnectionError {}

/** Temporal stopped answering while a command followed a workflow it had started: the workflow goes on. */
export class TemporalContactLostError extends ConnectionError {}

/** Continuing would risk two writable masters or lost data. Never retried. */
export class SafetyError extends MhaflowError {
  override readonly nonRetryable = true;
}

/** A failover or switchover precondition does not hold (no candidate, recent failover...). Never retried. */
export class RefusedError extends MhaflowError {
  override readonly nonRetryable = true;
}

/** A hook failed in a way MHA stops for (master_ip_failover, shutdown). Never retried: the operator decides. */
export class HookError extends MhaflowError {
  override readonly nonRetryable = true;
}

/** A diff could not be applied for a reason retrying will not fix (an SQL error in the replayed events). */
export class DiffApplyError extends MhaflowError {
  override readonly nonRetryable = true;
}

/** A remote command (over SSH) failed. */
export class RemoteCommandError extends MhaflowError {}

/** A binary log could not be read or is corrupt. */
export class BinlogError extends MhaflowError {}

export function errorMessage(err: unknown): string {
  if (err instanceof MhaflowError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * The error types no retry can fix, as Temporal sees them (an activity's error name becomes the failure's
 * type): every workflow's retry policy lists them. One list; test/src/errors.test.ts checks it against the
 * classes. BinlogReadError: the same damaged or misplaced event again (I/O errors are converted to retryable).
 */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = ['ConfigError', 'SafetyError', 'RefusedError', 'HookError', 'DiffApplyError', 'BinlogReadError'];
