// Errors a failover step must not retry: the same files give the same damaged or misplaced event.
import { ApplicationFailure } from '@temporalio/common';
import { isBinlogReadError } from '../binlog/errors';

/** Run fn; a BinlogReadError other than an I/O failure becomes a non-retryable failure (I/O errors are retried). */
export async function binlogErrorsFinal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isBinlogReadError(e) && e.kind !== 'io') {
      throw ApplicationFailure.create({ message: e.describe(), type: 'BinlogReadError', nonRetryable: true, details: [{ server: e.server ?? null }] });
    }
    throw e;
  }
}
