// `mhaflow config import-mha` on a realistic app1.cnf that uses every MHA parameter, with a global
// defaults file underneath: what maps where, what is reported, and the written files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { importMhaConfig, importMhaFiles, type MhaImportResult } from '../../../src/config/mha/import';
import { parseMhaIni } from '../../../src/config/mha/ini';
import { MHA_PARAMETERS } from '../../../src/config/mha/parameters';
import { parseSshOptions } from '../../../src/config/mha/ssh';
import { resolveSecret } from '../../../src/config/secrets';
import { ConfigError } from '../../../src/errors';

const FIX = resolve(__dirname, '..', '..', 'fixtures', 'mha');
const APP = join(FIX, 'app1.cnf');
const GLOBAL = join(FIX, 'masterha_default.cnf');
const ROOT = resolve(__dirname, '..', '..', '..');

function runImport(overrides: Partial<Parameters<typeof importMhaConfig>[0]> = {}): MhaImportResult {
  return importMhaConfig({
    app: { file: APP, text: readFileSync(APP, 'utf8') },
    global: { file: GLOBAL, text: readFileSync(GLOBAL, 'utf8') },
    secretsRef: 'cluster.secrets',
    managerUser: 'mhamgr',
    home: '/home/mhamgr',
    ...overrides,
  });
}

type Obj = Record<string, unknown>;
const server = (r: MhaImportResult, name: string) => (r.config.servers as Obj[]).find((s) => s.name === name)!;
const messages = (r: MhaImportResult) => [...r.unmapped, ...r.notes].map((m) => `${m.where}: ${m.param ?? ''}: ${m.message}`).join('\n');

describe('MHA parameter table', () => {
  it('covers every parameter MHA 0.58 accepts (MHA::Config @PARAM_ARRAY)', () => {
    const mha058 = ['hostname', 'ip', 'port', 'ssh_host', 'ssh_ip', 'ssh_port', 'ssh_connection_timeout', 'ssh_options', 'node_label',
      'candidate_master', 'no_master', 'ignore_fail', 'skip_init_ssh_check', 'skip_reset_slave', 'user', 'password', 'repl_user',
      'repl_password', 'disable_log_bin', 'master_pid_file', 'handle_raw_binlog', 'ssh_user', 'remote_workdir', 'master_binlog_dir',
      'log_level', 'manager_workdir', 'manager_log', 'check_repl_delay', 'check_repl_filter', 'latest_priority', 'multi_tier_slave',
      'ping_interval', 'ping_type', 'secondary_check_script', 'master_ip_failover_script', 'master_ip_online_change_script',
      'shutdown_script', 'report_script', 'init_conf_load_script', 'client_bindir', 'client_libdir', 'use_gtid_auto_pos'];
    const table = new Set(MHA_PARAMETERS.map((m) => m.param));
    for (const p of mha058) assert.ok(table.has(p), `${p} missing from MHA_PARAMETERS`);
    for (const m of MHA_PARAMETERS) assert.ok(m.mapsTo !== null || m.note, `${m.param}: an unmapped parameter needs a reason`);
  });

  it('the fixture uses every one of them', () => {
    const text = readFileSync(APP, 'utf8') + readFileSync(GLOBAL, 'utf8');
    for (const m of MHA_PARAMETERS) {
      if (m.param.startsWith('[')) assert.match(text, /^\[binlog\d+\]/m);
      else assert.match(text, new RegExp(`^${m.param}\\s*=`, 'm'), `fixture lacks ${m.param}`);
    }
  });
});

describe('MHA ini reading (Config::Tiny rules)', () => {
  it('sections, comments, " ; " inline comments, later keys override, MHA unquoting', () => {
    const ini = parseMhaIni('# c\n; c\n[server default]\nuser = a ; comment\npassword=x;y\nuser=b\n[server1]\nhostname="db1"\n[server default]\nport=3307\n', 'f.cnf');
    const def = ini.sections.find((s) => s.name === 'server default')!;
    assert.equal(def.params.get('user')!.value, 'b');
    assert.equal(def.params.get('password')!.value, 'x;y');
    assert.equal(def.params.get('port')!.value, '3307');
    assert.equal(ini.sections.length, 2);
  });

  it('refuses a line that is neither a section nor name=value, naming file and line', () => {
    assert.throws(() => parseMhaIni('[server1]\nhostname db1\n', '/etc/app1.cnf'), (e: unknown) => e instanceof ConfigError && /\/etc\/app1\.cnf:2: cannot read "hostname db1"/.test(e.message));
  });
});

