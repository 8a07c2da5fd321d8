// The switchover workflow's story with its activities mocked, on a real Temporal server without a lab: the order and
// the joins, and the paths the lab hardly reaches: a failing online-change hook, a freeze that does not hold, a
// promotion that fails (roll back only when the new master is still read-only; never two writable masters).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type * as activities from '../../activities';
import { CAUGHT_UP_SIGNAL, type SwitchoverInput, type SwitchoverReport } from '../../src/contracts/switchover';
import type { FreezeResult } from '../../src/mysql/freeze';
import type { SwitchoverCheckFacts, SwitchoverClusterFacts } from '../../src/switchover/decisions';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import { decideRoles } from '../../src/topology/roles';
import type { ServerSnapshot } from '../../src/topology/types';
import { bundleWorkflows } from '../../worker/worker';
import { server, status } from '../support/topology-fixtures';

type Acts = typeof activities;
type Call = { name: string; input: Record<string, unknown>; start: number; end?: number };

const CLUSTER: SwitchoverClusterFacts = {
  name: 'mock', digest: 'd1',
  servers: [1, 2, 3, 4].map((n) => ({ name: `db${n}`, host: `10.0.0.${n}`, port: 3306, aliases: [], skipResetReplica: false })),
  hooks: { masterIpOnlineChange: false, report: false }, checkFilters: true, useGtidAutoPosition: undefined, maxDelayBytes: 100_000_000,
  keep: [{ user: 'repl', why: 'replication' }, { user: 'mhaflow', why: 'manager' }],
};

function facts(hooks: Partial<SwitchoverClusterFacts['hooks']> = {}, gtid = false): SwitchoverCheckFacts {
  const m = server('db1', { replica: null });
  const servers: ServerSnapshot[] = [{ ...m, state: { ...m.state!, readOnly: false } },
    ...['db2', 'db3', 'db4'].map((n) => server(n, { replica: status({ ioRunning: 'Yes', sqlRunning: true, lastIoErrno: 0, lastIoError: '', secondsBehindSource: 0, autoPosition: gtid }) }))];
  return {
    cluster: { ...CLUSTER, hooks: { ...CLUSTER.hooks, ...hooks } }, servers,
    roles: decideRoles(servers.map((s) => ({ name: s.name, host: s.host, port: s.port, state: s.state }))),
    filters: [], runningFailover: null, timings: { ms: 1 },
    master: { name: 'db1', freeze: { readOnly: false, superReadOnly: null, bypass: [{ user: 'app_super', host: '%', locked: false }] }, activity: { queries: [], transactions: [] } },
  };
}

interface MockOptions {
  /** How many steps after the promotion must meet (have all started) before any of them ends. */
  meet?: number;
  hooks?: Partial<SwitchoverClusterFacts['hooks']>;
  hookStopCode?: number;
  freezeHolds?: boolean;
  promoteFails?: boolean;
  /** What reading the new master after a failed promotion finds. */
  newMasterSeen?: { readOnly: boolean } | null;
  /** The replicas use GTID auto-positioning (GTID mode). */
  gtid?: boolean;
}

const frozen: FreezeResult = { killed: [], position: { file: 'b.1', pos: 500 }, gtid: '0-1-9', ms: 1, state: { readOnly: true, superReadOnly: null, unlocked: [], writers: [], unplanned: [] } };

