// Table tests of the switchover's decisions: each refusal of the check, the choice of the new master, the freeze plan,
// the wait's verdict, the way out of a failed promotion, and where each replica starts on the new master.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SwitchoverInput } from '../../../src/contracts/switchover';
import type { FreezeResult } from '../../../src/mysql/freeze';
import type { ReplicaStatus } from '../../../src/mysql/status';
import { durationMs } from '../../../src/config/values';
import {
  afterFailedPromotion, caughtUpProblem, decideSwitchoverStart, describePlan, errantTransactions, filterDifferences, freezeProblem,
  invalidSwitchoverInput, longRunningUpdates, startOnNewMaster, switchoverSettings, type SwitchoverCheckFacts, type SwitchoverClusterFacts,
} from '../../../src/switchover/decisions';
import { decideRoles } from '../../../src/topology/roles';
import type { ServerSnapshot } from '../../../src/topology/types';
import { server, status, type ServerOpts } from '../../support/topology-fixtures';

const CLUSTER: SwitchoverClusterFacts = {
  name: 'app1', digest: 'd1',
  servers: [1, 2, 3, 4].map((n) => ({ name: `db${n}`, host: `10.0.0.${n}`, port: 3306, aliases: [], skipResetReplica: false })),
  hooks: { masterIpOnlineChange: false, report: false }, checkFilters: true, useGtidAutoPosition: undefined, maxDelayBytes: 100_000_000,
  keep: [{ user: 'repl', why: 'replication' }, { user: 'mhaflow', why: 'manager' }],
};

/** A live replica of db1, both threads running, caught up (lag 0). */
function replica(name: string, r: Partial<ReplicaStatus> = {}, o: ServerOpts = {}): ServerSnapshot {
  return server(name, { ...o, replica: status({ ioRunning: 'Yes', sqlRunning: true, lastIoErrno: 0, lastIoError: '', secondsBehindSource: 0, ...r }) });
}

function master(o: ServerOpts = {}): ServerSnapshot {
  const s = server('db1', { ...o, replica: null });
  return { ...s, state: { ...s.state!, readOnly: false } };
}

function facts(p: Partial<SwitchoverCheckFacts> & { servers?: ServerSnapshot[] } = {}): SwitchoverCheckFacts {
  const servers = p.servers ?? [master(), replica('db2'), replica('db3'), replica('db4')];
  return {
    cluster: CLUSTER, servers,
    roles: decideRoles(servers.map((s) => ({ name: s.name, host: s.host, port: s.port, state: s.state }))),
    filters: servers.map((s) => ({ server: s.name, binlog: { doDb: '', ignoreDb: '' }, replication: status() })),
    master: {
      name: 'db1',
      freeze: { readOnly: false, superReadOnly: null, bypass: [{ user: 'app_super', host: '%', locked: false }, { user: 'mhaflow', host: '%', locked: false }] },
      activity: { queries: [], transactions: [] },
    },
    runningFailover: null, timings: { ms: 1 }, ...p,
  };
}

const start = (f: SwitchoverCheckFacts, i: Partial<SwitchoverInput> = {}) => decideSwitchoverStart(f, { cluster: 'app1', ...i });

