import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessCandidates, chooseNewMaster, pickLatestBaseReplica, relayLogChecksNeeded, resolveServer,
} from '../../../src/topology/candidates';
import { filtersOf } from '../../../src/topology/filters';
import { classifyServers, identifyLatestAndOldest, recoveryReplicas } from '../../../src/topology/replicas';
import type {
  CandidatesResult, LatestAndOldest, LatestBaseDecision, RelayLogFact, ServerSnapshot,
} from '../../../src/topology/types';
import { DEAD, at, deadMaster, server, status } from '../../support/topology-fixtures';

const F2 = 'mysql-bin.000002';
const F3 = 'mysql-bin.000003';
const MB = 100_000_000;

function latestOf(servers: ServerSnapshot[]): LatestAndOldest {
  const r = identifyLatestAndOldest(recoveryReplicas(servers, classifyServers(servers, DEAD)));
  assert.ok(r.ok);
  return r;
}

function decide(servers: ServerSnapshot[], opts: { requested?: string; facts?: RelayLogFact[]; maxDelayBytes?: number; allowErrant?: boolean } = {}) {
  const lo = latestOf(servers);
  const base = pickLatestBaseReplica(lo, servers, opts.facts ?? []);
  const candidates = assessCandidates({ servers, deadMaster: DEAD, latest: lo, base, maxDelayBytes: opts.maxDelayBytes ?? MB, allowErrant: opts.allowErrant });
  const choice = chooseNewMaster({ candidates, latest: lo, servers, requested: opts.requested ?? null });
  return { lo, base, candidates, choice };
}

const reasonsOf = (c: CandidatesResult) => Object.fromEntries(c.servers.map((s) => [s.name, s.reasons]));
const found = (replica: string, file: string, pos: number): RelayLogFact => ({ replica, from: { file, pos }, found: true });
const missing = (replica: string, file: string, pos: number, detail?: string): RelayLogFact =>
  ({ replica, from: { file, pos }, found: false, ...(detail ? { detail } : {}) });

describe('relayLogChecksNeeded', () => {
  test('every latest replica, every read position behind it, oldest first', () => {
    const lo = latestOf([deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 2000]), at('db4', [F3, 900]), at('db5', [F3, 1500]), at('db6', [F3, 900])]);
    assert.deepEqual(relayLogChecksNeeded(lo), [
      { replica: 'db2', from: { file: F3, pos: 900 }, why: 'read position of db4, db6' },
      { replica: 'db2', from: { file: F3, pos: 1500 }, why: 'read position of db5' },
      { replica: 'db3', from: { file: F3, pos: 900 }, why: 'read position of db4, db6' },
      { replica: 'db3', from: { file: F3, pos: 1500 }, why: 'read position of db5' },
    ]);
  });
  test('none when every replica received the same events, nor in GTID mode', () => {
    assert.deepEqual(relayLogChecksNeeded(latestOf([at('db2', [F3, 2000]), at('db3', [F3, 2000], [F3, 10])])), []);
    const g = { autoPosition: true };
    assert.deepEqual(relayLogChecksNeeded(latestOf([at('db2', [F3, 2000], [F3, 2000], g), at('db3', [F3, 10], [F3, 10], g)])), []);
  });
});

