// The failover's own decisions (src/failover/decisions.ts): whether to start, what the fencing hooks'
// exits mean, which parts make up a diff. Table tests: one row a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailoverInput } from '../../../src/contracts/failover';
import type { DeadCheck, SavedTail } from '../../../src/failover/deadmaster';
import {
  catchUpGtid, decideFailoverStart, decideFence, catchUpReadPart, execPart, missingOnNewMaster, invalidFailoverInput, newMasterStart, readPart, resolveServerRef, tailFindings, replicaTailSource, tailPart,
  NO_MASTER_IP_FAILOVER_HOOK, decideFencePlan, fenceBesideIoStop, type ClusterFacts, type FailoverCheckFacts, type FenceFacts,
} from '../../../src/failover/decisions';
import type { HookRun } from '../../../src/hooks/run';
import { decideRoles } from '../../../src/topology/roles';
import type { ServerDiffPlan, ServerSnapshot } from '../../../src/topology/types';
import { at, deadMaster, server } from '../../support/topology-fixtures';

const CLUSTER: ClusterFacts = {
  name: 'app1', digest: 'd1',
  servers: [1, 2, 3, 4].map((n) => ({ name: `db${n}`, host: `10.0.0.${n}`, port: 3306, aliases: n === 1 ? ['db1.example'] : [], skipResetReplica: false })),
  hooks: { masterIpFailover: false, shutdown: false, report: false, secondaryCheck: false },
  failover: { maxDelayBytes: 100_000_000, lastFailoverWindowMs: 8 * 3600_000, allowUnfenced: false, deadlineMs: 600_000 },
  useGtidAutoPosition: undefined,
};
const DEAD: DeadCheck = {
  alive: false, sshReachable: true, verdict: 'down', sql: 'refused', ownHost: 'refused', evidence: ['SQL connect failed', 'from db1\'s host, 10.0.0.1:3306 refuses connections'],
};
const healthy = (): ServerSnapshot[] => [deadMaster(), at('db2', ['mysql-bin.000001', 900]), at('db3', ['mysql-bin.000001', 1000]), at('db4', ['mysql-bin.000001', 1000])];

function facts(p: Partial<FailoverCheckFacts> = {}): FailoverCheckFacts {
  const servers = p.servers ?? healthy();
  return {
    cluster: CLUSTER, servers, roles: decideRoles(servers.map((s) => ({ name: s.name, host: s.host, port: s.port, state: s.state }))),
    examined: 'db1', deadCheck: DEAD, secondaryCheck: null, lastFailover: { last: null, windowMs: 8 * 3600_000 },
    timings: { probesMs: 1, deadCheckMs: 2, lastFailoverMs: 3 }, ...p,
  };
}