function mocks(o: MockOptions = {}) {
  const calls: Call[] = [];
  let clock = 0;
  // The steps after the promotion meet here: with `meet`, each waits (up to 10 s) until that many have started, so that
  // "side by side" does not depend on how fast the worker polls. Run one after another, they would not meet.
  let together = 0;
  const meet = async () => {
    together++;
    for (const until = Date.now() + 10_000; together < (o.meet ?? 0) && Date.now() < until;) await new Promise((r) => setTimeout(r, 5));
  };
  const log = <I extends object, R>(name: string, fn: (i: I) => R | Promise<R>) => async (i: I): Promise<R> => {
    const c: Call = { name, input: i as Record<string, unknown>, start: ++clock };
    calls.push(c);
    await new Promise((r) => setTimeout(r, 5));
    if (name === 'repoint' || name === 'cleanup' || name === 'demote') await meet();
    const r = await fn(i);
    c.end = ++clock;
    return r;
  };
  const hookRun = (code: number) => ({ hook: 'master_ip_online_change', command: 'x', code, signal: null, stdout: '', stderr: 'hook said no', ms: 1, timedOut: false });
  const acts: Partial<Acts> = {
    switchoverCheck: log('check', () => facts(o.hooks, o.gtid)),
    switchoverOnlineChangeHook: log('hook', (i: { command: string }) => hookRun(i.command === 'stop' ? o.hookStopCode ?? 0 : 0)),
    switchoverFreeze: log('freeze', () => (o.freezeHolds === false ? { ...frozen, state: { ...frozen.state, readOnly: false } } : frozen)),
    switchoverWaitCaughtUp: log('wait', () => ({ reached: true, detail: '', waitedMs: 1, newMaster: { file: 'n.1', pos: 77, gtid: '0-1-9' }, origMasterNow: frozen.position })),
    switchoverPromote: log('promote', () => {
      if (o.promoteFails) throw Object.assign(new Error('promotion failed'), { name: 'SafetyError' });
      return { readOnlyWasOn: true, writableAt: '' };
    }),
    switchoverReadReadOnly: log('read-new-master', () => (o.newMasterSeen === undefined ? { readOnly: true } : o.newMasterSeen)),
    switchoverRollback: log('rollback', (i: { plan: { lock: unknown[] } }) => ({ origMaster: { unlocked: i.plan.lock as never, readOnly: false }, newMaster: null })),
    switchoverRepointReplica: log('repoint', (i: { server: string }) => ({ server: i.server, changed: true, caughtUpMs: 1, ioRunning: 'Yes', sqlRunning: true, ms: 1 })),
    switchoverDemoteOrigMaster: log('demote', () => ({ changed: true, replicating: true, unlocked: ["'app_super'@'%'"], readOnly: true, ms: 1 })),
    failoverCleanup: log('cleanup', () => ({ reset: true })),
    failoverReport: log('report', () => ({ hook: null })),
  };
  return { acts, calls };
}

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let n = 0;

before(async () => {
  try { Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } }); } catch { /* installed */ }
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress(), namespace: temporalNamespace() });
  bundle = await bundleWorkflows();
});
after(async () => { await env?.teardown(); });

async function run(m: ReturnType<typeof mocks>, input: Partial<SwitchoverInput> = {}, caughtUpSignal?: unknown): Promise<{ report?: SwitchoverReport; failure?: { type: string | null; message: string } }> {
  const taskQueue = `wf-sw-test-${process.pid}-${++n}`;
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, workflowBundle: bundle, activities: m.acts });
  return worker.runUntil(async () => {
    try {
      const options = { taskQueue, workflowId: `mock-switchover-${process.pid}-${n}`, args: [{ cluster: 'mock', ...input }] as [Partial<SwitchoverInput>] };
      if (caughtUpSignal === undefined) return { report: await env.client.workflow.execute('switchover', options) as SwitchoverReport };
      const h = await env.client.workflow.signalWithStart('switchover', { ...options, signal: CAUGHT_UP_SIGNAL, signalArgs: [caughtUpSignal] });
      return { report: await h.result() as SwitchoverReport };
    } catch (e) {
      if (!(e instanceof WorkflowFailedError)) throw e;
      let cause: unknown = e.cause;
      while (cause instanceof Error && cause.cause && cause.name !== 'ApplicationFailure') cause = cause.cause;
      return { failure: { type: (cause as { type?: string }).type ?? null, message: (cause as Error).message } };
    }
  });
}