describe('pickLatestBaseReplica', () => {
  const servers = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 2000], [F3, 1900]), at('db4', [F3, 900])];

  test('all received the same: the most advanced latest, nothing to check', () => {
    const s = [at('db2', [F3, 2000], [F3, 1000]), at('db3', [F3, 2000])];
    assert.deepEqual(pickLatestBaseReplica(latestOf(s), s, []), {
      ok: true, latestBase: 'db3', coversFrom: { file: F3, pos: 2000 }, unrecoverable: [],
      reasons: ['every replica received up to mysql-bin.000003:2000: no relay logs are needed from another replica'],
    });
  });

  test('the first latest replica holding relay logs from the oldest position', () => {
    assert.deepEqual(pickLatestBaseReplica(latestOf(servers), servers, [missing('db2', F3, 900, 'relay log purged'), found('db3', F3, 900)]), {
      ok: true, latestBase: 'db3', coversFrom: { file: F3, pos: 900 }, unrecoverable: [],
      reasons: ['db3 holds relay logs from mysql-bin.000003:900 to mysql-bin.000003:2000: it provides the read_diffs'],
    });
  });

  test('a fact from an earlier position covers later ones', () => {
    const d = pickLatestBaseReplica(latestOf(servers), servers, [found('db2', F2, 4)]);
    assert.ok(d.ok);
    assert.equal(d.latestBase, 'db2');
  });

  test('no latest replica holds them and the oldest has no ignore_fail: the failover must stop', () => {
    assert.deepEqual(pickLatestBaseReplica(latestOf(servers), servers, [missing('db2', F3, 900, 'relay log purged')]), {
      ok: false,
      reason: 'none of the latest replicas (db2 (relay log purged), db3 (not checked)) holds relay logs from mysql-bin.000003:900, '
        + 'the read position of db4 (ignore_fail not set): the failover cannot recover every replica',
      reasons: ['none of the latest replicas (db2 (relay log purged), db3 (not checked)) holds relay logs from mysql-bin.000003:900, '
        + 'the read position of db4 (ignore_fail not set): the failover cannot recover every replica'],
    });
  });

  test('the oldest has ignore_fail: covered from the oldest replica without it, the older ones left out', () => {
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 500], [F3, 500], {}, { ignoreFail: true }), at('db4', [F3, 900])];
    const d = pickLatestBaseReplica(latestOf(s), s, [missing('db2', F3, 500), found('db2', F3, 900)]);
    assert.deepEqual(d, {
      ok: true, latestBase: 'db2', coversFrom: { file: F3, pos: 900 },
      unrecoverable: [{
        name: 'db3',
        reason: 'received only up to mysql-bin.000003:500, older than the relay logs db2 still holds (from mysql-bin.000003:900); '
          + 'ignore_fail is set, so it is left out of the recovery',
      }],
      reasons: ['db2 holds relay logs from mysql-bin.000003:900 to mysql-bin.000003:2000: it provides the read_diffs', 'left out (ignore_fail): db3'],
    });
  });

  test('every replica behind has ignore_fail and nothing covers them: go on without them', () => {
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 500], [F3, 500], {}, { ignoreFail: true })];
    const d = pickLatestBaseReplica(latestOf(s), s, [missing('db2', F3, 500, 'relay log purged')]);
    assert.ok(d.ok);
    assert.equal(d.latestBase, 'db2');
    assert.deepEqual(d.unrecoverable.map((u) => u.name), ['db3']);
    assert.deepEqual(d.reasons, [
      'none of the latest replicas (db2 (relay log purged)) holds relay logs from an older replica\'s read position',
      'every replica behind the latest has ignore_fail: the failover goes on without them',
    ]);
  });

  test('GTID mode: no relay logs; prefers a latest replica that writes its binlog', () => {
    const g = { autoPosition: true };
    const s = [deadMaster(), at('db2', [F3, 2000], [F3, 2000], g, { logSlaveUpdates: false }), at('db3', [F3, 2000], [F3, 1900], g), at('db4', [F3, 100], [F3, 100], g)];
    const d: LatestBaseDecision = pickLatestBaseReplica(latestOf(s), s, []);
    assert.deepEqual(d, {
      ok: true, latestBase: 'db3', coversFrom: { file: F3, pos: 2000 }, unrecoverable: [],
      reasons: ['GTID mode: no relay logs needed; db3 is the latest replica the new master catches up from if it is not a latest one'],
    });
  });
});

