import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLatestBaseReplica } from '../../../src/topology/candidates';
import { planDiffs } from '../../../src/topology/diffplan';
import { classifyServers, identifyLatestAndOldest, recoveryReplicas } from '../../../src/topology/replicas';
import type {
  DeadMasterBinlog, FileposDiffPlan, GtidDiffPlan, LatestAndOldest, RelayLogFact, ServerSnapshot,
} from '../../../src/topology/types';
import { DEAD, at, deadMaster } from '../../support/topology-fixtures';

const F3 = 'mysql-bin.000003';
const F4 = 'mysql-bin.000004';

function setup(servers: ServerSnapshot[], facts: RelayLogFact[] = []) {
  const lo = identifyLatestAndOldest(recoveryReplicas(servers, classifyServers(servers, DEAD))) as LatestAndOldest;
  assert.ok(lo.ok);
  const base = pickLatestBaseReplica(lo, servers, facts);
  assert.ok(base.ok, base.ok ? '' : base.reason);
  return { lo, base };
}

const saved = (file: string, pos: number): DeadMasterBinlog => ({ status: 'saved', from: { file, pos }, savedAs: 'saved_master_binlog_db1.binlog', bytes: 420 });

describe('planDiffs, file/position mode', () => {
  // db2: candidate, behind (read 1500, exec 1200); db3: latest (read 2000, exec 1900); db4: oldest (read 900, exec 900).
  const servers = [
    deadMaster(),
    at('db2', [F3, 1500], [F3, 1200], { relayLogFile: 'relay-bin.000007', relayLogPos: 3300 }, { candidateMaster: true }),
    at('db3', [F3, 2000], [F3, 1900], { relayLogFile: 'relay-bin.000004', relayLogPos: 8100 }),
    at('db4', [F3, 900], [F3, 900]),
  ];

  test('new master not latest: exec_diff, read_diff from the latest, binlog_diff; then each replica', () => {
    const { lo, base } = setup(servers, [{ replica: 'db3', from: { file: F3, pos: 900 }, found: true }]);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) }) as FileposDiffPlan;
    const binlogDiff = { status: 'apply', from: { file: F3, pos: 2000 }, savedAs: 'saved_master_binlog_db1.binlog', bytes: 420 };
    assert.deepEqual(plan.newMaster, {
      server: 'db2', role: 'newMaster', isLatest: false,
      execDiff: { relayFile: 'relay-bin.000007', relayPos: 3300, from: { file: F3, pos: 1200 }, to: { file: F3, pos: 1500 }, bytes: 300 },
      readDiff: { fromReplica: 'db3', from: { file: F3, pos: 1500 }, to: { file: F3, pos: 2000 }, bytes: 500 },
      binlogDiff,
      repoint: null,
      summary: 'db2 (new master): exec_diff mysql-bin.000003:1200 -> mysql-bin.000003:1500 (300 bytes) from its own relay log; '
        + "read_diff mysql-bin.000003:1500 -> mysql-bin.000003:2000 (500 bytes) from db3's relay log; "
        + "binlog_diff from the dead master's binlog at mysql-bin.000003:2000",
    });
    assert.deepEqual(plan.replicas.map((r) => [r.server, r.isLatest, r.execDiff?.bytes ?? null, r.readDiff?.bytes ?? null, r.repoint]), [
      ['db3', true, 100, null, { source: 'db2' }],
      ['db4', false, null, 1100, { source: 'db2' }],
    ]);
    assert.deepEqual(plan.summary, [
      'file/position mode; new master db2; read_diffs from db3\'s relay logs',
      plan.newMaster.summary,
      'db3: exec_diff mysql-bin.000003:1900 -> mysql-bin.000003:2000 (100 bytes) from its own relay log; no read_diff (latest replica); '
        + "binlog_diff from the dead master's binlog at mysql-bin.000003:2000; then replicate from db2",
      "db4: no exec_diff; read_diff mysql-bin.000003:900 -> mysql-bin.000003:2000 (1100 bytes) from db3's relay log; "
        + "binlog_diff from the dead master's binlog at mysql-bin.000003:2000; then replicate from db2",
    ]);
    assert.equal(plan.lost, null);
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
  });

  test('new master is the latest and fully executed: nothing of its own to apply', () => {
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 2000])];
    const { lo, base } = setup(s);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: { status: 'nothing-new', from: { file: F3, pos: 2000 } } }) as FileposDiffPlan;
    assert.equal(plan.newMaster.execDiff, null);
    assert.equal(plan.newMaster.readDiff, null);
    assert.deepEqual(plan.newMaster.binlogDiff, {
      status: 'none', from: { file: F3, pos: 2000 }, reason: "the dead master's binlog ends at mysql-bin.000003:2000, where the latest replica stopped reading",
    });
    assert.equal(plan.newMaster.summary, 'db2 (new master): no exec_diff; no read_diff (latest replica); no binlog_diff (the dead master has nothing more)');
  });

  test('dead master unreachable: everything the replicas received, and the loss reported', () => {
    const { lo, base } = setup(servers, [{ replica: 'db3', from: { file: F3, pos: 900 }, found: true }]);
    const plan = planDiffs({
      latest: lo, base, newMaster: 'db3',
      binlog: { status: 'unavailable', from: { file: F3, pos: 2000 }, reason: 'db1 unreachable over SSH: connect EHOSTUNREACH' },
    }) as FileposDiffPlan;
    assert.deepEqual(plan.newMaster.binlogDiff, { status: 'unavailable', from: { file: F3, pos: 2000 }, reason: 'db1 unreachable over SSH: connect EHOSTUNREACH' });
    assert.equal(plan.lost, 'any transaction the dead master wrote after mysql-bin.000003:2000 is lost: no replica received it and its binlog '
      + 'could not be read (db1 unreachable over SSH: connect EHOSTUNREACH)');
    assert.equal(plan.summary.at(-1), plan.lost);
    assert.deepEqual(plan.replicas.map((r) => [r.server, r.readDiff?.fromReplica ?? null]), [['db2', 'db3'], ['db4', 'db3']]);
  });

  test('an exec_diff across a binlog rotation has no byte count', () => {
    const s = [deadMaster(), at('db2', [F4, 300], [F3, 9000])];
    const { lo, base } = setup(s);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F4, 300) }) as FileposDiffPlan;
    assert.deepEqual(plan.newMaster.execDiff, { relayFile: 'relay-bin.000002', relayPos: 500, from: { file: F3, pos: 9000 }, to: { file: F4, pos: 300 }, bytes: null });
  });

  test('unrecoverable replicas are skipped and reported', () => {
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 100], [F3, 100], {}, { ignoreFail: true }), at('db4', [F3, 900])];
    const { lo, base } = setup(s, [{ replica: 'db2', from: { file: F3, pos: 900 }, found: true }]);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) }) as FileposDiffPlan;
    assert.deepEqual(plan.replicas.map((r) => r.server), ['db4']);
    assert.deepEqual(plan.skipped.map((u) => u.name), ['db3']);
    assert.match(plan.summary.at(-1)!, /^db3: not recovered: received only up to mysql-bin\.000003:100/);
    assert.deepEqual(planDiffs({ latest: lo, base, newMaster: 'db3', binlog: saved(F3, 2000) }), {
      ok: false,
      reason: 'the new master db3 cannot be recovered: received only up to mysql-bin.000003:100, older than the relay logs db2 still holds '
        + '(from mysql-bin.000003:900); ignore_fail is set, so it is left out of the recovery',
    });
  });

  test('refusals: a saved binlog not starting at the latest read position; an unknown new master', () => {
    const { lo, base } = setup(servers, [{ replica: 'db3', from: { file: F3, pos: 900 }, found: true }]);
    assert.deepEqual(planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 1800) }), {
      ok: false,
      reason: "the dead master's binlog was read from mysql-bin.000003:1800 but the latest replica received up to mysql-bin.000003:2000: "
        + 'applying it would duplicate events',
    });
    assert.deepEqual(planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F4, 4) }), {
      ok: false,
      reason: "the dead master's binlog was read from mysql-bin.000004:4 but the latest replica received up to mysql-bin.000003:2000: "
        + 'applying it would skip events',
    });
    assert.deepEqual(planDiffs({ latest: lo, base, newMaster: 'db1', binlog: saved(F3, 2000) }), {
      ok: false, reason: 'the new master db1 is not one of the recovered replicas (db2, db3, db4)',
    });
  });
});

