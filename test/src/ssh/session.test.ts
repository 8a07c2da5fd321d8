// openSsh against an in-process ssh2.Server: host-key pinning and exec (error paths; the lab tests the real sshd).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server } from 'ssh2';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';
import { parseClusterConfig } from '../../../src/config/load';
import { ConnectionError, SafetyError } from '../../../src/errors';
import { openSsh } from '../../../src/ssh/session';

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