describe('assessCandidates', () => {
  test('every server with every reason it cannot be master', () => {
    const servers = [
      deadMaster(),
      at('db2', [F3, 200_000_000], [F3, 199_000_000]),
      at('db3', [F3, 200_000_000], [F3, 50_000_000]), // too far behind
      at('db4', [F3, 200_000_000], [F3, 50_000_000], {}, { checkReplDelay: false }), // far, but delay checks off
      at('db5', [F3, 200_000_000], [F2, 900], {}, { candidateMaster: true }), // executing an older file
      at('db6', [F3, 200_000_000], [F3, 200_000_000], {}, { noMaster: true }),
      at('db7', [F3, 200_000_000], [F3, 200_000_000], {}, { logBin: false }),
      at('db8', [F3, 200_000_000], [F3, 200_000_000], { replicateIgnoreDb: 'scratch' }),
      server('db9', { dead: true, error: 'connect EHOSTUNREACH' }),
    ];
    const c = assessCandidates({ servers, deadMaster: DEAD, latest: latestOf(servers), maxDelayBytes: MB });
    assert.deepEqual(reasonsOf(c), {
      db1: ['the dead master'],
      db2: [],
      db3: ['too far behind: executed up to mysql-bin.000003:50000000, 150000000 bytes behind the latest received mysql-bin.000003:200000000 (limit 100000000)'],
      db4: [],
      db5: ['too far behind: executed up to mysql-bin.000002:900, an older binlog file than the latest received mysql-bin.000003:200000000'],
      db6: ['no_master is set in the config'],
      db7: ['log_bin is off: a new master must write a binary log for the replicas'],
      db8: ["replication filters differ: Replicate_Ignore_DB='scratch' (expected '')"],
      db9: ['dead: not reachable (connect EHOSTUNREACH)'],
    });
    assert.deepEqual(c.eligible, ['db2', 'db4']);
    assert.equal(c.oldestMajorVersion, '10.11');
    assert.deepEqual(c.blockers, ['db9: dead: not reachable (connect EHOSTUNREACH); ignore_fail is not set, so the failover cannot leave it behind']);
    assert.deepEqual(c.servers.find((s) => s.name === 'db5'), {
      name: 'db5', eligible: false, candidateMaster: true, latest: true,
      reasons: ['too far behind: executed up to mysql-bin.000002:900, an older binlog file than the latest received mysql-bin.000003:200000000'],
    });
  });

  test('mixed versions: newer major versions than the oldest replica cannot be master (minor releases can)', () => {
    const servers = [
      deadMaster(),
      at('db2', [F3, 100], [F3, 100], {}, { version: '8.0.36' }),
      at('db3', [F3, 100], [F3, 100], {}, { version: '8.0.22-log' }),
      at('db4', [F3, 100], [F3, 100], {}, { version: '8.4.3' }),
    ];
    const c = assessCandidates({ servers, deadMaster: DEAD, latest: latestOf(servers), maxDelayBytes: MB });
    assert.equal(c.oldestMajorVersion, '8.0');
    assert.deepEqual(reasonsOf(c).db4, ["major version 8.4 is newer than the oldest replica's 8.0: replicas cannot replicate from a newer major version"]);
    assert.deepEqual(c.eligible, ['db2', 'db3']);
  });

  test('failed and foreign replicas, and unrecoverable ones, with all their reasons', () => {
    const servers = [
      deadMaster(),
      at('db2', [F3, 2000]),
      at('db3', [F3, 2000], [F3, 1000], { lastSqlErrno: 1146, lastSqlError: "Table 'app.t' doesn't exist", sqlRunning: false }, { noMaster: true, ignoreFail: true }),
      at('db4', [F3, 2000], [F3, 2000], { sourceHost: '10.0.0.77', sourceServerId: 77 }),
      at('db5', [F3, 500], [F3, 500], {}, { ignoreFail: true }),
    ];
    const lo = latestOf(servers);
    const base = pickLatestBaseReplica(lo, servers, [missing('db2', F3, 500)]);
    const c = assessCandidates({ servers, deadMaster: DEAD, latest: lo, base, maxDelayBytes: MB });
    assert.deepEqual(reasonsOf(c), {
      db1: ['the dead master'],
      db2: [],
      db3: ["SQL thread stopped on error 1146: Table 'app.t' doesn't exist", 'no_master is set in the config'],
      db4: ['replicates from 10.0.0.77:3306 (server_id 77), not from the dead master db1 (10.0.0.1:3306)'],
      db5: ['received only up to mysql-bin.000003:500, older than the relay logs db2 still holds (from mysql-bin.000003:2000); '
        + 'ignore_fail is set, so it is left out of the recovery'],
    });
    assert.deepEqual(c.blockers, []);
  });

  test('GTID mode: a candidate must also log what it replicates', () => {
    const g = { autoPosition: true };
    const servers = [deadMaster(), at('db2', [F3, 100], [F3, 100], g), at('db3', [F3, 100], [F3, 100], g, { logSlaveUpdates: false })];
    const c = assessCandidates({ servers, deadMaster: DEAD, latest: latestOf(servers), maxDelayBytes: MB });
    assert.deepEqual(reasonsOf(c).db3, ["log_slave_updates is off: in GTID mode the replicas fetch what they lack from the new master's binlog"]);
  });

  test('reference filters: explicit, or the majority of the replicas; lists compare in any order', () => {
    assert.deepEqual(filtersOf(status({ replicateDoDb: ' b,a ', replicateWildIgnoreTable: 'x.%' })), {
      replicateDoDb: 'a,b', replicateIgnoreDb: '', replicateDoTable: '', replicateIgnoreTable: '', replicateWildDoTable: '', replicateWildIgnoreTable: 'x.%',
    });
    const servers = [deadMaster(), at('db2', [F3, 1], [F3, 1], { replicateDoDb: 'app' }), at('db3', [F3, 1], [F3, 1], { replicateDoDb: 'app' }), at('db4', [F3, 1])];
    const lo = latestOf(servers);
    assert.deepEqual(reasonsOf(assessCandidates({ servers, deadMaster: DEAD, latest: lo, maxDelayBytes: MB })).db4,
      ["replication filters differ: Replicate_Do_DB='' (expected 'app')"]);
    const explicit = filtersOf(status());
    const c = assessCandidates({ servers, deadMaster: DEAD, latest: lo, maxDelayBytes: MB, referenceFilters: explicit });
    assert.deepEqual(c.eligible, ['db4']);
  });
});