describe('ssh_options', () => {
  it('maps -i, -p, -l and the -o options mhaflow has, and lists the rest', () => {
    const o = parseSshOptions('-i /k -p 2200 -l ops -o UserKnownHostsFile=/kh -o ConnectTimeout=7 -oStrictHostKeyChecking=no -o ServerAliveInterval 30 -C');
    assert.equal(o.key, '/k');
    assert.equal(o.port, 2200);
    assert.equal(o.user, 'ops');
    assert.equal(o.knownHosts, '/kh');
    assert.equal(o.connectTimeout, 7);
    assert.equal(o.strictHostKeyCheckingOff, true);
    assert.deepEqual(o.unmapped, ['-o ServerAliveInterval=30', '-C']);
  });
});

describe('importMhaConfig on the full app1.cnf', () => {
  const r = runImport();

  it('cluster-level mapping: credentials by reference, ssh, workdirs, hooks, monitor, replication', () => {
    const c = r.config as Obj;
    assert.equal(c.cluster, 'app1');
    assert.deepEqual(c.mysql, { user: 'mha_admin', password: 'file:cluster.secrets#mysql_password' });
    assert.deepEqual(c.replication, { user: 'repl', password: 'file:cluster.secrets#repl_password' });
    // ssh_user/ssh_port/ssh_connection_timeout from the global file; key and known_hosts from ssh_options.
    assert.deepEqual(c.ssh, { user: 'mhaops', port: 2222, key: '/root/.ssh/id_mha', knownHosts: '/etc/mha/known_hosts', connectTimeout: 10 });
    assert.deepEqual(c.workdirs, { manager: '/var/log/masterha/app1', remote: '/var/tmp/mha' });
    assert.deepEqual(c.hooks, {
      masterIpFailover: '/usr/local/bin/master_ip_failover --vip=10.0.0.100',
      masterIpOnlineChange: '/usr/local/bin/master_ip_online_change',
      shutdown: '/usr/local/bin/power_manager --command=stop',
      report: '/usr/local/bin/send_report',
      secondaryCheck: 'masterha_secondary_check -s remote_host1 -s remote_host2',
    });
    assert.deepEqual(c.monitor, { pingInterval: 1, pingType: 'insert' });
  });

  it('passwords go to the secrets, never into the config or the messages', () => {
    assert.deepEqual(r.secrets, { mysql_password: 'Adm1n;Secret=x', repl_password: 'r3pl p@ss' });
    const all = JSON.stringify(r.config) + messages(r);
    for (const pw of ['Adm1n', 'r3pl p@ss', 'gl0bal', '0ther-db4-pass']) assert.ok(!all.includes(pw), `${pw} leaked`);
  });

  it('per-server mapping', () => {
    assert.deepEqual(server(r, 'server1'), {
      name: 'server1', host: '10.0.0.11', port: 3306, aliases: ['db1.example.com'], ssh: { host: '10.1.0.11' },
      binlogDir: '/data/mysql/binlog', clientBindir: '/usr/bin', clientLibdir: '/usr/lib/mysql', label: 'primary-dc1',
      candidateMaster: true, checkReplDelay: false, pidFile: '/var/run/mysqld/mysqld.pid',
    });
    assert.equal(server(r, 'server2').skipResetReplica, true);
    assert.deepEqual(server(r, 'server3'), {
      name: 'server3', host: 'db3.example.com', port: 3307, ssh: { host: 'db3-mgmt.example.com', port: 22, user: 'root' },
      binlogDir: '/var/lib/mysql', remoteWorkdir: '/srv/mha-work', clientBindir: '/opt/mysql/bin', clientLibdir: '/opt/mysql/lib',
      skipSshCheck: true, noMaster: true, ignoreFail: true, latestPriority: false, disableLogBin: true, pidFile: '/var/run/mysqld/mysqld.pid',
    });
    assert.equal(server(r, 'server4').noMaster, true);
    assert.equal(server(r, 'server4').pidFile, '/var/lib/mysql/db4.pid');
    // candidate_master in [server default] is ignored by MHA: server3 and server4 are not candidates.
    assert.equal(server(r, 'server4').candidateMaster, undefined);
  });

  it('binlog servers', () => {
    assert.deepEqual(server(r, 'binlog1'), { name: 'binlog1', host: 'binlog1.example.com', port: 3306, binlogDir: '/var/lib/binlog-server', clientBindir: '/usr/bin', clientLibdir: '/usr/lib/mysql', binlogServer: true });
    assert.equal(server(r, 'binlog2').host, '10.0.0.22');
    assert.deepEqual(server(r, 'binlog2').ssh, { user: 'binlog' });
  });

  it('lists every parameter without an equivalent, with where it is and why', () => {
    const u = r.unmapped.map((m) => `${m.where.replace(/ line \d+/, '')} ${m.param ?? ''}`);
    assert.deepEqual(u.sort(), [
      'app1.cnf [binlog1] ignore_fail',
      'app1.cnf [server default] candidate_master',
      'app1.cnf [server default] handle_raw_binlog',
      'app1.cnf [server default] init_conf_load_script',
      'app1.cnf [server default] log_level',
      'app1.cnf [server default] manager_log',
      'app1.cnf [server default] ssh_options',
      'masterha_default.cnf [server default] log_level',
    ]);
    for (const m of r.unmapped) assert.ok(m.message.length > 20, `${m.param}: no reason`);
  });

  it('notes the choices it made', () => {
    const n = messages(r);
    assert.match(n, /\[server4\] line \d+: password: server4 has a different value; mhaflow has one value per cluster/);
    assert.match(n, /multi_tier_slave: server4 has "1"/);
    assert.match(n, /master_binlog_dir: server3: MHA searches \/var\/lib\/mysql, \/var\/log\/mysql/);
    assert.match(n, /StrictHostKeyChecking is off/);
  });

  it('every parameter present in the files is accounted for (mapped into the config, or listed)', () => {
    for (const file of [APP, GLOBAL]) {
      for (const s of parseMhaIni(readFileSync(file, 'utf8'), file).sections) {
        for (const [param, p] of s.params) {
          const m = MHA_PARAMETERS.find((x) => x.param === param)!;
          assert.ok(m, `${param} unknown`);
          const listed = [...r.unmapped, ...r.notes].some((x) => x.param === param && x.where.includes(`line ${p.line}`));
          assert.ok(m.mapsTo !== null || listed, `${param} at ${file}:${p.line} neither mapped nor listed`);
        }
      }
    }
  });

  it('without ssh_options or the global file: MHA defaults, with notes', () => {
    const r2 = importMhaConfig({
      app: { file: '/etc/app2.cnf', text: '[server default]\nuser=mha\n[server_a1]\nhostname=a\n[server_b2]\nhostname=b\nport=3307\n' },
      secretsRef: 'c.secrets', managerUser: 'mhamgr', home: '/home/mhamgr',
    });
    const c = r2.config as Obj;
    assert.equal(c.cluster, 'app2');
    assert.deepEqual(c.ssh, { user: 'mhamgr', port: 22, key: '/home/mhamgr/.ssh/id_rsa', knownHosts: '/home/mhamgr/.ssh/known_hosts' });
    assert.deepEqual(c.replication, { user: 'repl', password: 'file:c.secrets#repl_password' });
    assert.deepEqual(r2.secrets, { mysql_password: '', repl_password: '' });
    assert.deepEqual((c.servers as Obj[]).map((s) => `${s.name}@${s.host}:${s.port}`), ['server_a1@a:3306', 'server_b2@b:3307']);
    const n = messages(r2);
    assert.match(n, /repl_user: not set/);
    assert.match(n, /password: not set/);
    assert.match(n, /ssh_user: not set; MHA uses the OS user running the manager/);
    assert.match(n, /master_binlog_dir: not set/);
  });

  it('refuses what MHA refuses: a server without hostname, a bad port, a bad ping_type, no servers', () => {
    const imp = (text: string) => () => importMhaConfig({ app: { file: '/etc/x.cnf', text }, secretsRef: 's', managerUser: 'u', home: '/h' });
    assert.throws(imp('[server1]\nport=3306\n[server2]\nhostname=b\n'), /x\.cnf \[server1\]: no hostname/);
    assert.throws(imp('[server1]\nhostname=a\nport=abc\n[server2]\nhostname=b\n'), /x\.cnf \[server1\] line 3: port=abc is not valid/);
    assert.throws(imp('[server default]\nping_type=ICMP\n[server1]\nhostname=a\n[server2]\nhostname=b\n'), /ping_type=ICMP is not valid; expected CONNECT, SELECT or INSERT/);
    assert.throws(imp('[server default]\nuser=a\n'), /no \[serverN\] section/);
  });

  it('unknown parameters and sections are listed, not dropped silently', () => {
    const r3 = importMhaConfig({
      app: { file: '/etc/x.cnf', text: '[server default]\nwait_on_failover_error=1\n[server1]\nhostname=a\n[server2]\nhostname=b\n[monitor]\nfoo=1\n' },
      secretsRef: 's', managerUser: 'u', home: '/h',
    });
    const u = messages({ ...r3, notes: [] });
    assert.match(u, /wait_on_failover_error: not an MHA parameter/);
    assert.match(u, /\[monitor\] line \d+: : not a section MHA knows/);
  });
});

