// Activities throw typed errors; Temporal must know which ones retrying cannot fix.
import { ApplicationFailure } from '@temporalio/common';
import { MhaflowError } from '../src/errors';

/** Convert an error into what Temporal records: non-retryable MhaflowErrors stop the workflow with their reason. */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MhaflowError) {
    return ApplicationFailure.create({
      message: err.describe(),
      type: err.name,
      nonRetryable: err.nonRetryable,
      details: [{ server: err.server ?? null, hint: err.hint ?? null }],
    });
  }
  return err;
}

/** Run an activity body, converting its errors. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toActivityFailure(e);
  }
}

/** Error type names the workflows list as nonRetryableErrorTypes, as a second guard. */
export const NON_RETRYABLE_ERROR_TYPES = ['ConfigError', 'SafetyError', 'RefusedError'];
