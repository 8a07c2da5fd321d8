// Table tests of the pure replication check: each case builds what discovery and the SSH check would
// have read, and asserts the verdict and the exact problems/warnings (code + server + text).
// Each rule also has its own table (check-rules.test.ts); these go through the whole report.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiscoveredServer } from '../../../src/mysql/discover';
import type { ReplicaStatus } from '../../../src/mysql/status';
import { formatCheckMarkdown, matchSource, sshCheckTargets } from '../../../src/check';
import { formatCheckReport } from '../../../src/cli/check-render';
import { check, cluster, codes, config, find, mut, replica, sshOk, type Mode } from '../../support/check-fixtures';

// ---------------------------------------------------------------------------------------------

describe('check: healthy clusters', () => {
  it('file/position: ok, master from what the replicas point at, one row per server, a new master ready', () => {
    const r = check({ servers: cluster('filepos') });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.verdict, 'ok');
    assert.equal(r.safe, true);
    assert.equal(r.master, 'db1');
    assert.equal(r.mode, 'filepos');
    assert.deepEqual(r.rows.map((x) => [x.name, x.role, x.candidate]), [['db1', 'master', null], ['db2', 'replica', 'yes'], ['db3', 'replica', 'yes'], ['db4', 'replica', 'yes']]);
    assert.equal(r.rows[0]!.position, 'mysql-bin.000003:5000');
    assert.equal(r.rows[1]!.position, 'read mysql-bin.000003:5000 exec mysql-bin.000003:5000');
    assert.equal(r.rows[1]!.threads, 'Yes/Yes');
    assert.equal(r.rows[1]!.source, 'db1');
    assert.equal(r.newMaster?.name, 'db2');
  });

  it('GTID: ok in gtid mode', () => {
    const r = check({ servers: cluster('gtid') });
    assert.equal(r.verdict, 'ok');
    assert.equal(r.mode, 'gtid');
    assert.equal(r.rows[1]!.gtid, '0-11-100');
  });

  it('the master is found whatever the config order, and by alias or resolved address', () => {
    const servers = cluster('filepos', (s) => {
      mut(s[1]!, (st) => { st.replica!.sourceHost = 'db1.example.com'; });
      mut(s[2]!, (st, x) => { st.replica!.sourceHost = 'db1-internal'; x.sourceAddresses = [['10.0.0.11']]; });
    });
    const cfg = config((c) => { c.servers.reverse(); c.servers[3].aliases = ['db1.example.com']; });
    const r = check({ servers, config: cfg });
    assert.equal(r.master, 'db1');
    assert.deepEqual(r.problems, []);
  });

  it('useGtidAutoPosition: false reports file/position mode', () => {
    const r = check({ servers: cluster('gtid'), config: config((c) => { c.replication.useGtidAutoPosition = false; }) });
    assert.equal(r.mode, 'filepos');
    assert.match(r.modeReason, /useGtidAutoPosition is false/);
  });
});

