// The worker-wide SSH connection cache against an in-process ssh2.Server: one connection per host shared by
// the steps, closed when idle, replaced when it stops answering or closes.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'ssh2';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';
import { parseClusterConfig } from '../../../src/config/load';
import type { ClusterConfig } from '../../../src/config/schema';
import { SshConnectionCache } from '../../../src/ssh/cache';


describe('SSH connection cache', () => {
  const hostKey = keyPair();
  const clientKey = keyPair();
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-sshcache-'));
  let server: Server;
  let port = 0;
  let cfg: ClusterConfig;
  /** Server side: one record per accepted connection. */
  const conns: { closed: boolean; mute: boolean; end: () => void }[] = [];

  before(async () => {
    // Answer SFTP realpath (the cache's probe) unless the connection is muted; exec exits 0.
    ({ server, port } = await startFakeSshServer(hostKey, clientKey, (session) => {
      const rec = conns[conns.length - 1]!;
      session.on('sftp', (acc) => {
        const sftp = acc();
        sftp.on('REALPATH', (reqid) => { if (!rec.mute) sftp.name(reqid, [{ filename: '/', longname: '/', attrs: {} as never }]); });
      });
      session.on('exec', (acc) => { const st = acc(); st.exit(0); st.end(); });
    }));
    // One record per accepted connection (sessions belong to the newest: the tests open them one at a time).
    server.on('connection', (client) => {
      const rec = { closed: false, mute: false, end: () => client.end() };
      conns.push(rec);
      client.on('close', () => { rec.closed = true; });
    });
    writeFileSync(join(dir, 'id'), clientKey.priv, { mode: 0o600 });
    writeFileSync(join(dir, 'kh'), `[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
    cfg = parseClusterConfig({
      cluster: 't', mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:Y' },
      ssh: { user: 'root', port, key: join(dir, 'id'), knownHosts: join(dir, 'kh') },
      servers: [{ name: 'a', host: '127.0.0.1' }, { name: 'b', host: '127.0.0.2' }],
    });
  });
  after(() => server.close());

  it('shares one connection between leases and closes it once idle', async () => {
    const cache = new SshConnectionCache(150, 500);
    const before = conns.length;
    const one = cache.acquire(cfg, cfg.servers[0]!);
    const two = cache.acquire(cfg, cfg.servers[0]!);
    assert.equal(await one.session, await two.session);
    one.release();
    two.release();
    const three = cache.acquire(cfg, cfg.servers[0]!);
    assert.equal((await three.session).target.name, 'a');
    three.release();
    assert.equal(conns.length - before, 1, 'one connection for three leases');
    await sleep(400);
    assert.equal(conns[conns.length - 1]!.closed, true, 'closed after the idle time');
    const four = cache.acquire(cfg, cfg.servers[0]!);
    await four.session;
    four.release();
    assert.equal(conns.length - before, 2, 'a new connection after the idle close');
    await cache.closeAll();
  });

  it('replaces an idle connection that stops answering, and drops one the host closed', async () => {
    const cache = new SshConnectionCache(60_000, 200);
    const first = cache.acquire(cfg, cfg.servers[0]!);
    const s1 = await first.session;
    first.release();
    conns[conns.length - 1]!.mute = true; // alive at the TCP level, answers nothing: a vanished host
    const n = conns.length;
    const second = cache.acquire(cfg, cfg.servers[0]!);
    const s2 = await second.session;
    assert.notEqual(s2, s1, 'a fresh session after the probe timed out');
    assert.equal(conns.length, n + 1);
    const r = await s2.exec(['true']);
    assert.equal(r.code, 0);
    second.release();
    conns[conns.length - 1]!.end(); // the host closes it
    await sleep(100);
    const third = cache.acquire(cfg, cfg.servers[0]!);
    assert.notEqual(await third.session, s2);
    assert.equal(conns.length, n + 2);
    third.release();
    await cache.closeAll();
    await sleep(50);
    assert.ok(conns.every((c) => c.closed), 'closeAll closed every connection');
  });

  it('keeps a kept connection open past the idle time, and opens it again after the host drops it', async () => {
    const cache = new SshConnectionCache(100, 500);
    const n0 = conns.length;
    await cache.keep(cfg, cfg.servers[0]!);
    assert.equal(conns.length, n0, 'disabled: keep opens nothing');
    const said: string[] = [];
    cache.enable({ info: (o, msg) => said.push(`info ${msg} ${JSON.stringify(o)}`), warn: (o, msg) => said.push(`warn ${msg}`) });
    const n = conns.length;
    await cache.keep(cfg, cfg.servers[0]!);
    assert.equal(conns.length, n + 1);
    const lease = cache.acquire(cfg, cfg.servers[0]!);
    const s1 = await lease.session;
    lease.release();
    await sleep(300);
    assert.equal(conns[n]!.closed, false, 'not closed after three idle times');
    conns[n]!.end(); // the host drops it (sshd restarted, network cut)
    await sleep(1500);
    assert.equal(conns.length, n + 2, 'opened again about 1 s later, with no step asking');
    assert.equal(conns[n + 1]!.closed, false);
    for (let waited = 0; said.length < 2 && waited < 5000; waited += 50) await sleep(50); // said once its handshake is done
    assert.equal(said.length, 2, said.join('\n'));
    assert.match(said[0]!, /^info SSH: a kept connection closed.*"server":"a"/);
    assert.match(said[1]!, /^info SSH: a kept connection is open again.*"attempts":0/);
    const again = cache.acquire(cfg, cfg.servers[0]!);
    assert.notEqual(await again.session, s1);
    again.release();
    assert.equal(conns.length, n + 2, 'the reopened connection serves the next step');
    await cache.closeAll();
    await sleep(1200);
    assert.equal(conns.length, n + 2, 'closeAll: nothing reopened');
    assert.ok(conns.every((c) => c.closed));
  });

  it('says once that a kept connection cannot be opened, and tries again', async () => {
    const cache = new SshConnectionCache(60_000, 500);
    const said: string[] = [];
    cache.enable({ info: (_o, msg) => said.push(`info ${msg}`), warn: (o, msg) => said.push(`warn ${msg} ${JSON.stringify(o)}`) });
    // A host whose port takes each connection and drops it at once, counting them.
    let attempts = 0;
    const refuser = createServer((sock) => { attempts++; sock.destroy(); });
    await new Promise<void>((r) => refuser.listen(0, '127.0.0.1', r));
    const broken = parseClusterConfig({ ...cfg, ssh: { ...cfg.ssh, port: (refuser.address() as AddressInfo).port } });
    await assert.rejects(cache.keep(broken, broken.servers[0]!));
    for (let waited = 0; attempts < 2 && waited < 10_000; waited += 50) await sleep(50); // the second attempt, 1 s later
    assert.equal(attempts, 2, 'tried again');
    await sleep(100); // its failure handled
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0]!, /^warn SSH: a kept connection cannot be opened.*"server":"a".*"retryInMs":1000/);
    await cache.closeAll();
    refuser.close();
  });

  it('warms connections in the background only when enabled', async () => {
    const cache = new SshConnectionCache(60_000, 500);
    const n = conns.length;
    cache.warm(cfg, [cfg.servers[0]!]);
    await sleep(200);
    assert.equal(conns.length, n, 'disabled: nothing opened');
    cache.enable();
    cache.warm(cfg, [cfg.servers[0]!]);
    await sleep(300);
    assert.equal(conns.length, n + 1, 'enabled: opened ahead of use');
    const lease = cache.acquire(cfg, cfg.servers[0]!);
    await lease.session;
    lease.release();
    assert.equal(conns.length, n + 1, 'the warmed connection was reused');
    await cache.closeAll();
  });
});