describe('chooseNewMaster', () => {
  // db3 is the latest; db2 is a candidate_master a bit behind; db4 is far behind.
  const base = () => [
    deadMaster(),
    at('db2', [F3, 1500], [F3, 1500], {}, { candidateMaster: true }),
    at('db3', [F3, 2000]),
    at('db4', [F3, 900]),
  ];
  const facts = [found('db3', F3, 900)];

  test('latest replica not a candidate: the candidate_master wins and will get a read_diff', () => {
    const { choice } = decide(base(), { facts });
    assert.deepEqual(choice, {
      ok: true, newMaster: 'db2', rule: 'candidate', isLatest: false,
      reason: 'db2 is the first eligible candidate_master in config order; none of them is a latest replica '
        + '(latest: db3 at mysql-bin.000003:2000), so it receives a read_diff',
    });
  });

  test('a candidate_master that is also latest is preferred over an earlier candidate', () => {
    const s = base();
    s[2] = at('db3', [F3, 2000], [F3, 2000], {}, { candidateMaster: true });
    assert.deepEqual(decide(s, { facts }).choice, {
      ok: true, newMaster: 'db3', rule: 'candidate-latest', isLatest: true,
      reason: 'db3 is a candidate_master and a latest replica (received up to mysql-bin.000003:2000)',
    });
  });

  test('candidate too far behind: a latest replica instead', () => {
    const s = [deadMaster(), at('db2', [F3, 300_000_000], [F3, 1000], {}, { candidateMaster: true }), at('db3', [F3, 300_000_000]), at('db4', [F3, 300_000_000])];
    const { choice, candidates } = decide(s);
    assert.equal(candidates.servers[1]!.eligible, false);
    assert.deepEqual(choice, {
      ok: true, newMaster: 'db3', rule: 'latest', isLatest: true,
      reason: 'db3 is a latest replica (received up to mysql-bin.000003:300000000); no candidate_master is eligible',
    });
  });

  test('no candidate, latest replica not eligible: the first eligible in config order', () => {
    const s = [deadMaster(), at('db2', [F3, 1000]), at('db3', [F3, 2000], [F3, 2000], {}, { noMaster: true }), at('db4', [F3, 1500])];
    assert.deepEqual(decide(s, { facts: [found('db3', F3, 1000)] }).choice, {
      ok: true, newMaster: 'db2', rule: 'any', isLatest: false,
      reason: 'db2 is the first eligible server in config order; no candidate_master nor latest replica is eligible',
    });
  });

  test('latestPriority off: latest replicas get no priority', () => {
    const s = [deadMaster(), at('db2', [F3, 1000]), at('db3', [F3, 2000], [F3, 2000], {}, { latestPriority: false })];
    const { choice } = decide(s, { facts: [found('db3', F3, 1000)] });
    assert.ok(choice.ok);
    assert.deepEqual([choice.newMaster, choice.rule], ['db2', 'any']);
  });

  test('--new-master eligible wins over every rule; by name or host:port', () => {
    for (const requested of ['db4', '10.0.0.4:3306', '10.0.0.4']) {
      const s = base();
      s[3] = at('db4', [F3, 1800]);
      assert.deepEqual(decide(s, { facts: [found('db3', F3, 1500)], requested }).choice, {
        ok: true, newMaster: 'db4', rule: 'requested', isLatest: false, reason: 'db4 was requested with --new-master and is eligible',
      });
    }
  });

  test('--new-master not eligible: refused with its reasons, never replaced', () => {
    const s = base();
    s[3] = at('db4', [F3, 900], [F3, 900], {}, { noMaster: true });
    const { choice } = decide(s, { facts, requested: 'db4' });
    assert.equal(choice.ok, false);
    assert.equal(choice.reason, '--new-master db4 cannot become master: no_master is set in the config');
    assert.equal(decide(base(), { facts, requested: 'db1' }).choice.reason, '--new-master db1 cannot become master: the dead master');
    assert.equal(decide(base(), { facts, requested: 'nosuch:3306' }).choice.reason, '--new-master nosuch:3306 is not a server of this cluster');
  });

  test('all no_master: none, with every server\'s reasons', () => {
    const s = [deadMaster(), at('db2', [F3, 1000], [F3, 1000], {}, { noMaster: true }), at('db3', [F3, 1000], [F3, 1000], {}, { noMaster: true, logBin: false })];
    const { choice } = decide(s);
    assert.deepEqual(choice, {
      ok: false,
      reason: 'no server can become the new master: db1: the dead master | db2: no_master is set in the config | '
        + 'db3: no_master is set in the config; log_bin is off: a new master must write a binary log for the replicas',
      servers: [
        { name: 'db1', eligible: false, reasons: ['the dead master'], candidateMaster: false, latest: false },
        { name: 'db2', eligible: false, reasons: ['no_master is set in the config'], candidateMaster: false, latest: true },
        { name: 'db3', eligible: false, reasons: ['no_master is set in the config', 'log_bin is off: a new master must write a binary log for the replicas'], candidateMaster: false, latest: true },
      ],
    });
  });

  test('resolveServer: a host shared by two servers is ambiguous', () => {
    const s = [{ name: 'a', host: 'h', port: 3306 }, { name: 'b', host: 'h', port: 3307 }];
    assert.equal(resolveServer(s, 'h'), null);
    assert.equal(resolveServer(s, 'h:3307'), 'b');
  });
});

