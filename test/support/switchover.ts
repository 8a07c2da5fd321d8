// Helpers of the switchover scenarios: a run and its report or failure, the progress query, and the checks every
// scenario ends with (one writable server, the old master a replica of the new one, the data oracle on all four).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { resultOf } from '../../lab/harness';
import { waitConverged, writableServer } from '../../lab/watch';
import type { RunningWriter } from '../../lab/writer';
import { failureReason } from '../../src/temporal/http';
import type { ClusterConfig } from '../../src/config/schema';
import { PROGRESS_QUERY } from '../../src/contracts/common';
import type { SwitchoverInput, SwitchoverProgress, SwitchoverReport } from '../../src/contracts/switchover';
import { queryRows, showReplicaStatus, withConnection } from '../../src/mysql/client';
import { startSwitchover } from '../../src/switchover/start';
import { assertSurvivorsHold } from './harness';

export async function switchoverRun(client: Client, taskQueue: string, cfg: ClusterConfig, input: Omit<SwitchoverInput, 'cluster'> = {}): Promise<{ report: SwitchoverReport; ms: number; handle: WorkflowHandle }> {
  const t0 = Date.now();
  // The lab's replicas lag a loaded machine's writer by seconds: the 1 s production default would refuse scenarios that
  // are not about lag (a test about it sets its own).
  const { handle } = await startSwitchover(client, { cluster: cfg.cluster, lagThresholdSeconds: 120, ...input }, { taskQueue });
  const report = await resultOf<SwitchoverReport>(handle, 180_000);
  return { report, ms: Date.now() - t0, handle };
}

/** The refusal or failure a switchover ended with. */
export async function switchoverFailure(client: Client, taskQueue: string, cfg: ClusterConfig, input: Omit<SwitchoverInput, 'cluster'> = {}): Promise<{ type: string | null; message: string }> {
  try {
    const r = await switchoverRun(client, taskQueue, cfg, input);
    throw new Error(`expected the switchover to fail, it ended ${r.report.outcome}`);
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    return failureReason(e);
  }
}

export async function waitSwitchoverProgress(handle: WorkflowHandle, pred: (p: SwitchoverProgress) => boolean, timeoutMs = 90_000): Promise<SwitchoverProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query<SwitchoverProgress>(PROGRESS_QUERY).catch(() => null);
    if (p && pred(p)) return p;
    const last = `last: ${JSON.stringify(p?.steps.map((s) => `${s.id}:${s.status}`))}`;
    // A closed run makes no more progress: say how it ended now rather than at the deadline.
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') throw new Error(`switchover ${handle.workflowId} ended ${status.name} before the progress condition was met (${last})`);
    if (Date.now() > deadline) throw new Error(`switchover progress condition not met within ${timeoutMs} ms (${last})`);
    await sleep(20);
  }
}

/**
 * Until the server is read-only: the freeze took hold. The freeze and the wait run as local activities, inside one
 * workflow task, so the progress query cannot tell the instant between them; the server itself can.
 */
export async function waitReadOnly(cfg: ClusterConfig, server: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withConnection(cfg, cfg.servers.find((s) => s.name === server)!, async (c) => {
    while (Number((await queryRows(c, 'SELECT @@GLOBAL.read_only AS ro'))[0]?.ro) !== 1) {
      if (Date.now() > deadline) throw new Error(`${server} did not become read-only within ${timeoutMs} ms`);
      await sleep(2);
    }
  });
}

export function logSwitchover(r: SwitchoverReport, ms: number): void {
  const say = (l: string) => process.stderr.write(`${l}\n`);
  say(`  switchover ${r.cluster}: ${r.plan?.origMaster} -> ${r.plan?.newMaster} (${r.plan?.mode}) ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`);
  say(`    frozen at ${r.timings.frozenMs} ms, writable at ${r.timings.writableMs} ms, total ${r.timings.totalMs} ms (client ${ms} ms)`);
  if (process.env.MHAFLOW_TEST_VERBOSE) for (const s of r.steps) say(`    ${String(s.ms ?? '').padStart(5)} ms  ${s.title}${s.detail ? `: ${s.detail.slice(0, 200)}` : ''}`);
}

/** Ids on `server` that `other` lacks. */
export async function idsOnlyOn(cfg: ClusterConfig, server: string, other: string): Promise<number[]> {
  const ids = (name: string) => withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => new Set((await queryRows(c, 'SELECT id FROM mhaflow_test.writes')).map((r) => Number(r.id))));
  const [a, b] = await Promise.all([ids(server), ids(other)]);
  return [...a].filter((id) => !b.has(id));
}

/**
 * After a completed switchover with the writer still running: the new master is the one writable server, the old
 * master replicates from it, the writer wrote there, no id exists only on the old master, and once everything
 * converged the data oracle holds on all four servers.
 */
export async function assertSwitched(cfg: ClusterConfig, r: SwitchoverReport, writer: RunningWriter): Promise<void> {
  const { origMaster, newMaster } = r.plan!;
  assert.equal(r.outcome, 'completed', r.reason);
  await writer.waitAcked(writer.acked().length + 50);
  assert.equal(await writableServer(cfg), newMaster);
  const st = await withConnection(cfg, cfg.servers.find((s) => s.name === origMaster)!, (c) => showReplicaStatus(c));
  const nm = cfg.servers.find((s) => s.name === newMaster)!;
  assert.ok(st && st.sourceHost === nm.host && st.ioRunning === 'Yes' && st.sqlRunning, `${origMaster} replicates from ${newMaster}: ${JSON.stringify(st && { host: st.sourceHost, io: st.ioRunning, sql: st.sqlRunning, err: st.lastSqlError })}`);
  await writer.stop();
  await waitConverged(cfg, newMaster);
  assert.deepEqual(await idsOnlyOn(cfg, origMaster, newMaster), [], `no row landed on ${origMaster} after its freeze`);
  await assertSurvivorsHold(cfg, cfg.servers.map((s) => s.name), writer.acked());
}