describe('planDiffs, GTID mode', () => {
  const g = { autoPosition: true, usingGtid: 'Slave_Pos' };
  const servers = [
    deadMaster(),
    at('db2', [F3, 1500], [F3, 1500], g, { candidateMaster: true }),
    at('db3', [F3, 2000], [F3, 1900], g),
    at('db4', [F3, 900], [F3, 900], g),
  ];

  test('candidate not latest: catches up from the latest, then the binlog_diff; others repointed', () => {
    const { lo, base } = setup(servers);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) }) as GtidDiffPlan;
    assert.equal(plan.mode, 'gtid');
    assert.deepEqual(plan.newMaster, {
      server: 'db2', isLatest: false, waitRelayApplied: true, catchUpFrom: 'db3',
      binlogDiff: { status: 'apply', from: { file: F3, pos: 2000 }, savedAs: 'saved_master_binlog_db1.binlog', bytes: 420 },
      summary: 'db2 (new master): apply its relay log; catch up from db3 (auto-position) up to mysql-bin.000003:2000; '
        + "binlog_diff from the dead master's binlog at mysql-bin.000003:2000",
    });
    assert.deepEqual(plan.replicas, [
      {
        server: 'db3', repoint: { source: 'db2', autoPosition: true, mariadbUseGtid: 'slave_pos' }, waitForNewMasterGtid: true,
        summary: "db3: replicate from db2 with MASTER_USE_GTID=slave_pos, then wait for the new master's GTID state",
      },
      {
        server: 'db4', repoint: { source: 'db2', autoPosition: true, mariadbUseGtid: 'slave_pos' }, waitForNewMasterGtid: true,
        summary: "db4: replicate from db2 with MASTER_USE_GTID=slave_pos, then wait for the new master's GTID state",
      },
    ]);
    assert.equal(plan.lost, null);
  });

  test('new master is latest: no catch-up; MySQL replicas use auto-position', () => {
    const my = { version: '8.0.36', gtidExecuted: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10' };
    const s = [deadMaster(), at('db2', [F3, 2000], [F3, 2000], { autoPosition: true }, my), at('db3', [F3, 900], [F3, 900], { autoPosition: true }, my)];
    const { lo, base } = setup(s);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: { status: 'nothing-new', from: { file: F3, pos: 2000 } } }) as GtidDiffPlan;
    assert.equal(plan.newMaster.catchUpFrom, null);
    assert.equal(plan.newMaster.summary, 'db2 (new master): apply its relay log (a latest replica); no binlog_diff (the dead master has nothing more)');
    assert.deepEqual(plan.replicas[0]!.repoint, { source: 'db2', autoPosition: true });
    assert.equal(plan.replicas[0]!.summary, "db3: replicate from db2 with auto-position, then wait for the new master's GTID state");
  });

  test('refused when the only latest replica does not binlog what it replicates', () => {
    const s = [deadMaster(), at('db2', [F3, 1500], [F3, 1500], g), at('db3', [F3, 2000], [F3, 2000], g, { logSlaveUpdates: false })];
    const { lo, base } = setup(s);
    assert.deepEqual(planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) }), {
      ok: false,
      reason: 'the new master db2 is not a latest replica and must catch up from db3, which does not write replicated transactions to its binlog '
        + '(log_bin and log_slave_updates): choose a latest replica as new master',
    });
  });
});