describe('errant transactions (GTID mode)', () => {
  const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562'; // the dead master: Source_UUID of its replicas
  const C = '5c3d9e11-0a5e-11ef-a4c1-0242ac120003'; // written on db3 directly
  const my = (executed: string, retrieved: string) => [{ autoPosition: true, sourceUuid: A, retrievedGtidSet: retrieved }, { version: '8.4.3', gtidExecuted: executed }] as const;
  const cluster = (db3: string) => [
    deadMaster(),
    at('db2', [F3, 2000], [F3, 2000], ...my(`${A}:1-100`, `${A}:50-100`)),
    at('db3', [F3, 2000], [F3, 2000], my(db3, `${A}:50-100`)[0], { ...my(db3, '')[1], candidateMaster: true }),
    at('db4', [F3, 1500], [F3, 1500], ...my(`${A}:1-90`, `${A}:50-90`)),
  ];

  test('a candidate with transactions the others lack is not eligible, the GTIDs listed; the failover goes on with another', () => {
    const { candidates, choice } = decide(cluster(`${A}:1-100,${C}:1-3`));
    const db3 = candidates.servers.find((x) => x.name === 'db3')!;
    assert.equal(db3.eligible, false);
    assert.equal(db3.errantGtids, `${C}:1-3`);
    assert.match(db3.reasons.join('; '), new RegExp(`errant transactions ${C}:1-3: executed here, held by no other replica and not from the dead master; .*--allow-errant-candidate`));
    assert.ok(choice.ok && choice.newMaster === 'db2', JSON.stringify(choice));
  });

  test('the explicit override: eligible, chosen, and the choice says what the replicas will receive', () => {
    const { candidates, choice } = decide(cluster(`${A}:1-100,${C}:1-3`), { allowErrant: true });
    assert.equal(candidates.servers.find((x) => x.name === 'db3')!.eligible, true);
    assert.ok(choice.ok && choice.newMaster === 'db3');
    assert.match(choice.reason, new RegExp(`holds errant transactions ${C}:1-3 \\(allowed\\): every replica will receive them`));
  });

  test('the latest replica ahead in the dead master\'s transactions is not errant; nor is anything in file/position mode', () => {
    const { candidates } = decide(cluster(`${A}:1-100`));
    assert.deepEqual(candidates.servers.map((x) => [x.name, x.errantGtids ?? '']), [['db1', ''], ['db2', ''], ['db3', ''], ['db4', '']]);
    const filepos = cluster(`${A}:1-100,${C}:1-3`).map((x) => (x.state?.replica ? { ...x, state: { ...x.state, replica: { ...x.state.replica, autoPosition: false } } } : x));
    assert.equal(decide(filepos).candidates.servers.find((x) => x.name === 'db3')!.eligible, true);
  });

  test('MariaDB: a local write in the dead master\'s domain', () => {
    const g = { autoPosition: true, gtidIoPos: '0-1-100' };
    const s = [
      deadMaster(),
      at('db2', [F3, 2000], [F3, 2000], g, { mariadbCurrentPos: '0-1-100' }),
      at('db3', [F3, 2000], [F3, 2000], g, { mariadbCurrentPos: '0-3-101', candidateMaster: true }),
    ];
    const { candidates, choice } = decide(s);
    assert.equal(candidates.servers.find((x) => x.name === 'db3')!.errantGtids, '0-3-101');
    assert.ok(choice.ok && choice.newMaster === 'db2');
  });
});

