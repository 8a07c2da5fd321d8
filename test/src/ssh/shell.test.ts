// The long-lived remote shell: its framing (table tests), and a real local sh behind an in-process SSH server
// (exec channels run `sh -c COMMAND` here, as sshd runs the login shell); the lab's sshd serves the worker's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'ssh2';
import { parseClusterConfig } from '../../../src/config/load';
import { openSsh, type SshSession } from '../../../src/ssh/session';
import { parseShellReply, shellRequest } from '../../../src/ssh/shell';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';

const N = 'mhaflow-0123';

describe('parseShellReply', () => {
  const cases: { name: string; buf: Buffer; want?: { code: number; stdout: string; stderr: string; rest: string } | { need: number } | 'throws' }[] = [
    { name: 'no header yet', buf: Buffer.from(`${N} 0 `) },
    { name: 'header, outputs still coming', buf: Buffer.from(`${N} 0 5 0\nabc`), want: { need: N.length + 7 + 5 } },
    { name: 'complete', buf: Buffer.from(`${N} 3 4 2\nout\nerrnext`), want: { code: 3, stdout: 'out\n', stderr: 'er', rest: 'rnext' } },
    { name: 'sizes padded by wc', buf: Buffer.from(`${N} 0       2       0\nhi`), want: { code: 0, stdout: 'hi', stderr: '', rest: '' } },
    { name: 'multibyte output counted in bytes', buf: Buffer.from(`${N} 0 3 0\n\u00e9\n`), want: { code: 0, stdout: '\u00e9\n', stderr: '', rest: '' } },
    { name: 'someone else\'s line', buf: Buffer.from('hello\n'), want: 'throws' },
    { name: 'a long line with no newline', buf: Buffer.alloc(200, 0x61), want: 'throws' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.want === 'throws') return assert.throws(() => parseShellReply(c.buf, N), /unexpected output from the remote shell/);
      const r = parseShellReply(c.buf, N);
      if (!c.want || 'need' in c.want) return assert.deepEqual(r, c.want);
      assert.ok(r && 'result' in r);
      assert.deepEqual({ ...r.result, rest: r.rest.toString('utf8') }, c.want);
    });
  }

  it('quotes the command as one argument of sh -c', () => {
    assert.match(shellRequest(N, `echo 'a b'; exit 3`), /^sh -c 'echo '\\''a b'\\''; exit 3' <\/dev\/null /);
  });
});