describe('check: refusals', () => {
  const cases: { name: string; mode?: Mode; edit: (s: DiscoveredServer[]) => void; cfg?: (c: Record<string, any>) => void; expect: string[]; text?: RegExp }[] = [
    {
      name: 'more than one writable master',
      edit: (s) => mut(s[3]!, (st) => { st.replica = null; st.readOnly = false; }),
      expect: ['not-replicating@db4', 'multiple-writable-masters@db1'],
      text: /db1 and db4 are all writable and none of them replicates from a server of the cluster/,
    },
    {
      name: 'more than one writable master: a writable replica whose replication is stopped',
      edit: (s) => mut(s[2]!, (st) => { st.readOnly = false; st.replica!.ioRunning = 'No'; st.replica!.sqlRunning = false; }),
      expect: ['multiple-writable-masters@db1', 'replication-stopped@db3', 'replication-stopped@db3'],
      text: /db1 and db3 are all writable/,
    },
    {
      name: 'a replica replicating from a server outside the cluster',
      // Source_Server_Id still says 11 (db1): stale after CHANGE MASTER until the IO thread connects.
      edit: (s) => mut(s[2]!, (st, x) => { st.replica!.sourceHost = '10.0.0.99'; st.replica!.sourceServerId = 11; x.sourceAddresses = [['10.0.0.99']]; }),
      expect: ['source-outside-cluster@db3'],
      text: /db3 replicates from 10\.0\.0\.99:3306, which is not a server of cluster app1/,
    },
    {
      name: 'duplicate server_id',
      edit: (s) => mut(s[3]!, (st) => { st.serverId = 13; }),
      expect: ['duplicate-server-id@db3'],
      text: /db3 and db4 have the same server_id 13/,
    },
    {
      name: 'replication broken: IO thread error, with its text',
      edit: (s) => mut(s[1]!, (st) => { Object.assign(st.replica!, { ioRunning: 'Connecting', lastIoErrno: 1045, lastIoError: "error connecting to master 'repl@10.0.0.11:3306' - Access denied for user 'repl'" }); }),
      expect: ['replication-io-error@db2'],
      text: /db2: replication IO thread error 1045: error connecting to master 'repl@10\.0\.0\.11:3306' - Access denied/,
    },
    {
      name: 'replication broken: SQL thread error, with its text',
      edit: (s) => mut(s[2]!, (st) => { Object.assign(st.replica!, { sqlRunning: false, lastSqlErrno: 1062, lastSqlError: "Duplicate entry '4' for key 'PRIMARY'" }); }),
      expect: ['replication-sql-error@db3'],
      text: /db3: replication SQL thread error 1062: Duplicate entry '4' for key 'PRIMARY'/,
    },
    {
      name: 'replication stopped by hand (IO and SQL threads)',
      edit: (s) => { mut(s[1]!, (st) => { st.replica!.ioRunning = 'No'; }); mut(s[2]!, (st) => { st.replica!.sqlRunning = false; }); },
      expect: ['replication-stopped@db2', 'replication-stopped@db3'],
      text: /db2: replication IO thread is not running \(stopped, no error\)/,
    },
    {
      name: 'replication filters differing between servers',
      edit: (s) => mut(s[2]!, (st, x) => { st.replica!.replicateIgnoreDb = 'scratch'; x.replicationFilters!.replicateIgnoreDb = 'scratch'; }),
      expect: ['filters-differ@db3'],
      text: /replication filters differ between servers: db1, db2 and db4: no filters; db3: Replicate_Ignore_DB=scratch/,
    },
    {
      name: 'binlog filters differing (Binlog_Ignore_DB on the master)',
      edit: (s) => mut(s[0]!, (_st, x) => { x.binlogFilters = { doDb: '', ignoreDb: 'tmp' }; }),
      expect: ['filters-differ@db1'],
    },
    {
      name: 'log_bin off on a server that could become master',
      edit: (s) => mut(s[3]!, (st, x) => { st.logBin = false; st.binlog = null; x.binlogFilters = null; x.binaryLogs = null; x.logBinBasename = null; }),
      expect: ['log-bin-off@db4'],
      text: /db4 has log_bin off: it could be promoted \(noMaster is not set\)/,
    },
    {
      name: 'the replication user missing on a candidate',
      edit: (s) => mut(s[2]!, (_st, x) => { x.replUser = { accounts: [], hasReplicationSlave: false }; }),
      expect: ['repl-user-missing@db3'],
      text: /the replication user repl does not exist on db3/,
    },
    {
      name: 'the replication user without REPLICATION SLAVE on a candidate',
      edit: (s) => mut(s[1]!, (_st, x) => { x.replUser = { accounts: ['repl@%'], hasReplicationSlave: false }; }),
      expect: ['repl-user-missing@db2'],
      text: /has no REPLICATION SLAVE privilege on db2 \(repl@%\)/,
    },
    {
      name: 'mixed GTID and non-GTID replication',
      mode: 'gtid',
      edit: (s) => mut(s[3]!, (st) => { st.replica!.autoPosition = false; st.replica!.usingGtid = 'No'; }),
      expect: ['mixed-gtid@-'],
      text: /mixed GTID and non-GTID replication: db2 and db3 replicate with GTID auto-positioning, db4 by file\/position/,
    },
    {
      name: 'MySQL gtid_mode differing between servers',
      edit: (s) => s.forEach((x, i) => mut(x, (st) => { st.flavor = 'mysql'; st.version = '8.0.36'; st.serverUuid = `uuid-${i}`; st.gtid = { mode: i === 2 ? 'OFF' : 'ON', executed: '' }; })),
      expect: ['mixed-gtid@-'],
      text: /gtid_mode differs between servers \(db1, db2 and db4: gtid_mode=ON; db3: gtid_mode=OFF\)/,
    },
    {
      name: 'no server eligible as new master: all no_master',
      cfg: (c) => { for (const s of c.servers.slice(1)) s.noMaster = true; },
      edit: () => {},
      expect: ['no-candidate@-'],
      text: /no server could become the new master if db1 failed now \(db2: no_master is set in the config \| db3: no_master/,
    },
    {
      name: 'no server eligible as new master: all too far behind',
      cfg: (c) => { c.failover = { maxDelayBytes: 100 }; },
      edit: (s) => s.slice(1).forEach((x) => mut(x, (st) => { st.replica!.execSourceLogPos = 1000; })),
      expect: ['no-candidate@-'],
      text: /too far behind: executed up to mysql-bin\.000003:1000, 4000 bytes behind/,
    },
    {
      name: 'an unreachable replica (no ignoreFail)',
      edit: (s) => { s[3] = { name: 'db4', host: '10.0.0.14', port: 3306, state: null, extras: null, error: 'cannot connect to MySQL at 10.0.0.14:3306 as mhaflow: ECONNREFUSED', hint: 'check that mysqld is running' }; },
      expect: ['unreachable@db4'],
      text: /db4 \(10\.0\.0\.14:3306\) cannot be reached: cannot connect to MySQL at 10\.0\.0\.14:3306 as mhaflow: ECONNREFUSED/,
    },
    {
      name: 'the master unreachable',
      edit: (s) => { s[0] = { name: 'db1', host: '10.0.0.11', port: 3306, state: null, extras: null, error: 'ECONNREFUSED' }; },
      expect: ['master-unreachable@db1'],
      text: /the master db1 \(10\.0\.0\.11:3306\) cannot be reached: ECONNREFUSED/,
    },
    {
      name: 'a replica of a replica without multiTier',
      edit: (s) => mut(s[3]!, (st, x) => { st.replica!.sourceHost = '10.0.0.13'; st.replica!.sourceServerId = 13; x.sourceAddresses = [['10.0.0.13']]; }),
      expect: ['not-replicating-from-master@db4'],
      text: /db4 replicates from db3, not from the master db1/,
    },
    {
      name: 'a replica with two sources',
      edit: (s) => mut(s[2]!, (st, x) => {
        x.channels = [st.replica!, replica({ sourceHost: '10.9.0.5', connectionName: 'reporting', sourceServerId: 905 })];
        x.sourceAddresses = [['10.0.0.11'], ['10.9.0.5']];
      }),
      expect: ['multi-source@db3', 'source-outside-cluster@db3'],
      text: /db3 replicates from 2 sources \(db1, 10\.9\.0\.5:3306 \(channel 'reporting'\)\)/,
    },
    {
      name: 'binlogDir in the config is not where the server writes its binlogs',
      edit: (s) => mut(s[1]!, (_st, x) => { x.logBinBasename = '/data/binlog/mysql-bin'; }),
      expect: ['binlog-dir-mismatch@db2'],
      text: /db2 writes its binlogs in \/data\/binlog .* but its binlogDir in the config is \/var\/lib\/mysql/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const r = check({ servers: cluster(c.mode ?? 'filepos', c.edit), config: config(c.cfg) });
      assert.deepEqual(codes(r.problems), c.expect, JSON.stringify(r.problems, null, 1));
      assert.equal(r.verdict, 'not-safe');
      assert.equal(r.safe, false);
      for (const p of r.problems) assert.ok(p.fix.length > 10, `${p.code}: no fix`);
      if (c.text) assert.match(r.problems.map((p) => p.what).join('\n'), c.text);
    });
  }

  it('checkFilters: false skips the filter comparison', () => {
    const servers = cluster('filepos', (s) => mut(s[2]!, (st, x) => { st.replica!.replicateIgnoreDb = 'scratch'; x.replicationFilters!.replicateIgnoreDb = 'scratch'; }));
    assert.deepEqual(check({ servers, config: config((c) => { c.replication.checkFilters = false; }) }).problems, []);
  });

  it('log_bin off on a noMaster server is fine; ignoreFail turns an unreachable replica into a warning', () => {
    const servers = cluster('filepos', (s) => {
      mut(s[3]!, (st, x) => { st.logBin = false; x.binaryLogs = null; x.binlogFilters = null; x.logBinBasename = null; });
      s[2] = { name: 'db3', host: '10.0.0.13', port: 3306, state: null, extras: null, error: 'ETIMEDOUT' };
    });
    const r = check({ servers, config: config((c) => { c.servers[3].noMaster = true; c.servers[2].ignoreFail = true; }) });
    assert.deepEqual(codes(r.problems), []);
    assert.deepEqual(codes(r.warnings), ['unreachable@db3']);
    assert.equal(r.verdict, 'ok-with-warnings');
    assert.equal(r.rows[2]!.role, 'unreachable');
    assert.equal(r.rows[3]!.candidate, 'no');
  });

  it('multiTier allows a replica of a replica (warning)', () => {
    const servers = cluster('filepos', (s) => mut(s[3]!, (st, x) => { st.replica!.sourceHost = '10.0.0.13'; x.sourceAddresses = [['10.0.0.13']]; }));
    const r = check({ servers, config: config((c) => { c.replication.multiTier = true; }) });
    assert.deepEqual(codes(r.problems), []);
    assert.deepEqual(codes(r.warnings), ['multi-tier@db4']);
    assert.equal(r.rows[3]!.role, 'intermediate');
  });
});