describe('binlog_format', () => {
  test('a replica with another binlog_format than the others is not eligible, with the reason', () => {
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 2000]), at('db4', [F3, 2000])]
      .map((x) => (x.name === 'db2' ? { ...x, candidateMaster: true, state: { ...x.state!, binlogFormat: 'STATEMENT' } } : x));
    const { candidates, choice } = decide(s);
    assert.deepEqual(reasonsOf(candidates).db2, ['binlog_format is STATEMENT, the other replicas\' is ROW: the replicas would receive another format than they are set up for']);
    assert.ok(choice.ok && choice.newMaster === 'db3');
  });
});

describe('a replica with other replication filters (file/position mode)', () => {
  const ignore = { replicateIgnoreDb: 'app' };
  test('never promoted, needs no relay-log lookup, does not stop the failover when no relay log reaches back to it', () => {
    // db4 is the oldest and filters differently: nobody needs relay logs from its position.
    const s = [deadMaster(), at('db2', [F3, 2000]), at('db3', [F3, 1500]), at('db4', [F3, 900], [F3, 900], ignore, { candidateMaster: true })];
    const lo = latestOf(s);
    assert.deepEqual(lo.filtersDiffer, [{ name: 'db4', differences: ["Replicate_Ignore_DB='app' (expected '')"] }]);
    assert.deepEqual(relayLogChecksNeeded(lo).map((c) => `${c.replica}@${c.from.pos}`), ['db2@1500']);
    const { base, candidates, choice } = decide(s, { facts: [found('db2', F3, 1500), missing('db2', F3, 900, 'purged')] });
    assert.ok(base.ok, base.ok ? '' : base.reason);
    assert.deepEqual(base.unrecoverable, []);
    assert.match(reasonsOf(candidates).db4!.join('; '), /replication filters differ: Replicate_Ignore_DB='app' \(expected ''\)/);
    assert.ok(choice.ok && choice.newMaster === 'db2');
  });

  test('the only latest replica filters differently: its relay logs (unfiltered) still give the others their read_diff', () => {
    const s = [deadMaster(), at('db2', [F3, 1500]), at('db3', [F3, 2000], [F3, 2000], ignore), at('db4', [F3, 1500])];
    const { base, choice } = decide(s, { facts: [found('db3', F3, 1500)] });
    assert.ok(base.ok && base.latestBase === 'db3');
    assert.ok(choice.ok && choice.newMaster === 'db2', JSON.stringify(choice));
  });

  test('two replicas, two filter sets: the one without filters is the reference', () => {
    const s = [deadMaster(), at('db2', [F3, 2000], [F3, 2000], ignore, { candidateMaster: true }), at('db3', [F3, 2000])];
    const { lo, choice } = decide(s);
    assert.deepEqual(lo.filtersDiffer.map((f) => f.name), ['db2']);
    assert.ok(choice.ok && choice.newMaster === 'db3');
  });
});