describe('decideSwitchoverStart: refusals', () => {
  const cases: [string, SwitchoverCheckFacts, Partial<SwitchoverInput>, RegExp][] = [
    ['another config than the worker\'s', facts(), { configDigest: 'other' }, /is not the worker's \(digest d1\)/],
    ['a failover runs', facts({ runningFailover: { workflowId: 'failover:app1', runId: 'r1', startTime: null } }), {}, /a failover of cluster app1 is running \(workflow failover:app1/],
    ['a server is down', facts({ servers: [master(), replica('db2'), server('db3', { dead: true, error: 'ECONNREFUSED' }), replica('db4')] }), {}, /every server must answer.*db3 \(ECONNREFUSED\)/],
    ['no master', facts({ master: null }), {}, /no master found/],
    ['a server replicates from elsewhere', facts({ servers: [master(), replica('db2'), replica('db3', { sourceHost: '10.9.9.9', sourceServerId: 99 }), replica('db4')] }), {},
      /db1 must be the master of every server: db3: replicates from 10\.9\.9\.9/],
    ['an IO thread stopped', facts({ servers: [master(), replica('db2', { ioRunning: 'No', lastIoError: 'boom' }), replica('db3'), replica('db4')] }), {}, /db2: IO thread stopped \(boom\)/],
    ['an SQL thread stopped', facts({ servers: [master(), replica('db2'), replica('db3', { sqlRunning: false }), replica('db4')] }), {}, /db3: SQL thread stopped/],
    ['a replica lags', facts({ servers: [master(), replica('db2'), replica('db3'), replica('db4', { secondsBehindSource: 5 })] }), {}, /db4: 5 s behind \(limit 1 s\)/],
    ['lag unknown', facts({ servers: [master(), replica('db2', { secondsBehindSource: null }), replica('db3'), replica('db4')] }), {}, /lag unknown/],
    ['a long update on the master', facts({ master: { ...facts().master!, activity: { queries: [{ id: 9, user: 'app', host: 'h', command: 'Query', time: 3, state: 'updating', info: 'UPDATE t SET a=1' }], transactions: [] } } }), {},
      /updates run on db1 for 1 s or more.*session 9 \(app@h\) runs for 3 s: UPDATE t SET a=1/],
    ['a long transaction that changed rows', facts({ master: { ...facts().master!, activity: { queries: [], transactions: [{ id: 7, seconds: 12, rowsModified: 1, lockedTables: 0, query: null }] } } }), {},
      /session 7 has a transaction open for 12 s that changed 1 rows/],
    ['the new master requested is the master', facts(), { newMaster: 'db1' }, /--new-master db1 is db1, the current master/],
    ['the new master requested is not eligible', facts({ servers: [master(), replica('db2', {}, { noMaster: true }), replica('db3'), replica('db4')] }), { newMaster: 'db2' },
      /--new-master db2 cannot become master: no_master is set/],
    ['the new master is unknown', facts(), { newMaster: 'db9' }, /--new-master db9 is not a server of this cluster/],
    ['binlog filters differ', facts({ filters: [{ server: 'db1', binlog: { doDb: 'a', ignoreDb: '' }, replication: null }, { server: 'db2', binlog: { doDb: '', ignoreDb: '' }, replication: null }] }),
      { newMaster: 'db2' }, /the filters of db1 and db2 differ: Binlog_Do_DB 'a' on db1, '' on db2/],
    ['replication filters differ, the old master becoming a replica', facts({
      filters: [{ server: 'db1', binlog: null, replication: status({ replicateIgnoreDb: 'tmp' }) }, { server: 'db2', binlog: null, replication: status() }],
    }), { newMaster: 'db2' }, /replicateIgnoreDb 'tmp' on db1, '' on db2/],
    ['errant GTIDs on the new master', facts({ servers: [master({ mariadbCurrentPos: '0-1-100' }), replica('db2', {}, { mariadbCurrentPos: '0-2-101' }), replica('db3'), replica('db4')] }),
      { newMaster: 'db2' }, /db2 executed 0-2-101, which db1 has not/],
  ];
  for (const [name, f, i, expected] of cases) {
    it(name, () => {
      // The GTID fixture sets currentPos; errantTransactions reads the binlog position: copy it there.
      for (const s of f.servers) if (s.state?.gtid.mariadb) s.state.gtid.mariadb.binlogPos = s.state.gtid.mariadb.currentPos;
      const d = start(f, i);
      assert.equal(d.ok, false, JSON.stringify(d));
      if (!d.ok) assert.match(d.reason, expected);
    });
  }
});

describe('decideSwitchoverStart: the go', () => {
  it('a healthy cluster: the first eligible latest replica, the others repointed, the SUPER account locked, the manager kept', () => {
    const d = start(facts());
    assert.ok(d.ok);
    if (!d.ok) return;
    assert.equal(d.origMaster, 'db1');
    assert.equal(d.newMaster, 'db2');
    assert.deepEqual(d.replicas, ['db3', 'db4']);
    assert.equal(d.mode, 'filepos');
    assert.deepEqual(d.freeze.lock, [{ user: 'app_super', host: '%' }]);
    assert.deepEqual(d.freeze.left.map((l) => l.account.user), ['mhaflow']);
  });
  it('a candidate_master first; a requested one when eligible', () => {
    const f = facts({ servers: [master(), replica('db2'), replica('db3', {}, { candidateMaster: true }), replica('db4')] });
    const d = start(f);
    assert.ok(d.ok && d.newMaster === 'db3');
    const r = start(f, { newMaster: '10.0.0.4:3306' });
    assert.ok(r.ok && r.newMaster === 'db4' && r.replicas.join() === 'db2,db3');
  });
  it('GTID mode when every replica auto-positions, unless the config says not to', () => {
    const g = facts({ servers: [master(), replica('db2', { autoPosition: true }), replica('db3', { autoPosition: true }), replica('db4', { autoPosition: true })] });
    const d = start(g);
    assert.ok(d.ok && d.mode === 'gtid');
    const off = start({ ...g, cluster: { ...CLUSTER, useGtidAutoPosition: false } });
    assert.ok(off.ok && off.mode === 'filepos');
  });
  it('reads on the master do not refuse; neither does a long read-only transaction', () => {
    const d = start(facts({ master: { ...facts().master!, activity: {
      queries: [{ id: 1, user: 'r', host: 'h', command: 'Query', time: 9, state: 'Sending data', info: ' /* report */ SELECT * FROM big' }],
      transactions: [{ id: 2, seconds: 30, rowsModified: 0, lockedTables: 0, query: 'SELECT 1' }],
    } } }));
    assert.ok(d.ok);
  });
  it('filters are not compared with replication.checkFilters false', () => {
    const f = facts({ filters: [{ server: 'db1', binlog: { doDb: 'a', ignoreDb: '' }, replication: null }, { server: 'db2', binlog: { doDb: '', ignoreDb: '' }, replication: null }] });
    assert.ok(start({ ...f, cluster: { ...CLUSTER, checkFilters: false } }).ok);
  });
  it('replication filters are not compared when the old master does not become a replica', () => {
    const f = facts({ filters: [{ server: 'db1', binlog: null, replication: status({ replicateIgnoreDb: 'tmp' }) }, { server: 'db2', binlog: null, replication: status() }] });
    assert.ok(start(f, { newMaster: 'db2', origMasterIsNewReplica: false }).ok);
  });
  it('a master already read-only is a warning', () => {
    const f = facts();
    f.master!.freeze.readOnly = true;
    const d = start(f);
    assert.ok(d.ok && d.warnings.some((w) => /already read-only/.test(w)) && d.freeze.readOnlyWas);
  });
  it('the plan names every step, the accounts and the wait timeout', () => {
    const d = start(facts());
    assert.ok(d.ok);
    if (!d.ok) return;
    const p = describePlan(d, { origMasterIsNewReplica: true, hook: true, waitTimeoutMs: 10_000 });
    assert.deepEqual(p.lockAccounts, ["'app_super'@'%'"]);
    assert.match(p.steps.join('\n'), /--command=stop[\s\S]*lock 'app_super'@'%'[\s\S]*at most 10 s[\s\S]*--command=start[\s\S]*db1 replicates from db2; unlock/);
  });
});

describe('the pieces of the check', () => {
  it('longRunningUpdates: non-reads and transactions that changed rows or lock tables', () => {
    assert.deepEqual(longRunningUpdates({ queries: [{ id: 1, user: 'a', host: 'h', command: 'Query', time: 2, state: '', info: 'show processlist' }], transactions: [] }), []);
    assert.equal(longRunningUpdates({ queries: [{ id: 1, user: 'a', host: 'h', command: 'Query', time: 2, state: '', info: null }], transactions: [] }).length, 1);
    assert.equal(longRunningUpdates({ queries: [], transactions: [{ id: 1, seconds: 5, rowsModified: 0, lockedTables: 1, query: null }] }).length, 1);
  });
  it('filterDifferences ignores order and spaces', () => {
    const a = { server: 'a', binlog: { doDb: 'x, y', ignoreDb: '' }, replication: status({ replicateDoDb: 'p,q' }) };
    const b = { server: 'b', binlog: { doDb: 'y,x', ignoreDb: '' }, replication: status({ replicateDoDb: 'q, p' }) };
    assert.deepEqual(filterDifferences(a, b, { binlog: true, replication: true }), []);
  });
  it('errantTransactions (MariaDB): behind, or ahead with the master\'s own GTIDs (read later), is fine; another server\'s is errant', () => {
    const mk = (name: string, pos: string) => {
      const s = server(name, { replica: name === 'db1' ? null : undefined });
      s.state!.gtid.mariadb!.binlogPos = pos;
      return s;
    };
    const m = mk('db1', '0-1-100');
    assert.equal(errantTransactions(m, mk('db2', '0-1-90')), null);
    assert.equal(errantTransactions(m, mk('db2', '0-1-101')), null, 'the master wrote 101 after it was read');
    assert.equal(errantTransactions(m, mk('db2', '0-7-50')), null, 'an old master\'s GTID, behind');
    assert.match(errantTransactions(m, mk('db2', '0-2-101'))!, /db2 executed 0-2-101, which db1 has not \(it is at 0-1-100\)/);
    assert.match(errantTransactions(m, mk('db2', '0-1-100,5-2-3'))!, /executed 5-2-3/);
  });
  it('errantTransactions (MySQL): GTIDs of another server_uuid the master lacks', () => {
    const A = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
    const B = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';
    const mk = (name: string, gtid: string) => server(name, { version: '8.0.36', gtidExecuted: gtid, replica: name === 'db1' ? null : undefined });
    const m = mk('db1', `${A}:1-100`);
    m.state!.serverUuid = A;
    assert.equal(errantTransactions(m, mk('db2', `${A}:1-90`)), null);
    assert.equal(errantTransactions(m, mk('db2', `${A}:1-105`)), null, 'the master wrote 101-105 after it was read');
    assert.match(errantTransactions(m, mk('db2', `${A}:1-100,${B}:1`))!, new RegExp(`db2 executed ${B}:1, which db1 has not`));
  });
  it('input: accepted and refused', () => {
    assert.equal(invalidSwitchoverInput({ cluster: 'a', waitTimeout: '5s', approvalTimeout: 30, lagThresholdSeconds: 2 }), null);
    assert.match(invalidSwitchoverInput({ config: 'x' })!, /needs \{ "cluster"/);
    assert.match(invalidSwitchoverInput({ cluster: 'a', config: {} })!, /not a config/);
    assert.match(invalidSwitchoverInput({ cluster: 'a', waitTimeout: 'soon' })!, /waitTimeout must be a duration/);
    assert.match(invalidSwitchoverInput({ cluster: 'a', approval: 'yes' })!, /approval must be true or false/);
    assert.match(invalidSwitchoverInput({ cluster: 'a', lagThresholdSeconds: -1 })!, /lagThresholdSeconds/);
  });
  it('settings: defaults and durations', () => {
    assert.deepEqual(switchoverSettings({ cluster: 'a' }), { origMasterIsNewReplica: true, approvalTimeoutMs: 600_000, lagThresholdSeconds: 1, runningUpdatesLimitSeconds: 1, waitTimeoutMs: 10_000 });
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs(2), 2000);
    assert.equal(durationMs('1.5m'), 90_000);
  });
});

describe('after the freeze', () => {
  const frozen = { file: 'mysql-bin.000003', pos: 5000 };
  const names = { origMaster: 'db1', newMaster: 'db2' };
  const held: FreezeResult = { killed: [], position: frozen, gtid: '', ms: 1, state: { readOnly: true, superReadOnly: null, unlocked: [], writers: [], unplanned: [] } };
  it('freezeProblem: none when it holds; the reason when not', () => {
    assert.equal(freezeProblem(held, 'db1'), null);
    assert.match(freezeProblem({ ...held, state: { ...held.state, readOnly: false } }, 'db1')!, /the freeze of db1 does not hold: read_only is OFF/);
  });
  const caught = { reached: true, detail: '', waitedMs: 3, newMaster: { file: 'db2-bin.000001', pos: 777, gtid: '' }, origMasterNow: frozen };
  const cases: [string, typeof caught, RegExp | null][] = [
    ['caught up, the old master still', caught, null],
    ['not reached', { ...caught, reached: false, detail: 'not reached within the wait timeout' }, /db2 did not execute db1's binlog up to mysql-bin\.000003:5000: not reached/],
    ['the old master moved', { ...caught, origMasterNow: { file: frozen.file, pos: 5100 } }, /db1's binlog moved from mysql-bin\.000003:5000 to mysql-bin\.000003:5100 while frozen/],
    ['no binlog on the new master', { ...caught, newMaster: null as never }, /has no binary log position/],
  ];
  for (const [name, w, expected] of cases) {
    it(`caughtUpProblem: ${name}`, () => {
      const p = caughtUpProblem(w, frozen, names);
      if (expected) assert.match(p!, expected);
      else assert.equal(p, null);
    });
  }
  it('afterFailedPromotion: read-only -> roll back; writable -> forward; unreadable -> stuck (never two writable masters)', () => {
    assert.equal(afterFailedPromotion({ readOnly: true }), 'roll-back');
    assert.equal(afterFailedPromotion({ readOnly: false }), 'go-forward');
    assert.equal(afterFailedPromotion(null), 'stuck');
  });
  it('startOnNewMaster: coordinates (file/position); slave_pos, or current_pos for the old master (GTID)', () => {
    assert.deepEqual(startOnNewMaster('filepos', { file: 'b.1', pos: 4 }, true), { coords: { file: 'b.1', pos: 4 } });
    assert.deepEqual(startOnNewMaster('gtid', { file: 'b.1', pos: 4 }, false), { gtid: 'slave_pos' });
    assert.deepEqual(startOnNewMaster('gtid', { file: 'b.1', pos: 4 }, true), { gtid: 'current_pos' });
  });
});
