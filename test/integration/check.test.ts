// `mhaflow check` against the real lab: for each refusal and warning of issue 3, create the condition on
// the lab (SQL as the lab's admin user, whose password comes from the config's file: reference; the lab's
// root socket only where the admin lacks the privilege, or a lab fault), run the check as a user would
// (the CLI, --json), assert the exact problem and the exit code, and put the lab back.
// Also: a healthy lab passes in filepos and gtid modes, and the check runs as the Temporal workflow.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { ClusterConfig, ServerConfig } from '../../src/config/schema';
import { resolveSecret } from '../../src/config/secrets';
import { labHosts } from '../../lab/layout';
import { rootSql, startMysqld, stopMysqld } from '../../lab/mariadb';
import { tcpOpen } from '../../lab/system';
import { queryOne, queryRows, withConnection, type Connection } from '../../src/mysql/client';
import { temporalAddress } from '../../src/temporal/config';
import { temporalHttpAddress } from '../../src/temporal/http';
import type { CheckCode, CheckFinding, CheckReport } from '../../src/check';
import { registerCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { startTemporal } from '../support/harness';

const ROOT = resolve(__dirname, '..', '..');
let cfg: ClusterConfig;
let configPath: string;
const tmp = mkdtempSync(join(tmpdir(), 'mhaflow-check-it-'));

// ---------------------------------------------------------------------------------------------
// Helpers

function mhaflow(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), ...args], { encoding: 'utf8', env: process.env, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run `mhaflow check --json --local` (deterministic: no dependency on a worker) and parse the report. */
function runCheck(path = configPath): { code: number; report: CheckReport; stderr: string } {
  const r = mhaflow(['check', '--config', path, '--json', '--local']);
  let report: CheckReport;
  try {
    report = JSON.parse(r.stdout) as CheckReport;
  } catch {
    assert.fail(`check printed no JSON report (exit ${r.code}): ${r.stderr}`);
  }
  assert.ok(!/\n\s+at /.test(r.stderr), `stack trace on stderr: ${r.stderr}`);
  return { code: r.code, report, stderr: r.stderr };
}

/** A config file for one test: the lab's (absolute paths), changed by `patch`. */
function configFile(name: string, patch: (c: ClusterConfig) => void): string {
  const c = JSON.parse(JSON.stringify(cfg)) as ClusterConfig;
  patch(c);
  const p = join(tmp, `${name}.yml`);
  writeFileSync(p, stringify(c));
  return p;
}

const server = (name: string): ServerConfig => cfg.servers.find((s) => s.name === name)!;
const labHost = (name: string) => labHosts().find((h) => h.name === name)!;

/** Statements one after another on one admin connection (the admin password from the config's reference). */
async function admin(name: string, ...statements: (string | [string, unknown[]])[]): Promise<Record<string, unknown>[]> {
  return withConnection(cfg, server(name), async (c: Connection) => {
    let last: Record<string, unknown>[] = [];
    for (const st of statements) last = typeof st === 'string' ? await queryRows(c, st) : await queryRows(c, st[0], st[1]);
    return last;
  });
}

async function slaveStatus(name: string): Promise<Record<string, unknown>> {
  return withConnection(cfg, server(name), async (c) => (await queryOne(c, 'SHOW SLAVE STATUS'))!);
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Every replica runs both threads and has executed everything the master wrote. */
async function healthy(): Promise<void> {
  await until('the lab replicas to be running and caught up', async () => {
    const m = await withConnection(cfg, server(MASTER), (c) => queryOne(c, 'SHOW MASTER STATUS'));
    const st = await Promise.all(REPLICAS.map((r) => slaveStatus(r).catch(() => null)));
    return st.every((s) => s && s.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes'
      && s.Relay_Master_Log_File === m!.File && Number(s.Exec_Master_Log_Pos) === Number(m!.Position));
  });
}

function findings(report: CheckReport): CheckFinding[] {
  return [...report.problems, ...report.warnings];
}

function expectFinding(report: CheckReport, code: CheckCode, server: string | null, what: RegExp): CheckFinding {
  const f = findings(report).find((x) => x.code === code && x.server === server);
  assert.ok(f, `no ${code} finding for ${server}; got ${JSON.stringify(findings(report).map((x) => `${x.code}@${x.server}: ${x.what}`), null, 1)}`);
  assert.match(f.what, what);
  assert.ok(f.fix.length > 10, 'a fix is given');
  return f;
}

const codes = (fs: CheckFinding[]) => fs.map((f) => `${f.code}@${f.server ?? '-'}`).sort();

const MASTER = 'db1';
const REPLICAS = ['db2', 'db3', 'db4'];
const TEST_ID = 9_000_000_000 + Math.floor(Math.random() * 1_000_000);
const esc = (s: string) => s.replace(/\./g, '\\.');

// ---------------------------------------------------------------------------------------------

before(async () => {
  ({ cfg, configPath } = await resetLab('filepos'));
  await healthy();
});

after(async () => {
  // Leave the lab as the other test files expect it.
  await resetLab('filepos');
});

describe('check on a healthy lab', () => {
  it('filepos: exit 0, no problem, no warning, master db1 from what the replicas point at', () => {
    const { code, report } = runCheck();
    assert.deepEqual(codes(findings(report)), []);
    assert.equal(code, 0);
    assert.equal(report.verdict, 'ok');
    assert.equal(report.master, MASTER);
    assert.equal(report.mode, 'filepos');
    assert.equal(report.sshChecked, true);
    assert.deepEqual(report.rows.map((r) => [r.name, r.role, r.threads, r.candidate]), [
      ['db1', 'master', null, null], ['db2', 'replica', 'Yes/Yes', 'yes'], ['db3', 'replica', 'Yes/Yes', 'yes'], ['db4', 'replica', 'Yes/Yes', 'yes'],
    ]);
  });

  it('the text report: one row per server, the verdict', () => {
    const r = mhaflow(['check', '--config', configPath, '--local']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cluster lab: master db1, filepos mode/);
    assert.match(r.stdout, /verdict: OK: safe to fail over/);
    for (const s of cfg.servers) assert.match(r.stdout, new RegExp(`\\n${s.name} +${esc(s.host)}:3306 `));
  });

  it('runs as the Temporal workflow checkReplication', async (t) => {
    const [host, port] = temporalAddress().split(':');
    if (!(await tcpOpen(host!, Number(port)))) { t.skip(`no Temporal server at ${temporalAddress()}`); return; }
    const tw = await startTemporal();
    try {
      const report = await tw.client.workflow.execute('checkReplication', {
        taskQueue: tw.taskQueue, workflowId: `check:lab:it-${Date.now()}`, args: [{ cluster: registerCluster(cfg).cluster }], workflowExecutionTimeout: '2m',
      }) as CheckReport;
      assert.equal(report.safe, true, JSON.stringify(report.problems));
      assert.equal(report.master, MASTER);
      assert.equal(report.sshChecked, true);
    } finally {
      await tw.stop();
    }
  });
});

describe('the check command through Temporal', () => {
  /** The CLI, spawned (the test's own worker must keep running meanwhile). */
  const mhaflowAsync = (args: string[], env: Record<string, string>) => new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });

  it('runs the workflow over the HTTP API and over gRPC, each with the report of the check in this process', async (t) => {
    const [host, port] = temporalAddress().split(':');
    if (!(await tcpOpen(host!, Number(port)))) { t.skip(`no Temporal server at ${temporalAddress()}`); return; }
    const httpAddress = temporalHttpAddress();
    assert.ok(httpAddress, `the lab's Temporal (${temporalAddress()}) has an HTTP API`);
    const local = runCheck();
    const tw = await startTemporal();
    try {
      registerCluster(cfg);
      // An HTTP address set on purpose is used or fails (no silent fall back to gRPC); "off" is gRPC only.
      for (const via of [httpAddress, 'off']) {
        const r = await mhaflowAsync(['check', '--config', configPath, '--json'], { MHAFLOW_TASK_QUEUE: tw.taskQueue, TEMPORAL_HTTP_ADDRESS: via });
        assert.equal(r.code, 0, `${via}: ${r.stderr}`);
        assert.match(r.stderr, /^Temporal UI: http:\/\/.*\/workflows\/check%3Alab%3A\d+\//m, `${via}: ran as a workflow`);
        assert.doesNotMatch(r.stderr, /checking in this process/);
        const report = JSON.parse(r.stdout) as CheckReport;
        assert.deepEqual({ ...report, rows: report.rows.map((x) => ({ ...x, lagSeconds: null })) }, { ...local.report, rows: local.report.rows.map((x) => ({ ...x, lagSeconds: null })) }, via);
      }
    } finally {
      await tw.stop();
    }
  });
});

describe('check refuses', () => {
  it('more than one writable master', async () => {
    await admin('db4', 'STOP SLAVE', 'SET GLOBAL read_only=OFF');
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.equal(report.verdict, 'not-safe');
      const f = expectFinding(report, 'multiple-writable-masters', 'db1', /^db1 and db4 are all writable and none of them replicates from a server of the cluster/);
      assert.deepEqual(f.servers, ['db1', 'db4']);
      // db4 keeps its (stopped) replica status: a writable server that receives nothing is a second master.
      assert.deepEqual(codes(report.problems), ['multiple-writable-masters@db1', 'replication-stopped@db4', 'replication-stopped@db4']);
    } finally {
      await admin('db4', 'SET GLOBAL read_only=ON', 'START SLAVE');
      await healthy();
    }
  });

  it('a replica replicating from a server outside the cluster', async () => {
    await admin('db3', 'STOP SLAVE');
    const st = await slaveStatus('db3');
    const outside = server(MASTER).host.replace(/\.\d+$/, '.99');
    await admin('db3', [`CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=3306`, [outside]]);
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      // Its threads are stopped too (it was never started towards that source).
      assert.deepEqual(codes(report.problems), ['replication-stopped@db3', 'replication-stopped@db3', 'source-outside-cluster@db3']);
      expectFinding(report, 'source-outside-cluster', 'db3', new RegExp(`^db3 replicates from ${esc(outside)}:3306, which is not a server of cluster lab$`));
    } finally {
      await admin('db3', [`CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=3306, MASTER_LOG_FILE=?, MASTER_LOG_POS=?`,
        [server(MASTER).host, st.Relay_Master_Log_File, Number(st.Exec_Master_Log_Pos)]], 'START SLAVE');
      await healthy();
    }
  });

  it('duplicate server_id', async () => {
    await admin('db4', 'SET GLOBAL server_id=13');
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['duplicate-server-id@db3']);
      expectFinding(report, 'duplicate-server-id', 'db3', /^db3 and db4 have the same server_id 13/);
    } finally {
      await admin('db4', 'SET GLOBAL server_id=14');
    }
  });

  it('replication broken: the IO thread error, with its text', async () => {
    await admin('db2', 'STOP SLAVE', "CHANGE MASTER TO MASTER_PASSWORD='not-the-password'", 'START SLAVE');
    try {
      await until('db2 IO error', async () => Number((await slaveStatus('db2')).Last_IO_Errno) !== 0);
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['replication-io-error@db2']);
      expectFinding(report, 'replication-io-error', 'db2', /^db2: replication IO thread error 1045: error connecting to master 'repl@.*Access denied for user 'repl'/);
    } finally {
      await admin('db2', 'STOP SLAVE', ['CHANGE MASTER TO MASTER_PASSWORD=?', [resolveSecret(cfg.replication.password, 'replication.password')]], 'START SLAVE');
      await healthy();
    }
  });

  it('replication broken: the SQL thread error, with its text', async () => {
    await admin('db3', 'SET SESSION sql_log_bin=0', ['INSERT INTO mhaflow_test.writes (id, writer, payload) VALUES (?, ?, ?)', [TEST_ID, 'check-test', 'replica only']]);
    await admin(MASTER, ['INSERT INTO mhaflow_test.writes (id, writer, payload) VALUES (?, ?, ?)', [TEST_ID, 'check-test', 'master']]);
    try {
      await until('db3 SQL error', async () => Number((await slaveStatus('db3')).Last_SQL_Errno) === 1062);
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['replication-sql-error@db3']);
      expectFinding(report, 'replication-sql-error', 'db3', new RegExp(`^db3: replication SQL thread error 1062: .*Duplicate entry '${TEST_ID}' for key 'PRIMARY'`));
    } finally {
      await admin('db3', 'SET SESSION sql_log_bin=0', ['DELETE FROM mhaflow_test.writes WHERE id = ?', [TEST_ID]], 'START SLAVE SQL_THREAD');
      await healthy();
      await admin(MASTER, ['DELETE FROM mhaflow_test.writes WHERE id = ?', [TEST_ID]]);
      await healthy();
    }
  });

  it('replication stopped: IO thread (lab fault stop-io) and SQL thread (stop-sql)', async () => {
    assert.equal(mhaflow(['lab', 'fault', 'stop-io', 'db2']).code, 0);
    assert.equal(mhaflow(['lab', 'fault', 'stop-sql', 'db3']).code, 0);
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['replication-stopped@db2', 'replication-stopped@db3']);
      expectFinding(report, 'replication-stopped', 'db2', new RegExp(`^db2: replication IO thread is not running \\(stopped, no error\\): it receives nothing from ${esc(server(MASTER).host)}:3306$`));
      const sql = report.problems.find((p) => p.server === 'db3')!;
      assert.match(sql.what, /^db3: replication SQL thread is not running \(stopped, no error\)/);
      assert.equal(sql.fix, 'START SLAVE SQL_THREAD on db3');
    } finally {
      mhaflow(['lab', 'restore', 'db2']);
      mhaflow(['lab', 'restore', 'db3']);
      await healthy();
    }
  });

  it('replication filters that differ between servers', async () => {
    await admin('db3', 'STOP SLAVE', "SET GLOBAL replicate_ignore_db='scratch'", 'START SLAVE');
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['filters-differ@db3']);
      expectFinding(report, 'filters-differ', 'db3', /^replication filters differ between servers: db1, db2 and db4: no filters; db3: Replicate_Ignore_DB=scratch$/);
    } finally {
      await admin('db3', 'STOP SLAVE', "SET GLOBAL replicate_ignore_db=''", 'START SLAVE');
      await healthy();
    }
  });

  it('log_bin off on a server that could become master', async () => {
    const h = labHost('db4');
    const cnf = readFileSync(h.cnf, 'utf8');
    await stopMysqld(h);
    appendFileSync(h.cnf, 'skip-log-bin\n');
    await startMysqld(h);
    try {
      await until('db4 replicating without log_bin', async () => (await slaveStatus('db4').catch(() => null))?.Slave_SQL_Running === 'Yes');
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['log-bin-off@db4']);
      expectFinding(report, 'log-bin-off', 'db4', /^db4 has log_bin off: it could be promoted \(noMaster is not set\) but a master must write a binary log$/);
      // The same server with noMaster: fine.
      const ok = runCheck(configFile('log-bin-no-master', (c) => { c.servers.find((s) => s.name === 'db4')!.noMaster = true; }));
      assert.deepEqual(codes(ok.report.problems), []);
      assert.equal(ok.code, 0);
    } finally {
      await stopMysqld(h);
      writeFileSync(h.cnf, cnf);
      await startMysqld(h);
      await healthy();
    }
  });

  it('the replication user missing on a candidate', async () => {
    const h = labHost('db4');
    // The lab's admin cannot manage users (no CREATE USER): the lab's root socket does it, unlogged.
    await rootSql(h, `SET sql_log_bin=0; RENAME USER 'repl'@'127.%' TO 'repl_hidden'@'127.%'`);
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['repl-user-missing@db4']);
      expectFinding(report, 'repl-user-missing', 'db4', /^the replication user repl does not exist on db4: if db4 became master, the replicas could not connect$/);
    } finally {
      await rootSql(h, `SET sql_log_bin=0; RENAME USER 'repl_hidden'@'127.%' TO 'repl'@'127.%'`);
    }
  });

  it('mixed GTID and non-GTID replication', async () => {
    await admin('db2', 'STOP SLAVE', 'CHANGE MASTER TO MASTER_USE_GTID=slave_pos', 'START SLAVE');
    try {
      await until('db2 replicating with GTID', async () => (await slaveStatus('db2')).Slave_IO_Running === 'Yes');
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.equal(report.mode, 'mixed');
      assert.deepEqual(codes(report.problems), ['mixed-gtid@-']);
      expectFinding(report, 'mixed-gtid', null, /^mixed GTID and non-GTID replication: db2 replicates with GTID auto-positioning, db3 and db4 by file\/position$/);
    } finally {
      await admin('db2', 'STOP SLAVE', 'CHANGE MASTER TO MASTER_USE_GTID=no', 'START SLAVE');
      await healthy();
    }
  });

  it('no server eligible as new master: all no_master', () => {
    const path = configFile('all-no-master', (c) => { for (const s of c.servers) if (s.name !== MASTER) s.noMaster = true; });
    const { code, report } = runCheck(path);
    assert.equal(code, 2);
    assert.deepEqual(codes(report.problems), ['no-candidate@-']);
    expectFinding(report, 'no-candidate', null, /^no server could become the new master if db1 failed now \(db2: no_master is set in the config \| db3: no_master is set in the config \| db4: no_master is set in the config\)$/);
  });

  it('no server eligible as new master: all too far behind', async () => {
    for (const r of REPLICAS) assert.equal(mhaflow(['lab', 'fault', 'lag', r, '60']).code, 0);
    try {
      await admin(MASTER, ['INSERT INTO mhaflow_test.writes (id, writer, payload) VALUES (?, ?, ?)', [TEST_ID + 1, 'check-test', 'lag']]);
      const m = (await admin(MASTER, 'SHOW MASTER STATUS'))[0]!;
      await until('every replica received the write', async () => (await Promise.all(REPLICAS.map(slaveStatus))).every((s) => Number(s.Read_Master_Log_Pos) === Number(m.Position)));
      const path = configFile('too-far', (c) => { c.failover.maxDelayBytes = 0; });
      const { code, report } = runCheck(path);
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['no-candidate@-']);
      expectFinding(report, 'no-candidate', null, /db2: too far behind: executed up to mysql-bin\.\d+:\d+, \d+ bytes behind the latest received .*\(limit 0\)/);
    } finally {
      for (const r of REPLICAS) mhaflow(['lab', 'restore', r]);
      await healthy();
      await admin(MASTER, ['DELETE FROM mhaflow_test.writes WHERE id = ?', [TEST_ID + 1]]);
      await healthy();
    }
  });

  it('a replica that cannot be reached (lab fault kill-mysqld)', async () => {
    assert.equal(mhaflow(['lab', 'fault', 'kill-mysqld', 'db4']).code, 0);
    try {
      const { code, report } = runCheck();
      assert.equal(code, 2);
      assert.deepEqual(codes(report.problems), ['unreachable@db4']);
      expectFinding(report, 'unreachable', 'db4', new RegExp(`^db4 \\(${esc(server('db4').host)}:3306\\) cannot be reached: cannot connect to MySQL at ${esc(server('db4').host)}:3306 as mhaflow: ECONNREFUSED$`));
      assert.equal(report.rows.find((r) => r.name === 'db4')!.role, 'unreachable');
    } finally {
      mhaflow(['lab', 'restore', 'db4']);
      await healthy();
    }
  });
});

