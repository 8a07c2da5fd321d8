// The failover workflow's story with its activities mocked: each decision path and refusal, and the order
// and concurrency of the steps, on a real Temporal server without a lab (the dev server `temporal up` runs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type * as activities from '../../activities';
import { waitFor } from '../../lab/system';
import type { FailoverInput, FailoverReport } from '../../src/contracts/failover';
import type { ClusterFacts, FailoverCheckFacts } from '../../src/failover/decisions';
import type { BinlogCoordinates } from '../../src/mysql/client';
import { newestCompletedFailover } from '../../src/temporal/failovers';
import { decideRoles } from '../../src/topology/roles';
import type { ServerSnapshot } from '../../src/topology/types';
import { mockedWorkflows } from '../support/mocked-workflow';
import { testEnvironment } from '../support/temporal-env';
import { at, deadMaster } from '../support/topology-fixtures';

type Acts = typeof activities;
type Call = { name: string; input: Record<string, unknown>; start: number; end?: number };

const CLUSTER: ClusterFacts = {
  name: 'mock', digest: 'd1',
  servers: [1, 2, 3, 4].map((n) => ({ name: `db${n}`, host: `10.0.0.${n}`, port: 3306, aliases: [], skipResetReplica: false })),
  hooks: { masterIpFailover: false, shutdown: false, report: false, secondaryCheck: false },
  failover: { maxDelayBytes: 100_000_000, lastFailoverWindowMs: 8 * 3600_000, allowUnfenced: false, deadlineMs: 600_000 },
  useGtidAutoPosition: undefined,
};
const F = 'mysql-bin.000001';
const pos = (p: number): BinlogCoordinates => ({ file: F, pos: p });

/** db1 dead; db2 received up to 900, db3 and db4 up to 1000 (the latest). */
function servers(extra: { gtid?: boolean } = {}): ServerSnapshot[] {
  const g = extra.gtid ? { autoPosition: true } : {};
  return [deadMaster(), at('db2', [F, 900], undefined, g), at('db3', [F, 1000], undefined, g), at('db4', [F, 1000], undefined, g)];
}

function checkFacts(p: Partial<FailoverCheckFacts> = {}): FailoverCheckFacts {
  const ss = p.servers ?? servers();
  return {
    cluster: CLUSTER, servers: ss, roles: decideRoles(ss.map((s) => ({ name: s.name, host: s.host, port: s.port, state: s.state }))),
    examined: 'db1', deadCheck: { alive: false, sshReachable: true, verdict: 'down', sql: 'refused', ownHost: 'refused', evidence: ['refused'] }, secondaryCheck: null,
    lastFailover: { last: null, windowMs: 1 }, timings: { probesMs: 1, deadCheckMs: 1, lastFailoverMs: 1 }, ...p,
  };
}

