// Host-key pinning, quoting and exec against an in-process ssh2.Server (error paths; the lab tests the real sshd).
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server } from 'ssh2';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';
import { parseClusterConfig } from '../../../src/config/load';
import { ConnectionError, SafetyError } from '../../../src/errors';
import { knownHostName, parseKnownHosts, verifyHostKey } from '../../../src/ssh/known-hosts';
import { shellCommand, shellQuote } from '../../../src/ssh/quote';
import { openSsh } from '../../../src/ssh/session';


describe('shell quoting', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'], ['/var/lib/mysql/mysql-bin.000001', '/var/lib/mysql/mysql-bin.000001'], ['', "''"],
    ["it's", `'it'\\''s'`], ['a b', "'a b'"], ['$(rm -rf /)', "'$(rm -rf /)'"], ['`x`;y', "'`x`;y'"], ['a\nb', "'a\nb'"],
  ];
  for (const [input, expected] of cases) it(`quotes ${JSON.stringify(input)}`, () => assert.equal(shellQuote(input), expected));
  it('joins argv', () => assert.equal(shellCommand(['ls', '-l', "x y"]), "ls -l 'x y'"));
});

describe('known_hosts parsing and verification', () => {
  const k1 = keyPair();
  const k2 = keyPair();
  it('matches plain, [host]:port and hashed entries', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.0.0.3]:2222').digest();
    const entries = parseKnownHosts([
      '# comment', '', `10.0.0.1,db1 ${k1.pubLine}`, `[10.0.0.2]:2222 ${k1.pubLine}`,
      `|1|${salt.toString('base64')}|${hash.toString('base64')} ${k2.pubLine}`,
    ].join('\n'));
    assert.deepEqual(verifyHostKey(entries, '10.0.0.1', 22, k1.pubBlob), { ok: true });
    assert.deepEqual(verifyHostKey(entries, 'db1', 22, k1.pubBlob), { ok: true });
    assert.deepEqual(verifyHostKey(entries, '10.0.0.2', 2222, k1.pubBlob), { ok: true });
    assert.deepEqual(verifyHostKey(entries, '10.0.0.2', 22, k1.pubBlob), { ok: false, reason: 'unknown-host' });
    assert.deepEqual(verifyHostKey(entries, '10.0.0.3', 2222, k2.pubBlob), { ok: true });
    assert.equal(verifyHostKey(entries, '10.0.0.1', 22, k2.pubBlob).ok, false);
    assert.deepEqual(verifyHostKey(entries, '10.0.0.1', 22, k2.pubBlob), { ok: false, reason: 'changed-key', expected: ['ssh-ed25519'] });
    assert.equal(knownHostName('h', 22), 'h');
    assert.equal(knownHostName('h', 2200), '[h]:2200');
  });
});

describe('openSsh against an in-process server', () => {
  const hostKey = keyPair();
  const clientKey = keyPair();
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-ssh-'));
  let server: Server;
  let port = 0;
  const commands: string[] = [];

  before(async () => {
    ({ server, port } = await startFakeSshServer(hostKey, clientKey, (session) => {
      session.on('exec', (acc, _rej, info) => {
        commands.push(info.command);
        const stream = acc();
        stream.write(`ran: ${info.command}\n`);
        stream.stderr.write('some stderr\n');
        stream.exit(info.command.startsWith('fail') ? 3 : 0);
        stream.end();
      });
    }));
    writeFileSync(join(dir, 'id'), clientKey.priv, { mode: 0o600 });
  });
  after(() => server.close());

  const config = (knownHosts: string) => {
    writeFileSync(join(dir, 'kh'), knownHosts);
    return parseClusterConfig({
      cluster: 't', mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:Y' },
      ssh: { user: 'root', port, key: join(dir, 'id'), knownHosts: join(dir, 'kh') },
      servers: [{ name: 'a', host: '127.0.0.1' }, { name: 'b', host: '127.0.0.2' }],
    });
  };

  it('connects with a pinned host key and runs quoted commands', async () => {
    const cfg = config(`[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
    const s = await openSsh(cfg, cfg.servers[0]!);
    try {
      const r = await s.exec(['echo', "it's here"]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `ran: echo 'it'\\''s here'\n`);
      assert.equal(r.stderr, 'some stderr\n');
      await assert.rejects(s.run(['fail', 'now']), /exited with 3 .*some stderr/);
    } finally {
      s.close();
    }
  });

  it('refuses an unknown host key', async () => {
    const cfg = config('');
    await assert.rejects(openSsh(cfg, cfg.servers[0]!), (e: unknown) => e instanceof SafetyError && /is not in .*refusing to connect/.test(e.message) && e.server === 'a');
  });

  it('fails (never hangs) when the server drops the connection mid-handshake', { timeout: 15_000 }, async () => {
    const dropper = new Server({ hostKeys: [hostKey.priv] }, (client) => {
      client.on('error', () => {});
      client.on('authentication', () => client.end()); // sshd killed between the key exchange and auth
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
    const dport = (dropper.address() as { port: number }).port;
    try {
      writeFileSync(join(dir, 'kh'), `[127.0.0.1]:${dport} ${hostKey.pubLine}\n`);
      const cfg = parseClusterConfig({
        cluster: 't', mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:Y' },
        ssh: { user: 'root', port: dport, key: join(dir, 'id'), knownHosts: join(dir, 'kh'), connectTimeout: '30s' },
        servers: [{ name: 'a', host: '127.0.0.1' }, { name: 'b', host: '127.0.0.2' }],
      });
      const t0 = Date.now();
      await assert.rejects(openSsh(cfg, cfg.servers[0]!), (e: unknown) => e instanceof ConnectionError && /closed before the SSH handshake completed/.test(e.message) && e.server === 'a');
      assert.ok(Date.now() - t0 < 10_000, 'rejected at the close, not at the 30 s connect timeout');
    } finally {
      dropper.close();
    }
  });

  it('refuses a changed host key', async () => {
    const cfg = config(`[127.0.0.1]:${port} ${keyPair().pubLine}\n`);
    await assert.rejects(openSsh(cfg, cfg.servers[0]!), (e: unknown) => e instanceof SafetyError && /does not match/.test(e.message));
  });
});
