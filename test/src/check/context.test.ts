// The facts the check's rules read (master, who replicates from the master, replication mode, the
// candidate outlook) and the report's rows, from the healthy cluster of check-fixtures.ts and edits of it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRows, replicationModeOfReplicas } from '../../../src/check';
import { cluster, config, context, mut, replica } from '../../support/check-fixtures';

describe('check context', () => {
  it('servers in config order; one discovery did not return is unreachable ("not discovered")', () => {
    const ctx = context({ servers: cluster().slice(0, 3), config: config((c) => { c.servers.reverse(); }) });
    assert.deepEqual(ctx.servers.map((s) => s.name), ['db4', 'db3', 'db2', 'db1']);
    assert.equal(ctx.servers[0]!.error, 'not discovered');
    assert.deepEqual(ctx.alive.map((s) => s.name), ['db3', 'db2', 'db1']);
  });

  it('the master from what the replicas point at; the replicas of the master; a ready new master', () => {
    const ctx = context({ servers: cluster() });
    assert.equal(ctx.master, 'db1');
    assert.deepEqual([...ctx.replicaOfMaster], ['db2', 'db3', 'db4']);
    assert.deepEqual(ctx.sourcesOf('db2').map((l) => l.name), ['db1']);
    assert.deepEqual(ctx.sourcesOf('db1'), []);
    assert.equal(ctx.candidates?.kind, 'ready');
    assert.equal(ctx.candidates?.kind === 'ready' && ctx.candidates.newMaster?.name, 'db2');
  });

  it('binlog servers are neither MySQL servers nor alive', () => {
    const ctx = context({ servers: cluster(), config: config((c) => { c.servers.push({ name: 'bl1', host: '10.0.0.21', binlogServer: true }); }) });
    assert.deepEqual(ctx.dbServers.map((s) => s.name), ['db1', 'db2', 'db3', 'db4']);
    assert.equal(ctx.servers.length, 5);
  });

  it('no master: no candidates assessed', () => {
    const ctx = context({ servers: cluster('filepos', (s) => s.forEach((x) => mut(x, (st) => { st.replica = null; st.readOnly = false; }))) });
    assert.equal(ctx.master, null);
    assert.equal(ctx.candidates, null);
    assert.equal(ctx.mode.mode, 'unknown');
  });
});

describe('replicationModeOfReplicas', () => {
  const live = (modes: ('gtid' | 'filepos')[]) => cluster().slice(1, 1 + modes.length).map((s, i) => {
    s.state!.replica = replica({}, modes[i]);
    return s as typeof s & { state: NonNullable<typeof s.state> };
  });
  const cases: { name: string; modes: ('gtid' | 'filepos')[]; auto?: false; mode: string; reason: RegExp }[] = [
    { name: 'no replica', modes: [], mode: 'unknown', reason: /no replica of the master/ },
    { name: 'all by position', modes: ['filepos', 'filepos'], mode: 'filepos', reason: /binlog file and position/ },
    { name: 'all GTID', modes: ['gtid', 'gtid'], mode: 'gtid', reason: /every replica replicates with GTID/ },
    { name: 'all GTID but useGtidAutoPosition false', modes: ['gtid'], auto: false, mode: 'filepos', reason: /useGtidAutoPosition is false/ },
    { name: 'mixed, one with GTID', modes: ['gtid', 'filepos', 'filepos'], mode: 'mixed',
      reason: /^db2 replicates with GTID auto-positioning, db3 and db4 by file\/position$/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = replicationModeOfReplicas(live(c.modes), config((x) => { if (c.auto === false) x.replication.useGtidAutoPosition = false; }));
      assert.equal(m.mode, c.mode);
      assert.match(m.reason, c.reason);
    });
  }
});

describe('check rows', () => {
  it('a role for every server: master, replica, intermediate, standalone, unreachable, binlog server', () => {
    const servers = cluster('filepos', (s) => {
      mut(s[2]!, (st, x) => { st.replica!.sourceHost = '10.0.0.12'; x.sourceAddresses = [['10.0.0.12']]; });
      mut(s[3]!, (st) => { st.replica = null; });
    });
    servers.push({ name: 'db5', host: '10.0.0.15', port: 3306, state: null, extras: null, error: 'ECONNREFUSED' });
    const cfg = config((c) => {
      c.servers.push({ name: 'db5', host: '10.0.0.15' }, { name: 'bl1', host: '10.0.0.21', binlogServer: true, label: 'binlogs' });
    });
    const rows = checkRows(context({ servers, config: cfg }));
    assert.deepEqual(rows.map((r) => [r.name, r.role, r.source]), [
      ['db1', 'master', null], ['db2', 'replica', 'db1'], ['db3', 'intermediate', 'db2'], ['db4', 'standalone', null],
      ['db5', 'unreachable', null], ['bl1', 'binlog server', null],
    ]);
    // The master and binlog servers are not candidates; the others carry the failover's assessment.
    assert.deepEqual(rows.filter((r) => r.name !== 'db3').map((r) => r.candidate), [null, 'yes', 'no', 'no', null]);
    assert.ok(rows[3]!.candidateReasons.length > 0);
    assert.equal(rows[5]!.label, 'binlogs');
    assert.equal(rows[4]!.position, null);
    assert.equal(rows[4]!.threads, null);
  });

  it('a source outside the cluster shows as host:port', () => {
    const servers = cluster('filepos', (s) => mut(s[3]!, (st, x) => { st.replica!.sourceHost = '10.9.9.9'; x.sourceAddresses = [['10.9.9.9']]; }));
    assert.equal(checkRows(context({ servers }))[3]!.source, '10.9.9.9:3306');
  });
});
