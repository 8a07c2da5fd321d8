// The rejoin's decisions (src/rejoin/decisions.ts): to rejoin or not, what the cluster holds of the old
// master's binlog, what only it holds, how it becomes consistent, where it replicates from. Table tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtraTransactions } from '../../../src/contracts/rejoin';
import type { SavedTail } from '../../../src/failover/deadmaster';
import {
  clusterCopyOf, decideExtra, decideRejoinStart, decideVerified, describeRows, gtidDifferenceCount, gtidRanges, invalidRejoinInput, newMasterStartOf,
  planConsistency, reapplyDomain, repointTarget, summarizeExtra, type ExtraScanFacts, type FailoverRecord, type FenceFacts, type RejoinCheckFacts,
} from '../../../src/rejoin/decisions';
import type { ServerSnapshot } from '../../../src/topology/types';
import { server, status } from '../../support/topology-fixtures';

const F = 'mysql-bin.000003';
const CLUSTER: RejoinCheckFacts['cluster'] = { name: 'app1', digest: 'd1', servers: [1, 2, 3, 4].map((n) => ({ name: `db${n}`, host: `10.0.0.${n}`, port: 3306, aliases: [] })) };
const replicaOf = (n: number, p: Parameters<typeof status>[0] = {}) => status({ sourceHost: `10.0.0.${n}`, ioRunning: 'Yes', sqlRunning: true, lastIoErrno: 0, lastIoError: '', ...p });
const FENCED: FenceFacts = { readOnly: true, writingTransactions: [], clientSessions: [] };
const TAIL_LOST: SavedTail = { status: 'unavailable', from: { file: F, pos: 5000 }, reason: 'db1 is not reachable over SSH' };

function failover(p: Partial<FailoverRecord['report']> = {}): FailoverRecord {
  return {
    workflowId: 'failover:app1', runId: 'r1', closeTime: '2026-11-29T10:00:00.000Z',
    report: {
      deadMaster: 'db1', newMaster: 'db2', mode: 'filepos', latest: null, binlogTail: TAIL_LOST,
      servers: [{ server: 'db2', role: 'newMaster', plan: '' }, { server: 'db3', role: 'replica', plan: '', repointedTo: 'db2 mysql-bin.000001:7000' }],
      newMasterStart: { coords: { file: 'mysql-bin.000001', pos: 7000 }, gtid: '0-11-936' }, ...p,
    },
  };
}

/** db1 the old master (back, read-only, no replication), db2 the master, db3 and db4 its replicas. */
function servers(db1: Partial<Parameters<typeof server>[1]> = {}): ServerSnapshot[] {
  return [server('db1', { replica: null, ...db1 }), server('db2', { replica: null }), server('db3', { replica: replicaOf(2) }), server('db4', { replica: replicaOf(2) })];
}

function facts(p: Partial<RejoinCheckFacts> = {}): RejoinCheckFacts {
  return { cluster: CLUSTER, servers: servers(), master: 'db2', fence: FENCED, lastFailover: failover(), ...p };
}

describe('invalidRejoinInput', () => {
  const cases: [unknown, RegExp | null][] = [
    [{ cluster: 'app1', server: 'db1' }, null],
    [{ cluster: 'app1', server: 'db1', reapply: true, dryRun: true }, null],
    [{ cluster: 'app1' }, /needs \{ "cluster".*"server"/],
    [undefined, /needs/],
    [{ cluster: 'app1', server: 'db1', config: {} }, /not a config/],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input) ?? 'undefined', () => {
      const r = invalidRejoinInput(input);
      if (want) assert.match(r ?? '', want); else assert.equal(r, null);
    });
  }
});

