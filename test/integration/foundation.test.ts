// The lab is real (four MariaDB hosts, four sshd, replication), and discovery runs through a real Temporal server.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { Client as SshClient } from 'ssh2';
import type { DiscoveredTopology } from '../../src/contracts/topology';
import { bundleWorkflows, createWorker, runUntilShutdown } from '../../worker/worker';
import { loadClusterConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';
import { SafetyError } from '../../src/errors';
import { injectFault, restoreHost } from '../../lab/faults';
import { labUp } from '../../lab/lab';
import { labHosts, labPaths } from '../../lab/layout';
import { hostKeyPath } from '../../lab/sshd';
import { verifySurvivors } from '../../lab/oracle';
import { labStatus } from '../../lab/status';
import { tcpOpen, waitFor } from '../../lab/system';
import { parseWriterLog, runWriter } from '../../lab/writer';
import { queryOne, withConnection } from '../../src/mysql/client';
import { openSsh } from '../../src/ssh/session';
import { TASK_QUEUE, temporalAddress } from '../../src/temporal/config';
import { findTemporalCli } from '../../lab/temporal-server';

const root = resolve(__dirname, '..', '..');
// Async where a workflow runs: a blocked event loop would starve the in-process worker.
const execAsync = promisify(execFile);
const mhaflow = (...args: string[]) => execFileSync('node', [join(root, 'bin/mhaflow.js'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let cfg: ClusterConfig;

before(async () => {
  const r = await labUp({ mode: 'filepos', fresh: true });
  cfg = loadClusterConfig(r.configPath);
});

describe('lab', () => {
  it('is idempotent: a second `lab up` reuses the running hosts and prints the config path', () => {
    const out = mhaflow('lab', 'up');
    assert.equal(out.trim(), labPaths().clusterConfig);
    assert.equal(loadClusterConfig(out.trim()).servers.length, 4);
  });

  it('runs four separate MariaDB hosts, each on its own address, master db1 and three read-only replicas', async () => {
    for (const [i, server] of cfg.servers.entries()) {
      const row = await withConnection(cfg, server, (c) => queryOne(c, 'SELECT @@server_id AS id, @@read_only AS ro, @@log_bin AS lb, @@log_slave_updates AS lsu, @@binlog_format AS bf, @@sync_binlog AS sb, @@relay_log_purge AS rlp'));
      assert.equal(Number(row!.id), 11 + i, `${server.name} server_id`);
      assert.equal(Number(row!.ro), i === 0 ? 0 : 1, `${server.name} read_only`);
      assert.deepEqual([Number(row!.lb), Number(row!.lsu), row!.bf, Number(row!.sb), Number(row!.rlp)], [1, 1, 'ROW', 1, 0]);
    }
    const status = await labStatus();
    assert.deepEqual(status.map((s) => s.role), ['master', 'replica', 'replica', 'replica']);
    for (const s of status.slice(1)) assert.deepEqual([s.replication?.io, s.replication?.sql, s.replication?.source], ['Yes', 'Yes', `${labHosts()[0]!.address}:3306`]);
  });

  it('gives each host its own sshd with a pinned host key; unknown keys and passwords are refused', async () => {
    const hosts = labHosts();
    for (const server of cfg.servers) {
      const s = await openSsh(cfg, server);
      try {
        assert.equal((await s.run(['echo', 'hello from', server.name])).trim(), `hello from ${server.name}`);
        // The binlog dir the config names is readable over SSH.
        assert.match(await s.run(['ls', server.binlogDir!]), /mysql-bin\.000001/);
      } finally {
        s.close();
      }
    }
    // db2's address pinned with db3's key: a man in the middle, refused.
    const wrong = { ...cfg, ssh: { ...cfg.ssh, knownHosts: join(mkdtempSync(join(tmpdir(), 'kh-')), 'kh') } };
    const db3Key = readFileSync(`${hostKeyPath(hosts[2]!)}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    require('node:fs').writeFileSync(wrong.ssh.knownHosts, `${hosts[1]!.address} ${db3Key}\n`);
    await assert.rejects(openSsh(wrong, cfg.servers[1]!), (e: unknown) => e instanceof SafetyError && /does not match/.test(e.message));
    // Password login is off.
    const viaPassword = await new Promise<string>((res) => {
      const c = new SshClient();
      c.on('ready', () => { c.end(); res('accepted'); });
      c.on('error', (e: Error & { level?: string }) => res(e.level ?? e.message));
      c.connect({ host: hosts[1]!.address, port: 22, username: 'root', password: 'anything', hostVerifier: () => true, readyTimeout: 5000 });
    });
    assert.equal(viaPassword, 'client-authentication');
  });

  it("runs a worker's commands through one long-lived shell on the host's sshd, in the login shell's environment", async () => {
    const [kept, plain] = [await openSsh(cfg, cfg.servers[1]!), await openSsh(cfg, cfg.servers[1]!)];
    try {
      kept.keepShell();
      const parent = (await kept.run('echo $PPID')).trim();
      assert.match(await kept.run(['ps', '-o', 'args=', '-p', parent]), /^sh -s/);
      assert.equal((await kept.run('echo $PPID')).trim(), parent, 'the same shell runs the next command');
      // What an exec channel's command sees (the login shell read its rc files): the kept shell's commands see it too.
      const env = 'echo "$PATH $HOME $USER"; umask';
      assert.equal(await kept.run(env), await plain.run(env));
      // A bash the command starts counts as nested, so it does not read ~/.bashrc again (sshd's SSH_CLIENT is set).
      assert.equal((await kept.run(`bash -c 'echo "$SHLVL"'`)).trim(), '2');
      const failed = await kept.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.deepEqual(failed, { code: 3, stdout: 'out\n', stderr: 'err\n' });
    } finally {
      kept.close();
      plain.close();
    }
  });

  it('replicates what the writer acknowledges to every replica (the data oracle passes)', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'writer-')), 'ids.log');
    const summary = await runWriter({ cfg, user: 'app', password: readFileSync(`${labPaths().secretsDir}/app.pw`, 'utf8').trim(), rate: 200, logFile: log, count: 300, startId: 1_000_000, signal: AbortSignal.timeout(20_000) });
    assert.equal(summary.acknowledged, 300);
    const { acked } = parseWriterLog(readFileSync(log, 'utf8'));
    assert.equal(acked.length, 300);
    await waitFor('replicas to catch up', async () => (await verifySurvivors(cfg, cfg.servers.map((s) => s.name), acked)).ok, 20_000, 200);
  });

  it('injects and undoes faults', async () => {
    const [db1, db2, db3, db4] = labHosts();
    await injectFault('stop-io', 'db2');
    assert.equal((await labStatus())[1]!.replication!.io, 'No');
    await injectFault('stop-sql', db3!.address);
    assert.equal((await labStatus())[2]!.replication!.sql, 'No');
    await injectFault('lag', 'db4', '7');
    assert.equal((await labStatus())[3]!.replication!.delay, 7);
    for (const h of ['db2', 'db3', 'db4']) await restoreHost(h);
    const st = await labStatus();
    for (const s of st.slice(1)) assert.deepEqual([s.replication!.io, s.replication!.sql, s.replication!.delay], ['Yes', 'Yes', 0]);

    await injectFault('kill-mysqld', 'db4');
    assert.equal(await tcpOpen(db4!.address, 3306), false);
    assert.equal(await tcpOpen(db4!.address, 22), true);
    await injectFault('host-down', 'db3');
    assert.deepEqual([await tcpOpen(db3!.address, 3306), await tcpOpen(db3!.address, 22)], [false, false]);
    await restoreHost('db3');
    await restoreHost('db4');
    assert.deepEqual([await tcpOpen(db3!.address, 3306), await tcpOpen(db3!.address, 22), await tcpOpen(db4!.address, 3306)], [true, true, true]);
    await waitFor('replication to resume on restored hosts', async () => (await labStatus()).slice(1).every((s) => s.replication?.io === 'Yes' && s.replication.sql === 'Yes'), 15_000, 200);
    assert.ok(db1 && db2);
  });
});

describe('discoverTopology through Temporal', () => {
  let client: Client;
  let connection: Connection;
  let stopWorker: () => Promise<void>;

  before(async () => {
    // The worker serves the clusters whose config is in its directory: the lab's cluster.yml is in the lab's.
    process.env.MHAFLOW_CONFIG_DIR = labPaths().root;
    const worker = await createWorker({ workflowBundle: await bundleWorkflows(), identity: 'foundation-test-worker' });
    const running = runUntilShutdown(worker);
    stopWorker = async () => { worker.shutdown(); await running; };
    connection = await Connection.connect({ address: temporalAddress() });
    client = new Client({ connection });
  });
  after(async () => {
    await stopWorker?.();
    await connection?.close();
  });

  const checkTopology = (t: DiscoveredTopology) => {
    assert.equal(t.cluster, cfg.cluster);
    assert.equal(t.roles.master, 'db1');
    assert.deepEqual(t.roles.roles, { db1: 'master', db2: 'replica', db3: 'replica', db4: 'replica' });
    for (const p of t.probes) {
      assert.equal(p.state?.flavor, 'mariadb');
      assert.match(p.state!.version, /^10\.11\./);
      assert.ok(p.state?.binlog?.file.startsWith('mysql-bin.'));
    }
    assert.equal(t.probes[2]!.state!.replica!.sourceHost, labHosts()[0]!.address);
  };

  it('runs from the SDK client with a cluster name', async () => {
    const t = await client.workflow.execute('discoverTopology', { taskQueue: TASK_QUEUE, workflowId: `test-discover-${Date.now()}`, args: [{ cluster: cfg.cluster }] });
    checkTopology(t as DiscoveredTopology);
  });

  it('refuses a config (or anything but a cluster name) from the caller', async () => {
    await assert.rejects(client.workflow.execute('discoverTopology', { taskQueue: TASK_QUEUE, workflowId: `test-discover-cfg-${Date.now()}`, args: [{ config: cfg }] }),
      (e: unknown) => e instanceof WorkflowFailedError && /needs \{ "cluster": "<cluster name>" \}/.test(String((e.cause as Error)?.message)));
  });

  it('runs from `temporal workflow execute` with the cluster name as input (no config, no secret in it)', async () => {
    const cli = findTemporalCli();
    assert.ok(cli, 'temporal CLI present');
    const input = JSON.stringify({ cluster: cfg.cluster });
    const { stdout: out } = await execAsync(cli, ['workflow', 'execute', '--type', 'discoverTopology', '--task-queue', TASK_QUEUE, '--workflow-id', `test-cli-${Date.now()}`,
      '--input', input, '--address', temporalAddress(), '-o', 'json'], { encoding: 'utf8' });
    const result = JSON.parse(out) as { result?: DiscoveredTopology; status?: string };
    checkTopology((result.result ?? result) as DiscoveredTopology);
  });

  it('prints a table and the UI link from `mhaflow topology`', async () => {
    const { stdout: out, stderr } = await execAsync('node', [join(root, 'bin/mhaflow.js'), 'topology', '--config', labPaths().clusterConfig], { encoding: 'utf8' });
    assert.match(stderr, /Temporal UI: http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/discover%3A/);
    const [h1, , , h4] = labHosts();
    assert.match(out, new RegExp(`db1\\s+${h1!.address.replace(/\./g, '\\.')}:3306\\s+master\\s+mariadb`));
    assert.match(out, new RegExp(`db4\\s+${h4!.address.replace(/\./g, '\\.')}:3306\\s+replica`));
    assert.match(out, /master: db1/);
  });

  it('reports a bad config clearly instead of a stack trace', () => {
    let stderr = '';
    try {
      execFileSync('node', [join(root, 'bin/mhaflow.js'), 'topology', '--config', '/nonexistent/cluster.yml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.fail('should exit non-zero');
    } catch (e) {
      stderr = String((e as { stderr: string }).stderr);
      assert.equal((e as { status: number }).status, 4, 'bad input (src/cli/exit-codes.ts)');
    }
    assert.match(stderr, /cannot read the cluster config .*ENOENT/);
    assert.match(stderr, /fix: pass --config/);
    assert.doesNotMatch(stderr, /at .*\.ts:\d+/);
  });
});
