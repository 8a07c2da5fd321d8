// One table per rule of the check: each case edits the healthy cluster of check-fixtures.ts, builds the
// context and runs that rule alone, asserting its exact findings ("severity code@server") and wording.
// The healthy cluster is the first row of every table: a rule that fires on it is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckRule } from '../../../src/check';
import {
  binlogDirectories, duplicateIdentities, flavorSettings, mixedReplicationModes, mysqlGtidSettings, newMasterCandidates, noMaster,
  promotableServers, replicaSettings, semiSyncFallback, replicationFilters, replicationSources, replicationThreads, replicationUserMismatch, sshHosts,
  unreachableServers, writableMasters,
} from '../../../src/check/rules';
import type { ServerState } from '../../../src/mysql/client';
import type { DiscoveredExtras, DiscoveredServer } from '../../../src/mysql/discover';
import type { ReplicaStatus } from '../../../src/mysql/status';
import type { SshHostCheck } from '../../../src/ssh/check';
import { cluster, config, context, mut, replica, sshOk, type Mode } from '../../support/check-fixtures';

interface RuleCase {
  name: string;
  mode?: Mode;
  edit?: (s: DiscoveredServer[]) => void;
  cfg?: (c: Record<string, any>) => void;
  /** undefined: every host fine over SSH; null: the SSH check was not run. */
  ssh?: SshHostCheck[] | null;
  expect: string[];
  /** Each matched against every finding's what and fix ("what\nfix"). */
  text?: RegExp[];
}

const healthy: RuleCase = { name: 'a healthy cluster: nothing', expect: [] };

function ruleTable(rule: CheckRule, cases: RuleCase[]): void {
  for (const c of [healthy, ...cases]) {
    it(c.name, () => {
      const ctx = context({ servers: cluster(c.mode ?? 'filepos', c.edit), config: config(c.cfg), ssh: c.ssh });
      const found = rule(ctx);
      assert.deepEqual(found.map((f) => `${f.severity} ${f.code}@${f.server ?? '-'}`), c.expect, JSON.stringify(found, null, 1));
      for (const f of found) assert.ok(f.fix.length > 10, `${f.code}: no fix`);
      for (const t of c.text ?? []) assert.match(found.map((f) => `${f.what}\n${f.fix}`).join('\n'), t);
    });
  }
}

// Edits of the healthy cluster (servers by index: 0 is db1, the master).
type Edit = (s: DiscoveredServer[]) => void;
const all = (...edits: Edit[]): Edit => (s) => edits.forEach((e) => e(s));
const server = (i: number, fn: (st: ServerState, x: DiscoveredExtras) => void): Edit => (s) => mut(s[i]!, fn);
const channel = (i: number, over: Partial<ReplicaStatus>): Edit => server(i, (st) => { Object.assign(st.replica!, over); });
const down = (i: number, error = 'ECONNREFUSED', hint?: string): Edit => (s) => {
  s[i] = { name: s[i]!.name, host: s[i]!.host, port: 3306, state: null, extras: null, error, ...(hint ? { hint } : {}) };
};
const standalone = (i: number, readOnly = true): Edit => server(i, (st) => { st.replica = null; st.readOnly = readOnly; });
/** Server i replicates from `host` (what its Source_Host resolves to as well). */
const pointAt = (i: number, host: string, sourceServerId?: number): Edit => server(i, (st, x) => {
  st.replica!.sourceHost = host;
  if (sourceServerId !== undefined) st.replica!.sourceServerId = sourceServerId;
  x.sourceAddresses = [[host]];
});
const mysql8: Edit = (s) => s.forEach((x, i) => mut(x, (st) => {
  st.flavor = 'mysql'; st.version = '8.0.36'; st.serverUuid = `u${i}`; st.gtid = { mode: 'OFF', executed: '' };
}));

describe('rule unreachableServers', () => ruleTable(unreachableServers, [
  {
    name: 'a replica down', edit: down(3, 'ECONNREFUSED', 'check that mysqld is running'), expect: ['problem unreachable@db4'],
    text: [/db4 \(10\.0\.0\.14:3306\) cannot be reached: ECONNREFUSED\ncheck that mysqld is running; or set ignoreFail: true/],
  },
  {
    name: 'a replica down with ignoreFail: a warning', edit: down(3), cfg: (c) => { c.servers[3].ignoreFail = true; },
    expect: ['warning unreachable@db4'], text: [/ignoreFail is set, so a failover would go on without it/],
  },
  {
    name: 'the master down: fail over instead', edit: down(0),
    expect: ['problem master-unreachable@db1'], text: [/run `mhaflow failover` instead of the check/],
  },
  { name: 'a binlog server is not checked over SQL', cfg: (c) => { c.servers.push({ name: 'bl1', host: '10.0.0.21', binlogServer: true }); }, expect: [] },
]));