describe('invalidFailoverInput', () => {
  const cases: [string, unknown, RegExp | null][] = [
    ['a cluster name', { cluster: 'app1' }, null],
    ['with options', { cluster: 'app1', deadMaster: 'db1', dryRun: true }, null],
    ['nothing', undefined, /needs \{ "cluster"/],
    ['no cluster', { deadMaster: 'db1' }, /needs \{ "cluster"/],
    ['a config object is refused', { cluster: 'app1', config: { servers: [] } }, /takes a cluster name, not a config/],
    ['a path is refused too', { config: '/etc/x.yml' }, /needs \{ "cluster"/],
    ['a non-string option', { cluster: 'app1', newMaster: 3 }, /newMaster must be a string/],
    ['the errant-candidate override', { cluster: 'app1', allowErrantCandidate: true }, null],
    ['a flag that is not true or false', { cluster: 'app1', allowErrantCandidate: 'yes' }, /allowErrantCandidate must be true or false/],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      const got = invalidFailoverInput(input);
      if (want) assert.match(got ?? '', want); else assert.equal(got, null);
    });
  }
});

describe('resolveServerRef', () => {
  const cases: [string, string | null][] = [
    ['db2', 'db2'], ['10.0.0.3:3306', 'db3'], ['10.0.0.4', 'db4'], ['db1.example', 'db1'], ['db1.example:3306', 'db1'], ['10.0.0.9', null], ['10.0.0.2:3307', null],
  ];
  for (const [ref, want] of cases) it(`${ref} -> ${want}`, () => assert.equal(resolveServerRef(CLUSTER.servers, ref), want));
});

describe('decideFailoverStart', () => {
  it('a dry run is not refused by a running switchover (it changes nothing)', () => {
    const d = decideFailoverStart(facts({ runningSwitchover: { workflowId: 'switchover:app1', runId: 'r9', startTime: null } }), { dryRun: true });
    assert.ok(d.ok);
  });
  const go = (f: FailoverCheckFacts, input: Partial<FailoverInput> = {}) => decideFailoverStart(f, input);
  const refusals: [string, FailoverCheckFacts, Partial<FailoverInput>, RegExp][] = [
    ['the caller\'s config differs from the worker\'s', facts(), { configDigest: 'other' }, /digest other.*is not the worker's \(digest d1\)/],
    ['an unknown --dead-master', facts({ examined: null }), { deadMaster: 'db9' }, /--dead-master db9 is not a server of cluster app1/],
    ['an unknown --new-master', facts(), { newMaster: 'db9' }, /--new-master db9 is not a server of cluster app1/],
    ['no master found', facts({ examined: null }), {}, /cannot tell which server is the master.*--dead-master/],
    ['a live master', facts({ servers: [server('db1', { replica: null }), ...healthy().slice(1)], deadCheck: null }), {}, /db1 answers SQL .*live master/],
    ['a live server named as dead', facts({ examined: 'db2' }), { deadMaster: 'db2' }, /db2 answers SQL/],
    ['a dead server that is not the master', facts({ servers: [...healthy().slice(0, 2), server('db3', { dead: true }), healthy()[3]!], examined: 'db3' }), { deadMaster: 'db3' },
      /db3 is not the current master: no replica replicates from it \(the replicas point at db1\)/],
    ['alive from its own host', facts({ deadCheck: { ...DEAD, alive: true, verdict: 'alive', ownHost: 'answered', evidence: ['mysqladmin ping on db1\'s host: alive'] } }), {}, /db1 is not dead: .*mysqladmin ping/],
    ['the secondary check sees it', facts({ secondaryCheck: { code: 3, output: 'secondary_check exited 3: reachable from 10.1.1.1' } }), {}, /secondary check did not confirm.*exit 3.*reachable from 10\.1\.1\.1/],
    ['a recent failover', facts({ lastFailover: { last: { workflowId: 'failover:app1', runId: 'r', closeTime: '2026-11-29T10:00:00.000Z' }, windowMs: 8 * 3600_000 } }), {},
      /failed over at 2026-11-29T10:00:00.000Z .*less than 480 minutes ago.*--ignore-last-failover/],
    ['a switchover of the cluster runs', facts({ runningSwitchover: { workflowId: 'switchover:app1', runId: 'r9', startTime: null } }), {},
      /a switchover of cluster app1 is running \(workflow switchover:app1, run r9\): one change of master at a time/],
    ['a failed replica without ignore_fail', facts({ servers: [deadMaster(), at('db2', ['mysql-bin.000001', 900], undefined, { lastSqlErrno: 1062, lastSqlError: 'dup' }), at('db3', ['mysql-bin.000001', 900])] }), {},
      /cannot leave these servers behind: db2: SQL thread stopped on error 1062/],
  ];
  for (const [name, f, input, want] of refusals) {
    it(`refuses: ${name}`, () => {
      const d = go(f, input);
      assert.ok(!d.ok, 'refused');
      assert.match(d.reason, want);
    });
  }

  it('goes: the dead master, the replicas to fence and recover, the mode', () => {
    const d = go(facts());
    assert.ok(d.ok);
    assert.equal(d.deadMaster.name, 'db1');
    assert.equal(d.deadMaster.serverId, 1);
    assert.deepEqual(d.deadMaster.addresses, ['db1.example']);
    assert.deepEqual(d.classification.replicas, ['db2', 'db3', 'db4']);
    assert.deepEqual(d.replicas, ['db2', 'db3', 'db4']);
    assert.equal(d.mode, 'filepos');
    assert.deepEqual(d.sqlToStart, []);
  });
  it('a recent failover is ignored with --ignore-last-failover', () => {
    const d = go(facts({ lastFailover: { last: { workflowId: 'w', runId: 'r', closeTime: 'x' }, windowMs: 1 } }), { ignoreLastFailover: true });
    assert.ok(d.ok);
  });
  it('stopped SQL threads are started, except in a dry run', () => {
    const servers = [deadMaster(), at('db2', ['mysql-bin.000001', 900], undefined, { sqlRunning: false }), at('db3', ['mysql-bin.000001', 900])];
    const real = go(facts({ servers }));
    const dry = go(facts({ servers }), { dryRun: true });
    assert.ok(real.ok && dry.ok);
    assert.deepEqual(real.sqlToStart, ['db2']);
    assert.deepEqual(dry.sqlToStart, []);
  });
  it('GTID replicas fail over in GTID mode, unless replication.useGtidAutoPosition is false', () => {
    const servers = [deadMaster(), at('db2', ['mysql-bin.000001', 900], undefined, { autoPosition: true }), at('db3', ['mysql-bin.000001', 900], undefined, { autoPosition: true })];
    const g = go(facts({ servers }));
    const f = go(facts({ servers, cluster: { ...CLUSTER, useGtidAutoPosition: false } }));
    assert.ok(g.ok && f.ok);
    assert.equal(g.mode, 'gtid');
    assert.equal(f.mode, 'filepos');
    assert.match(f.modeReason, /useGtidAutoPosition is false/);
  });
});

describe('decideFencePlan', () => {
  const cases: [string, DeadCheck['verdict'], boolean, boolean, boolean, { method?: string; refused?: RegExp; why?: RegExp }][] = [
    ['the shutdown hook first (STONITH)', 'stalled', true, true, false, { method: 'shutdown-hook' }],
    ['a stalled master, host up: kill its mysqld over SSH', 'stalled', true, false, false, { method: 'stop-mysqld', why: /kill -9 ends a stopped process/ }],
    ['mysqld down, host up: the port must be seen refusing', 'down', true, false, false, { method: 'stop-mysqld', why: /port seen refusing/ }],
    ['host down with a shutdown hook', 'host-down', false, true, false, { method: 'shutdown-hook' }],
    ['host down, no hook: refused', 'host-down', false, false, false, { refused: /cannot be fenced.*split brain.*hooks\.shutdown.*--no-fence/ }],
    ['host down, no hook, --no-fence: unfenced, said so', 'host-down', false, false, true, { method: 'none', why: /going on unfenced as told/ }],
  ];
  for (const [name, verdict, ssh, hook, allow, want] of cases) {
    it(name, () => {
      const p = decideFencePlan({ name: 'db1', verdict, sshReachable: ssh }, { shutdown: hook }, allow);
      if (want.refused) assert.ok(!p.ok && want.refused.test(p.reason), JSON.stringify(p));
      else {
        assert.ok(p.ok);
        assert.equal(p.method, want.method);
        if (want.why) assert.match(p.why, want.why);
      }
    });
  }
});

describe('fenceBesideIoStop', () => {
  const cases: [string, DeadCheck['verdict'], DeadCheck['ownHost'], boolean][] = [
    ['its port refused on its own host: nothing in flight, fenced at once', 'down', 'refused', true],
    ['refused to the worker, its host could not look (no mysqladmin): after the IO threads', 'down', null, false],
    ['stalled: it may still stream to the replicas', 'stalled', 'silent', false],
    ['host down (a partition may hide a live master)', 'host-down', null, false],
    ['alive', 'alive', 'answered', false],
  ];
  for (const [name, verdict, ownHost, want] of cases) it(name, () => assert.equal(fenceBesideIoStop({ verdict, ownHost }), want));
});

describe('decideFence', () => {
  const run = (hook: string, code: number | null, out = ''): HookRun => ({ hook, command: hook, code, signal: null, stdout: out, stderr: '', ms: 1, timedOut: false });
  const facts = (method: FenceFacts['method'], runs: HookRun[], verified: boolean, evidence = ['from db1\'s host, 10.0.0.1:3306 refuses connections']): FenceFacts =>
    ({ method, runs, stopNotes: [], verified, evidence });
  const both = { masterIpFailover: true, shutdown: true };
  const none = { masterIpFailover: false, shutdown: false };
  const cases: [string, { masterIpFailover: boolean; shutdown: boolean }, FenceFacts, boolean, { ok: boolean; reachable?: boolean; note?: RegExp; reason?: RegExp }][] = [
    ['stop-mysqld, seen refusing: fenced', none, facts('stop-mysqld', [], true), true, { ok: true, reachable: true, note: /db1 fenced: .*refuses connections/ }],
    ['stop-mysqld, still listening: refused', none, facts('stop-mysqld', [], false, ['from db1\'s host, 10.0.0.1:3306 accepts TCP but sent nothing']), true,
      { ok: false, reason: /db1 could not be fenced: .*accepts TCP.*stop it by hand/ }],
    ['ip 0, shutdown 0: powered off, seen gone', both, facts('shutdown-hook', [run('master_ip_failover', 0), run('shutdown', 0)], true), true, { ok: true, reachable: false }],
    ['ip 10: proceed with a note', both, facts('shutdown-hook', [run('master_ip_failover', 10), run('shutdown', 0)], true), true, { ok: true, reachable: false, note: /exited 10: proceeding/ }],
    ['shutdown 10: mysqld stopped, host up', both, facts('shutdown-hook', [run('master_ip_failover', 0), run('shutdown', 10)], true), true,
      { ok: true, reachable: true, note: /host still reachable/ }],
    ['shutdown 0 but the host still answers: refused', both, facts('shutdown-hook', [run('master_ip_failover', 0), run('shutdown', 0)], false, ['SSH still answers']), true,
      { ok: false, reason: /could not be fenced: SSH still answers/ }],
    ['ip 1: stop', both, facts('shutdown-hook', [run('master_ip_failover', 1, 'vip busy')], false), true, { ok: false, reason: /master_ip_failover failed \(exit 1\): vip busy/ }],
    ['shutdown 2: stop', both, facts('shutdown-hook', [run('master_ip_failover', 0), run('shutdown', 2, 'ipmi down')], false), true,
      { ok: false, reason: /shutdown hook failed \(exit 2\): ipmi down/ }],
    ['unfenced by choice: split brain said loudly', none, facts('none', [], false, []), false, { ok: true, reachable: false, note: /SPLIT BRAIN POSSIBLE: db1 was not fenced/ }],
  ];
  for (const [name, hooks, f, reachable, want] of cases) {
    it(name, () => {
      const d = decideFence('db1', hooks, f, reachable);
      assert.equal(d.ok, want.ok, JSON.stringify(d));
      if (d.ok) {
        assert.equal(d.sshReachable, want.reachable);
        if (want.note) assert.ok(d.notes.some((n) => want.note!.test(n)), d.notes.join('; '));
      } else assert.match(d.reason, want.reason!);
    });
  }
  it('no master_ip_failover hook: noted', () => {
    const d = decideFence('db1', none, facts('stop-mysqld', [], true), true);
    assert.ok(d.ok && d.notes.includes(NO_MASTER_IP_FAILOVER_HOOK));
  });
});

describe('diff parts', () => {
  const from = { file: 'mysql-bin.000001', pos: 900 };
  const saved: SavedTail = {
    status: 'saved', from, fileName: 't', sha256: 'abc', bytes: 10, transactions: 2, endsAt: { file: 'mysql-bin.000001', pos: 1200 }, cutBytes: 0,
    startsMidTransaction: false, copies: [{ server: 'db2', path: '/w/db2/t' }], failedCopies: [],
  };
  it('tailPart: the saved copy on that server, or nothing', () => {
    assert.deepEqual(tailPart(saved, 'db2'), [{ kind: 'savedTail', purpose: 'binlog_diff', path: '/w/db2/t', sha256: 'abc' }]);
    assert.deepEqual(tailPart(saved, 'db3'), []);
    assert.deepEqual(tailPart({ status: 'nothing-new', from }, 'db2'), []);
  });
  it('execPart: the unexecuted rest of its relay log, nothing when caught up', () => {
    const d = { server: 'db2', caughtUp: false, relay: { file: 'relay-bin.000003', pos: 77 } };
    assert.deepEqual(execPart(d), [{ kind: 'relay', purpose: 'exec_diff', server: 'db2', relayFile: 'relay-bin.000003', relayPos: 77 }]);
    assert.deepEqual(execPart({ ...d, caughtUp: true }), []);
  });
  it('catchUpReadPart: the source\'s unexecuted relay log, leaving out what the caught-up target holds', () => {
    const d = { server: 'db3', caughtUp: false, relay: { file: 'relay-bin.000003', pos: 77 } };
    assert.deepEqual(catchUpReadPart(d, 'mariadb', '0-11-150'), [{
      kind: 'relay', purpose: 'read_diff', server: 'db3', relayFile: 'relay-bin.000003', relayPos: 77, skipHeld: { flavor: 'mariadb', gtids: '0-11-150' },
    }]);
    assert.deepEqual(catchUpReadPart({ ...d, caughtUp: true }, 'mariadb', '0-11-150'), []);
  });
  it('readPart: from the relay-log position found, or a reason', () => {
    const plan = { server: 'db3', readDiff: { fromReplica: 'db4', from, to: { file: 'mysql-bin.000001', pos: 1000 }, bytes: 100 } } as ServerDiffPlan;
    const found = readPart(plan, [{ replica: 'db4', from, found: true, relayFile: 'relay-bin.000002', relayPos: 500 }]);
    assert.deepEqual(found, { ok: true, parts: [{ kind: 'relay', purpose: 'read_diff', server: 'db4', relayFile: 'relay-bin.000002', relayPos: 500 }] });
    const missing = readPart(plan, [{ replica: 'db4', from, found: false, detail: 'purged' }]);
    assert.ok(!missing.ok && /no relay-log position of mysql-bin.000001:900 in db4's relay logs for db3's read_diff/.test(missing.reason));
    assert.deepEqual(readPart({ server: 'db4' } as ServerDiffPlan, []), { ok: true, parts: [] });
  });
  it('tailFindings: lost, cut, truncated', () => {
    assert.match(tailFindings({ status: 'unavailable', from, reason: 'host down' }, 'db1').unrecoverable[0]!, /any transaction db1 wrote after mysql-bin.000001:900 is lost \(host down\)/);
    assert.match(tailFindings({ ...saved, cutBytes: 9, cutReason: 'truncated' } as SavedTail, 'db1').warnings[0]!, /9 bytes of an incomplete transaction/);
    assert.deepEqual(tailFindings(saved, 'db1'), { unrecoverable: [], warnings: [] });
    assert.deepEqual(tailFindings({ status: 'nothing-new', from, note: 'truncated before' }, 'db1').warnings, ['truncated before']);
  });
  it('newMasterStart: after its diff, else where it stood, else nothing (no binlog)', () => {
    const own = { binlog: { file: 'b.000001', pos: 4 }, gtidExecuted: '0-1-5', gtidHeld: '0-1-5' };
    assert.deepEqual(newMasterStart({ end: { file: 'b.000001', pos: 99 }, gtidExecuted: '0-1-7', gtidHeld: '0-1-7' }, own),
      { coords: { file: 'b.000001', pos: 99 }, gtid: '0-1-7', held: '0-1-7' });
    assert.deepEqual(newMasterStart(null, own), { coords: { file: 'b.000001', pos: 4 }, gtid: '0-1-5', held: '0-1-5' });
    assert.equal(newMasterStart(null, { binlog: null, gtidExecuted: '', gtidHeld: '' }), null);
  });
  it('replicaTailSource: by replication from the new master\'s drained position only when that position is the latest and its binlog holds only the applied tail', () => {
    const at = { file: 'mysql-bin.000002', pos: 4567 };
    const readDiff = { fromReplica: 'db4', from, to: { file: 'mysql-bin.000001', pos: 1000 }, bytes: 100 };
    const cases: { name: string; plan: { isLatest: boolean; readDiff: typeof readDiff | null }; drain: { caughtUp: boolean; binlog: typeof at | null }; delay: number; want: string }[] = [
      { name: 'latest, drained, no delay', plan: { isLatest: true, readDiff: null }, drain: { caughtUp: true, binlog: at }, delay: 0, want: 'replication mysql-bin.000002:4567' },
      { name: 'new master behind the latest', plan: { isLatest: false, readDiff }, drain: { caughtUp: true, binlog: at }, delay: 0, want: 'copy: the new master had to catch up first' },
      { name: 'latest by position but with a read_diff', plan: { isLatest: true, readDiff }, drain: { caughtUp: true, binlog: at }, delay: 0, want: 'copy: the new master had to catch up first' },
      { name: 'its SQL thread did not finish its relay log (exec_diff)', plan: { isLatest: true, readDiff: null }, drain: { caughtUp: false, binlog: at }, delay: 0, want: 'copy: the new master had to catch up first' },
      { name: 'no binlog on the new master', plan: { isLatest: true, readDiff: null }, drain: { caughtUp: true, binlog: null }, delay: 0, want: 'copy: the new master has no binlog position from its drain' },
      { name: 'a delayed replica', plan: { isLatest: true, readDiff: null }, drain: { caughtUp: true, binlog: at }, delay: 3600, want: 'copy: MASTER_DELAY 3600' },
    ];
    for (const c of cases) {
      const r = replicaTailSource({ newMasterPlan: c.plan, newMasterDrain: c.drain, replicaDelay: c.delay });
      assert.equal(r.by === 'replication' ? `replication ${r.repointAt.file}:${r.repointAt.pos}` : `copy: ${r.why}`, c.want, c.name);
    }
  });
  it('catchUpGtid: the source\'s executed set in its flavor\'s terms, MySQL\'s included (it has no gtid_binlog_pos)', () => {
    const drained = { server: 'db3', caughtUp: true, relay: { file: 'relay-bin.000002', pos: 400 } };
    const mysql = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1200,4f22ab58-71ca-11e1-9e33-c80aa9429562:1-3';
    assert.equal(catchUpGtid({ ...drained, gtidExecuted: mysql }), mysql);
    assert.equal(catchUpGtid({ ...drained, gtidExecuted: '0-1-1200,1-2-7' }), '0-1-1200,1-2-7');
  });
});

describe('missingOnNewMaster', () => {
  const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const V = '4b0a2b4e-71ca-11e1-9e33-c80aa9429562';
  const cases: [string, 'mariadb' | 'mysql', string, { server: string; held: string }[], { server: string; missing: string }[]][] = [
    ['MariaDB: ahead of everyone', 'mariadb', '0-11-500', [{ server: 'db3', held: '0-11-480' }, { server: 'db4', held: '0-11-500' }], []],
    ['MariaDB: another holds more in a domain', 'mariadb', '0-11-500', [{ server: 'db3', held: '0-11-520' }], [{ server: 'db3', missing: '0-11-520' }]],
    ['MariaDB: another holds a domain it lacks', 'mariadb', '0-11-500', [{ server: 'db4', held: '0-11-500,1-14-3' }], [{ server: 'db4', missing: '1-14-3' }]],
    ['MySQL: a superset', 'mysql', `${U}:1-100`, [{ server: 'db3', held: `${U}:1-90` }], []],
    ['MySQL: another holds transactions it lacks', 'mysql', `${U}:1-100`, [{ server: 'db3', held: `${U}:1-100,${V}:1-2` }], [{ server: 'db3', missing: `${V}:1-2` }]],
    ['no GTIDs on the new master (MySQL file/position): no check', 'mysql', '', [{ server: 'db3', held: `${U}:1-9` }], []],
    ['a survivor without GTIDs is skipped', 'mariadb', '0-11-5', [{ server: 'db3', held: '' }], []],
  ];
  for (const [name, flavor, nm, others, want] of cases) it(name, () => assert.deepEqual(missingOnNewMaster(flavor, nm, others), want));
});