describe('a session with a long-lived shell, on a real sh', () => {
  const hostKey = keyPair();
  const clientKey = keyPair();
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-shell-'));
  let server: Server;
  let port = 0;
  const execs: string[] = [];
  /** What the "login shell" prints before running a command (a noisy rc file), and whether sh -s may start. */
  const host = { rcNoise: 'welcome from .bashrc\n', shellBroken: false };

  before(async () => {
    ({ server, port } = await startFakeSshServer(hostKey, clientKey, (session) => {
      session.on('exec', (accept, _reject, info) => {
        execs.push(info.command);
        const stream = accept();
        stream.write(host.rcNoise);
        const cmd = host.shellBroken && info.command === 'exec sh -s' ? 'echo no mktemp here >&2; exit 97' : info.command;
        const child = spawn('sh', ['-c', cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
        // What the client sends after the host's sh has exited (a closed or timed-out shell) is lost, as on a real
        // host: the EPIPE it meets is not the test's failure (a loaded CI run saw one after the file's tests ended).
        child.stdin.on('error', () => {});
        stream.pipe(child.stdin);
        child.stdout.pipe(stream, { end: false });
        child.stderr.pipe(stream.stderr, { end: false });
        child.on('close', (code) => { stream.exit(code ?? 255); stream.end(); });
        stream.on('close', () => child.kill('SIGHUP'));
      });
    }));
    writeFileSync(join(dir, 'id'), clientKey.priv, { mode: 0o600 });
    writeFileSync(join(dir, 'kh'), `[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
  });
  after(() => server.close());

  const connect = async (): Promise<SshSession> => {
    const cfg = parseClusterConfig({
      cluster: 't', mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:Y' },
      ssh: { user: 'root', port, key: join(dir, 'id'), knownHosts: join(dir, 'kh') },
      servers: [{ name: 'a', host: '127.0.0.1' }, { name: 'b', host: '127.0.0.2' }],
    });
    const s = await openSsh(cfg, cfg.servers[0]!);
    s.keepShell();
    return s;
  };

  it('runs every command in one shell, each in a child of its own, with outputs and exit codes intact', async () => {
    execs.length = 0;
    const s = await connect();
    try {
      const a = await s.exec(['sh', '-c', 'echo $PPID; printf "x\\ny" >&2; exit 4']);
      const b = await s.exec('echo $PPID; printf "\\303\\251"');
      assert.equal(a.code, 4);
      assert.equal(a.stderr, 'x\ny');
      assert.equal(b.code, 0);
      assert.equal(b.stdout.split('\n')[1], '\u00e9', 'bytes through unchanged');
      assert.deepEqual(execs, ['exec sh -s'], 'one shell started, no exec channel per command');
      // `sh -c X` runs X in the child itself; the child's parent is the long-lived shell, for both commands
      const ppidOf = (r: { stdout: string }) => r.stdout.split('\n')[0];
      assert.equal(ppidOf(await s.exec('echo $PPID')), ppidOf(b));
    } finally {
      s.close();
    }
  });

  it('returns a large output whole, and the shell goes on', async () => {
    execs.length = 0;
    const s = await connect();
    try {
      const big = await s.exec('head -c 3000000 /dev/zero | tr "\\0" x; echo; echo tail >&2');
      assert.equal(big.stdout.length, 3_000_001);
      assert.ok(/^x+\n$/.test(big.stdout));
      assert.equal(big.stderr, 'tail\n');
      assert.equal((await s.exec('echo next')).stdout, 'next\n');
      assert.deepEqual(execs, ['exec sh -s']);
    } finally {
      s.close();
    }
  });

  it('keeps the shell through a command that exits, fails to parse or reads stdin', async () => {
    execs.length = 0;
    const s = await connect();
    try {
      assert.equal((await s.exec('exit 7')).code, 7);
      const bad = await s.exec('if then fi (');
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /syntax|unexpected/i);
      const cat = await s.exec('cat; echo read-eof');
      assert.equal(cat.stdout, 'read-eof\n', 'stdin is /dev/null, not the shell\'s input');
      assert.equal((await s.exec('echo still here')).stdout, 'still here\n');
      assert.deepEqual(execs, ['exec sh -s']);
    } finally {
      s.close();
    }
  });

  it('serves concurrent commands (one through the shell, the others through exec channels)', async () => {
    const s = await connect();
    try {
      await s.exec('true');
      execs.length = 0;
      const rs = await Promise.all([1, 2, 3].map((i) => s.exec(`sleep 0.2; echo ${i}`)));
      assert.deepEqual(rs.map((r) => r.stdout.replace(host.rcNoise, '')), ['1\n', '2\n', '3\n']);
      assert.equal(execs.length, 2, 'two of the three took an exec channel');
    } finally {
      s.close();
    }
  });

  it('a timeout closes the shell; the next command opens another', async () => {
    const s = await connect();
    try {
      await s.exec('true');
      execs.length = 0;
      await assert.rejects(s.exec('sleep 5', { timeoutMs: 200 }), /timed out after 200 ms/);
      assert.equal((await s.exec('echo again')).stdout, 'again\n');
      assert.deepEqual(execs, ['exec sh -s']);
    } finally {
      s.close();
    }
  });

  it('falls back to exec channels when the host\'s shell cannot start', async () => {
    host.shellBroken = true;
    execs.length = 0;
    const s = await connect();
    try {
      assert.equal((await s.exec('echo via exec')).stdout, `${host.rcNoise}via exec\n`);
      assert.equal((await s.exec('echo again')).stdout, `${host.rcNoise}again\n`);
      assert.deepEqual(execs, ['exec sh -s', 'echo via exec', 'echo again'], 'the shell tried once, not again');
    } finally {
      host.shellBroken = false;
      s.close();
    }
  });
});