describe('rule noMaster', () => ruleTable(noMaster, [
  {
    name: 'two writable servers, no replication', edit: all(standalone(0, false), standalone(1, false), standalone(2), standalone(3)),
    expect: ['problem no-master@-'], text: [/no server of cluster app1 is the source of the others/],
  },
  { name: 'nothing answers: no master reported (each server is unreachable instead)', edit: all(down(0), down(1), down(2), down(3)), expect: [] },
  { name: 'nobody replicates but one server is writable: it is the master', edit: all(standalone(1), standalone(2), standalone(3)), expect: [] },
]));

describe('rule duplicateIdentities', () => ruleTable(duplicateIdentities, [
  {
    name: 'two servers with one server_id', edit: server(3, (st) => { st.serverId = 13; }),
    expect: ['problem duplicate-server-id@db3'], text: [/db3 and db4 have the same server_id 13/],
  },
  {
    name: 'two servers with one server_uuid', edit: all(server(1, (st) => { st.serverUuid = 'u-1'; }), server(2, (st) => { st.serverUuid = 'u-1'; })),
    expect: ['problem duplicate-server-uuid@db2'], text: [/db2 and db3 have the same server_uuid u-1 \(cloned data directory\)/],
  },
  { name: 'an unreachable server is not compared', edit: all(server(3, (st) => { st.serverId = 13; }), down(2)), expect: [] },
]));