describe('decideRejoinStart', () => {
  it('an old master, fenced, replaced by the last failover: rejoin it, with the failover\'s positions', () => {
    const d = decideRejoinStart(facts(), { server: 'db1' });
    assert.ok(d.ok && d.kind === 'rejoin');
    assert.equal(d.master, 'db2');
    assert.deepEqual(d.clusterCopy.upTo, { file: F, pos: 5000 });
    assert.match(d.clusterCopy.how, /could not read the rest \(db1 is not reachable over SSH\)/);
    assert.deepEqual(d.newMasterStart.coords, { file: 'mysql-bin.000001', pos: 7000 });
  });

  it('already a healthy replica of the master: a no-op that says so', () => {
    const d = decideRejoinStart(facts({ servers: servers({ replica: replicaOf(2) }) }), { server: 'db1' });
    assert.ok(d.ok && d.kind === 'already');
    assert.match(d.note, /db1 already replicates from db2 \(IO Yes, SQL running\): nothing to do/);
  });

  const refusals: [string, Partial<RejoinCheckFacts>, { server?: string; configDigest?: string }, RegExp][] = [
    ['another config', {}, { configDigest: 'other' }, /not the worker's \(digest d1\)/],
    ['not a server of the cluster', {}, { server: 'db9' }, /db9 is not a server of cluster app1/],
    ['down', { servers: servers({ dead: true, error: 'ECONNREFUSED' }) }, {}, /db1 does not answer SQL \(ECONNREFUSED\)/],
    ['the current master', { master: 'db1' }, {}, /db1 is the cluster's current master/],
    ['a source of a replica', { servers: [...servers().slice(0, 3), server('db4', { replica: replicaOf(1) })] }, {}, /db4 replicates from db1/],
    ['writable', { fence: { ...FENCED, readOnly: false } }, {}, /db1 is writable \(read_only=OFF\): fence it first/],
    ['a client writing despite read_only', { fence: { ...FENCED, writingTransactions: [{ id: '7', user: 'root', host: 'localhost', rowsModified: 3, startedAt: 'T' }] } }, {},
      /clients are writing to db1 despite read_only: root@localhost \(3 rows changed since T\)/],
    ['replicating from elsewhere', { servers: servers({ replica: replicaOf(3) }) }, {}, /replicates from 10\.0\.0\.3:3306, not the master db2/],
    ['pointing at the master, broken', { servers: servers({ replica: replicaOf(2, { sqlRunning: false, lastSqlErrno: 1062, lastSqlError: 'Duplicate entry' }) }) }, {},
      /set to replicate from db2 but is not replicating \(IO Yes, SQL No: Duplicate entry\)/],
    ['no failover recorded', { lastFailover: null }, {}, /no completed failover of cluster app1 is recorded in Temporal/],
    ['the last failover replaced another server', { lastFailover: failover({ deadMaster: 'db3' }) }, {}, /replaced db3, not db1/],
    ['the master changed since', { lastFailover: failover({ newMaster: 'db3' }) }, {}, /the master is now db2, not db3/],
    ['no positions recorded', { lastFailover: failover({ binlogTail: null, servers: [], newMasterStart: undefined }) }, {}, /recorded no position/],
  ];
  for (const [name, p, input, want] of refusals) {
    it(`refuses: ${name}`, () => {
      const d = decideRejoinStart(facts(p), { server: 'db1', ...input });
      assert.ok(!d.ok, JSON.stringify(d));
      assert.match(d.reason, want);
    });
  }
});

describe('what the failover recorded', () => {
  it('the cluster\'s copy of the old master\'s binlog ends where the saved tail ended, else at the latest replica\'s read position', () => {
    const saved: SavedTail = {
      status: 'saved', from: { file: F, pos: 5000 }, fileName: 't', sha256: 's', bytes: 9, transactions: 3, endsAt: { file: F, pos: 6100 },
      cutBytes: 0, startsMidTransaction: false, copies: [], failedCopies: [],
    };
    assert.deepEqual(clusterCopyOf(failover({ binlogTail: saved }).report)?.upTo, { file: F, pos: 6100 });
    assert.deepEqual(clusterCopyOf(failover({ binlogTail: { status: 'nothing-new', from: { file: F, pos: 5000 } } }).report)?.upTo, { file: F, pos: 5000 });
    assert.deepEqual(clusterCopyOf(failover().report)?.upTo, { file: F, pos: 5000 });
  });

  it('the new master at promotion: recorded, or (older failovers) where the replicas were repointed', () => {
    assert.deepEqual(newMasterStartOf(failover().report), { coords: { file: 'mysql-bin.000001', pos: 7000 }, gtid: '0-11-936' });
    assert.deepEqual(newMasterStartOf(failover({ newMasterStart: undefined }).report), { coords: { file: 'mysql-bin.000001', pos: 7000 }, gtid: null });
    const gtid = failover({ newMasterStart: undefined, servers: [{ server: 'db3', role: 'replica', plan: '', repointedTo: 'db2 (GTID, up to 0-11-936,1-12-3)' }] });
    assert.deepEqual(newMasterStartOf(gtid.report), { coords: null, gtid: '0-11-936,1-12-3' });
  });
});

const tx = (n: number, p: Partial<Parameters<typeof summarizeExtra>[0][number]> = {}) => ({
  file: F, startPos: 5000 + n * 100, endPos: 5100 + n * 100, gtid: `0-11-${937 + n}`, commitTime: 1_790_000_000 + n,
  rows: [{ table: 'app.t', action: 'write' as const, rows: 2 }, { table: 'app.u', action: 'delete' as const, rows: 1 }], ...p,
});

describe('summarizeExtra', () => {
  it('count, GTID ranges, positions per file, commit times, rows per table and action', () => {
    const x = summarizeExtra([tx(0), tx(1), tx(2, { file: 'mysql-bin.000004', startPos: 256, endPos: 400, rows: [{ table: 'app.t', action: 'update', rows: 5 }] })]);
    assert.equal(x.count, 3);
    assert.deepEqual(x.gtids, ['0-11-937..939']);
    assert.deepEqual(x.positions, [{ file: F, from: 5000, to: 5200, transactions: 2 }, { file: 'mysql-bin.000004', from: 256, to: 400, transactions: 1 }]);
    assert.equal(x.firstCommit, '2026-09-21T14:13:20Z');
    assert.equal(x.lastCommit, '2026-09-21T14:13:22Z');
    assert.deepEqual(x.tables, [{ table: 'app.t', rows: { write: 4, update: 5, delete: 0 } }, { table: 'app.u', rows: { write: 0, update: 0, delete: 2 } }]);
    assert.equal(describeRows(x.tables[0]!), 'app.t: 4 inserted, 5 updated');
    assert.equal(x.notRewindableCount, 0);
  });

  it('nothing: zero, no times', () => {
    assert.deepEqual(summarizeExtra([]), { count: 0, gtids: [], positions: [], firstCommit: null, lastCommit: null, tables: [], notRewindable: [], notRewindableCount: 0 });
  });

  it('GTID ranges: consecutive sequence numbers of one domain and server, or one MySQL uuid', () => {
    assert.deepEqual(gtidRanges(['0-11-5', '0-11-6', '0-11-8', '1-11-9', '0-12-10']), ['0-11-5..6', '0-11-8', '1-11-9', '0-12-10']);
    assert.deepEqual(gtidRanges(['3e11fa47-71ca-11e1-9e33-c80aa9429562:7', '3e11fa47-71ca-11e1-9e33-c80aa9429562:8']), ['3e11fa47-71ca-11e1-9e33-c80aa9429562:7-8']);
  });
});

function scan(p: Partial<ExtraScanFacts> = {}): ExtraScanFacts {
  return {
    server: 'db1', flavor: 'mariadb', from: { file: F, pos: 5000 }, purged: null, binlogEnd: { file: 'mysql-bin.000004', pos: 400 },
    serverGtidState: '0-11-939', masterGtidState: '0-11-936,0-12-2000', extra: summarizeExtra([tx(0), tx(1), tx(2)]), heldByCluster: [], heldByClusterCount: 0, ...p,
  };
}

describe('decideExtra: the scan agrees with the GTID states', () => {
  it('MariaDB: 3 transactions after the copy, 3 beyond the master\'s gtid_binlog_state', () => {
    const d = decideExtra(scan());
    assert.ok(d.ok);
    assert.equal(d.extra.count, 3);
    assert.match(d.checkedBy, /GTID states/);
  });
  it('GTID difference counts, both flavors', () => {
    assert.equal(gtidDifferenceCount('mariadb', '0-11-1000,1-11-5', '0-11-936,0-12-1500,1-11-5'), 64);
    const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    assert.equal(gtidDifferenceCount('mysql', `${U}:1-100`, `${U}:1-90`), 10);
    assert.equal(gtidDifferenceCount('mysql', '', ''), null);
  });
  const refusals: [string, Partial<ExtraScanFacts>, RegExp][] = [
    ['the binlog where the copy ends was purged', { purged: F }, /mysql-bin\.000003, where the cluster's copy of it ends, is gone \(purged\)/],
    ['the master already holds some of them', { heldByCluster: ['0-11-937'], heldByClusterCount: 1 }, /already holds 1 of the transactions.*0-11-937/],
    ['the GTID states say another number', { serverGtidState: '0-11-945' }, /holds 3 transactions after .* but its GTID state has 9 the master lacks/],
  ];
  for (const [name, p, want] of refusals) {
    it(`refuses: ${name}`, () => {
      const d = decideExtra(scan(p));
      assert.ok(!d.ok);
      assert.match(d.reason, want);
    });
  }
});

const extra = (p: Partial<ExtraTransactions> = {}): ExtraTransactions => ({ ...summarizeExtra([tx(0), tx(1)]), ...p });

describe('planConsistency', () => {
  const o = { server: 'db1', flavor: 'mariadb' as const, reapply: false, saved: '/var/lib/mhaflow/app1/r/extra-db1.binlog' };
  it('nothing extra: repoint', () => assert.deepEqual(planConsistency(extra({ count: 0 }), o), { kind: 'repoint' }));
  it('row-based DML: rewind (reapplied first when asked)', () => {
    assert.deepEqual(planConsistency(extra(), o), { kind: 'rewind', reapply: false });
    assert.deepEqual(planConsistency(extra(), { ...o, reapply: true }), { kind: 'rewind', reapply: true });
  });
  it('a DDL among them: refused, naming it, the saved file and a rebuild', () => {
    const p = planConsistency(extra({ notRewindable: [{ gtid: '0-11-938', at: `${F}:5100`, what: 'statement `ALTER TABLE app.t ADD c INT` at 5150' }], notRewindableCount: 1 }), o);
    assert.equal(p.kind, 'refuse');
    assert.match((p as { reason: string }).reason,
      /1 of the 2 transactions only db1 holds cannot be rewound: 0-11-938 at mysql-bin\.000003:5100: statement `ALTER TABLE app\.t ADD c INT`.*saved in \/var\/lib\/mhaflow\/app1\/r\/extra-db1\.binlog: rebuild this server from a backup/);
  });
  it('MySQL: no flashback, refused', () => {
    assert.match((planConsistency(extra(), { ...o, flavor: 'mysql' }) as { reason: string }).reason, /only MariaDB can rewind them.*rebuild this server from a backup/);
  });
});

describe('reapplyDomain', () => {
  it('the configured domain, for extra transactions of one other domain', () => assert.deepEqual(reapplyDomain(['0-11-937..1000'], 1000), { ok: true, domain: 1000 }));
  it('refuses several domains (they would be reordered) and the configured one', () => {
    assert.match((reapplyDomain(['0-11-937', '1-11-4'], 1000) as { reason: string }).reason, /several GTID domains \(0, 1\)/);
    assert.match((reapplyDomain(['1000-11-4'], 1000) as { reason: string }).reason, /set replication\.reapplyGtidDomain to another/);
  });
});

describe('repointTarget', () => {
  const go = (mode: 'filepos' | 'gtid') => {
    const d = decideRejoinStart(facts({ lastFailover: failover({ mode }) }), { server: 'db1' });
    assert.ok(d.ok && d.kind === 'rejoin');
    return d;
  };
  it('file/position: the new master\'s binlog position once it held the cluster\'s copy, with how it follows', () => {
    const t = repointTarget(go('filepos'), 'db1');
    assert.ok(t.ok);
    assert.deepEqual(t.at, { coords: { file: 'mysql-bin.000001', pos: 7000 } });
    assert.match(t.derivation, /db1's binlog up to mysql-bin\.000003:5000 is on the cluster.*db2's binlog was at mysql-bin\.000001:7000 once it held it, before it became writable \(failover failover:app1\)/);
  });
  it('GTID: gtid_slave_pos = the new master\'s GTID position then', () => {
    const t = repointTarget(go('gtid'), 'db1');
    assert.ok(t.ok);
    assert.deepEqual(t.at, { gtid: '0-11-936' });
  });
});

describe('decideVerified', () => {
  const at = { file: 'mysql-bin.000001', pos: 9000 };
  it('every table the same at one point: verified', () => {
    assert.deepEqual(decideVerified({ at, reached: at, tables: [{ table: 'app.t', server: '1', master: '1' }] }, 'db1', 'db2'), { ok: true });
  });
  it('a table differs, or it stopped elsewhere: refused, replication left stopped, rebuild', () => {
    const d = decideVerified({ at, reached: at, tables: [{ table: 'app.t', server: '1', master: '2' }] }, 'db1', 'db2');
    assert.ok(!d.ok);
    assert.match(d.reason, /app\.t \(db1 1, db2 2\) differs at db2's mysql-bin\.000001:9000.*left stopped.*rebuild/);
    assert.ok(!decideVerified({ at, reached: { ...at, pos: 8000 }, tables: [] }, 'db1', 'db2').ok);
  });
});
