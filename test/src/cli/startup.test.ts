// The command line starts fast (a failover is timed from the process start) and exits as soon as its
// output is written: what registering the commands loads, what the failover command loads, how it ends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { describe, it } from 'node:test';
import { MHA_GLOBAL_CONFIG_DEFAULT } from '../../../src/cli/commands/config';
import { MHA_GLOBAL_CONFIG } from '../../../src/config/mha/import';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'bin', 'mhaflow.js');

/** The modules loaded (paths relative to the repository) after `code` runs in a fresh process. */
function loadedBy(code: string): string[] {
  const script = `require('tsx/cjs'); ${code}; process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as string[]).map((p) => p.slice(ROOT.length + 1));
}

const heavy = (loaded: string[], pattern: RegExp) => loaded.filter((p) => pattern.test(p));
const PACKAGES = (...names: string[]) => new RegExp(`^node_modules/(${names.join('|')})/`);

describe('CLI start-up', () => {
  it('registering every command loads no implementation: no Temporal SDK, zod, yaml, mysql2, ssh2, lab or binlog code', () => {
    // As bin/mhaflow.js does: the product's commands and the lab's.
    const loaded = loadedBy(`
      const { Command } = require('commander');
      const { commandModules } = require('./src/cli/commands/index.ts');
      const { labCommandModules } = require('./lab/cli/commands/index.ts');
      const program = new Command('mhaflow');
      for (const m of [...commandModules, ...labCommandModules]) m.register(program);`);
    assert.ok(loaded.includes('src/cli/commands/failover.ts'));
    assert.deepEqual(heavy(loaded, PACKAGES('@temporalio', '@grpc', 'protobufjs', 'zod', 'yaml', 'mysql2', 'ssh2', 'pino')), []);
    assert.deepEqual(heavy(loaded, /^(activities|workflows|worker)\/|^src\/(config|binlog|mysql|ssh|failover|topology)\/|^lab\/(lab|writer|status)\.ts$/), []);
    assert.deepEqual(heavy(loaded, /^(src|lab)\/cli\/[^/]+\.ts$/).sort(), ['src/cli/exit-codes.ts', 'src/cli/exit.ts'], 'only the command declarations and the exit helpers');
  });

  it('the failover command loads the config loader and the HTTP client, not the gRPC client, the worker, MySQL, SSH or lab code', () => {
    const loaded = loadedBy(`require('./src/cli/failover.ts')`);
    assert.ok(loaded.includes('src/config/load.ts'));
    assert.ok(loaded.includes('src/temporal/http.ts'));
    // @temporalio/client (gRPC and every protobuf type, ~200 ms) only when the HTTP API does not answer.
    assert.deepEqual(heavy(loaded, PACKAGES('@temporalio', '@grpc', 'protobufjs', 'mysql2', 'ssh2', 'pino', 'pino-pretty')), []);
    assert.deepEqual(heavy(loaded, /^(activities|worker|lab)\/|^src\/(mysql|ssh|binlog)\//), []);
  });

  it('config import-mha declares the default global file of the importer', () => {
    assert.equal(MHA_GLOBAL_CONFIG_DEFAULT, MHA_GLOBAL_CONFIG);
  });

  it('--help lists every command and exits 0', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['lab', 'temporal', 'worker', 'topology', 'config', 'check', 'binlog', 'failover', 'demo']) assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('an error is one line "mhaflow: ...", exit 4 (bad input) for a bad config, no stack trace', () => {
    const r = spawnSync(process.execPath, [BIN, 'check', '--local', '--config', '/nonexistent/cluster.yml'], { encoding: 'utf8' });
    assert.equal(r.status, 4);
    assert.match(r.stderr, /^mhaflow: .*cannot read the cluster config .*ENOENT/);
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  });

  it('check with Temporal unreachable (HTTP API and gRPC): one line says so, and the check runs in this process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-check-unreachable-'));
    const config = join(dir, 'c.yml');
    // Nothing listens on ports 1 and 2: every server refuses at once, so the check runs and finds the cluster not safe (exit 2).
    writeFileSync(config, stringify({
      cluster: 'c', mysql: { user: 'u', password: 'env:NOPE' }, replication: { user: 'r', password: 'env:NOPE' },
      ssh: { key: '/nonexistent', knownHosts: '/nonexistent' }, servers: [{ name: 'a', host: '127.0.0.1', port: 1 }, { name: 'b', host: '127.0.0.1', port: 2 }],
    }));
    for (const env of [{ TEMPORAL_ADDRESS: '127.0.0.1:1' }, { TEMPORAL_HTTP_ADDRESS: '127.0.0.1:1', TEMPORAL_ADDRESS: '127.0.0.1:1' }]) {
      const r = spawnSync(process.execPath, [BIN, 'check', '--config', config, '--no-ssh', '--json'], { encoding: 'utf8', env: { ...process.env, ...env, NOPE: 'x' } });
      assert.equal(r.status, 2, r.stderr);
      const said = r.stderr.trim().split('\n');
      assert.equal(said.length, 1, r.stderr);
      assert.match(said[0]!, /^(cannot reach Temporal|Temporal HTTP API) at 127\.0\.0\.1:1.*: checking in this process$/);
      assert.equal(JSON.parse(r.stdout).outcome, 'refused');
    }
  });

  it('exitWhenFlushed exits with the code once a slow pipe has taken every byte', () => {
    const lines = 20_000;
    const script = `require('tsx/cjs');
      const line = 'x'.repeat(1023) + '\\n';
      for (let i = 0; i < ${lines}; i++) process.stdout.write(line);
      process.exitCode = 3;
      require('./src/cli/exit.ts').exitWhenFlushed();`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout.length, lines * 1024);
  });
});
