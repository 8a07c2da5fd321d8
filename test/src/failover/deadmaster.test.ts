// The dead master's second check from its own host: a direct-tcpip channel to its mysqld port (no shell),
// against an in-process ssh2.Server playing the host (the lab covers a real sshd and mariadbd).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'ssh2';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';
import { parseClusterConfig } from '../../../src/config/load';
import type { ClusterConfig } from '../../../src/config/schema';
import { checkFromOwnHost, mysqladminPingScript, pingFromOwnHost } from '../../../src/failover/deadmaster';
import { withPool } from '../../../src/ssh/pool';
import { createServer, type AddressInfo } from 'node:net';
import { openSsh } from '../../../src/ssh/session';

describe('ping from the dead master\'s own host', () => {
  const hostKey = keyPair();
  const clientKey = keyPair();
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-ping-'));
  /** What the "host" does with a connection to port N: 3306 greets, 3307 is refused, 3308 accepts and says nothing, 3309 closes. */
  const servers: Server[] = [];
  let withForwarding: ClusterConfig;
  let noForwarding: ClusterConfig;

  const configFor = (port: number, name: string) => {
    writeFileSync(join(dir, `kh-${name}`), `[127.0.0.1]:${port} ${hostKey.pubLine}\n`);
    return parseClusterConfig({
      cluster: 't', mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:Y' },
      ssh: { user: 'root', port, key: join(dir, 'id'), knownHosts: join(dir, `kh-${name}`) },
      servers: [3306, 3307, 3308, 3309].map((p, i) => ({ name: `db${i + 1}`, host: '127.0.0.1', port: p })),
    });
  };

  before(async () => {
    writeFileSync(join(dir, 'id'), clientKey.priv, { mode: 0o600 });
    const fwd = await startFakeSshServer(hostKey, clientKey, () => {}, (accept, reject, info) => {
      if (info.destPort === 3307) return reject();
      const ch = accept();
      if (info.destPort === 3306) ch.write(Buffer.from([0x4a, 0, 0, 0, 0x0a, 0x31, 0x30, 0x2e]));
      if (info.destPort === 3309) ch.close();
    });
    const none = await startFakeSshServer(hostKey, clientKey, () => {});
    servers.push(fwd.server, none.server);
    withForwarding = configFor(fwd.port, 'fwd');
    noForwarding = configFor(none.port, 'none');
  });
  after(() => servers.forEach((s) => s.close()));

  it('a greeting means alive; refused, silent or closed means no mysqld answering, each said which', async () => {
    const s = await openSsh(withForwarding, withForwarding.servers[0]!);
    try {
      const [greets, refused, silent, closes] = withForwarding.servers;
      assert.deepEqual(await pingFromOwnHost(s, greets!, 1000), { answered: true, view: 'answered', detail: "from db1's host, 127.0.0.1:3306 answered (a handshake)" });
      const r = await pingFromOwnHost(s, refused!, 1000);
      assert.deepEqual([r?.answered, r?.view], [false, 'refused']);
      assert.match(r!.detail, /refuses connections: no mysqld listening/);
      const t0 = Date.now();
      const q = await pingFromOwnHost(s, silent!, 300);
      assert.deepEqual([q?.answered, q?.view], [false, 'silent']);
      assert.match(q!.detail, /accepts TCP but sent nothing within 300 ms/);
      assert.ok(Date.now() - t0 < 2000);
      const c = await pingFromOwnHost(s, closes!, 1000);
      assert.deepEqual([c?.answered, c?.view], [false, 'refused']);
      assert.match(c!.detail, /closed the connection without a word/);
    } finally {
      s.close();
    }
  });

  it('forwarding forbidden by sshd: null, so the caller runs mysqladmin ping there instead', async () => {
    const s = await openSsh(noForwarding, noForwarding.servers[0]!);
    try {
      assert.equal(await pingFromOwnHost(s, noForwarding.servers[0]!, 1000), null);
    } finally {
      s.close();
    }
  });

  it('checkFromOwnHost: how the host answered (the monitor tells a killed mysqld from a stall or a host gone)', async () => {
    const [greets, refused, silent] = withForwarding.servers;
    const at = (server: typeof greets) => withPool(withForwarding, (pool) => checkFromOwnHost(pool, server!, 300));
    assert.deepEqual([(await at(greets)).ssh, (await at(greets)).mysqld], ['reachable', 'answered']);
    assert.equal((await at(refused)).mysqld, 'refused');
    assert.equal((await at(silent)).mysqld, 'silent');
    // No sshd at all on the host's port: refused (the host answered), not a timeout.
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    const none = { ...withForwarding, ssh: { ...withForwarding.ssh, port } };
    const r = await withPool(none, (pool) => checkFromOwnHost(pool, none.servers[0]!, 300));
    assert.deepEqual([r.ssh, r.mysqld], ['refused', 'unknown']);
    assert.match(r.evidence[0]!, /SSH to db1 failed/);
  });
});

describe('mysqladmin ping on the dead master\'s host: every config value quoted', () => {
  const hostile = { host: "db1; touch PWNED-host '$(touch PWNED-sub)`touch PWNED-tick`", port: 3306, clientBindir: '/opt/my sql/$(touch PWNED-bindir)/' };

  it('runs the configured tool with the values as single arguments, whatever they hold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-ping-sh-'));
    const bindir = join(dir, 'bin $(touch PWNED-dir)');
    mkdirSync(bindir);
    writeFileSync(join(bindir, 'mariadb-admin'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const r = spawnSync('sh', ['-c', mysqladminPingScript({ ...hostile, clientBindir: bindir })], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), ['--no-defaults', '-h', hostile.host, '-P', '3306', '--connect-timeout=2', 'ping']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('PWNED')), []);
  });

  it('no tool there: exit 127, nothing run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-ping-sh-'));
    const r = spawnSync('sh', ['-c', mysqladminPingScript(hostile)], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 127);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('PWNED')), []);
  });
});
