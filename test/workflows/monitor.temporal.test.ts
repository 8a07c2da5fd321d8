// The monitor workflow with its activities mocked and a stand-in failover (test/support/monitor-workflows.ts),
// on a real Temporal server without a lab: what it does on each verdict, exactly one failover as a child with
// the failover's own id, pause and resume, a refused failover held, a failover started by someone else,
// reports, stop, and continue-as-new carrying its state.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type * as activities from '../../activities';
import type { ConfirmFacts, ConfirmInput, MonitorLoadFacts, WatchInput, WatchResult } from '../../activities/monitor';
import { failoverWorkflowId } from '../../src/contracts/failover';
import {
  MONITOR_SIGNALS, MONITOR_STATUS_QUERY, monitorWorkflowId, type HostView, type MonitorEvidence, type MonitorInput, type MonitorStatus, type PingResult,
  type ReplicaView,
} from '../../src/contracts/monitor';
import { bundleOf, testEnvironment } from '../support/temporal-env';

type Acts = typeof activities;
type Watch = Omit<WatchResult, 'marks' | 'warnings' | 'checkedAt' | 'master' | 'failures' | 'failingSince'> & Partial<WatchResult>;

const NOW = () => new Date().toISOString();
const SETTINGS = {
  pingIntervalMs: 200, pingType: 'select' as const, failuresBeforeDead: 3, stallTimeoutMs: 2000, replicaCheckIntervalMs: 1000,
  replicaHeartbeatPeriodSec: null, secondaryCheck: false, report: false,
};

function loadFacts(master: string | null, o: Partial<MonitorLoadFacts> = {}): MonitorLoadFacts {
  return { cluster: { name: 'x', digest: 'd1' }, settings: SETTINGS, master, warnings: [], heartbeats: [{ server: 'db3', periodSec: 1 }], marks: {}, ...o };
}

const failedPing = (kind: 'refused' | 'timeout'): PingResult => ({ at: NOW(), ok: false, ms: 1, error: { kind, code: kind, message: kind } });
const pingFailed: Watch = { change: 'ping-failed', detail: 'db1: refused', lastPing: failedPing('refused'), failures: 1, failingSince: NOW() };
const pingRecovered: Watch = { change: 'ping-recovered', detail: 'db1 answers', lastPing: { at: NOW(), ok: true, ms: 1 } };

function view(server: string, o: Partial<ReplicaView> = {}): ReplicaView {
  return { server, reachable: true, pointsAtMaster: true, ioRunning: 'Yes', lastIoErrno: 0, lastIoError: '', heartbeatPeriodSec: 1, silentMs: 100, heardWithinMs: 600, ...o };
}
const lostView = (server: string) => view(server, { ioRunning: 'Connecting', lastIoErrno: 2003, heardWithinMs: null });

function evidence(o: { last?: PingResult; replicas?: ReplicaView[]; host?: Partial<HostView>; failingForMs?: number } = {}): ConfirmFacts {
  return {
    marks: {},
    evidence: {
      master: 'db1', at: NOW(),
      manager: { consecutiveFailures: 3, failingSince: new Date(Date.now() - (o.failingForMs ?? 500)).toISOString(), last: o.last ?? failedPing('refused') },
      replicas: o.replicas ?? [lostView('db2'), lostView('db3')],
      host: { ssh: 'reachable', mysqld: 'refused', detail: 'refuses connections', ms: 3, ...o.host },
      secondaryCheck: null,
    } satisfies MonitorEvidence,
  };
}
const dead = () => evidence();
const partition = () => evidence({ last: failedPing('timeout'), failingForMs: 2000, host: { ssh: 'timeout', mysqld: 'unknown' }, replicas: [view('db2'), lostView('db3')] });
const stalled = () => evidence({ last: failedPing('timeout'), host: { mysqld: 'silent' }, replicas: [view('db2', { silentMs: 800, heardWithinMs: null })] });
const answers = () => evidence({ last: { at: NOW(), ok: true, ms: 2 } });

interface Script {
  loads: MonitorLoadFacts[];
  watches: Watch[];
  confirms: ConfirmFacts[];
}

interface Recorded { name: string; input: Record<string, unknown> }

/** Activities answering from a script: each call takes the next answer (loads and confirms repeat their last); a watch
 *  with nothing left blocks, heartbeating, until the test adds an answer or it is cancelled. */