/** Mocked activities that answer like the real ones on the scenario above, and log when each runs. */
function mocks(o: {
  facts?: FailoverCheckFacts; fenceRuns?: { hook: string; code: number }[]; hooks?: Partial<ClusterFacts['hooks']>;
  /** Targets whose copy of the tail fails; servers whose diff apply fails (a duplicate key). */
  failedCopies?: string[]; failingApply?: string[];
  /** gtid_current_pos per server (after its drain or its apply); default: the new master ends ahead of all. */
  held?: Record<string, string>;
  executed?: (server: string) => string;
} = {}) {
  const calls: Call[] = [];
  let clock = 0;
  const facts = o.facts ?? checkFacts();
  if (o.hooks) facts.cluster = { ...facts.cluster, hooks: { ...facts.cluster.hooks, ...o.hooks } };
  const snap = facts.servers;
  const log = <I extends object, R>(name: string, fn: (i: I) => R | Promise<R>) => async (i: I): Promise<R> => {
    const c: Call = { name, input: i as Record<string, unknown>, start: ++clock };
    calls.push(c);
    await new Promise((r) => setTimeout(r, 5));
    const r = await fn(i);
    c.end = ++clock;
    return r;
  };
  const own = (server: string) => ({ binlog: { file: `${server}-bin.000001`, pos: 4 }, gtidExecuted: o.executed?.(server) ?? `0-1-${server.length}`, gtidHeld: o.held?.[server] ?? '0-1-100' });
  const acts: Partial<Acts> = {
    failoverCheck: log('check', () => facts),
    failoverStartSqlThreads: log('start-sql', (i: { servers: string[] }) => ({ started: i.servers })),
    failoverReadServers: log('read-replicas', () => snap),
    failoverStopIoThreads: log('stop-io', (i: { replicas: string[] }) => ({ servers: i.replicas.map((name) => ({ name, wasRunning: true, settled: 'disconnected' as const })), snapshots: snap })),
    failoverFenceDeadMaster: log('fence', (i: { method: 'shutdown-hook' | 'stop-mysqld' | 'none' }) => ({
      method: i.method, runs: (o.fenceRuns ?? []).map((r) => ({ ...r, command: r.hook, signal: null, stdout: 'out', stderr: '', ms: 1, timedOut: false })),
      stopNotes: [], verified: i.method !== 'none', evidence: i.method === 'none' ? [] : ['from db1\'s host, 10.0.0.1:3306 refuses connections'],
    })),
    failoverSaveDeadMasterBinlog: log('save-binlog', (i: { from: BinlogCoordinates; targets: string[]; dryRun: boolean }) => ({
      status: 'saved' as const, from: i.from, fileName: 't', sha256: 's', bytes: 100, transactions: 3, endsAt: pos(1300), cutBytes: 0, startsMidTransaction: false,
      copies: i.dryRun ? [] : i.targets.filter((x) => !o.failedCopies?.includes(x)).map((server) => ({ server, path: `/w/${server}/t` })),
      failedCopies: i.dryRun ? [] : (o.failedCopies ?? []).map((server) => ({ server, error: 'No space left on device' })),
    })),
    failoverFindRelayPositions: log('find-relay', (i: { checks: { replica: string; from: BinlogCoordinates }[] }) =>
      i.checks.map((c) => ({ replica: c.replica, from: c.from, found: true, relayFile: 'relay-bin.000002', relayPos: 400 }))),
    failoverDrainRelayLog: log('drain', (i: { server: string; delayWas: number }) => {
      const s = snap.find((x) => x.name === i.server)!.state!.replica!;
      return {
        server: i.server, exec: pos(s.execSourceLogPos), read: pos(s.readSourceLogPos), relay: { file: 'relay-bin.000002', pos: 400 }, caughtUp: true,
        delayWas: i.delayWas, waitedMs: 1, ...own(i.server),
      };
    }),
    failoverCatchUp: log('catch-up', (i: { target: string; source: string; gtid: string }) => ({ target: i.target, source: i.source, gtid: i.gtid, ms: 1, ...own(i.target) })),
    failoverBuildDiff: log('diff', (i: { target: string; parts: { purpose: 'exec_diff' | 'read_diff' | 'binlog_diff' }[] }) => ({
      target: i.target, path: `/w/${i.target}/diff`, sha256: 'x', bytes: 10, transactions: i.parts.length * 2,
      parts: i.parts.map((p) => ({ purpose: p.purpose, source: 's', from: 4, bytes: 5, transactions: 2, startsMidTransaction: false, cutBytes: 0 })),
    })),
    failoverApplyDiff: log('apply', (i: { server: string }) => {
      if (o.failingApply?.includes(i.server)) throw ApplicationFailure.nonRetryable(`[${i.server}] replaying the diff failed: ERROR 1062 (23000): Duplicate entry '7'`, 'DiffApplyError');
      return { total: 2, alreadyApplied: 0, appliedNow: 2, end: { file: `${i.server}-bin.000001`, pos: 999 }, server: i.server, gtidExecuted: '0-1-200', gtidHeld: o.held?.[i.server] ?? '0-1-200', ms: 1, superReadOnlyLowered: false };
    }),
    failoverPromote: log('promote', (i: { newMaster: string }) => ({ newMaster: i.newMaster, hook: null, readOnlyWasOn: true, binlog: pos(999), gtidExecuted: '', writableAt: '' })),
    failoverRepointReplica: log('repoint', (i: { server: string }) => ({ server: i.server, changed: true, started: true, ioRunning: 'Yes', sqlRunning: true, ms: 1 })),
    failoverCleanup: log('cleanup', () => ({ reset: true })),
    failoverReport: log('report', () => ({ hook: null })),
  };
  return { acts, calls };
}

