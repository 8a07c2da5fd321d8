// The remote run directory's safety (src/ssh/workdir.ts): the pure verdict on a path's owners and modes, then
// secureRunDir over the local filesystem standing in for SFTP (temporary directories with the modes in question).
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SafetyError } from '../../../src/errors';
import { pathChain, secureRunDir, unsafeRunDir, type PathFacts } from '../../../src/ssh/workdir';
import { localSession, tempDir } from '../../support/local-remote-host';

const DIR = 0o040000;
const LNK = 0o120000;
const FILE = 0o100000;
const ME = 1000;
const OTHER = 1001;
const f = (path: string, uid: number, mode: number): PathFacts => ({ path, uid, mode });
const root = f('/', 0, DIR | 0o755);
const varTmp = f('/var/tmp', 0, DIR | 0o1777);

describe('unsafeRunDir', () => {
  const cases: [string, PathFacts[], RegExp | null][] = [
    ['ours, 0700, under a root-owned 0755 workdir', [root, f('/var', 0, DIR | 0o755), f('/var/lib/mhaflow', 0, DIR | 0o755), f('/var/lib/mhaflow/run', ME, DIR | 0o700)], null],
    ['ours under a sticky world-writable /var/tmp', [root, f('/var', 0, DIR | 0o755), varTmp, f('/var/tmp/mhaflow', ME, DIR | 0o700), f('/var/tmp/mhaflow/run', ME, DIR | 0o700)], null],
    ['the workdir made by another user in /var/tmp', [root, varTmp, f('/var/tmp/mhaflow', OTHER, DIR | 0o700), f('/var/tmp/mhaflow/run', ME, DIR | 0o700)],
      /\/var\/tmp\/mhaflow is owned by uid 1001, mode 0700: neither the SSH user \(uid 1000\) nor root/],
    ['a workdir anyone can write, not sticky', [root, f('/srv/w', 0, DIR | 0o777), f('/srv/w/run', ME, DIR | 0o700)], /\/srv\/w is writable by group or others without the sticky bit \(owned by uid 0, mode 0777\)/],
    ['a group-writable workdir', [root, f('/srv/w', ME, DIR | 0o775), f('/srv/w/run', ME, DIR | 0o700)], /group or others without the sticky bit/],
    ['the run dir open to others', [root, f('/srv/w', ME, DIR | 0o700), f('/srv/w/run', ME, DIR | 0o755)], /\/srv\/w\/run is open to group or others \(owned by uid 1000, mode 0755; it must be 0700\)/],
    ['the run dir someone else made', [root, varTmp, f('/var/tmp/run', OTHER, DIR | 0o700)], /\/var\/tmp\/run is not owned by the SSH user \(uid 1000\) but by uid 1001/],
    ['the run dir a symbolic link', [root, varTmp, f('/var/tmp/run', ME, LNK | 0o777)], /is not a directory \(a symbolic link/],
    ['a root-owned symbolic link on the way (its target is checked separately)', [root, f('/w', 0, LNK | 0o777), f('/w/run', ME, DIR | 0o700)], null],
    ['another user\'s symbolic link on the way', [root, f('/w', OTHER, LNK | 0o777), f('/w/run', ME, DIR | 0o700)], /\/w is owned by uid 1001/],
    ['a file on the way', [root, f('/w', ME, FILE | 0o600), f('/w/run', ME, DIR | 0o700)], /\/w is not a directory/],
  ];
  for (const [name, chain, want] of cases) {
    it(name, () => {
      const r = unsafeRunDir(chain, ME);
      if (want === null) assert.equal(r, null, JSON.stringify(r));
      else assert.match(`${r?.path} ${r?.problem}`, want);
    });
  }
  it('the SSH user root: its own directories', () => {
    assert.equal(unsafeRunDir([root, f('/var/tmp/mhaflow', 0, DIR | 0o700), f('/var/tmp/mhaflow/run', 0, DIR | 0o700)], 0), null);
  });
  it('pathChain: every component from the root', () => {
    assert.deepEqual(pathChain('/var/tmp//mhaflow/run/'), ['/', '/var', '/var/tmp', '/var/tmp/mhaflow', '/var/tmp/mhaflow/run']);
  });
});

describe('secureRunDir on a host', () => {
  const root = process.getuid?.() === 0;

  it('creates the run directory 0700 and accepts it (a temporary directory under the sticky /tmp)', async () => {
    const dir = tempDir();
    const run = join(dir, 'work', 'failover-1');
    await secureRunDir(localSession('db2'), run);
    assert.equal(statSync(run).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'work')).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(run), [], 'the probe file is gone');
  });

  it('refuses a workdir anyone can write (no sticky bit), and a run directory left open to others', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'shared'));
    chmodSync(join(dir, 'shared'), 0o777);
    await assert.rejects(secureRunDir(localSession('db2'), join(dir, 'shared', 'run')),
      (e: unknown) => e instanceof SafetyError && e.server === 'db2' && new RegExp(`${dir}/shared is writable by group or others without the sticky bit \\(owned by uid \\d+, mode 0777\\)`).test(e.message)
        && /chmod go-w/.test(e.hint ?? ''));
    mkdirSync(join(dir, 'w', 'run'), { recursive: true, mode: 0o700 });
    chmodSync(join(dir, 'w', 'run'), 0o750);
    await assert.rejects(secureRunDir(localSession('db2'), join(dir, 'w', 'run')), (e: unknown) => e instanceof SafetyError && /run is open to group or others .*mode 0750/.test(e.message));
  });

  it('accepts a sticky world-writable workdir, the run directory being ours and 0700', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'tmp'));
    chmodSync(join(dir, 'tmp'), 0o1777);
    await secureRunDir(localSession('db2'), join(dir, 'tmp', 'run'));
    assert.equal(statSync(join(dir, 'tmp', 'run')).mode & 0o777, 0o700);
  });

  it('refuses a workdir or a run directory another user owns', { skip: !root && 'needs root to give a directory to another user' }, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'tmp'));
    chmodSync(join(dir, 'tmp'), 0o1777);
    mkdirSync(join(dir, 'tmp', 'run'), { mode: 0o700 });
    chownSync(join(dir, 'tmp', 'run'), 65534, 65534);
    await assert.rejects(secureRunDir(localSession('db2'), join(dir, 'tmp', 'run')),
      (e: unknown) => e instanceof SafetyError && /tmp\/run is not owned by the SSH user \(uid 0\) but by uid 65534/.test(e.message));
    mkdirSync(join(dir, 'theirs'), { mode: 0o755 });
    chownSync(join(dir, 'theirs'), 65534, 65534);
    await assert.rejects(secureRunDir(localSession('db2'), join(dir, 'theirs', 'run')), (e: unknown) => e instanceof SafetyError && /theirs is owned by uid 65534/.test(e.message));
  });

  it('follows a symbolic link on the way to check where it leads; a run directory that is a link is refused', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'open'));
    chmodSync(join(dir, 'open'), 0o777);
    symlinkSync(join(dir, 'open'), join(dir, 'link'));
    await assert.rejects(secureRunDir(localSession('db2'), join(dir, 'link', 'run')), (e: unknown) => e instanceof SafetyError && /open is writable by group or others/.test(e.message));
    mkdirSync(join(dir, 'mine'), { mode: 0o700 });
    symlinkSync(join(dir, 'mine'), join(dir, 'run-link'));
    await assert.rejects(secureRunDir(localSession('db2'), join(dir, 'run-link')), (e: unknown) => e instanceof SafetyError && /run-link is not a directory \(a symbolic link/.test(e.message));
    assert.ok(existsSync(join(dir, 'mine')));
  });
});