describe('rule replicationSources', () => ruleTable(replicationSources, [
  {
    name: 'a source outside the cluster (a stale Source_Server_Id does not count)', edit: pointAt(2, '10.0.0.99', 11),
    expect: ['problem source-outside-cluster@db3'],
    text: [
      /db3 replicates from 10\.0\.0\.99:3306, which is not a server of cluster app1\n/,
      /point db3 at the master db1 \(CHANGE MASTER TO MASTER_HOST='10\.0\.0\.11'/,
    ],
  },
  {
    name: 'two sources',
    edit: server(2, (st, x) => {
      x.channels = [st.replica!, replica({ sourceHost: '10.9.0.5', connectionName: 'reporting', sourceServerId: 905 })];
      x.sourceAddresses = [['10.0.0.11'], ['10.9.0.5']];
    }),
    expect: ['problem multi-source@db3', 'problem source-outside-cluster@db3'],
    text: [/db3 replicates from 2 sources \(db1, 10\.9\.0\.5:3306 \(channel 'reporting'\)\)/, /remove the extra connections on db3 \(STOP SLAVE 'name'/],
  },
  {
    name: 'a replica of a replica', edit: pointAt(3, '10.0.0.13', 13),
    expect: ['problem not-replicating-from-master@db4'], text: [/db4 replicates from db3, not from the master db1/],
  },
  {
    name: 'a replica of a replica with multiTier: a warning', cfg: (c) => { c.replication.multiTier = true; }, edit: pointAt(3, '10.0.0.13'),
    expect: ['warning multi-tier@db4'],
  },
  {
    name: 'a live server replicating from nothing', edit: standalone(3), expect: ['problem not-replicating@db4'],
    text: [/db4 \(10\.0\.0\.14:3306\) is alive but does not replicate from anything: a failover would leave it behind\n/,
      /make it a replica of db1 \(CHANGE MASTER TO \.\.\.; START SLAVE\)/],
  },
  {
    name: 'a live server replicating from nothing, with ignoreFail: a warning', edit: standalone(3), cfg: (c) => { c.servers[3].ignoreFail = true; },
    expect: ['warning not-replicating@db4'],
  },
  {
    name: 'master-master: the master replicating from a read-only peer is fine',
    edit: server(0, (st, x) => {
      st.replica = replica({ sourceHost: '10.0.0.12', sourceServerId: 12 });
      x.channels = [st.replica];
      x.sourceAddresses = [['10.0.0.12']];
    }),
    expect: [],
  },
]));

describe('rule writableMasters', () => ruleTable(writableMasters, [
  {
    name: 'a second writable server that replicates from nothing', edit: standalone(3, false),
    expect: ['problem multiple-writable-masters@db1'], text: [/db1 and db4 are all writable/],
  },
  {
    name: 'a writable replica whose threads are stopped',
    edit: all(server(2, (st) => { st.readOnly = false; }), channel(2, { ioRunning: 'No', sqlRunning: false })),
    expect: ['problem multiple-writable-masters@db1'],
  },
  {
    name: 'a writable replica that replicates is not a second master (read-only-off warns about it)',
    edit: server(2, (st) => { st.readOnly = false; }), expect: [],
  },
  {
    name: 'the master read-only', edit: server(0, (st) => { st.readOnly = true; }),
    expect: ['warning master-read-only@db1'], text: [/SET GLOBAL read_only=OFF on db1/],
  },
]));

describe('rule replicationThreads', () => ruleTable(replicationThreads, [
  {
    name: 'IO error 1045: the replication user', edit: channel(1, { ioRunning: 'Connecting', lastIoErrno: 1045, lastIoError: 'Access denied for user' }),
    expect: ['problem replication-io-error@db2'],
    text: [/db2: replication IO thread error 1045: Access denied for user\ncheck the replication user and password on db2 /, /then START SLAVE IO_THREAD$/],
  },
  {
    name: 'IO error 1236: the binlog is gone (the error, not also the stopped thread)',
    edit: channel(1, { ioRunning: 'No', lastIoErrno: 1236, lastIoError: 'Could not find first log file name' }),
    expect: ['problem replication-io-error@db2'], text: [/the source no longer has the binlog db2 needs/],
  },
  {
    name: 'another IO error', edit: channel(1, { ioRunning: 'Connecting', lastIoErrno: 2003, lastIoError: "Can't connect" }),
    expect: ['problem replication-io-error@db2'], text: [/fix the cause above, then START SLAVE IO_THREAD on db2/],
  },
  {
    name: 'IO thread stopped', edit: channel(1, { ioRunning: 'No' }),
    expect: ['problem replication-stopped@db2'], text: [/it receives nothing from 10\.0\.0\.11:3306\nSTART SLAVE IO_THREAD on db2/],
  },
  { name: 'IO thread still connecting, no error: a warning', edit: channel(1, { ioRunning: 'Connecting' }), expect: ['warning replication-connecting@db2'] },
  {
    name: 'SQL error', edit: channel(2, { sqlRunning: false, lastSqlErrno: 1062, lastSqlError: 'Duplicate entry' }),
    expect: ['problem replication-sql-error@db3'], text: [/error 1062: Duplicate entry\nresolve the conflict on db3 /, /then START SLAVE SQL_THREAD$/],
  },
  { name: 'SQL thread stopped', edit: channel(2, { sqlRunning: false }), expect: ['problem replication-stopped@db3'], text: [/START SLAVE SQL_THREAD on db3/] },
  {
    name: 'MySQL 8.0.22+: START REPLICA ... FOR CHANNEL', edit: all(mysql8, channel(1, { ioRunning: 'No', channelName: 'ch1' })),
    expect: ['problem replication-stopped@db2'],
    text: [/replication IO thread \(channel 'ch1'\) is not running/, /\nSTART REPLICA IO_THREAD FOR CHANNEL 'ch1' on db2/],
  },
  {
    name: "MariaDB named connection: START SLAVE 'name'", edit: channel(1, { sqlRunning: false, connectionName: 'main' }),
    expect: ['problem replication-stopped@db2'], text: [/START SLAVE 'main' SQL_THREAD on db2/],
  },
]));

describe('rule mixedReplicationModes', () => ruleTable(mixedReplicationModes, [
  { name: 'GTID everywhere: nothing', mode: 'gtid', expect: [] },
  {
    name: 'one replica by file/position among GTID replicas', mode: 'gtid', edit: channel(3, { autoPosition: false }),
    expect: ['problem mixed-gtid@-'], text: [/db2 and db3 replicate with GTID auto-positioning, db4 by file\/position\n/, / on db4$/],
  },
]));

describe('rule mysqlGtidSettings', () => ruleTable(mysqlGtidSettings, [
  { name: 'MySQL with one gtid_mode: nothing', edit: mysql8, expect: [] },
  {
    name: 'gtid_mode differing', edit: all(mysql8, server(2, (st) => { st.gtid = { mode: 'ON', executed: '' }; })),
    expect: ['problem mixed-gtid@-'], text: [/gtid_mode differs between servers \(db1, db2 and db4: gtid_mode=OFF; db3: gtid_mode=ON\)/],
  },
  {
    name: 'gtid_mode=ON without enforce_gtid_consistency',
    edit: all(mysql8, (s) => s.forEach((x) => mut(x, (st, e) => { st.gtid = { mode: 'ON', executed: '' }; e.enforceGtidConsistency = 'ON'; })),
      server(1, (_st, e) => { e.enforceGtidConsistency = 'WARN'; })),
    expect: ['warning gtid-consistency@db2'], text: [/db2 has gtid_mode=ON but enforce_gtid_consistency=WARN/],
  },
]));

describe('rule flavorSettings', () => ruleTable(flavorSettings, [
  {
    name: 'gtid_strict_mode differing', edit: server(2, (st) => { st.gtid.mariadb!.strictMode = false; }),
    expect: ['warning gtid-strict-mode-differs@-'], text: [/gtid_strict_mode is ON on db1, db2 and db4 and OFF on db3/],
  },
  {
    name: 'MySQL and MariaDB mixed', edit: server(3, (st) => { st.flavor = 'mysql'; st.version = '8.0.36'; }),
    expect: ['warning mixed-flavors@-'], text: [/db3: mariadb, db4: mysql/],
  },
]));

const ignoreScratch = server(2, (_st, x) => { x.replicationFilters!.replicateIgnoreDb = 'scratch'; });

describe('rule replicationFilters', () => ruleTable(replicationFilters, [
  {
    name: 'a replication filter on one server', edit: ignoreScratch, expect: ['problem filters-differ@db3'],
    text: [/db1, db2 and db4: no filters; db3: Replicate_Ignore_DB=scratch\n/, /or SET GLOBAL replicate_/],
  },
  {
    name: 'a binlog filter on the master', edit: server(0, (_st, x) => { x.binlogFilters = { doDb: '', ignoreDb: 'tmp' }; }),
    expect: ['problem filters-differ@db1'], text: [/db1: Binlog_Ignore_DB=tmp/],
  },
  {
    name: 'the same lists in another order are the same filters',
    edit: (s) => s.forEach((x, i) => mut(x, (_st, e) => { e.binlogFilters = { doDb: i === 2 ? 'b, a' : 'a,b', ignoreDb: '' }; })),
    expect: [],
  },
  { name: 'replication.checkFilters: false', cfg: (c) => { c.replication.checkFilters = false; }, edit: ignoreScratch, expect: [] },
]));

describe('rule promotableServers', () => ruleTable(promotableServers, [
  { name: 'log_bin off on a server that could be promoted', edit: server(3, (st) => { st.logBin = false; }), expect: ['problem log-bin-off@db4'] },
  {
    name: 'log_bin off with noMaster: fine', edit: server(3, (st) => { st.logBin = false; }), cfg: (c) => { c.servers[3].noMaster = true; }, expect: [],
  },
  {
    name: 'log_slave_updates off (GTID: it cannot become master)', mode: 'gtid', edit: server(1, (st) => { st.logSlaveUpdates = false; }),
    expect: ['warning log-slave-updates-off@db2'], text: [/what it replicates is not in its binlog, so in GTID mode it cannot become master/],
  },
  {
    name: 'the replication user not verifiable', edit: server(1, (_st, x) => { x.replUser = null; x.replUserError = 'SELECT command denied'; }),
    expect: ['warning repl-user-unknown@db2'],
    text: [/could not verify the replication user repl on db2: SELECT command denied\ngrant the admin user mhaflow SELECT on mysql\.user/],
  },
  {
    name: 'the replication user missing: created for the hosts the master allows',
    edit: server(2, (_st, x) => { x.replUser = { accounts: [], hasReplicationSlave: false }; }),
    expect: ['problem repl-user-missing@db3'], text: [/does not exist on db3/, /\non db3: CREATE USER 'repl'@'10\.0\.0\.%'/],
  },
  {
    name: 'the replication user without REPLICATION SLAVE', edit: server(1, (_st, x) => { x.replUser = { accounts: ['repl@%'], hasReplicationSlave: false }; }),
    expect: ['problem repl-user-missing@db2'], text: [/has no REPLICATION SLAVE privilege on db2 \(repl@%\)/],
  },
]));

describe('rule replicationUserMismatch', () => ruleTable(replicationUserMismatch, [
  {
    name: 'a replica connecting as another user', edit: channel(2, { sourceUser: 'repl_old' }),
    expect: ['warning repl-user-mismatch@db3'], text: [/db3 replicates as repl_old, but the config's replication\.user is repl/],
  },
]));

describe('rule binlogDirectories', () => ruleTable(binlogDirectories, [
  {
    name: 'binlogDir not where the server writes', edit: server(1, (_st, x) => { x.logBinBasename = '/data/binlog/mysql-bin'; }),
    expect: ['problem binlog-dir-mismatch@db2'], text: [/set binlogDir: \/data\/binlog for db2/],
  },
  { name: 'a trailing slash is the same directory', cfg: (c) => { c.servers[1].binlogDir = '/var/lib/mysql/'; }, expect: [] },
  {
    name: 'binlogDir unset', cfg: (c) => { delete c.servers[1].binlogDir; },
    expect: ['warning binlog-dir-unset@db2'], text: [/it writes its binlogs in \/var\/lib\/mysql/],
  },
  { name: 'binlogDir unset on a noMaster server: fine', cfg: (c) => { delete c.servers[1].binlogDir; c.servers[1].noMaster = true; }, expect: [] },
  {
    name: 'SHOW BINARY LOGS denied', edit: server(1, (_st, x) => { x.binaryLogsError = 'Access denied; you need BINLOG MONITOR'; }),
    expect: ['warning binary-logs-unreadable@db2'],
  },
]));

describe('rule replicaSettings', () => ruleTable(replicaSettings, [
  { name: 'relay_log_purge=1 in file/position mode', edit: server(1, (st) => { st.relayLogPurge = true; }), expect: ['warning relay-log-purge@db2'] },
  { name: 'relay_log_purge=1 in GTID mode: fine', mode: 'gtid', edit: server(1, (st) => { st.relayLogPurge = true; }), expect: [] },
  { name: 'read_only off on a replica', edit: server(2, (st) => { st.readOnly = false; }), expect: ['warning read-only-off@db3'] },
  {
    name: 'lag over the threshold', edit: channel(3, { secondsBehindSource: 61 }), expect: ['warning replica-lag@db4'],
    text: [/db4 is 61 s behind its source \(warning threshold 60 s\)\nfind why db4 cannot keep up/],
  },
  {
    name: 'lag from MASTER_DELAY', edit: channel(3, { secondsBehindSource: 300, sqlDelay: 300 }), expect: ['warning replica-lag@db4'],
    text: [/MASTER_DELAY=300\)\nCHANGE MASTER TO MASTER_DELAY=0 on db4/],
  },
  { name: 'lag at the threshold: fine', edit: channel(3, { secondsBehindSource: 60 }), expect: [] },
]));

const semi = (i: number, source: boolean, active: boolean, replica: boolean): Edit => server(i, (_st, x) => {
  x.semiSync = { source: { enabled: source, active, clients: active ? 1 : 0, timeoutMs: 10000 }, replica: { enabled: replica, active: replica && active } };
});
describe('rule semiSyncFallback', () => ruleTable(semiSyncFallback, [
  { name: 'semi-sync in force: fine', edit: all(semi(0, true, true, false), semi(1, false, true, true)), expect: [] },
  {
    name: 'enabled on the master, no replica acknowledging: fell back to async', edit: semi(0, true, false, false),
    expect: ['warning semi-sync-fell-back@db1'], text: [/not in force: no replica acknowledged within 10000 ms.*can lose acknowledged/, /SET GLOBAL rpl_semi_sync_slave_enabled=ON on at least one replica/],
  },
  {
    name: 'a replica enabled but not acknowledging: named in the fix', edit: all(semi(0, true, false, false), semi(2, false, false, true)),
    expect: ['warning semi-sync-fell-back@db1'], text: [/db3 has rpl_semi_sync_slave_enabled=ON: restart its IO thread/],
  },
  { name: 'semi-sync not read (older check): nothing', edit: server(0, (_st, x) => { x.semiSync = null; }), expect: [] },
]));

describe('rule newMasterCandidates', () => ruleTable(newMasterCandidates, [
  {
    name: 'every replica noMaster', cfg: (c) => { for (const s of c.servers.slice(1)) s.noMaster = true; }, expect: ['problem no-candidate@-'],
    text: [/no server could become the new master if db1 failed now \(db2: no_master is set in the config \| db3: no_master/],
  },
  {
    name: 'every replica too far behind', cfg: (c) => { c.failover = { maxDelayBytes: 100 }; },
    edit: all(channel(1, { execSourceLogPos: 1000 }), channel(2, { execSourceLogPos: 1000 }), channel(3, { execSourceLogPos: 1000 })),
    expect: ['problem no-candidate@-'], text: [/4000 bytes behind/],
  },
  {
    name: 'no replica answers: no latest replica', edit: all(down(1), down(2), down(3)),
    expect: ['problem no-candidate@-'], text: [/^no server could become the new master: /],
  },
  { name: 'no master: nothing to assess', edit: all(standalone(0, false), standalone(1, false)), expect: [] },
]));

const sshFailure = (kind: NonNullable<SshHostCheck['failure']>['kind']): RuleCase => ({
  name: `SSH failure ${kind}`,
  ssh: sshOk({ db2: { status: 'failed', failure: { kind, message: 'it failed', hint: 'do what the hint says' } } }),
  expect: [`problem ${kind === 'host-key' ? 'ssh-host-key' : `ssh-${kind}`}@db2`],
  text: [/SSH to db2 \(root@10\.0\.0\.12:22\): it failed\ndo what the hint says/],
});
const workdir = (writable: boolean, freeBytes: number | null) => sshOk({ db4: { workdir: { dir: '/w', writable, freeBytes } } });

describe('rule sshHosts', () => ruleTable(sshHosts, [
  { name: 'the SSH check not run', ssh: null, expect: ['warning ssh-not-checked@-'] },
  { name: 'a skipped host', ssh: sshOk({ db2: { status: 'skipped', binlogTool: null } }), expect: [] },
  sshFailure('host-key'), sshFailure('auth'), sshFailure('config'), sshFailure('command'), sshFailure('unreachable'),
  {
    name: 'unreachable with ignoreFail: a warning', cfg: (c) => { c.servers[1].ignoreFail = true; },
    ssh: sshOk({ db2: { status: 'failed', failure: { kind: 'unreachable', message: 'ECONNREFUSED' } } }),
    expect: ['warning ssh-unreachable@db2'], text: [/\(ignoreFail is set\)\ncheck sshd on that host/],
  },
  {
    name: 'no binlog tool (looked in clientBindir)', cfg: (c) => { c.servers[2].clientBindir = '/opt/mysql/bin'; }, ssh: sshOk({ db3: { binlogTool: null } }),
    expect: ['problem binlog-tool-missing@db3'], text: [/\(looked in \/opt\/mysql\/bin and PATH\)/],
  },
  {
    name: 'binlog directory unreadable', ssh: sshOk({ db1: { binlogDir: { dir: '/nope', readable: false, missing: [] } } }),
    expect: ['problem binlog-dir-unreadable@db1'], text: [/the binlog directory \/nope on db1 does not exist or is not readable by root/],
  },
  {
    name: 'binlog files missing (the first five named)',
    ssh: sshOk({ db1: { binlogDir: { dir: '/b', readable: true, missing: ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'] } } }),
    expect: ['problem binlog-files-missing@db1'], text: [/\/b on db1 lacks 6 binlog file\(s\) the server reports: f1, f2, f3, f4, f5, \.\.\./],
  },
  {
    name: 'a file that is not a binlog', ssh: sshOk({ db1: { binlogDir: { dir: '/b', readable: true, missing: [], badMagic: 'mysql-bin.000003' } } }),
    expect: ['problem binlog-files-missing@db1'], text: [/\/b\/mysql-bin\.000003 on db1 is not a binary log/],
  },
  { name: 'workdir not writable', ssh: workdir(false, null), expect: ['problem workdir-not-writable@db4'] },
  { name: 'workdir without room', ssh: workdir(true, 1024 * 1024), expect: ['problem workdir-no-space@db4'], text: [/only 1024 KiB free under \/w on db4/] },
  {
    name: 'workdir smaller than maxDelayBytes', ssh: workdir(true, 50 * 1024 * 1024),
    expect: ['warning workdir-low-space@db4'], text: [/50 MiB free under \/w on db4, less than failover\.maxDelayBytes \(95 MiB\)/],
  },
  { name: 'no SFTP', ssh: sshOk({ db3: { sftp: false } }), expect: ['problem sftp-unavailable@db3'] },
]));