describe('check warns (exit 0)', () => {
  it('relay_log_purge=1, read_only off on a replica, a lagging replica', async () => {
    await admin('db2', 'SET GLOBAL relay_log_purge=1');
    await admin('db3', 'SET GLOBAL read_only=OFF');
    assert.equal(mhaflow(['lab', 'fault', 'lag', 'db4', '30']).code, 0);
    try {
      await admin(MASTER, ['INSERT INTO mhaflow_test.writes (id, writer, payload) VALUES (?, ?, ?)', [TEST_ID + 2, 'check-test', 'lag']]);
      await until('db4 lagging', async () => Number((await slaveStatus('db4')).Seconds_Behind_Master ?? 0) >= 2);
      const { code, report } = runCheck(configFile('lag-warn', (c) => { c.failover.delayWarnSeconds = 1; }));
      assert.deepEqual(codes(report.problems), []);
      assert.equal(code, 0);
      assert.equal(report.verdict, 'ok-with-warnings');
      assert.deepEqual(codes(report.warnings), ['read-only-off@db3', 'relay-log-purge@db2', 'replica-lag@db4']);
      expectFinding(report, 'relay-log-purge', 'db2', /^relay_log_purge=1 on db2: in file\/position mode, recovering the other replicas may need relay logs it has already purged$/);
      expectFinding(report, 'read-only-off', 'db3', /^read_only is off on the replica db3/);
      expectFinding(report, 'replica-lag', 'db4', /^db4 is \d+ s behind its source \(warning threshold 1 s; MASTER_DELAY=30\)$/);
    } finally {
      await admin('db2', 'SET GLOBAL relay_log_purge=0');
      await admin('db3', 'SET GLOBAL read_only=ON');
      mhaflow(['lab', 'restore', 'db4']);
      await healthy();
      await admin(MASTER, ['DELETE FROM mhaflow_test.writes WHERE id = ?', [TEST_ID + 2]]);
      await healthy();
    }
  });
});