function mocks(script: Script, extra: Partial<Acts> = {}) {
  const calls: Recorded[] = [];
  let cancelledWatches = 0;
  const take = <T>(list: T[], keepLast: boolean): T | undefined => (list.length > 1 || !keepLast ? list.shift() : list[0]);
  const acts: Partial<Acts> = {
    monitorLoad: async (i) => { calls.push({ name: 'load', input: i }); return take(script.loads, true)!; },
    monitorWatch: async (i: WatchInput) => {
      calls.push({ name: 'watch', input: i as unknown as Record<string, unknown> });
      const ctx = Context.current();
      try {
        for (;;) {
          const next = take(script.watches, false);
          if (next) return { marks: i.marks, warnings: [], checkedAt: null, master: i.master, failures: next.change === 'ping-failed' ? 1 : 0, failingSince: null, ...next };
          ctx.heartbeat();
          await Promise.race([ctx.cancelled, sleep(100)]);
        }
      } catch (e) {
        cancelledWatches++;
        throw e;
      }
    },
    monitorConfirm: async (i: ConfirmInput) => { calls.push({ name: 'confirm', input: i as unknown as Record<string, unknown> }); return take(script.confirms, true)!; },
    monitorSetHeartbeat: async (i) => { calls.push({ name: 'heartbeat', input: i }); return { set: i.servers, failed: [] }; },
    monitorReport: async (i) => { calls.push({ name: 'report', input: i }); return { hook: null }; },
    ...extra,
  };
  return {
    acts, calls, cancelled: () => cancelledWatches, named: (n: string) => calls.filter((c) => c.name === n),
    /** The blocked watch returns this. */
    push: (w: Watch) => { script.watches.push(w); },
  };
}

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let n = 0;

before(async () => {
  env = await testEnvironment();
  bundle = await bundleOf(require.resolve('../support/monitor-workflows'));
});
after(async () => { await env?.teardown(); });

interface Running { handle: WorkflowHandle; cluster: string; status(): Promise<MonitorStatus> }

/** A worker of its own for one test: `fn` gets its task queue and a cluster name of its own. */
async function onWorker(m: ReturnType<typeof mocks>, prefix: string, fn: (taskQueue: string, cluster: string) => Promise<void>): Promise<void> {
  const taskQueue = `mon-test-${process.pid}-${++n}`;
  const cluster = `${prefix}-${process.pid}-${Date.now().toString(36)}-${n}`;
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, workflowBundle: bundle, activities: m.acts });
  await worker.runUntil(() => fn(taskQueue, cluster));
}

/** Run a monitor on its own task queue against the mocks; `body` drives it; the monitor is stopped afterwards. */
async function withMonitor(m: ReturnType<typeof mocks>, o: { suffix?: string; input?: Partial<MonitorInput> }, body: (r: Running) => Promise<void>): Promise<void> {
  await onWorker(m, 'mon', async (taskQueue, name) => {
    const cluster = `${name}${o.suffix ?? ''}`;
    const handle = await env.client.workflow.start('monitor', { taskQueue, workflowId: monitorWorkflowId(cluster), args: [{ cluster, ...o.input }] });
    try {
      await body({ handle, cluster, status: () => handle.query<MonitorStatus>(MONITOR_STATUS_QUERY) });
    } finally {
      await handle.signal(MONITOR_SIGNALS.stop).catch(() => {});
      await Promise.race([handle.result().catch(() => {}), sleep(5000)]);
      await handle.terminate().catch(() => {});
    }
  });
}