describe('check: warnings', () => {
  it('relay_log_purge=1, read_only off on a replica, a lagging replica', () => {
    const servers = cluster('filepos', (s) => {
      mut(s[1]!, (st) => { st.relayLogPurge = true; });
      mut(s[2]!, (st) => { st.readOnly = false; });
      mut(s[3]!, (st) => { st.replica!.secondsBehindSource = 300; st.replica!.sqlDelay = 300; });
    });
    const r = check({ servers });
    assert.deepEqual(codes(r.problems), []);
    assert.deepEqual(codes(r.warnings), ['relay-log-purge@db2', 'read-only-off@db3', 'replica-lag@db4']);
    assert.equal(r.verdict, 'ok-with-warnings');
    assert.equal(r.safe, true);
    assert.match(find(r, 'replica-lag')!.what, /db4 is 300 s behind its source \(warning threshold 60 s; MASTER_DELAY=300\)/);
    assert.match(find(r, 'relay-log-purge')!.fix, /SET GLOBAL relay_log_purge=0/);
  });

  it('relay_log_purge=1 is no concern in GTID mode', () => {
    const r = check({ servers: cluster('gtid', (s) => mut(s[1]!, (st) => { st.relayLogPurge = true; })) });
    assert.deepEqual(codes(r.warnings), []);
  });

  it('the replication user cannot be verified; replicas connect as another user', () => {
    const servers = cluster('filepos', (s) => {
      mut(s[1]!, (_st, x) => { x.replUser = null; x.replUserError = 'SELECT command denied to user'; });
      mut(s[2]!, (st) => { st.replica!.sourceUser = 'repl_old'; });
    });
    const r = check({ servers });
    assert.deepEqual(codes(r.warnings), ['repl-user-unknown@db2', 'repl-user-mismatch@db3']);
  });

  it('the SSH check skipped is a warning', () => {
    const r = check({ servers: cluster(), ssh: null });
    assert.deepEqual(codes(r.warnings), ['ssh-not-checked@-']);
    assert.equal(r.sshChecked, false);
  });
});

