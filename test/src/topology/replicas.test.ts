import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyServers, identifyLatestAndOldest, recoveryReplicas, replicatesFrom, replicationModeOf,
} from '../../../src/topology/replicas';
import type { LatestAndOldest } from '../../../src/topology/types';
import { DEAD, at, deadMaster, server, snapshots, status } from '../../support/topology-fixtures';

const F3 = 'mysql-bin.000003';
const F4 = 'mysql-bin.000004';

function ok(r: ReturnType<typeof identifyLatestAndOldest>): LatestAndOldest {
  assert.equal(r.ok, true, r.ok ? '' : r.reason);
  return r as LatestAndOldest;
}

describe('classifyServers', () => {
  test('dead master, replicas, and every other kind of server', () => {
    const servers = [
      deadMaster(),
      at('db2', [F3, 1000]),
      server('db3', { dead: true, error: 'connect ETIMEDOUT' }),
      server('db4', { dead: true, ignoreFail: true }),
      at('db5', [F3, 1000], [F3, 900], { lastSqlErrno: 1062, lastSqlError: "Duplicate entry '7' for key 'PRIMARY'", sqlRunning: false }),
      at('db6', [F3, 1000], [F3, 1000], { sourceHost: '10.0.0.9', sourceServerId: 9 }),
      server('db7', { replica: null }),
      server('binlog1', { binlogServer: true }),
    ];
    const c = classifyServers(servers, DEAD);
    assert.deepEqual(c.servers.map((s) => [s.name, s.role, s.blocksFailover]), [
      ['db1', 'deadMaster', false],
      ['db2', 'replica', false],
      ['db3', 'unreachable', true],
      ['db4', 'unreachable', false],
      ['db5', 'failedReplica', true],
      ['db6', 'otherSource', false],
      ['db7', 'notReplica', true],
      ['binlog1', 'binlogServer', false],
    ]);
    assert.deepEqual(c.replicas, ['db2']);
    assert.deepEqual(c.servers.find((s) => s.name === 'db6')!.reasons,
      ['replicates from 10.0.0.9:3306 (server_id 9), not from the dead master db1 (10.0.0.1:3306)']);
    assert.deepEqual(c.blockers, [
      'db3: dead: not reachable (connect ETIMEDOUT); ignore_fail is not set, so the failover cannot leave it behind',
      "db5: SQL thread stopped on error 1062: Duplicate entry '7' for key 'PRIMARY'; ignore_fail is not set, so the failover cannot leave it behind",
      'db7: alive but not a replica (no replica status): it would be left behind; ignore_fail is not set, so the failover cannot leave it behind',
    ]);
    assert.deepEqual(recoveryReplicas(servers, c).map((r) => r.name), ['db2']);
  });

  test('source matching: host (or an alias) and port; server_id for a name that cannot be resolved', () => {
    assert.equal(replicatesFrom(status({ sourceHost: 'db1.example', sourceServerId: 1 }), DEAD), true, 'an unresolvable name: by server_id');
    assert.equal(replicatesFrom(status({ sourceHost: 'db1.example', sourceServerId: 1 }), DEAD, undefined, ['10.9.9.9']), false, 'resolved elsewhere');
    assert.equal(replicatesFrom(status({ sourceHost: '10.0.0.1', sourceServerId: 7 }), DEAD), true, 'named: the id may be stale');
    const noId = { ...DEAD, serverId: null, addresses: ['db1.example'] };
    assert.equal(replicatesFrom(status({ sourceHost: 'DB1.example', sourceServerId: null }), noId), true);
    assert.equal(replicatesFrom(status({ sourceHost: '10.0.0.1', sourcePort: 3307, sourceServerId: null }), noId), false);
  });
});

describe('classifyServers: a replica naming the dead master with another server_id', () => {
  test('is left alone (its positions may be another server\'s), and does not stop the failover', () => {
    const c = classifyServers([deadMaster(), at('db2', [F3, 1000]), at('db3', [F3, 1000], undefined, { sourceServerId: 7 })], DEAD);
    assert.deepEqual(c.replicas, ['db2']);
    assert.deepEqual(c.blockers, []);
    assert.match(c.servers.find((x) => x.name === 'db3')!.reasons[0]!, /replicates from 10\.0\.0\.1:3306 \(server_id 7\), but the dead master db1 is server_id 1: .*left alone/);
  });
});

describe('replicationModeOf', () => {
  test('GTID only when every replica auto-positions', () => {
    const gtid = snapshots([at('db2', [F3, 1], [F3, 1], { autoPosition: true }), at('db3', [F3, 1], [F3, 1], { autoPosition: true })]);
    assert.deepEqual(replicationModeOf(gtid), { mode: 'gtid', reason: 'every replica replicates with GTID auto-positioning: GTID mode' });
    const mixed = snapshots([at('db2', [F3, 1], [F3, 1], { autoPosition: true }), at('db3', [F3, 1])]);
    assert.deepEqual(replicationModeOf(mixed), { mode: 'filepos', reason: 'file/position mode: db3 does not use GTID auto-positioning' });
  });
});

