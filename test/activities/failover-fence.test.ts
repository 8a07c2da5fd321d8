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
import { decideFence, type FenceFacts } from '../../src/failover/decisions';
import { hookArgs, runHook } from '../../src/hooks/run';

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
    // db1: nothing listens on its ports here (SQL port 1, SSH 22 on 127.0.0.2): a powered-off host, seen at once.
    servers: [{ name: 'db1', host: '127.0.0.2', port: 1, pidFile: '/run/mysqld.pid' }, { name: 'db2', host: '10.0.0.2' }],
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
  const fence = (cluster: ClusterRef, sshReachable: boolean) => env.run(failoverFenceDeadMaster, { cluster, deadMaster: 'db1', sshReachable, method: 'shutdown-hook' as const }) as Promise<FenceFacts>;
  it('runs master_ip_failover and shutdown with MHA arguments (stopssh when SSH works)', async () => {
    const ip = script('ip-ok.sh', 0);
    const sd = script('shutdown-0.sh', 0);
    const f = await fence(clusterWith({ masterIpFailover: ip.path, shutdown: sd.path }), true);
    assert.match(readFileSync(ip.log, 'utf8'), /^--orig_master_host=127\.0\.0\.2 --orig_master_ip=127\.0\.0\.2 --orig_master_port=1 --command=stopssh --ssh_user=root\n/);
    assert.match(readFileSync(sd.log, 'utf8'), /^--command=stopssh --ssh_user=root --host=127\.0\.0\.2 --ip=127\.0\.0\.2 --port=1 --pid_file=\/run\/mysqld\.pid\n/);
    assert.deepEqual(f.runs.map((x) => [x.hook, x.code]), [['master_ip_failover', 0], ['shutdown', 0]]);
    assert.equal(f.verified, true, `powered off, and seen so: ${f.evidence.join('; ')}`);
    assert.ok(f.evidence.some((e) => /SSH fails/.test(e)) && f.evidence.some((e) => /SQL connect to 127\.0\.0\.2:1 failed/.test(e)));
    const r = decideFence('db1', { masterIpFailover: true, shutdown: true }, f, true);
    assert.ok(r.ok);
    assert.equal(r.sshReachable, false, 'exit 0: powered off, no longer reachable');
  });
  it('--command=stop when SSH does not work; master_ip_failover exit 10 goes on', async () => {
    const ip = script('ip-10.sh', 10);
    const sd = script('shutdown-0b.sh', 0);
    const f = await fence(clusterWith({ masterIpFailover: ip.path, shutdown: sd.path }), false);
    assert.match(readFileSync(ip.log, 'utf8'), /--command=stop\n/);
    const r = decideFence('db1', { masterIpFailover: true, shutdown: true }, f, false);
    assert.ok(r.ok);
    assert.ok(r.notes.some((n) => /exited 10/.test(n)));
  });
  it('a failing master_ip_failover stops the failover (the shutdown hook does not run)', async () => {
    const ip = script('ip-fail.sh', 1);
    const sd = script('shutdown-unreached.sh', 0);
    const f = await fence(clusterWith({ masterIpFailover: ip.path, shutdown: sd.path }), true);
    assert.deepEqual(f.runs.map((x) => x.hook), ['master_ip_failover']);
    const r = decideFence('db1', { masterIpFailover: true, shutdown: true }, f, true);
    assert.ok(!r.ok && /master_ip_failover failed \(exit 1\): output of ip-fail\.sh/.test(r.reason));
  });
  it('a config changed since the workflow started is refused, not used', async () => {
    const ref = clusterWith({});
    await assert.rejects(fence({ ...ref, digest: 'another' }, true), (e: unknown) => e instanceof Error && /changed since this workflow started/.test(e.message));
  });
});