describe('check: SSH findings', () => {
  it('each SSH failure is a problem on its host, with the fix', () => {
    const ssh = sshOk({
      db1: { binlogDir: { dir: '/var/lib/mysql', readable: true, missing: ['mysql-bin.000001'] } },
      db2: { status: 'failed', failure: { kind: 'host-key', message: 'host key of 10.0.0.12:22 does not match the one pinned in /kh (possible man-in-the-middle); refusing to connect', hint: 'verify the host key fingerprint' } },
      db3: { binlogTool: null, sftp: false },
      db4: { workdir: { dir: '/var/tmp/mhaflow', writable: false, freeBytes: null } },
    });
    const r = check({ servers: cluster(), ssh });
    assert.deepEqual(codes(r.problems), ['binlog-files-missing@db1', 'ssh-host-key@db2', 'binlog-tool-missing@db3', 'sftp-unavailable@db3', 'workdir-not-writable@db4']);
    assert.match(find(r, 'ssh-host-key')!.what, /does not match the one pinned/);
    assert.match(find(r, 'binlog-files-missing')!.what, /\/var\/lib\/mysql on db1 lacks 1 binlog file\(s\) the server reports: mysql-bin\.000001/);
  });

  it('unreachable over SSH; low space', () => {
    const ssh = sshOk({
      db2: { status: 'failed', failure: { kind: 'unreachable', message: 'cannot ssh to root@10.0.0.12:22: connect ECONNREFUSED', hint: 'check that sshd runs' } },
      db3: { workdir: { dir: '/w', writable: true, freeBytes: 1024 * 1024 } },
      db4: { workdir: { dir: '/w', writable: true, freeBytes: 50 * 1024 * 1024 } },
    });
    const r = check({ servers: cluster(), ssh });
    assert.deepEqual(codes(r.problems), ['ssh-unreachable@db2', 'workdir-no-space@db3']);
    assert.deepEqual(codes(r.warnings), ['workdir-low-space@db4']);
  });

  it('sshCheckTargets: binlog dir from the config (else log_bin_basename) and the files SHOW BINARY LOGS lists', () => {
    const servers = cluster('filepos', (s) => mut(s[1]!, (st, x) => { st.logBin = false; x.binaryLogs = null; x.logBinBasename = null; }));
    servers[3] = { name: 'db4', host: '10.0.0.14', port: 3306, state: null, extras: null, error: 'x' };
    const t = sshCheckTargets(config((c) => { delete c.servers[0].binlogDir; }), servers);
    assert.deepEqual(t, [
      { name: 'db1', binlogDir: '/var/lib/mysql', expectFiles: ['mysql-bin.000001', 'mysql-bin.000002', 'mysql-bin.000003'], flavor: 'mariadb' },
      { name: 'db2', binlogDir: '/var/lib/mysql', expectFiles: [], flavor: 'mariadb' },
      { name: 'db3', binlogDir: '/var/lib/mysql', expectFiles: ['mysql-bin.000001', 'mysql-bin.000002', 'mysql-bin.000003'], flavor: 'mariadb' },
      { name: 'db4', binlogDir: '/var/lib/mysql', expectFiles: [], flavor: null },
    ]);
  });
});

