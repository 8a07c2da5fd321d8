// The cluster config schema and loader: defaults, refusals with file + key path + found + expected,
// path resolution, secret references (including the keyed "file:PATH#NAME" form).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadClusterConfig, parseClusterConfig } from '../../../src/config/load';
import { durationMs } from '../../../src/config/values';
import { formatSecretsFile, parseSecretsFile, resolveSecret } from '../../../src/config/secrets';
import { ConfigError } from '../../../src/errors';

const minimal = () => ({
  cluster: 'app1',
  mysql: { user: 'mha', password: 'env:MHA_PW' },
  replication: { user: 'repl', password: 'file:secrets/repl.pw' },
  ssh: { key: 'ssh/id_ed25519', knownHosts: 'ssh/known_hosts' },
  servers: [
    { name: 'db1', host: '10.0.0.11' },
    { name: 'db2', host: '10.0.0.12', candidateMaster: true },
  ],
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

describe('cluster config schema', () => {
  it('fills the documented defaults', () => {
    const c = parseClusterConfig(minimal(), 'cluster.yml', '/etc/mhaflow');
    assert.equal(c.servers[0]!.port, 3306);
    assert.equal(c.servers[0]!.candidateMaster, false);
    assert.equal(c.servers[0]!.checkReplDelay, true);
    assert.equal(c.servers[0]!.latestPriority, true);
    assert.equal(c.ssh.user, 'root');
    assert.equal(c.ssh.port, 22);
    assert.equal(c.failover.lastFailoverWindow, '8h');
    assert.equal(c.failover.maxDelayBytes, 100_000_000);
    assert.equal(c.monitor.pingType, 'select');
    assert.equal(c.hooks.timeout, '60s');
    assert.equal(c.workdirs.remote, '/var/tmp/mhaflow');
  });

  it('resolves relative paths against the config file directory', () => {
    const c = parseClusterConfig(minimal(), 'cluster.yml', '/etc/mhaflow');
    assert.equal(c.ssh.key, '/etc/mhaflow/ssh/id_ed25519');
    assert.equal(c.ssh.knownHosts, '/etc/mhaflow/ssh/known_hosts');
    assert.equal(c.replication.password, 'file:/etc/mhaflow/secrets/repl.pw');
    assert.equal(c.mysql.password, 'env:MHA_PW');
  });

  it('accepts the MHA-derived keys (aliases, label, pidFile, disableLogBin, skipResetReplica, skipSshCheck, replication options)', () => {
    const raw = minimal();
    Object.assign(raw.servers[0]!, { aliases: ['db1.example.com'], label: 'dc1', pidFile: '/run/mysqld.pid', disableLogBin: true, skipResetReplica: true, skipSshCheck: true });
    Object.assign(raw.replication, { checkFilters: false, multiTier: true, useGtidAutoPosition: false });
    const c = parseClusterConfig(raw, 'cluster.yml', '/');
    assert.deepEqual(c.servers[0]!.aliases, ['db1.example.com']);
    assert.equal(c.servers[0]!.skipResetReplica, true);
    assert.equal(c.replication.multiTier, true);
    assert.equal(c.replication.checkFilters, false);
    // Absent optional keys stay absent (their documented default applies).
    assert.equal(c.servers[1]!.disableLogBin, undefined);
  });

  it('refuses a literal password, naming file, key path, what was found and what is expected', () => {
    const raw = minimal();
    raw.mysql.password = 'hunter2';
    const e = configError(() => parseClusterConfig(raw, '/etc/mhaflow/cluster.yml'));
    assert.match(e.message, /^\/etc\/mhaflow\/cluster\.yml: mysql\.password: found "hunter2"; expected a secret reference/);
    assert.ok(e.hint);
  });

  it('names the array index and the unknown key', () => {
    const raw = minimal() as unknown as { servers: Record<string, unknown>[] };
    raw.servers[1]!.candidate_master = 1;
    const e = configError(() => parseClusterConfig(raw, 'c.yml'));
    assert.match(e.message, /c\.yml: servers\[1\]: unknown key\(s\) candidate_master; expected only documented keys/);
  });

  it('refuses a bad port and a bad duration with the expected form', () => {
    const raw = minimal() as unknown as { servers: Record<string, unknown>[]; ssh: Record<string, unknown> };
    raw.servers[0]!.port = 70000;
    raw.ssh.connectTimeout = '5 seconds';
    const e = configError(() => parseClusterConfig(raw, 'c.yml'));
    assert.match(e.message, /servers\[0\]\.port: found 70000/);
    assert.match(e.message, /ssh\.connectTimeout: found "5 seconds"; expected a duration/);
  });

  it('refuses fewer than two servers and duplicate names or addresses', () => {
    const one = minimal();
    one.servers = [one.servers[0]!];
    assert.match(configError(() => parseClusterConfig(one, 'c.yml')).message, /servers: .*at least two servers/);
    const dup = minimal();
    dup.servers[1]!.host = '10.0.0.11';
    assert.match(configError(() => parseClusterConfig(dup, 'c.yml')).message, /servers\[1\]: address 10\.0\.0\.11:3306 is also used by servers\[0\]/);
  });

  it('durations', () => {
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('8h'), 8 * 3_600_000);
    assert.equal(durationMs(3), 3000);
  });
});

describe('loadClusterConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-config-'));

  it('loads a YAML file', () => {
    const f = join(dir, 'ok.yml');
    writeFileSync(f, `cluster: app1
mysql: { user: mha, password: "env:MHA_PW" }
replication: { user: repl, password: "file:repl.pw" }
ssh: { key: id, knownHosts: kh }
servers:
  - { name: db1, host: 10.0.0.11 }
  - { name: db2, host: 10.0.0.12 }
`);
    const c = loadClusterConfig(f);
    assert.equal(c.replication.password, `file:${join(dir, 'repl.pw')}`);
  });

  it('reports a missing file and YAML syntax errors with the file name, without a stack', () => {
    assert.match(configError(() => loadClusterConfig(join(dir, 'nope.yml'))).message, /nope\.yml: cannot read the cluster config \(ENOENT\)/);
    const f = join(dir, 'bad.yml');
    writeFileSync(f, 'cluster: [unclosed\n');
    assert.match(configError(() => loadClusterConfig(f)).message, /bad\.yml: YAML syntax/);
  });
});

