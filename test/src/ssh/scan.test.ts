// Fetching a host key to pin it (src/ssh/scan.ts): the key the host presents, its fingerprint as ssh shows
// it, its known_hosts line, and nothing logged in.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { hostKeyFingerprint, knownHostsLine, parseKnownHosts, verifyHostKey } from '../../../src/ssh/known-hosts';
import { scanClusterHostKeys, scanHostKey } from '../../../src/ssh/scan';
import type { ClusterConfig } from '../../../src/config/schema';
import { keyPair, startFakeSshServer } from '../../support/fake-ssh';

describe('host key scan', () => {
  it('gets the presented key without logging in; its fingerprint is ssh-keygen\'s, its line verifies', async () => {
    const host = keyPair();
    let sessions = 0;
    const { server, port } = await startFakeSshServer(host, keyPair(), () => { sessions++; });
    try {
      const k = await scanHostKey('127.0.0.1', port);
      assert.ok(k.blob.equals(host.pubBlob));
      assert.equal(k.keyType, 'ssh-ed25519');
      const dir = mkdtempSync(join(tmpdir(), 'mhaflow-scan-'));
      writeFileSync(join(dir, 'k.pub'), `${host.pubLine}\n`);
      const keygen = spawnSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' });
      assert.equal(keygen.stdout.split(' ')[1], k.fingerprint, 'the same fingerprint ssh-keygen -lf shows on the host');
      assert.equal(hostKeyFingerprint(host.pubBlob), k.fingerprint);
      const line = knownHostsLine('127.0.0.1', port, k.blob);
      assert.match(line, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${port} ssh-ed25519 `));
      assert.deepEqual(verifyHostKey(parseKnownHosts(line), '127.0.0.1', port, host.pubBlob), { ok: true });
      assert.equal(sessions, 0, 'no session opened');

      writeFileSync(join(dir, 'known_hosts'), `${knownHostsLine('127.0.0.1', port, keyPair().pubBlob)}\n`);
      const cfg = { ssh: { user: 'root', port, knownHosts: join(dir, 'known_hosts') }, servers: [{ name: 'db1', host: '127.0.0.1', ssh: {} }, { name: 'db2', host: '127.0.0.1', ssh: { port: 1 } }] } as unknown as ClusterConfig;
      const rows = await scanClusterHostKeys(cfg, 2000);
      assert.deepEqual(rows.map((r) => [r.server, r.status]), [['db1', 'changed'], ['db2', 'unreachable']]);
    } finally {
      server.close();
    }
  });
});