const names = (calls: Call[]) => calls.map((c) => c.name);
const one = (calls: Call[], name: string, srv?: string) => {
  const found = calls.filter((c) => c.name === name && (srv === undefined || c.input.server === srv));
  assert.equal(found.length, 1, `${name} ran once: ${names(calls).join(' ')}`);
  return found[0]!;
};

describe('switchover workflow, activities mocked', () => {
  it('the story in order; the replicas and the cleanup side by side once the new master is writable, then the old master', async () => {
    const m = mocks({ hooks: { masterIpOnlineChange: true }, meet: 3 });
    const { report } = await run(m);
    assert.equal(report?.outcome, 'completed');
    assert.deepEqual(names(m.calls).slice(0, 6), ['check', 'hook', 'freeze', 'wait', 'promote', 'hook']);
    assert.deepEqual(m.calls.filter((c) => c.name === 'hook').map((c) => c.input.command), ['stop', 'start']);
    const hookStart = m.calls.filter((c) => c.name === 'hook')[1]!;
    const side = [one(m.calls, 'repoint', 'db3'), one(m.calls, 'repoint', 'db4'), one(m.calls, 'cleanup')];
    for (const c of side) assert.ok(c.start > hookStart.end!, `${c.name} after the promotion`);
    assert.ok(Math.max(...side.map((c) => c.start)) < Math.min(...side.map((c) => c.end!)), 'all three started before any ended');
    // The old master relays what it receives into its binlog: it follows the new master once no replica reads from it.
    const demote = one(m.calls, 'demote');
    for (const c of side.slice(0, 2)) assert.ok(demote.start > c.end!, `the old master after ${c.name} ${c.input.server}`);
    assert.deepEqual(one(m.calls, 'repoint', 'db3').input.start, { coords: { file: 'n.1', pos: 77 } });
    assert.deepEqual(one(m.calls, 'demote').input.start, { coords: { file: 'n.1', pos: 77 } });
    assert.deepEqual((one(m.calls, 'freeze').input.plan as { lock: unknown[] }).lock, [{ user: 'app_super', host: '%' }]);
    assert.equal(typeof one(m.calls, 'wait').input.deadline, 'number');
    assert.deepEqual(report!.repointed.sort(), ['db1', 'db3', 'db4']);
    for (const c of m.calls.slice(1)) assert.deepEqual(c.input.cluster, { name: 'mock', digest: 'd1' }, c.name);
  });

  it('GTID mode: the old master follows the new one beside the replicas (each moves on from what it has)', async () => {
    const m = mocks({ gtid: true, meet: 4 });
    const { report } = await run(m);
    assert.equal(report?.outcome, 'completed');
    assert.equal(report?.plan?.mode, 'gtid');
    const side = [one(m.calls, 'repoint', 'db3'), one(m.calls, 'repoint', 'db4'), one(m.calls, 'cleanup'), one(m.calls, 'demote')];
    assert.ok(Math.max(...side.map((c) => c.start)) < Math.min(...side.map((c) => c.end!)), 'all four started before any ended');
    assert.deepEqual(one(m.calls, 'repoint', 'db3').input.start, { gtid: 'slave_pos' });
    assert.deepEqual(one(m.calls, 'demote').input.start, { gtid: 'current_pos' });
    assert.deepEqual(report!.repointed.sort(), ['db1', 'db3', 'db4']);
  });

  it('the freeze, the wait and the promotion in one workflow task: the wait signals its result first; a signalled result goes to the wait', async () => {
    const m = mocks();
    const { report } = await run(m);
    assert.equal(report?.outcome, 'completed');
    assert.equal(one(m.calls, 'wait').input.signalBeforePromotion, true);
    assert.equal(one(m.calls, 'wait').input.claim, undefined, 'no result was signalled before the wait');
    // A retry of that workflow task (its worker died after the promotion) finds the result the wait signalled: the wait
    // gets it, and decides whether it stands for this run (src/switchover/claim.ts; activities/switchover-freeze.ts).
    const claimed = { workflowId: 'x', runId: 'y', frozen: { file: 'b.1', pos: 500, gtid: '0-1-9' }, mac: 'ab' };
    const m2 = mocks();
    const r2 = await run(m2, {}, claimed);
    assert.equal(r2.report?.outcome, 'completed');
    assert.deepEqual(one(m2.calls, 'wait').input.claim, claimed);
    assert.deepEqual(names(m2.calls).slice(0, 4), ['check', 'freeze', 'wait', 'promote']);
  });

  it('a dry run: check and plan, nothing else', async () => {
    const m = mocks();
    const { report } = await run(m, { dryRun: true });
    assert.equal(report?.outcome, 'dry-run');
    assert.equal(report?.plan?.newMaster, 'db2');
    assert.deepEqual(names(m.calls), ['check']);
  });

  it('the online-change hook fails: rolled back, its start run for the old master, nothing changed', async () => {
    const m = mocks({ hooks: { masterIpOnlineChange: true }, hookStopCode: 1 });
    const { report } = await run(m);
    assert.equal(report?.outcome, 'rolled-back');
    assert.match(report!.reason, /master_ip_online_change --command=stop failed \(exit 1\): hook said no; rolled back: nothing changed/);
    assert.deepEqual(names(m.calls), ['check', 'hook', 'rollback', 'hook']);
    const back = m.calls[3]!;
    assert.deepEqual([back.input.command, back.input.origMaster, back.input.newMaster], ['start', 'db1', 'db1']);
    assert.equal(one(m.calls, 'rollback').input.restartReplicationOn, undefined, 'the new master\'s replication was never stopped');
  });

  it('a freeze that does not hold: rolled back before any wait', async () => {
    const m = mocks({ freezeHolds: false });
    const { report } = await run(m);
    assert.equal(report?.outcome, 'rolled-back');
    assert.match(report!.reason, /the freeze of db1 does not hold: read_only is OFF/);
    assert.deepEqual(names(m.calls), ['check', 'freeze', 'rollback']);
  });

  const promotions: [string, { readOnly: boolean } | null, (r: Awaited<ReturnType<typeof run>>, calls: Call[]) => void][] = [
    ['still read-only: rolled back, its replication started again', { readOnly: true }, (r, calls) => {
      assert.equal(r.report?.outcome, 'rolled-back');
      assert.equal(one(calls, 'rollback').input.restartReplicationOn, 'db2');
      assert.ok(!calls.some((c) => c.name === 'repoint'));
    }],
    ['writable after all: forward, never two writable masters', { readOnly: false }, (r, calls) => {
      assert.equal(r.report?.outcome, 'completed');
      assert.ok(!calls.some((c) => c.name === 'rollback'));
      assert.match(r.report!.warnings.join(), /going forward/);
    }],
    ['unreadable: the old master stays frozen, and the failure says what to do', null, (r, calls) => {
      assert.equal(r.failure?.type, 'SafetyError');
      assert.match(r.failure!.message, /db1 stays frozen .* rather than risk two writable masters/);
      assert.ok(!calls.some((c) => c.name === 'rollback' || c.name === 'repoint'));
    }],
  ];
  for (const [name, seen, check] of promotions) {
    it(`a failed promotion, the new master ${name}`, async () => {
      const m = mocks({ promoteFails: true, newMasterSeen: seen });
      check(await run(m), m.calls);
    });
  }

  it('a refusal changes nothing', async () => {
    const m = mocks();
    const { failure } = await run(m, { newMaster: 'db1' });
    assert.equal(failure?.type, 'RefusedError');
    assert.match(failure!.message, /--new-master db1 is db1, the current master/);
    assert.deepEqual(names(m.calls), ['check']);
  });
});
