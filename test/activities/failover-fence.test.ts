// Hooks run with MHA's arguments; exit codes decide as in MHA (master_ip_failover: 0 ok, 10 go on;
// shutdown: 0 powered off, 10 mysqld stopped over SSH); secrets never in argv. The activity runs the hooks;
// the workflow's pure decideFence reads their exits.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { failoverFenceDeadMaster } from '../../activities/failover-fence';
import { parseClusterConfig } from '../../src/config/load';
import { configDigest } from '../../src/config/registry';
import type { ClusterRef } from '../../src/config/registry';
import { decideFence } from '../../src/failover/decisions';
import { hookArgs, runHook, type HookRun } from '../../src/hooks/run';

const dir = mkdtempSync(join(tmpdir(), 'hooks-'));

/** A hook script that logs its argv and MHAFLOW_* env to a file and exits with a code. */
function script(name: string, code: number): { path: string; log: string } {
  const path = join(dir, name);
  const log = `${path}.log`;
  writeFileSync(path, `#!/bin/sh\necho "$@" >> ${log}\necho "pw=$MHAFLOW_NEW_MASTER_PASSWORD" >> ${log}\necho "output of ${name}"\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return { path, log };
}

let n = 0;
/** A cluster whose config (with these hooks) is in the worker's config directory. */
function clusterWith(hooks: Record<string, string>): ClusterRef {
  const cfg = parseClusterConfig({
    cluster: `unit${++n}`, mysql: { user: 'u', password: 'env:NOPE' }, replication: { user: 'r', password: 'env:NOPE' },
    ssh: { key: '/nonexistent', knownHosts: '/nonexistent' }, hooks: { ...hooks, timeout: '5s' },
    servers: [{ name: 'db1', host: '10.0.0.1', pidFile: '/run/mysqld.pid' }, { name: 'db2', host: '10.0.0.2' }],
  });
  process.env.MHAFLOW_CONFIG_DIR = dir;
  writeFileSync(join(dir, `${cfg.cluster}.yml`), stringify(cfg));
  return { name: cfg.cluster, digest: configDigest(cfg) };
}

describe('runHook', () => {
  it('passes --key=value arguments quoted, captures output and the exit code', async () => {
    const s = script('echo.sh', 3);
    const r = await runHook('x', s.path, hookArgs({ a: 'one two', b: 5, skipped: undefined }), { timeoutMs: 5000, env: { MHAFLOW_NEW_MASTER_PASSWORD: 's3cret' } });
    assert.equal(r.code, 3);
    assert.match(r.stdout, /output of echo.sh/);
    assert.equal(r.command, `${s.path} '--a=one two' --b=5`);
    assert.match(readFileSync(s.log, 'utf8'), /--a=one two --b=5\npw=s3cret/);
    assert.doesNotMatch(r.command, /s3cret/);
  });
  it('kills a hook that runs past its timeout', async () => {
    const path = join(dir, 'slow.sh');
    writeFileSync(path, '#!/bin/sh\nsleep 5\n');
    chmodSync(path, 0o755);
    const r = await runHook('slow', path, [], { timeoutMs: 200 });
    assert.equal(r.timedOut, true);
    assert.notEqual(r.code, 0);
  });
});

describe('fencing the dead master', () => {
  const env = new MockActivityEnvironment(undefined, { logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  it('runs master_ip_failover and shutdown with MHA arguments (stopssh when SSH works)', async () => {
    const ip = script('ip-ok.sh', 0);
    const sd = script('shutdown-10.sh', 10);
    const { runs } = await env.run(failoverFenceDeadMaster, { cluster: clusterWith({ masterIpFailover: ip.path, shutdown: sd.path }), deadMaster: 'db1', sshReachable: true }) as { runs: HookRun[] };
    assert.match(readFileSync(ip.log, 'utf8'), /^--orig_master_host=10\.0\.0\.1 --orig_master_ip=10\.0\.0\.1 --orig_master_port=3306 --command=stopssh --ssh_user=root\n/);
    assert.match(readFileSync(sd.log, 'utf8'), /^--command=stopssh --ssh_user=root --host=10\.0\.0\.1 --ip=10\.0\.0\.1 --port=3306 --pid_file=\/run\/mysqld\.pid\n/);
    const r = decideFence({ masterIpFailover: true, shutdown: true }, runs, true);
    assert.ok(r.ok);
    assert.equal(r.sshReachable, true, 'exit 10: mysqld stopped, host still reachable');
  });
  it('--command=stop when SSH does not work; a powered-off host is no longer reachable', async () => {
    const ip = script('ip-10.sh', 10);
    const sd = script('shutdown-0.sh', 0);
    const { runs } = await env.run(failoverFenceDeadMaster, { cluster: clusterWith({ masterIpFailover: ip.path, shutdown: sd.path }), deadMaster: 'db1', sshReachable: false }) as { runs: HookRun[] };
    assert.match(readFileSync(ip.log, 'utf8'), /--command=stop\n/);
    const r = decideFence({ masterIpFailover: true, shutdown: true }, runs, false);
    assert.ok(r.ok);
    assert.equal(r.sshReachable, false);
    assert.ok(r.notes.some((n) => /exited 10/.test(n)));
  });
  it('a failing master_ip_failover stops the failover (the shutdown hook does not run)', async () => {
    const ip = script('ip-fail.sh', 1);
    const sd = script('shutdown-unreached.sh', 0);
    const { runs } = await env.run(failoverFenceDeadMaster, { cluster: clusterWith({ masterIpFailover: ip.path, shutdown: sd.path }), deadMaster: 'db1', sshReachable: true }) as { runs: HookRun[] };
    assert.deepEqual(runs.map((x) => x.hook), ['master_ip_failover']);
    const r = decideFence({ masterIpFailover: true, shutdown: true }, runs, true);
    assert.ok(!r.ok && /master_ip_failover failed \(exit 1\): output of ip-fail\.sh/.test(r.reason));
  });
  it('a config changed since the workflow started is refused, not used', async () => {
    const ref = clusterWith({});
    await assert.rejects(env.run(failoverFenceDeadMaster, { cluster: { ...ref, digest: 'another' }, deadMaster: 'db1', sshReachable: true }),
      (e: unknown) => e instanceof Error && /changed since this workflow started/.test(e.message));
  });
});
