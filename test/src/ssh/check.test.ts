// The SSH half of the check: its SFTP reads against the script on the same files (a local-filesystem SFTP), then
// against an in-process ssh2 server whose exec runs the command with the local /bin/sh (so the remote script really
// runs) and whose SFTP answers nothing (the script's fallback), with SFTP off, and pinned/unknown host keys.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'ssh2';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';
import { parseClusterConfig } from '../../../src/config/load';
import { checkSshHost, parseRemoteCheck, remoteCheckScript, sftpRemoteCheck, type SshCheckTarget } from '../../../src/ssh/check';
import { localSession } from '../../support/local-remote-host';


const dir = mkdtempSync(join(tmpdir(), 'mhaflow-checkssh-'));
const binlogDir = join(dir, "bin logs (it's)");
mkdirSync(binlogDir);
const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
writeFileSync(join(binlogDir, 'mysql-bin.000001'), Buffer.concat([BINLOG_MAGIC, Buffer.alloc(100)]));
writeFileSync(join(binlogDir, 'mysql-bin.000002'), Buffer.concat([BINLOG_MAGIC, Buffer.alloc(100)]));
writeFileSync(join(binlogDir, 'not-a-binlog.000003'), 'hello');
// A fake mariadb-binlog on a client bindir.
const bindir = join(dir, 'bin');
mkdirSync(bindir);
writeFileSync(join(bindir, 'mariadb-binlog'), '#!/bin/sh\nexit 0\n');
chmodSync(join(bindir, 'mariadb-binlog'), 0o755);

const target = (over: Partial<SshCheckTarget> = {}): SshCheckTarget => ({ name: 'a', binlogDir, expectFiles: ['mysql-bin.000001', 'mysql-bin.000002'], flavor: 'mariadb', ...over });

describe('remoteCheckScript, run by the local shell', () => {
  const run = (script: string) => {
    const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  it('finds the tool on clientBindir, lists the binlog dir, checks the magic, writes the workdir', () => {
    const workdir = join(dir, 'work', 'deep');
    const out = run(remoteCheckScript({ binlogDir, newestFile: 'mysql-bin.000002', workdir, clientBindir: bindir, flavor: 'mariadb' }));
    const r = parseRemoteCheck(out, target(), workdir);
    assert.equal(r.binlogTool, join(bindir, 'mariadb-binlog'));
    assert.deepEqual(r.binlogDir, { dir: binlogDir, readable: true, missing: [] });
    assert.equal(r.workdir!.writable, true);
    assert.ok((r.workdir!.freeBytes ?? 0) > 0);
  });

  it('reports missing files, a file that is not a binlog, an unreadable dir, an unwritable workdir', () => {
    const t = target({ expectFiles: ['mysql-bin.000001', 'mysql-bin.000009'] });
    const out = run(remoteCheckScript({ binlogDir, newestFile: 'mysql-bin.000009', workdir: '/proc/nope', flavor: 'mariadb' }));
    const r = parseRemoteCheck(out, t, '/proc/nope');
    assert.deepEqual(r.binlogDir!.missing, ['mysql-bin.000009']);
    assert.equal(r.workdir!.writable, false);
    const bad = target({ expectFiles: ['not-a-binlog.000003'] });
    const r2 = parseRemoteCheck(run(remoteCheckScript({ binlogDir, newestFile: 'not-a-binlog.000003', workdir: dir, flavor: 'mysql' })), bad, dir);
    assert.equal(r2.binlogDir!.badMagic, 'not-a-binlog.000003');
    const r3 = parseRemoteCheck(run(remoteCheckScript({ binlogDir: join(dir, 'nope'), newestFile: 'x', workdir: dir, flavor: 'mysql' })), target({ binlogDir: join(dir, 'nope'), expectFiles: ['x'] }), dir);
    assert.deepEqual(r3.binlogDir, { dir: join(dir, 'nope'), readable: false, missing: ['x'] });
  });

  it('quotes every path (no injection through a config value)', () => {
    const evil = join(dir, '$(touch pwned)');
    const script = remoteCheckScript({ binlogDir: evil, newestFile: "'; touch pwned2; '", workdir: join(dir, '`touch pwned3`'), clientBindir: '$(touch pwned4)', flavor: 'mariadb' });
    spawnSync('/bin/sh', ['-c', script], { cwd: dir, encoding: 'utf8' });
    const ls = spawnSync('ls', [dir], { encoding: 'utf8' }).stdout;
    assert.ok(!/pwned/.test(ls.replace(/\$\(touch pwned\)|`touch pwned3`/g, '')), ls);
  });
});

describe('sftpRemoteCheck: over SFTP, what the script finds', () => {
  const run = (script: string) => spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).stdout;
  const cases: { name: string; target: SshCheckTarget; workdir: string }[] = [
    { name: 'healthy, a workdir to create', target: target(), workdir: join(dir, 'sftp-work', 'deep') },
    { name: 'a file missing', target: target({ expectFiles: ['mysql-bin.000001', 'mysql-bin.000009'] }), workdir: dir },
    { name: 'not a binlog', target: target({ expectFiles: ['not-a-binlog.000003'] }), workdir: dir },
    { name: 'an empty binlog list', target: target({ expectFiles: [] }), workdir: dir },
    { name: 'no binlog dir', target: target({ binlogDir: join(dir, 'nope'), expectFiles: ['x'] }), workdir: dir },
    { name: 'a binlog server (no dir to check)', target: target({ binlogDir: null, expectFiles: [], flavor: null }), workdir: dir },
    { name: 'an unwritable workdir', target: target(), workdir: '/proc/nope' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const newest = c.target.expectFiles[c.target.expectFiles.length - 1] ?? null;
      const byScript = parseRemoteCheck(run(remoteCheckScript({ binlogDir: c.target.binlogDir, newestFile: newest, workdir: c.workdir, clientBindir: bindir, flavor: c.target.flavor })), c.target, c.workdir);
      const session = localSession('a');
      const bySftp = await sftpRemoteCheck(session, c.target, { workdir: c.workdir, clientBindir: bindir });
      assert.deepEqual(session.execs, [], 'no remote command');
      assert.equal(bySftp.binlogTool, byScript.binlogTool);
      assert.deepEqual(bySftp.binlogDir, byScript.binlogDir);
      assert.equal(bySftp.workdir!.writable, byScript.workdir!.writable);
      // Free space moves while the test runs: the same filesystem's, within 64 MiB.
      if (byScript.workdir!.writable) assert.ok(Math.abs(bySftp.workdir!.freeBytes! - byScript.workdir!.freeBytes!) < 64 << 20, JSON.stringify([bySftp.workdir, byScript.workdir]));
      else assert.equal(bySftp.workdir!.freeBytes, null);
    });
  }

  it('a tool found nowhere usual is left to the script (the remote $PATH)', async () => {
    const r = await sftpRemoteCheck(localSession('a'), target(), { workdir: dir, clientBindir: join(dir, 'nothing-here') });
    // The Debian test machine has mariadb-binlog in /usr/bin: with it, found there; without, undefined.
    const usual = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/mysql/bin'].flatMap((d) => ['mariadb-binlog', 'mysqlbinlog'].map((t) => `${d}/${t}`));
    const present = usual.find((p) => spawnSync('test', ['-x', p]).status === 0);
    assert.equal(r.binlogTool, present);
  });
});