describe('secret references', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-secrets-'));

  it('env: and file: references', () => {
    process.env.MHAFLOW_TEST_SECRET = 's3cret';
    assert.equal(resolveSecret('env:MHAFLOW_TEST_SECRET', 'mysql.password'), 's3cret');
    const f = join(dir, 'pw');
    writeFileSync(f, 'from-file\n');
    assert.equal(resolveSecret(`file:${f}`, 'mysql.password'), 'from-file');
    assert.match(configError(() => resolveSecret('env:MHAFLOW_TEST_NOT_SET', 'mysql.password')).message, /MHAFLOW_TEST_NOT_SET is not set/);
  });

  it('file:PATH#NAME reads one line of a secrets file, verbatim', () => {
    const f = join(dir, 'cluster.secrets');
    writeFileSync(f, formatSecretsFile({ mysql_password: ' sp ace;=#x ', repl_password: '' }, 'header'));
    assert.equal(resolveSecret(`file:${f}#mysql_password`, 'mysql.password'), ' sp ace;=#x ');
    assert.equal(resolveSecret(`file:${f}#repl_password`, 'replication.password'), '');
    const e = configError(() => resolveSecret(`file:${f}#other`, 'mysql.password'));
    assert.match(e.message, /has no line other=/);
  });

  it('a path that really contains "#NAME" keeps its plain meaning', () => {
    const f = join(dir, 'odd#name');
    writeFileSync(f, 'whole-file');
    assert.equal(resolveSecret(`file:${f}`, 'x'), 'whole-file');
  });

  it('parseSecretsFile skips comments and blank lines', () => {
    assert.deepEqual([...parseSecretsFile('# c\n\na=1\nb==2\r\n').entries()], [['a', '1'], ['b', '=2']]);
  });
});