describe('planDiffs: a replica with other replication filters', () => {
  const ignore = { replicateIgnoreDb: 'app' };

  test('file/position: no diff, no repoint; left out with the reason and what to do', () => {
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 1500], [F3, 1400], ignore), at('db4', [F3, 1800])];
    const { lo, base } = setup(s, [{ replica: 'db2', from: { file: F3, pos: 1800 }, found: true }]);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) }) as FileposDiffPlan;
    assert.ok(plan.ok);
    assert.deepEqual(plan.replicas.map((r) => r.server), ['db4']);
    assert.deepEqual(plan.leftOut.map((l) => l.name), ['db3']);
    assert.match(plan.leftOut[0]!.reason, /replication filters differ from the other replicas' \(Replicate_Ignore_DB='app' \(expected ''\)\): a diff replayed through a client session would bypass them/);
    assert.match(plan.leftOut[0]!.todo, /stopped at mysql-bin\.000003:1400; rebuild it from db2 .* and replicate from db2/);
    assert.ok(plan.summary.some((l) => /^db3: left out: /.test(l)));
  });

  test('GTID: repointed like the others (its own SQL thread applies its filters); never the catch-up source', () => {
    const gt = { autoPosition: true };
    const s = [deadMaster(), at('db2', [F3, 1500], [F3, 1500], gt, { candidateMaster: true }), at('db3', [F3, 2000], [F3, 2000], { ...gt, ...ignore }), at('db4', [F3, 2000], [F3, 2000], gt)];
    const { lo, base } = setup(s);
    assert.equal(base.latestBase, 'db4', 'the latest replica with the others\' filters');
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) }) as GtidDiffPlan;
    assert.ok(plan.ok);
    assert.equal(plan.newMaster.catchUpFrom, 'db4');
    assert.deepEqual(plan.replicas.map((r) => r.server), ['db3', 'db4']);
    assert.deepEqual(plan.leftOut, []);
  });

  test('GTID: refused when the new master could only catch up from a replica with other filters (its binlog lacks what it filtered)', () => {
    const gt = { autoPosition: true };
    const s = [deadMaster(), at('db2', [F3, 1500], [F3, 1500], gt), at('db3', [F3, 2000], [F3, 2000], { ...gt, ...ignore }), at('db4', [F3, 1500], [F3, 1500], gt)];
    const { lo, base } = setup(s);
    const plan = planDiffs({ latest: lo, base, newMaster: 'db2', binlog: saved(F3, 2000) });
    assert.ok(!plan.ok);
    assert.match(plan.reason, /must catch up from db3, whose replication filters differ \(Replicate_Ignore_DB='app' \(expected ''\)\): its binlog lacks what it filtered/);
  });
});