describe('check over SSH', () => {
  it('an unpinned host key is refused on every host, never accepted', () => {
    const empty = join(tmp, 'known_hosts.empty');
    writeFileSync(empty, '');
    const { code, report } = runCheck(configFile('unknown-host-keys', (c) => { c.ssh.knownHosts = empty; }));
    assert.equal(code, 2);
    assert.deepEqual(codes(report.problems), ['ssh-host-key@db1', 'ssh-host-key@db2', 'ssh-host-key@db3', 'ssh-host-key@db4']);
    expectFinding(report, 'ssh-host-key', 'db1', new RegExp(`host key of ${esc(server('db1').host)}:22 is not in .*known_hosts\\.empty; refusing to connect`));
  });

  it('a binlogDir that is not where the server writes its binlogs', () => {
    const { code, report } = runCheck(configFile('wrong-binlog-dir', (c) => { c.servers.find((s) => s.name === 'db2')!.binlogDir = '/nonexistent/binlogs'; }));
    assert.equal(code, 2);
    assert.deepEqual(codes(report.problems), ['binlog-dir-mismatch@db2', 'binlog-dir-unreadable@db2']);
    expectFinding(report, 'binlog-dir-mismatch', 'db2', /^db2 writes its binlogs in .*\/db2\/data .*but its binlogDir in the config is \/nonexistent\/binlogs/);
  });

  it('--no-ssh skips it, with a warning', () => {
    const r = mhaflow(['check', '--config', configPath, '--json', '--local', '--no-ssh']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as CheckReport;
    assert.deepEqual(codes(report.warnings), ['ssh-not-checked@-']);
  });
});

describe('an MHA configuration of the lab, imported', () => {
  it('`config import-mha` then `check`: the imported config works as is', () => {
    const pw = (ref: string) => resolveSecret(ref, 'password');
    const cnf = [
      '[server default]',
      `user=${cfg.mysql.user}`, `password=${pw(cfg.mysql.password)}`,
      `repl_user=${cfg.replication.user}`, `repl_password=${pw(cfg.replication.password)}`,
      'ssh_user=root', 'ssh_port=22',
      `ssh_options=-i ${cfg.ssh.key} -o UserKnownHostsFile=${cfg.ssh.knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
      `manager_workdir=${join(tmp, 'mha-manager')}`, 'client_bindir=/usr/bin', 'ping_interval=1',
      ...cfg.servers.flatMap((s, i) => ['', `[server${i + 1}]`, `hostname=${s.host}`, 'port=3306', `master_binlog_dir=${s.binlogDir}`, `remote_workdir=${s.remoteWorkdir}`]),
    ].join('\n');
    const app = join(tmp, 'app1.cnf');
    writeFileSync(app, `${cnf}\n`, { mode: 0o600 });
    const empty = join(tmp, 'masterha_default.cnf');
    writeFileSync(empty, '');
    const out = join(tmp, 'imported', 'cluster.yml');
    mkdirSync(join(tmp, 'imported'), { recursive: true });
    const imp = mhaflow(['config', 'import-mha', app, '--out', out, '--global', empty]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stderr, /ssh_options: no equivalent for "-o IdentitiesOnly=yes"/);
    const { code, report } = runCheck(out);
    assert.deepEqual(codes(report.problems), []);
    assert.equal(code, 0);
    assert.equal(report.cluster, 'app1');
    assert.equal(report.master, 'server1');
  });
});

describe('check in GTID mode', () => {
  it('a healthy GTID lab passes (exit 0, gtid mode)', async () => {
    ({ cfg, configPath } = await resetLab('gtid'));
    await healthy();
    const { code, report } = runCheck();
    assert.deepEqual(codes(findings(report)), []);
    assert.equal(code, 0);
    assert.equal(report.mode, 'gtid');
    assert.equal(report.master, MASTER);
    for (const r of report.rows.slice(1)) assert.match(r.gtid ?? '', /^0-11-\d+$/);
  });
});