describe('checkSshHost against an in-process SSH server', () => {
  const hostKey = keyPair();
  const clientKey = keyPair();
  let server: Server;
  let port = 0;
  let sftpEnabled = true;

  before(async () => {
    ({ server, port } = await startFakeSshServer(hostKey, clientKey, (session) => {
      session.on('exec', (acc, _rej, info) => {
        const stream = acc();
        const child = spawn('/bin/sh', ['-c', info.command], { env: { PATH: '/usr/bin:/bin' } });
        child.stdout.pipe(stream, { end: false });
        child.stderr.pipe(stream.stderr, { end: false });
        child.on('close', (code) => { stream.exit(code ?? 1); stream.end(); });
      });
      session.on('sftp', (acc, rej) => {
        if (!sftpEnabled) { rej(); return; }
        acc();
      });
    }));
    writeFileSync(join(dir, 'id'), clientKey.priv, { mode: 0o600 });
  });
  after(() => server.close());

  const config = (knownHosts: string, serverOver: Record<string, unknown> = {}) => {
    writeFileSync(join(dir, 'kh'), knownHosts);
    return parseClusterConfig({
      cluster: 't', mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:Y' },
      ssh: { user: 'root', port, key: join(dir, 'id'), knownHosts: join(dir, 'kh') },
      workdirs: { manager: dir, remote: join(dir, 'remote') },
      servers: [{ name: 'a', host: '127.0.0.1', clientBindir: bindir, ...serverOver }, { name: 'b', host: '127.0.0.2' }],
    });
  };

  it('a healthy host: tool, binlog dir and files, workdir, SFTP', async () => {
    const cfg = config(`[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
    const r = await checkSshHost(cfg, cfg.servers[0]!, target());
    assert.equal(r.status, 'ok', JSON.stringify(r));
    assert.equal(r.target, `root@127.0.0.1:${port}`);
    assert.equal(r.binlogTool, join(bindir, 'mariadb-binlog'));
    assert.deepEqual(r.binlogDir, { dir: binlogDir, readable: true, missing: [] });
    assert.equal(r.workdir!.dir, join(dir, 'remote'));
    assert.equal(r.workdir!.writable, true);
    assert.equal(r.sftp, true);
  });

  it('no SFTP subsystem', async () => {
    sftpEnabled = false;
    try {
      const cfg = config(`[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
      const r = await checkSshHost(cfg, cfg.servers[0]!, target());
      assert.equal(r.sftp, false);
    } finally {
      sftpEnabled = true;
    }
  });

  it('an unknown host key is a host-key failure, never accepted', async () => {
    const cfg = config('');
    const r = await checkSshHost(cfg, cfg.servers[0]!, target());
    assert.equal(r.status, 'failed');
    assert.equal(r.failure!.kind, 'host-key');
    assert.match(r.failure!.message, /is not in .*refusing to connect/);
  });

  it('a changed host key is a host-key failure', async () => {
    const cfg = config(`[127.0.0.1]:${port} ${keyPair().pubLine}\n`);
    const r = await checkSshHost(cfg, cfg.servers[0]!, target());
    assert.equal(r.failure!.kind, 'host-key');
    assert.match(r.failure!.message, /does not match the one pinned/);
  });

  it('nobody listening: unreachable; skipSshCheck: skipped', async () => {
    const cfg = config(`[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
    const closed = parseClusterConfig({ ...cfg, ssh: { ...cfg.ssh, port: 1 } });
    const r = await checkSshHost(closed, closed.servers[0]!, target());
    assert.equal(r.status, 'failed');
    assert.equal(r.failure!.kind, 'unreachable');
    const skip = config(`[127.0.0.1]:${port} ${hostKey.pubLine}\n`, { skipSshCheck: true });
    assert.equal((await checkSshHost(skip, skip.servers[0]!, target())).status, 'skipped');
  });
});