describe('importMhaFiles (what the command writes)', () => {
  it('writes cluster.yml and a 0600 secrets file that load as is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-import-'));
    const out = join(dir, 'cluster.yml');
    const r = importMhaFiles({ appPath: APP, globalPath: GLOBAL, outPath: out });
    assert.equal(r.secretsPath, join(dir, 'cluster.secrets'));
    assert.equal(statSync(r.secretsPath).mode & 0o777, 0o600);
    assert.equal(r.validated.servers.length, 6);
    assert.equal(r.validated.mysql.password, `file:${join(dir, 'cluster.secrets')}#mysql_password`);
    assert.equal(resolveSecret(r.validated.mysql.password, 'mysql.password'), 'Adm1n;Secret=x');
    assert.equal(resolveSecret(r.validated.replication.password, 'replication.password'), 'r3pl p@ss');
    const yml = readFileSync(out, 'utf8');
    assert.match(yml, /^# written by `mhaflow config import-mha`/);
    assert.ok(!yml.includes('Adm1n'));
    assert.equal((parse(yml) as Obj).cluster, 'app1');
    // Refuses to overwrite without --force.
    assert.throws(() => importMhaFiles({ appPath: APP, globalPath: GLOBAL, outPath: out }), /already exists; not overwriting/);
    importMhaFiles({ appPath: APP, globalPath: GLOBAL, outPath: out, force: true });
  });

  it('a --global that does not exist is an error; the default global path is optional', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-import-'));
    assert.throws(() => importMhaFiles({ appPath: APP, globalPath: join(dir, 'nope.cnf'), outPath: join(dir, 'c.yml') }), /nope\.cnf: no such file/);
  });

  it('the CLI: files written, messages on stderr, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-import-cli-'));
    const out = join(dir, 'cluster.yml');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), 'config', 'import-mha', APP, '--out', out, '--global', GLOBAL], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(out));
    assert.match(r.stderr, /Not imported \(8\):/);
    assert.match(r.stderr, /handle_raw_binlog: no equivalent/);
    assert.match(r.stdout, /wrote .*cluster\.yml \(cluster app1: 4 servers, 2 binlog servers\)/);
    const v = spawnSync(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), 'config', 'validate', out], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /ok: cluster app1, 6 servers/);
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'cluster: x\n');
    const b = spawnSync(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), 'config', 'validate', bad], { encoding: 'utf8' });
    assert.equal(b.status, 4, "bad input");
    assert.match(b.stderr, /bad\.yml: mysql: found nothing; expected/);
    assert.ok(!/\n\s+at /.test(b.stderr), 'no stack trace');
  });
});
