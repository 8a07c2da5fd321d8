// The worker as a service (issue 16): SIGTERM stops it gracefully and it exits 0 within its grace time + 1 s,
// leaving no process behind, whether idle, after a failover (SSH connections cached, metrics served) or in
// the middle of a step (the step completes, or is retried on another worker, and nothing is applied twice).
// Its metrics and liveness endpoints answer with the expected names.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { connectServer } from '../../src/mysql/client';
import { startFailover } from '../../src/failover/start';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import type { FailoverReport } from '../../src/contracts/failover';
import { resultOf } from '../../lab/harness';
import { pidAlive } from '../../lab/system';
import type { WorkerProcess } from '../../lab/worker-process';
import { freeLoopbackPort } from '../../worker/telemetry';
import { assertSurvivorsHold, deadMasterWithTail, logFailover, waitProgress, workerProcesses } from '../support/harness';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const SURVIVORS = ['db2', 'db3', 'db4'];
const spawnWorker = workerProcesses().spawn; // each test's workers are killed as it ends
let connection: Connection | undefined;
after(async () => { await connection?.close(); });

async function client(): Promise<Client> {
  connection ??= await Connection.connect({ address: temporalAddress() });
  return new Client({ connection, namespace: temporalNamespace() });
}

/** Processes whose environment names this worker (itself and anything it started). */
function processesOf(identity: string): number[] {
  const mark = Buffer.from(`MHAFLOW_WORKER_IDENTITY=${identity}\0`);
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`).includes(mark) && pidAlive(pid);
    } catch {
      return false;
    }
  });
}

/** SIGTERM the worker; its exit code, and the ms from the signal to its exit. */
async function sigterm(w: WorkerProcess): Promise<{ code: number | null; ms: number }> {
  assert.ok(w.exited, 'a child worker process');
  // It may have helpers of its own (tsx's esbuild service while it compiles): all must be gone after.
  assert.ok(processesOf(w.identity).includes(w.pid), 'the worker runs');
  const t0 = Date.now();
  process.kill(w.pid, 'SIGTERM');
  const exit = await Promise.race([w.exited, sleep(30_000).then(() => null)]);
  assert.ok(exit, `the worker ${w.pid} did not exit within 30 s of SIGTERM (log: ${w.log})`);
  const ms = exit.at - t0;
  // Where the time went, by the worker's own log (same clock): signal handled, last line written, process gone.
  const times = readFileSync(w.log, 'utf8').split('\n').map((l) => ({ t: Number(/"time":(\d+)/.exec(l)?.[1] ?? 0), l })).filter((x) => x.t >= t0);
  const handled = times.find((x) => /"msg":"stopping/.test(x.l))?.t;
  const last = times[times.length - 1]?.t;
  process.stderr.write(`  SIGTERM -> exit ${exit.code} in ${ms} ms (handled at +${handled ? handled - t0 : '?'} ms, last log line at +${last ? last - t0 : '?'} ms)\n`);
  assert.deepEqual(processesOf(w.identity), [], 'no process left behind');
  return { code: exit.code, ms };
}

const queue = (what: string) => `mhaflow-stop-${what}-${process.pid}-${Date.now().toString(36)}`;

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

const failoverWithDiffs = (prefix: string, tail: number) => deadMasterWithTail(prefix, tail);

describe('worker shutdown on SIGTERM', () => {
  it('idle: exits 0 within its grace time + 1 s', async () => {
    const w = await spawnWorker(queue('idle'), { MHAFLOW_SHUTDOWN_GRACE: '3s' });
    const { code, ms } = await sigterm(w);
    assert.equal(code, 0);
    assert.ok(ms < 3000 + 1000, `${ms} ms`);
    const log = readFileSync(w.log, 'utf8');
    assert.match(log, /worker stopped/);
  });

  it('after a failover (SSH connections cached): metrics and liveness answer, then SIGTERM exits 0 within grace + 1 s', async () => {
    const { cfg, acked } = await failoverWithDiffs('stop-after', 100);
    const taskQueue = queue('after');
    const port = await freeLoopbackPort();
    const w = await spawnWorker(taskQueue, { MHAFLOW_SHUTDOWN_GRACE: '3s', MHAFLOW_METRICS_ADDRESS: `127.0.0.1:${port}` });
    const { handle } = await startFailover(await client(), { cluster: cfg.cluster }, { taskQueue });
    const report = await resultOf<FailoverReport>(handle);
    await assertSurvivorsHold(cfg, SURVIVORS, acked);

    const health = await httpGet(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).state, 'RUNNING');
    const metrics = (await httpGet(`http://127.0.0.1:${port}/metrics`)).body;
    // The SDK's own runtime telemetry (Core's exporter)...
    for (const name of ['temporal_worker_task_slots_available', 'temporal_num_pollers', 'temporal_activity_execution_latency', 'temporal_workflow_task_execution_latency', 'temporal_request']) {
      assert.match(metrics, new RegExp(`^${name}[{ _]`, 'm'), name);
    }
    // ... and mhaflow's: the failover's outcome, its steps' durations, process metrics.
    assert.match(metrics, new RegExp(`^mhaflow_failovers_total\\{cluster="${cfg.cluster}",outcome="completed"\\} 1$`, 'm'));
    assert.match(metrics, /^mhaflow_workflows_total\{workflow="failover",outcome="completed"\} 1$/m);
    assert.match(metrics, /^# TYPE mhaflow_refusals_total counter$/m);
    assert.match(metrics, /^mhaflow_step_duration_seconds_count\{step="[A-Za-z]+",outcome="ok"\} \d+$/m);
    assert.match(metrics, /^mhaflow_process_resident_memory_bytes \d+/m);
    assert.ok(report.steps.length > 0);
    // It warmed up as it started (worker/warm.ts): an SQL read of each server that answers, an SSH session to each host.
    const warm = readFileSync(w.log, 'utf8').split('\n').filter((l) => l.includes('"msg":"warm-up: ')).map((l) => JSON.parse(l) as { sql: number; ssh: number; problems: string[] })[0];
    assert.ok(warm, `no warm-up line in ${w.log}`);
    assert.ok(warm.sql >= SURVIVORS.length && warm.ssh >= SURVIVORS.length + 1, `warm-up: ${JSON.stringify(warm)}`);
    // ... then ran its first workflow (read-only) so that the failover did not pay for the workflow sandbox.
    assert.match(readFileSync(w.log, 'utf8'), /"msg":"warm-up: a first workflow ran/, `no warm-up workflow in ${w.log}`);

    const { code, ms } = await sigterm(w);
    assert.equal(code, 0);
    assert.ok(ms < 3000 + 1000, `${ms} ms`);
  });

  /** The new master's failoverApplyDiff in the history (the replicas' applies may run beside it): its event id and activity id. */
  function newMasterApply(events: HistoryEvent[], newMaster: string): { eventId: string; activityId: string } | undefined {
    for (const e of events) {
      const a = e.activityTaskScheduledEventAttributes;
      if (a?.activityType?.name !== 'failoverApplyDiff') continue;
      const input = JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8')) as { server: string };
      if (input.server === newMaster) return { eventId: String(e.eventId), activityId: String(a.activityId) };
    }
    return undefined;
  }

  /**
   * Two workers; SIGTERM the one running the new master's apply step while it applies. `holdApply`: the test holds a
   * global read lock on the new master from the moment that apply runs until the stopping worker exited, so the apply
   * cannot end within the grace time, however fast the machine.
   */
  async function sigtermMidApply(graceMs: number, tail: number, o: { holdApply?: boolean } = {}) {
    const { cfg, acked } = await failoverWithDiffs(`stop-mid-${graceMs}`, tail);
    const taskQueue = queue(`mid-${graceMs}`);
    const env = { MHAFLOW_SHUTDOWN_GRACE: `${graceMs}ms` };
    const pair = [await spawnWorker(taskQueue, env), await spawnWorker(taskQueue, env)];
    const { handle } = await startFailover(await client(), { cluster: cfg.cluster }, { taskQueue });
    const p = await waitProgress(handle, (x) => x.steps.some((s) => s.id === `apply-${x.newMaster}` && s.status === 'running'), 90_000);
    const hold = o.holdApply ? await connectServer(cfg, cfg.servers.find((x) => x.name === p.newMaster)!) : undefined;
    await hold?.query('FLUSH TABLES WITH READ LOCK');
    // The step's worker, once Temporal has recorded which one took it.
    let busy: WorkerProcess | undefined;
    let pending: { activityId?: string | null; activityType?: { name?: string | null } | null; lastWorkerIdentity?: string | null }[] = [];
    for (const deadline = Date.now() + 30_000; !busy && Date.now() < deadline; await sleep(20)) {
      const apply = newMasterApply((await handle.fetchHistory()).events ?? [], p.newMaster!);
      pending = (await handle.describe()).raw.pendingActivities ?? [];
      busy = pair.find((w) => pending.some((a) => a.activityId === apply?.activityId && a.lastWorkerIdentity === w.identity));
    }
    assert.ok(busy, `the worker running apply-${p.newMaster} (pending: ${pending.map((a) => `${a.activityType?.name}@${a.lastWorkerIdentity}`).join(', ')})`);
    const stopped = await sigterm(busy);
    await hold?.query('UNLOCK TABLES');
    await hold?.end();
    const report = await resultOf<FailoverReport>(handle, 180_000);
    logFailover({ report, ms: 0, workflowId: handle.workflowId });
    const target = report.servers.find((s) => s.server === report.newMaster)!;
    assert.equal((target.applied ?? 0) + (target.alreadyApplied ?? 0), target.diff!.transactions, 'every transaction of the diff applied exactly once');
    await assertSurvivorsHold(cfg, SURVIVORS, acked);
    // Who finished the new master's apply, on which attempt (history keeps the last attempt's start).
    const events = (await handle.fetchHistory()).events ?? [];
    const apply = newMasterApply(events, report.newMaster!)!;
    const finished = events.find((e) => e.activityTaskStartedEventAttributes && String(e.activityTaskStartedEventAttributes.scheduledEventId) === apply.eventId)!.activityTaskStartedEventAttributes!;
    return { stopped, target, finishedBy: { identity: finished.identity, attempt: finished.attempt ?? 1, stopped: busy.identity } };
  }

  it('in the middle of a step, grace time long enough: the step completes on the stopping worker, exit 0 within grace + 1 s', async () => {
    const { stopped, target, finishedBy } = await sigtermMidApply(20_000, 300);
    assert.deepEqual([finishedBy.identity, finishedBy.attempt], [finishedBy.stopped, 1], 'completed by the stopping worker, first attempt');
    assert.equal(stopped.code, 0);
    assert.ok(stopped.ms < 20_000 + 1000, `${stopped.ms} ms`);
    assert.equal(target.alreadyApplied ?? 0, 0, 'the step ran once, to its end, on the stopping worker');
  });

  it('in the middle of a step, grace time too short: exit 0 within grace + 1 s, the step is retried on the other worker, nothing applied twice', async () => {
    const { stopped, finishedBy } = await sigtermMidApply(200, 600, { holdApply: true });
    assert.equal(stopped.code, 0);
    assert.ok(stopped.ms < 200 + 1000, `${stopped.ms} ms`);
    assert.ok(finishedBy.attempt >= 2 && finishedBy.identity !== finishedBy.stopped, `retried on the other worker: ${JSON.stringify(finishedBy)}`);
  });
});
