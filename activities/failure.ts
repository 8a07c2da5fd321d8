// What every activity shares: typed errors converted for Temporal (which ones retrying cannot fix), a
// heartbeat while it runs, and the cluster config it acts on, resolved on this worker.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { clusterConfig, type ClusterRef } from '../src/config/registry';
import type { ClusterConfig } from '../src/config/schema';
import { MhaflowError } from '../src/errors';

/**
 * Every failover activity names its cluster and the config digest the workflow started with; the config
 * (servers, hooks, secrets references) is read here, on the worker, never taken from the history.
 */
export interface ClusterInput { cluster: ClusterRef }

export function clusterOf(input: ClusterInput): ClusterConfig {
  return clusterConfig(input.cluster);
}

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

/** How often every activity heartbeats while it runs (worker/worker.ts lets each one through to the server). */
export const HEARTBEAT_EVERY_MS = 1000;

/**
 * Run an activity body, converting its errors, and heartbeating while it runs: every failover activity
 * has a short heartbeatTimeout, so a worker killed in the middle of any step (short or long) is noticed
 * within seconds and the step is retried on another worker. Outside an activity (a direct call) no heartbeat.
 */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try { ctx = Context.current(); } catch { ctx = undefined; }
  const beat = ctx ? setInterval(() => { try { ctx!.heartbeat(); } catch { /* completed or cancelled */ } }, HEARTBEAT_EVERY_MS) : undefined;
  beat?.unref();
  try {
    return await fn();
  } catch (e) {
    throw toActivityFailure(e);
  } finally {
    if (beat) clearInterval(beat);
  }
}