const server = (c: Call) => (c.input.server ?? c.input.target ?? '') as string;
const named = (calls: Call[], name: string) => calls.filter((c) => c.name === name);
const one = (calls: Call[], name: string, srv?: string) => {
  const found = calls.filter((c) => c.name === name && (srv === undefined || server(c) === srv));
  assert.equal(found.length, 1, `${name}${srv ? ` ${srv}` : ''} ran once: ${calls.map((c) => `${c.name}:${server(c)}`).join(' ')}`);
  return found[0]!;
};

const runMocked = mockedWorkflows('mock-failover');

/** Run one failover against mocked activities; its report, or its failure. */
const run = (m: ReturnType<typeof mocks>, input: Partial<FailoverInput> = {}) => runMocked<FailoverReport>('failover', m.acts, { cluster: 'mock', ...input });

describe('failover workflow, activities mocked', () => {
  it('file/position: the story in order, side-by-side steps joined before what depends on them', async () => {
    const m = mocks();
    const { report } = await run(m);
    assert.ok(report, 'completed');
    const { calls } = m;
    assert.equal(report.newMaster, 'db3', 'the first latest replica');
    assert.equal(report.deadMaster, 'db1');
    assert.deepEqual(calls.slice(0, 2).map((c) => c.name), ['check', 'stop-io']);
    assert.equal(one(calls, 'stop-io').input.keepRelayLogs, true, 'relay logs are a diff source: none purged meanwhile');
    for (const r of named(calls, 'repoint')) assert.equal(r.input.relayLogPurge, false, 'each replica gets its relay_log_purge back, as the check read it');
    assert.deepEqual(named(calls, 'drain').map(server).sort(), ['db2', 'db3', 'db4']);
    const stopIo = one(calls, 'stop-io');
    for (const c of [one(calls, 'save-binlog'), one(calls, 'find-relay'), ...named(calls, 'drain')]) assert.ok(c.start > stopIo.end!, `${c.name} after the IO threads stopped`);
    // The new master's diff: after every drain, the tail and the relay search; applied alone, then promoted.
    const nmDiff = one(calls, 'diff', 'db3');
    for (const c of [one(calls, 'save-binlog'), one(calls, 'find-relay'), ...named(calls, 'drain')]) assert.ok(nmDiff.start > c.end!, `db3's diff after ${c.name}`);
    const nmApply = one(calls, 'apply', 'db3');
    const promote = one(calls, 'promote');
    assert.ok(promote.start > nmApply.end!, 'promoted once its diff is applied');
    // db2 takes the tail by replication: its diff (the rest of the latest's relay log) is built and applied beside the
    // new master's, not after it.
    assert.ok(one(calls, 'diff', 'db2').start < nmApply.end! && one(calls, 'apply', 'db2').start < promote.start, 'db2\'s diff beside the new master\'s apply');
    assert.equal(named(calls, 'diff').filter((c) => server(c) === 'db4').length, 0, 'db4, at the latest position too, lacks nothing but the tail: no diff');
    for (const r of ['db2', 'db4']) {
      const repoint = one(calls, 'repoint', r);
      for (const a of named(calls, 'apply')) assert.ok(repoint.start > a.end!, `${r} repointed after every apply`);
      // The tail by replication: from where the new master stood once drained, waited for up to its end after its diff.
      assert.deepEqual(repoint.input.coords, { file: 'db3-bin.000001', pos: 4 }, 'at the new master\'s drained position');
      assert.deepEqual(repoint.input.waitFor, { file: 'db3-bin.000001', pos: 999 }, 'waited for up to the new master\'s position after its diff');
    }
    const cleanup = one(calls, 'cleanup');
    for (const a of named(calls, 'apply')) assert.ok(cleanup.start > a.end!, 'RESET SLAVE ALL after every diff (it deletes the relay logs read_diffs come from)');
    assert.equal(one(calls, 'fence').input.method, 'stop-mysqld', 'no shutdown hook, host reachable: its mysqld stopped over SSH');
    assert.ok(one(calls, 'fence').end! < one(calls, 'save-binlog').start && one(calls, 'fence').end! < promote.start, 'fenced before anything else');
    assert.ok(one(calls, 'fence').start < stopIo.end!, 'its port refused on its own host (nothing in flight): fenced while the IO threads stop');
    assert.equal(named(calls, 'report').length, 0, 'no report hook: no activity');
    // db2 is behind: its diff has a read_diff from the latest base's relay log, and not the tail.
    assert.deepEqual((one(calls, 'diff', 'db2').input.parts as { purpose: string }[]).map((p) => p.purpose), ['read_diff']);
    assert.deepEqual(report.steps.map((s) => s.status).filter((s) => s !== 'done'), []);
    assert.deepEqual(report.fence, { method: 'stop-mysqld', why: report.fence!.why, verified: true });
    assert.ok(report.warnings.some((w) => /no master_ip_failover hook/.test(w)));
    assert.ok(report.timings.newMasterWritableMs !== null && report.timings.allReplicasRepointedMs !== null);
    // Every activity was given the cluster's name and the digest the check read, never a config.
    for (const c of calls.slice(1)) assert.deepEqual(c.input.cluster, { name: 'mock', digest: 'd1' }, c.name);
  });

  it('a stalled master (it may still stream to the replicas) is fenced only once their IO threads stopped', async () => {
    const m = mocks({ facts: checkFacts({ deadCheck: { alive: false, sshReachable: true, verdict: 'stalled', sql: 'silent', ownHost: 'silent', evidence: ['silent'] } }) });
    const { report } = await run(m);
    assert.ok(report, 'completed');
    assert.ok(one(m.calls, 'fence').start > one(m.calls, 'stop-io').end!, 'fenced after the IO threads stopped');
    assert.ok(one(m.calls, 'fence').end! < one(m.calls, 'save-binlog').start, 'and before the tail is read');
  });

  it('file/position: a delayed replica applies its copy of the tail and is repointed at the new master\'s end, as MHA does', async () => {
    const ss = [deadMaster(), at('db2', [F, 900], undefined, { sqlDelay: 3600 }), at('db3', [F, 1000]), at('db4', [F, 1000])];
    const m = mocks({ facts: checkFacts({ servers: ss }) });
    const { report } = await run(m);
    assert.ok(report, 'completed');
    assert.deepEqual((one(m.calls, 'diff', 'db2').input.parts as { purpose: string }[]).map((p) => p.purpose), ['read_diff', 'binlog_diff']);
    assert.ok(one(m.calls, 'diff', 'db2').start > one(m.calls, 'apply', 'db3').end!, 'a diff with the tail in it waits for the new master\'s apply');
    const repoint = one(m.calls, 'repoint', 'db2');
    assert.deepEqual(repoint.input.coords, { file: 'db3-bin.000001', pos: 999 });
    assert.equal(repoint.input.waitFor, undefined);
    assert.deepEqual(one(m.calls, 'repoint', 'db4').input.waitFor, { file: 'db3-bin.000001', pos: 999 }, 'the other replica takes it by replication');
  });

  it('a dry run reads and plans: nothing stopped, drained, applied or promoted', async () => {
    const m = mocks();
    const { report } = await run(m, { dryRun: true });
    assert.ok(report?.dryRun && report.newMaster === 'db3');
    assert.deepEqual(m.calls.map((c) => c.name).sort(), ['check', 'find-relay', 'read-replicas', 'save-binlog']);
    assert.equal(one(m.calls, 'save-binlog').input.dryRun, true);
    assert.equal(one(m.calls, 'check').input.lookupLastFailover, false);
  });

  it('GTID mode: a candidate that is not a latest replica catches up from one, the others just repoint', async () => {
    const ss = servers({ gtid: true });
    ss[1] = at('db2', [F, 900], undefined, { autoPosition: true }, { candidateMaster: true });
    const m = mocks({ facts: checkFacts({ servers: ss }) });
    const { report } = await run(m);
    assert.ok(report);
    assert.equal(report.mode, 'gtid');
    assert.equal(report.newMaster, 'db2');
    const catchUp = one(m.calls, 'catch-up');
    assert.equal(catchUp.input.target, 'db2');
    assert.deepEqual(named(m.calls, 'drain').map(server).sort(), ['db2', catchUp.input.source as string].sort(), 'only the new master and its source drain');
    assert.deepEqual(named(m.calls, 'apply').map(server), ['db2']);
    assert.deepEqual(named(m.calls, 'repoint').map((c) => [server(c), c.input.gtid]).sort(), [['db3', '0-1-200'], ['db4', '0-1-200']], 'side by side, in any order');
  });

  it('--no-fence: a dead host nothing can fence is failed over, the report says split brain is possible', async () => {
    const m = mocks({ facts: checkFacts({ deadCheck: { alive: false, sshReachable: false, verdict: 'host-down', sql: 'silent', ownHost: null, evidence: ['SSH fails'] } }) });
    const { report } = await run(m, { noFence: true });
    assert.ok(report);
    assert.deepEqual([report.fence?.method, report.fence?.verified], ['none', false]);
    assert.ok(report.warnings.some((w) => /SPLIT BRAIN POSSIBLE: db1 was not fenced/.test(w)), report.warnings.join('; '));
    assert.equal(one(m.calls, 'save-binlog').input.sshReachable, false);
  });

  it('a replica whose diff cannot be applied is left out and reported; the others are recovered, the failover completes', async () => {
    const m = mocks({ failingApply: ['db2'] });
    const { report } = await run(m);
    assert.ok(report, 'completed');
    assert.equal(report.newMaster, 'db3');
    assert.deepEqual(report.leftOut.map((l) => l.server), ['db2']);
    assert.match(report.leftOut[0]!.reason, /Duplicate entry/);
    assert.match(report.leftOut[0]!.hint, /db2 is not replicating from db3: fix the cause.*then point it there/);
    assert.deepEqual(named(m.calls, 'repoint').map(server), ['db4'], 'db2 not repointed');
    assert.equal(named(m.calls, 'cleanup').length, 1);
  });

  it('a target that cannot take its copy of the tail: not the new master, and left out as a replica (file/position)', async () => {
    const m = mocks({ failedCopies: ['db3'] });
    const { report } = await run(m);
    assert.ok(report, 'completed');
    assert.equal(report.newMaster, 'db4', 'db3, the first latest replica, lacks the tail');
    assert.ok(report.candidates.find((c) => c.name === 'db3')!.reasons.some((r) => /could not receive the dead master's binlog tail: No space left/.test(r)));
    assert.deepEqual(report.leftOut.map((l) => l.server), ['db3']);
    assert.deepEqual(named(m.calls, 'repoint').map(server), ['db2']);
  });

  it('a new master that lacks what another survivor holds is not promoted', async () => {
    const m = mocks({ held: { db3: '0-1-200', db4: '0-1-200,1-4-7' } });
    const { failure } = await run(m);
    assert.equal(failure?.type, 'RefusedError');
    assert.match(failure!.message, /db3 does not hold everything the other survivors hold \(db4 has 1-4-7\)/);
    assert.ok(!m.calls.some((c) => c.name === 'promote' || c.name === 'repoint'), 'not made writable, nobody repointed');
  });

  it('the report hook runs on a refused failover too, saying it failed', async () => {
    const m = mocks({ hooks: { masterIpFailover: true, report: true }, fenceRuns: [{ hook: 'master_ip_failover', code: 1 }] });
    const { failure } = await run(m);
    assert.equal(failure?.type, 'RefusedError');
    const r = one(m.calls, 'report');
    assert.match(String(r.input.subject), /failover from db1 failed/);
    assert.match(String(r.input.body), /master_ip_failover failed/);
    assert.equal(r.input.newMaster, null);
  });

  it('GTID mode on MySQL: the catch-up waits for the latest replica\'s executed GTID set', async () => {
    const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const mysql = { version: '8.4.3', candidateMaster: false };
    const ss = [deadMaster(), ...([['db2', 900], ['db3', 1000], ['db4', 1000]] as const).map(([n, p]) =>
      at(n, [F, p], undefined, { autoPosition: true, retrievedGtidSet: `${U}:1-${p}` }, { ...mysql, gtidExecuted: `${U}:1-${p}`, candidateMaster: n === 'db2' }))];
    const m = mocks({ facts: checkFacts({ servers: ss }), executed: (server) => `${U}:1-${server === 'db2' ? 900 : 1000}`, held: { db2: `${U}:1-1000`, db3: `${U}:1-1000` } });
    const { report } = await run(m);
    assert.ok(report);
    assert.equal(report.newMaster, 'db2');
    const catchUp = one(m.calls, 'catch-up');
    assert.equal(catchUp.input.gtid, `${U}:1-1000`, 'what the latest replica executed, not an empty set');
  });

  const refusals: [string, Parameters<typeof mocks>[0], Partial<FailoverInput>, RegExp, string[]][] = [
    ['a live master', { facts: checkFacts({ servers: [at('db1', [F, 4], undefined, {}, {}), ...servers().slice(1)], deadCheck: null }) }, {}, /db1 answers SQL/, ['check']],
    ['a recent failover', { facts: checkFacts({ lastFailover: { last: { workflowId: 'failover:mock', runId: 'r', closeTime: 'T' }, windowMs: 60_000 } }) }, {}, /failed over at T/, ['check']],
    ['a config the worker does not have', {}, { configDigest: 'elsewhere' }, /not the worker's \(digest d1\)/, ['check']],
    ['a failing fencing hook, after the IO threads stopped (said so)', { hooks: { masterIpFailover: true }, fenceRuns: [{ hook: 'master_ip_failover', code: 1 }] }, {},
      /master_ip_failover failed \(exit 1\): out.*already done: IO threads stopped on db2, db3, db4/, ['check', 'stop-io', 'fence']],
    ['a dead host that nothing can fence (no SSH, no shutdown hook): before anything changes',
      { facts: checkFacts({ deadCheck: { alive: false, sshReachable: false, verdict: 'host-down', sql: 'silent', ownHost: null, evidence: ['SSH fails'] } }) }, {},
      /cannot be fenced.*split brain.*--no-fence/, ['check']],
    ['an unknown --new-master, before anything changes', {}, { newMaster: 'db9' }, /--new-master db9 is not a server of cluster mock/, ['check']],
    ['a --new-master that may not become master (no_master), once the positions are known',
      { facts: checkFacts({ servers: [deadMaster(), at('db2', [F, 900], undefined, {}, { noMaster: true }), ...servers().slice(2)] }) }, { newMaster: 'db2' },
      /--new-master db2 cannot become master: no_master/, ['check', 'drain', 'drain', 'drain', 'fence', 'find-relay', 'save-binlog', 'stop-io']],
  ];
  for (const [name, o, input, want, ran] of refusals) {
    it(`refuses: ${name}`, async () => {
      const m = mocks(o);
      const { failure } = await run(m, input);
      assert.equal(failure?.type, 'RefusedError');
      assert.match(failure!.message, want);
      assert.deepEqual(m.calls.map((c) => c.name).sort(), [...ran].sort());
      assert.ok(!m.calls.some((c) => ['apply', 'promote', 'repoint'].includes(c.name)), 'nothing applied, promoted or repointed');
    });
  }
});

describe('the newest completed failover of a cluster (src/temporal/failovers.ts), on the dev server', () => {
  it('is the last to close of more than a page of them, read from the first page; none closed after it', async () => {
    const cluster = `newest-${process.pid}`;
    const facts = () => checkFacts({ cluster: { ...CLUSTER, name: cluster } });
    for (let i = 1; i <= 12; i++) assert.ok((await run(mocks({ facts: facts() }), { cluster })).report, `failover ${i} completed`);
    const env = await testEnvironment();
    try {
      const query = `WorkflowType = 'failover' AND MhaflowCluster = '${cluster}' AND MhaflowPhase = 'completed'`;
      let all: WorkflowExecutionInfo[] = [];
      // The visibility store follows a run's close a moment later.
      await waitFor('the 12 failovers in the visibility store', async () => {
        all = [];
        for await (const wf of env.client.workflow.list({ query })) all.push(wf);
        return all.length >= 12;
      }, 10_000);
      assert.equal(all.length, 12, 'the 12 failovers are listed');
      const byClose = [...all].sort((a, b) => b.closeTime!.getTime() - a.closeTime!.getTime());
      const newest = await newestCompletedFailover(env.client, cluster);
      assert.equal(newest?.runId, byClose[0]!.runId, 'the last to close');
      assert.equal((await newestCompletedFailover(env.client, cluster, { excludeRunId: byClose[0]!.runId }))?.runId, byClose[1]!.runId, 'the caller left out');
      assert.equal(await newestCompletedFailover(env.client, cluster, { since: new Date(byClose[0]!.closeTime!.getTime() + 1000) }), null, 'none closed since');
      assert.equal(await newestCompletedFailover(env.client, `${cluster}-other`), null, 'another cluster has none');
    } finally {
      await env.teardown();
    }
  });
});