describe('check: source matching and rendering', () => {
  it('matchSource: by address, alias, resolved address, then a unique server_id', () => {
    const servers = cluster();
    const cfg = config((c) => { c.servers[0].aliases = ['db1.example.com']; });
    const rep = (o: Partial<ReplicaStatus>) => replica(o);
    assert.equal(matchSource(rep({}), [], servers, cfg), 'db1');
    assert.equal(matchSource(rep({ sourceHost: 'DB1.example.com' }), [], servers, cfg), 'db1');
    assert.equal(matchSource(rep({ sourceHost: 'db1-vip' }), ['10.0.0.11'], servers, cfg), 'db1');
    assert.equal(matchSource(rep({ sourceHost: 'unknown', sourceServerId: 12 }), [], servers, cfg), 'db2');
    assert.equal(matchSource(rep({ sourceHost: '10.0.0.11', sourcePort: 3307, sourceServerId: 99 }), [], servers, cfg), null);
  });

  it('the text report: rows, verdict, every problem with its fix; markdown for the UI', () => {
    const r = check({ servers: cluster('filepos', (s) => mut(s[2]!, (st) => { st.replica!.sqlRunning = false; })) });
    const text = formatCheckReport(r);
    assert.match(text, /^cluster app1: master db1, filepos mode/);
    assert.match(text, /db3 +10\.0\.0\.13:3306 +replica/);
    assert.match(text, /verdict: NOT SAFE to fail over/);
    assert.match(text, /problems \(1\):\n {2}- \[db3\] db3: replication SQL thread is not running \(stopped, no error\).*\n {4}fix: START SLAVE SQL_THREAD on db3/);
    const md = formatCheckMarkdown(r);
    assert.match(md, /\| db1 \(10\.0\.0\.11:3306\) \| master \|/);
    assert.match(md, /\*\*Problems\*\*/);
  });

  it('MySQL 8.0.22+ fixes say START REPLICA', () => {
    const servers = cluster('filepos', (s) => s.forEach((x, i) => mut(x, (st) => { st.flavor = 'mysql'; st.version = '8.0.36'; st.serverUuid = `u${i}`; st.gtid = { mode: 'OFF', executed: '' }; })));
    mut(servers[1]!, (st) => { st.replica!.ioRunning = 'No'; });
    const r = check({ servers });
    assert.match(find(r, 'replication-stopped')!.fix, /^START REPLICA IO_THREAD on db2$/);
  });
});
