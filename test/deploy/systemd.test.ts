// The systemd units (deploy/systemd): valid for systemd, they run commands the CLI has, and they give the
// worker more time to stop than its grace time + 1 s; the example environment names only variables mhaflow reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..');
const dir = join(root, 'deploy', 'systemd');
const unit = (name: string) => {
  const out = new Map<string, string>();
  for (const l of readFileSync(join(dir, name), 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(l);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
};
const seconds = (v: string) => Number(/^(\d+)s?$/.exec(v)?.[1]);

describe('systemd units', () => {
  it('systemd accepts them (mhaflow itself is not installed here)', (t) => {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) { t.skip('no systemd-analyze'); return; }
    for (const f of ['mhaflow-worker@.service', 'mhaflow-api.service']) {
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, f)], { encoding: 'utf8' });
      const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() && !/Command mhaflow is not executable/.test(l));
      assert.deepEqual(complaints, [], f);
    }
  });

  it('the worker unit runs `mhaflow worker` with options it has, stops it with SIGTERM, and waits past its grace time', () => {
    const w = unit('mhaflow-worker@.service');
    const [cmd, sub, ...opts] = w.get('ExecStart')!.split(/\s+/);
    assert.deepEqual([cmd, sub], ['mhaflow', 'worker']);
    const help = spawnSync(process.execPath, [join(root, 'bin', 'mhaflow.js'), 'worker', '--help'], { encoding: 'utf8' }).stdout;
    for (const o of opts.filter((x) => x.startsWith('--'))) assert.ok(help.includes(o), `mhaflow worker ${o}`);
    assert.equal(w.get('KillSignal'), 'SIGTERM');
    assert.equal(w.get('KillMode'), 'mixed', 'SIGTERM to the worker only; what is left gets SIGKILL at the end');
    const env = readFileSync(join(dir, 'mhaflow.env'), 'utf8');
    const grace = seconds(/^MHAFLOW_SHUTDOWN_GRACE=(\S+)$/m.exec(env)![1]!);
    assert.ok(seconds(w.get('TimeoutStopSec')!) > grace + 1, 'systemd waits longer than the worker\'s grace + 1 s');
    assert.equal(w.get('RestartPreventExitStatus'), '4', 'bad input: restarting does not help');
    // The API's tokens are secret references to files (never a literal on the command line); without an operate
    // token it exits 4, and the unit does not restart it until that is fixed.
    const api = unit('mhaflow-api.service');
    assert.equal(api.get('ExecStart'), 'mhaflow api --operate-token file:/etc/mhaflow/api-operate.token --read-token file:/etc/mhaflow/api-read.token');
    assert.equal(api.get('RestartPreventExitStatus'), '4');
  });

  it('the example environment sets only variables mhaflow reads', () => {
    const sources = ['src/temporal/config.ts', 'src/temporal/http.ts', 'src/config/registry.ts', 'src/log.ts', 'worker/main.ts'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
    const names = [...readFileSync(join(dir, 'mhaflow.env'), 'utf8').matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    assert.ok(names.length >= 8);
    for (const n of names) assert.ok(sources.includes(n), `${n} is not read by mhaflow`);
    assert.deepEqual(readdirSync(dir).sort(), ['mhaflow-api.service', 'mhaflow-worker@.service', 'mhaflow.env']);
  });
});