async function until(r: Running, pred: (s: MonitorStatus) => boolean, what: string, timeoutMs = 20_000): Promise<MonitorStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: MonitorStatus | null = null;
  for (;;) {
    last = await r.status().catch(() => last);
    if (last && pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last status ${JSON.stringify({ state: last?.state, master: last?.master, events: last?.events.slice(-5) })}`);
    await sleep(100);
  }
}

async function failoverExists(cluster: string): Promise<boolean> {
  return env.client.workflow.getHandle(failoverWorkflowId(cluster)).describe().then(() => true, () => false);
}

describe('monitor workflow, activities mocked', () => {
  it('a dead master: one failover, as a child with the id failover:<cluster>; then it watches the new master', async () => {
    const m = mocks({ loads: [loadFacts('db1'), loadFacts('db2')], watches: [pingFailed], confirms: [dead()] });
    await withMonitor(m, {}, async (r) => {
      const s = await until(r, (x) => x.master === 'db2' && x.state === 'watching', 'watching db2 after the failover');
      assert.equal(s.failovers.length, 1);
      assert.deepEqual([s.failovers[0]!.workflowId, s.failovers[0]!.outcome, s.failovers[0]!.newMaster, s.failovers[0]!.external], [failoverWorkflowId(r.cluster), 'completed', 'db2', false]);
      assert.equal(s.lastVerdict?.kind, 'dead');
      assert.equal(s.lastVerdict?.hard, true);
      const fo = await env.client.workflow.getHandle(failoverWorkflowId(r.cluster)).describe();
      assert.equal(fo.status.name, 'COMPLETED');
      assert.equal(fo.parentExecution?.workflowId, monitorWorkflowId(r.cluster), 'started by the monitor');
      assert.equal(m.named('confirm').length, 1, 'refusals everywhere: dead in one round');
      // The watch after the failover is of db2, reachable.
      await until(r, () => m.named('watch').length >= 2, 'a second watch');
      const w = m.named('watch').at(-1)!.input as unknown as WatchInput;
      assert.deepEqual([w.master, w.known.reachable], ['db2', true]);
    });
  });

  it('the manager alone loses the master (the replicas still hear it): no failover, a partition warning, back when it answers', async () => {
    const m = mocks({ loads: [loadFacts('db1')], watches: [pingFailed], confirms: [partition()] });
    await withMonitor(m, {}, async (r) => {
      const s = await until(r, (x) => x.warnings.some((w) => w.code === 'partition'), 'a partition warning');
      assert.equal(s.lastVerdict?.kind, 'alive');
      assert.equal(s.state, 'watching');
      await until(r, () => m.named('watch').length >= 2, 'a second watch');
      const w = m.named('watch')[1]!.input as unknown as WatchInput;
      assert.deepEqual(w.known, { reachable: false, witnesses: true, warningsKey: '' }, 'the watch returns when the replicas stop hearing it');
      assert.equal(await failoverExists(r.cluster), false);
      m.push(pingRecovered);
      const back = await until(r, (x) => x.events.some((e) => e.kind === 'recovered'), 'it answers again');
      assert.deepEqual(back.warnings.filter((x) => x.code === 'partition'), []);
      assert.equal(await failoverExists(r.cluster), false);
    });
  });

  it('a stall: suspect rounds while every view times out, then it answers: no failover', async () => {
    const m = mocks({ loads: [loadFacts('db1')], watches: [pingFailed], confirms: [stalled(), stalled(), answers()] });
    await withMonitor(m, {}, async (r) => {
      const s = await until(r, (x) => x.events.some((e) => e.kind === 'recovered'), 'recovered');
      assert.equal(m.named('confirm').length, 3);
      assert.equal(s.state, 'watching');
      assert.ok(s.events.some((e) => e.kind === 'verdict-suspect' && /a stall is given/.test(e.message)));
      assert.equal(await failoverExists(r.cluster), false);
    });
  });

  it('paused: a dead master is not failed over; resume fails over', async () => {
    const m = mocks({ loads: [loadFacts('db1'), loadFacts('db2')], watches: [pingFailed], confirms: [dead()] });
    await withMonitor(m, { input: { paused: { reason: 'kernel upgrade' } } }, async (r) => {
      const s = await until(r, (x) => x.state === 'master-dead', 'master-dead while paused');
      assert.equal(s.paused?.reason, 'kernel upgrade');
      assert.ok(s.events.some((e) => e.kind === 'no-failover' && /paused/.test(e.message)));
      assert.ok(s.warnings.some((w) => w.code === 'master-dead'));
      await sleep(500);
      assert.equal(await failoverExists(r.cluster), false);
      await r.handle.signal(MONITOR_SIGNALS.resume);
      const after = await until(r, (x) => x.master === 'db2', 'failed over after resume');
      assert.equal(after.paused, null);
      assert.equal(m.named('confirm').length, 2, 'judged again on resume');
    });
  });

  it('a refused failover (anti-flapping) is held: no second attempt until resumed', async () => {
    const m = mocks({ loads: [loadFacts('db1', { settings: { ...SETTINGS, report: true } })], watches: [pingFailed], confirms: [dead()] });
    await withMonitor(m, { suffix: '-refuse' }, async (r) => {
      const s = await until(r, (x) => x.state === 'failover-refused', 'failover-refused');
      assert.equal(s.failovers[0]?.outcome, 'refused');
      assert.match(s.failovers[0]!.message, /less than 480 minutes ago/);
      await until(r, () => m.named('report').length === 1, 'the report hook');
      assert.match(String(m.named('report')[0]?.input.subject), /automatic failover of db1 refused/);
      await sleep(700);
      assert.equal(m.named('confirm').length, 1);
      await r.handle.signal(MONITOR_SIGNALS.resume);
      const again = await until(r, (x) => x.failovers.length === 2 && x.failovers[1]!.outcome !== 'running', 'a second attempt after resume');
      assert.equal(again.failovers[1]!.outcome, 'refused');
    });
  });

  it('a failover someone else started: the monitor waits for it rather than start another', async () => {
    let awaited = '';
    const m = mocks({ loads: [loadFacts('db1'), loadFacts('db2')], watches: [], confirms: [dead()] }, {
      monitorAwaitFailover: async (i) => {
        awaited = i.workflowId;
        const h = env.client.workflow.getHandle(i.workflowId);
        const rep = await h.result() as { newMaster: string; deadMaster: string };
        return { runId: (await h.describe()).runId, status: 'completed' as const, report: rep as never, message: `${rep.deadMaster} -> ${rep.newMaster}` };
      },
    });
    await withMonitor(m, { suffix: '-slow' }, async (r) => {
      await until(r, (x) => x.state === 'watching' && m.named('watch').length > 0, 'watching');
      const { taskQueue } = await r.handle.describe();
      await env.client.workflow.start('failover', { taskQueue, workflowId: failoverWorkflowId(r.cluster), args: [{ cluster: r.cluster, deadMaster: 'db1' }] });
      m.push(pingFailed);
      const s = await until(r, (x) => x.master === 'db2', 'watching the new master');
      assert.equal(awaited, failoverWorkflowId(r.cluster));
      assert.deepEqual([s.failovers.length, s.failovers[0]!.external, s.failovers[0]!.outcome], [1, true, 'completed']);
      const fo = await env.client.workflow.getHandle(failoverWorkflowId(r.cluster)).describe();
      assert.equal(fo.parentExecution, undefined, 'the one failover is the one started elsewhere');
    });
  });

  it('warnings that appear go to the status and the report hook', async () => {
    const warning = { code: 'replication-stopped', severity: 'problem' as const, server: 'db3', what: 'db3: replication IO thread is not running', fix: 'START SLAVE IO_THREAD on db3' };
    const m = mocks({
      loads: [loadFacts('db1', { settings: { ...SETTINGS, report: true } })],
      watches: [{ change: 'warnings-changed', detail: 'x', lastPing: null, warnings: [warning] }], confirms: [],
    });
    await withMonitor(m, {}, async (r) => {
      const s = await until(r, (x) => x.warnings.some((w) => w.code === 'replication-stopped'), 'the warning');
      assert.equal(s.state, 'watching');
      await until(r, () => m.named('report').length === 1, 'the report hook');
      assert.match(String(m.named('report')[0]!.input.subject), /1 new warning/);
      assert.match(String(m.named('report')[0]!.input.body), /NEW: db3: replication IO thread is not running Fix: START SLAVE/);
      await until(r, () => m.named('watch').length >= 2, 'watching on');
      assert.equal((m.named('watch')[1]!.input as unknown as WatchInput).known.warningsKey, 'replication-stopped@db3');
    });
  });

  it('stop: the watch is cancelled and the workflow ends with its status', async () => {
    const m = mocks({ loads: [loadFacts('db1')], watches: [], confirms: [] });
    await onWorker(m, 'mon-stop', async (taskQueue, cluster) => {
      const handle = await env.client.workflow.start('monitor', { taskQueue, workflowId: monitorWorkflowId(cluster), args: [{ cluster }] });
      while (!m.named('watch').length) await sleep(50);
      await handle.signal(MONITOR_SIGNALS.stop);
      const s = await handle.result() as MonitorStatus;
      assert.equal(s.state, 'stopped');
      for (let i = 0; i < 50 && !m.cancelled(); i++) await sleep(100);
      assert.equal(m.cancelled(), 1, 'the watch activity saw the cancellation');
    });
  });

  it('continue-as-new carries the pause, the events and the failovers', async () => {
    const renew: Watch = { change: 'renew', detail: 'session over', lastPing: null };
    const m = mocks({ loads: [loadFacts('db1')], watches: Array.from({ length: 40 }, () => ({ ...renew })), confirms: [] });
    await withMonitor(m, { input: { paused: { reason: 'maintenance' }, historyLimit: 40 } }, async (r) => {
      const s = await until(r, (x) => x.generation >= 1, 'a continued run');
      assert.equal(s.paused?.reason, 'maintenance');
      assert.ok(s.events.some((e) => e.kind === 'start' && /monitoring cluster/.test(e.message)), 'the first run\'s events');
      assert.ok(s.events.some((e) => e.kind === 'start' && /continued/.test(e.message)));
      const info = await r.handle.describe();
      assert.ok(info.historyLength < 60, `the new run's history is short (${info.historyLength})`);
    });
  });

  it('a config the caller read that is not the worker\'s: refused at start', async () => {
    const m = mocks({ loads: [loadFacts('db1')], watches: [], confirms: [] });
    await onWorker(m, 'mon-digest', async (taskQueue, cluster) => {
      const err = await env.client.workflow.execute('monitor', { taskQueue, workflowId: monitorWorkflowId(cluster), args: [{ cluster, configDigest: 'elsewhere' }] })
        .then(() => null, (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String((err.cause as Error).message), /not the worker's \(digest d1\)/);
    });
  });
});
