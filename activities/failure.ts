// What every activity shares: typed errors converted for Temporal (which ones retrying cannot fix), a
// heartbeat while it runs, and the cluster config it acts on, resolved on this worker.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { clusterConfig, type ClusterRef } from '../src/config/registry';
import type { ClusterConfig } from '../src/config/schema';
import { serverByName } from '../src/config/servers';
import { MhaflowError, SafetyError } from '../src/errors';
import { withConnection, type Connection } from '../src/mysql/client';
import { identityChange, readIdentity, type ServerIdentity } from '../src/mysql/identity';

/**
 * Every failover activity names its cluster and the config digest the workflow started with; the config
 * (servers, hooks, secrets references) is read here, on the worker, never taken from the history.
 * `identities`: each server as the workflow's check found it; a step acting on a server checks it is still
 * that one (not rebuilt, not restarted). `deadline`: past it (epoch ms), no step acts any more: a workflow
 * resumed late would act on positions read long before.
 */
export interface ClusterInput { cluster: ClusterRef; identities?: Record<string, ServerIdentity>; deadline?: number }

export function clusterOf(input: ClusterInput): ClusterConfig {
  if (input.deadline !== undefined && Date.now() > input.deadline) {
    throw new SafetyError(`the failover's deadline passed at ${new Date(input.deadline).toISOString()}: this step (waiting for a worker until now) `
      + 'would act on positions and states read long before', { hint: 'nothing more is done; check the servers, then run the failover again (failover.deadline sets the limit)' });
  }
  return clusterConfig(input.cluster);
}

/** A connection to `name` once it is seen to be the server the workflow's check read. */
export async function connectTo<T>(input: ClusterInput, cfg: ClusterConfig, name: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
  return withConnection(cfg, serverByName(cfg, name), async (conn) => {
    const was = input.identities?.[name];
    if (was) {
      const change = identityChange(was, await readIdentity(conn));
      if (change) {
        throw new SafetyError(`${name} is not the server this failover read: ${change}`, {
          server: name, hint: 'its data and positions may differ from what the failover planned with: nothing more is done; check it, then run the failover again',
        });
      }
    }
    return fn(conn);
  });
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

/**
 * The running activity's context when it is a regular one. A local activity (the switchover's freeze and wait run
 * inside their workflow task, no trip through the server between them) has no heartbeat: its workflow task is.
 */
function remoteContext(): Context | undefined {
  try {
    const ctx = Context.current();
    return ctx.info.isLocal ? undefined : ctx;
  } catch {
    return undefined; // a direct call, outside any activity
  }
}

/** Heartbeat with details (progress shown in the UI) when running as a regular activity; else nothing. */
export function heartbeatDetails(details?: unknown): void {
  try { remoteContext()?.heartbeat(details); } catch { /* completed or cancelled */ }
}

/** How often every activity heartbeats while it runs (worker/worker.ts lets each one through to the server). */
export const HEARTBEAT_EVERY_MS = 1000;

/**
 * Run an activity body, converting its errors, and heartbeating while it runs: every failover activity
 * has a short heartbeatTimeout, so a worker killed in the middle of any step (short or long) is noticed
 * within seconds and the step is retried on another worker. Outside an activity (a direct call) no heartbeat.
 */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = remoteContext();
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
