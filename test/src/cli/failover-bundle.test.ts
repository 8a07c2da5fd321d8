// The prebuilt bundles of the failover, switchover and check commands: built from the TypeScript by
// scripts/build-cli.mjs, run by bin/mhaflow.js only while no source changed since, and behaving like the tsx path.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'bin', 'mhaflow.js');
const { freshBundle } = require(join(ROOT, 'bin', 'fresh-bundle.js')) as { freshBundle: (root: string, name: string) => string | null };

describe('failover bundle freshness', () => {
  const root = mkdtempSync(join(tmpdir(), 'mhaflow-bundle-'));
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  before(() => {
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'a.ts'), '');
    writeFileSync(join(root, 'src', 'b.ts'), '');
    writeFileSync(join(root, 'dist', 'x.js'), '');
    utimesSync(join(root, 'src', 'a.ts'), at(1), at(1));
    utimesSync(join(root, 'src', 'b.ts'), at(2), at(2));
    utimesSync(join(root, 'dist', 'x.js'), at(3), at(3));
    writeFileSync(join(root, 'dist', 'x.json'), JSON.stringify({ builtAt: at(3).getTime(), inputs: ['src/a.ts', 'src/b.ts'] }));
  });

  it('is used while every source is older than the bundle', () => {
    assert.equal(freshBundle(root, 'x'), join(root, 'dist', 'x.js'));
  });
  it('is not used once a source is newer, vanished, or the manifest is missing', () => {
    utimesSync(join(root, 'src', 'b.ts'), at(4), at(4));
    assert.equal(freshBundle(root, 'x'), null, 'a source edited after the build');
    utimesSync(join(root, 'src', 'b.ts'), at(2), at(2));
    writeFileSync(join(root, 'dist', 'x.json'), JSON.stringify({ builtAt: at(3).getTime(), inputs: ['src/a.ts', 'src/gone.ts'] }));
    assert.equal(freshBundle(root, 'x'), null, 'a source that no longer exists');
    assert.equal(freshBundle(root, 'nothing'), null, 'no bundle at all');
  });
});

describe('loading a bundle with V8\'s code cache', () => {
  it('writes the cache at exit, runs the same from it, and writes it again when V8 rejects it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-v8cache-'));
    const bundle = join(dir, 'b.js');
    writeFileSync(bundle, "exports.main = () => console.log(require.resolve('node:path'), __dirname === require('path').dirname(__filename), module.exports === exports);\n");
    const load = `require(${JSON.stringify(join(ROOT, 'bin', 'fresh-bundle.js'))}).loadBundle(${JSON.stringify(bundle)}).main()`;
    const run = () => spawnSync(process.execPath, ['-e', load], { encoding: 'utf8' });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, 'node:path true true\n');
    assert.ok(existsSync(`${bundle}.v8cache`), 'the cache is written at exit');
    assert.deepEqual(run().stdout, first.stdout, 'the same from the cache');
    writeFileSync(`${bundle}.v8cache`, 'not a code cache');
    const third = run();
    assert.equal(third.stdout, first.stdout, 'a rejected cache changes nothing but the time');
    assert.ok(require('node:fs').statSync(`${bundle}.v8cache`).size > 100, 'and is written again');
  });
});

describe('the built failover bundle', () => {
  before(() => {
    // From another directory: the manifest must still name the sources relative to the repository.
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: tmpdir(), encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  });

  it('is fresh right after the build and lists the failover command\'s sources', () => {
    assert.ok(freshBundle(ROOT, 'failover-cli'));
  });

  it('answers like the tsx path: help, and a clear one-line error with the same exit code', () => {
    const run = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [BIN, 'failover', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    for (const args of [['--help'], ['--config', '/nonexistent/cluster.yml']]) {
      const viaBundle = run({}, ...args);
      const viaTsx = run({ MHAFLOW_NO_BUNDLE: '1' }, ...args);
      assert.equal(viaBundle.status, viaTsx.status, args.join(' '));
      assert.equal(viaBundle.stdout, viaTsx.stdout);
      assert.equal(viaBundle.stderr, viaTsx.stderr);
    }
    const missing = run({}, '--config', '/nonexistent/cluster.yml');
    assert.equal(missing.status, 4, "bad input");
    assert.match(missing.stderr, /^mhaflow: \/nonexistent\/cluster\.yml: cannot read the cluster config \(ENOENT\)/);
  });

  const sameAnswers = (command: string, argsList: string[][]) => {
    const run = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [BIN, command, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    for (const args of argsList) {
      const viaBundle = run({}, ...args);
      const viaTsx = run({ MHAFLOW_NO_BUNDLE: '1' }, ...args);
      assert.equal(viaBundle.status, viaTsx.status, args.join(' '));
      assert.equal(viaBundle.stdout, viaTsx.stdout);
      assert.equal(viaBundle.stderr, viaTsx.stderr);
    }
    return (...args: string[]) => run({}, ...args);
  };

  it('the switchover command has a fresh bundle of its own, answering like the tsx path', () => {
    assert.ok(freshBundle(ROOT, 'switchover-cli'));
    const run = sameAnswers('switchover', [['--help'], ['--config', '/nonexistent/cluster.yml'], ['maybe', '--cluster', 'x']]);
    assert.match(run('maybe', '--cluster', 'x').stderr, /unknown answer "maybe": mhaflow switchover approve\|reject/);
  });

  it('the check command has a fresh bundle of its own, answering like the tsx path', () => {
    assert.ok(freshBundle(ROOT, 'check-cli'));
    const run = sameAnswers('check', [['--help'], ['--config', '/nonexistent/cluster.yml'], ['--local']]);
    assert.equal(run('--config', '/nonexistent/cluster.yml').status, 4, 'bad input');
  });
});