describe('identifyLatestAndOldest', () => {
  test('no replica: refused with the reason', () => {
    assert.deepEqual(identifyLatestAndOldest([]), { ok: false, reason: 'no alive replica of the dead master: nothing can be promoted' });
  });

  test('replicas at different positions: one latest, one oldest, coordinates of each', () => {
    const r = ok(identifyLatestAndOldest(snapshots([
      at('db2', [F3, 1500], [F3, 1200], { relayLogFile: 'relay-bin.000002', relayLogPos: 800 }),
      at('db3', [F3, 2000]),
      at('db4', [F3, 900], [F3, 900]),
    ])));
    assert.equal(r.mode, 'filepos');
    assert.deepEqual(r.latest, ['db3']);
    assert.deepEqual(r.oldest, ['db4']);
    assert.deepEqual(r.latestPosition, { file: F3, pos: 2000 });
    assert.deepEqual(r.oldestPosition, { file: F3, pos: 900 });
    assert.equal(r.mostAdvancedLatest, 'db3');
    assert.equal(r.allReceivedSame, false);
    assert.deepEqual(r.replicas[0], {
      name: 'db2', read: { file: F3, pos: 1500 }, exec: { file: F3, pos: 1200 }, relay: { file: 'relay-bin.000002', pos: 800 },
      sqlRunning: true, servesBinlog: true,
    });
    assert.deepEqual(r.reasons, [
      'file/position mode: db2, db3, db4 do not use GTID auto-positioning',
      'latest: db3 at mysql-bin.000003:2000 (received the most of the dead master\'s binlog)',
      'oldest: db4 at mysql-bin.000003:900',
      'replicas behind mysql-bin.000003:2000 need a read_diff from a latest replica\'s relay log',
    ]);
    assert.deepEqual(r.warnings, []);
  });

  test('the newest binlog file wins over a larger offset in an older file', () => {
    const r = ok(identifyLatestAndOldest(snapshots([at('db2', [F3, 99_000_000]), at('db3', [F4, 120])])));
    assert.deepEqual([r.latest, r.oldest], [['db3'], ['db2']]);
  });

  test('ties: every latest replica listed; the one that executed most is the most advanced', () => {
    const r = ok(identifyLatestAndOldest(snapshots([
      at('db2', [F3, 2000], [F3, 1500]),
      at('db3', [F3, 2000], [F3, 1900]),
      at('db4', [F3, 1000]),
      at('db5', [F3, 1000]),
    ])));
    assert.deepEqual(r.latest, ['db2', 'db3']);
    assert.deepEqual(r.oldest, ['db4', 'db5']);
    assert.equal(r.mostAdvancedLatest, 'db3');
    assert.equal(r.reasons.at(-1), 'db3 executed the most among the latest (up to mysql-bin.000003:1900)');
  });

  test('all replicas received the same events: both latest and oldest, no read_diff', () => {
    const r = ok(identifyLatestAndOldest(snapshots([at('db2', [F3, 2000], [F3, 1000]), at('db3', [F3, 2000])])));
    assert.deepEqual([r.latest, r.oldest, r.allReceivedSame, r.mostAdvancedLatest], [['db2', 'db3'], ['db2', 'db3'], true, 'db3']);
    assert.equal(r.reasons[3], 'every replica received the same events: no read_diff is needed');
  });

  test('a replica reporting no position counts as having received nothing, with a warning', () => {
    const r = ok(identifyLatestAndOldest(snapshots([at('db2', [F3, 2000]), at('db3', ['', 0], ['', 0])])));
    assert.deepEqual(r.oldest, ['db3']);
    assert.deepEqual(r.warnings, ['db3 reports no read position (empty Master_Log_File): counted as having received nothing']);
  });

  test('MariaDB GTID mode: GTID progress reported; a replica with GTIDs the latest lacks is flagged', () => {
    const g = { autoPosition: true, usingGtid: 'Slave_Pos' };
    const r = ok(identifyLatestAndOldest(snapshots([
      at('db2', [F3, 2000], [F3, 1800], { ...g, gtidIoPos: '0-1-120' }, { mariadbCurrentPos: '0-1-110' }),
      at('db3', [F3, 1500], [F3, 1500], { ...g, gtidIoPos: '0-1-100' }, { mariadbCurrentPos: '0-1-100,5-3-7' }),
    ])));
    assert.equal(r.mode, 'gtid');
    assert.deepEqual(r.replicas.map((c) => c.gtid), [
      { kind: 'mariadb', received: '0-1-120', executed: '0-1-110' },
      { kind: 'mariadb', received: '0-1-100,5-3-7', executed: '0-1-100,5-3-7' },
    ]);
    assert.deepEqual(r.latest, ['db2']);
    assert.deepEqual(r.warnings, [
      'db3 holds GTIDs that the latest replica db2 lacks (db3: 0-1-100,5-3-7; db2: 0-1-120): errant transactions or a diverged domain; '
      + 'positions still decide, check them before trusting this failover',
    ]);
  });

  test('MySQL GTID mode: received = Retrieved_Gtid_Set ∪ gtid_executed; consistent replicas give no warning', () => {
    const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const mysql = { version: '8.0.36' };
    const r = ok(identifyLatestAndOldest(snapshots([
      at('db2', [F3, 2000], [F3, 1800], { autoPosition: true, retrievedGtidSet: `${U}:50-120` }, { ...mysql, gtidExecuted: `${U}:1-110` }),
      at('db3', [F3, 1500], [F3, 1500], { autoPosition: true, retrievedGtidSet: `${U}:50-100` }, { ...mysql, gtidExecuted: `${U}:1-100` }),
    ])));
    assert.deepEqual(r.replicas.map((c) => c.gtid), [
      { kind: 'mysql', received: `${U}:1-120`, executed: `${U}:1-110` },
      { kind: 'mysql', received: `${U}:1-100`, executed: `${U}:1-100` },
    ]);
    assert.deepEqual(r.warnings, []);
  });

  test('the mode can be forced', () => {
    const r = ok(identifyLatestAndOldest(snapshots([at('db2', [F3, 2000])]), { mode: 'filepos' }));
    assert.equal(r.reasons[0], 'file/position mode (requested)');
    assert.equal(r.replicas[0]!.gtid, undefined);
  });

  test('the result is plain JSON (it goes into workflow history)', () => {
    const r = identifyLatestAndOldest(snapshots([at('db2', [F3, 2000]), at('db3', [F3, 100])]));
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });
});
