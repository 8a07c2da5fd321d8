// Fetching a host's SSH key to pin it (`config import-mha --scan-host-keys`): the key the host presents to
// mhaflow's own SSH client (ssh2), so what is pinned is what the workers will verify. The connection stops
// at the key: nothing is authenticated, nothing is trusted here; the caller shows the fingerprint for the
// operator to confirm before anything is written where it would be trusted.
import { Client } from 'ssh2';
import type { ClusterConfig } from '../config/schema';
import { hostKeyFingerprint, hostKeyType, loadKnownHosts, verifyHostKey, type KnownHostEntry } from './known-hosts';
import { sshTarget } from './session';

export interface ScannedKey { host: string; port: number; keyType: string; fingerprint: string; blob: Buffer }

export function scanHostKey(host: string, port: number, timeoutMs = 5000): Promise<ScannedKey> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | undefined;
    const done = () => {
      client.end();
      if (key) resolve({ host, port, keyType: hostKeyType(key), fingerprint: hostKeyFingerprint(key), blob: key });
      else reject(new Error(`no host key from ${host}:${port}`));
    };
    client.on('error', (e: Error) => (key ? done() : reject(new Error(`${host}:${port}: ${e.message}`))));
    client.on('close', () => done());
    client.connect({
      host, port, username: 'mhaflow-key-scan', readyTimeout: timeoutMs,
      // Take the key and stop the handshake: a scan must never log in.
      hostVerifier: (k: Buffer) => { key = Buffer.from(k); return false; },
    });
  });
}

export interface HostKeyRow {
  server: string;
  host: string;
  port: number;
  /** pinned: the file has this key; new: the file has none for the host; changed: the file has another key (never replaced here). */
  status: 'pinned' | 'new' | 'changed' | 'unreachable';
  key?: ScannedKey;
  error?: string;
}

/** Every server's presented host key against a known_hosts file's entries (the file may not exist yet). */
export async function scanClusterHostKeys(cfg: ClusterConfig, timeoutMs = 5000): Promise<HostKeyRow[]> {
  let entries: KnownHostEntry[] = [];
  try { entries = loadKnownHosts(cfg.ssh.knownHosts); } catch { entries = []; }
  return Promise.all(cfg.servers.map(async (s): Promise<HostKeyRow> => {
    const t = sshTarget(cfg, s);
    try {
      const key = await scanHostKey(t.host, t.port, timeoutMs);
      const v = verifyHostKey(entries, t.host, t.port, key.blob);
      return { server: s.name, host: t.host, port: t.port, status: v.ok ? 'pinned' : v.reason === 'changed-key' ? 'changed' : 'new', key };
    } catch (e) {
      return { server: s.name, host: t.host, port: t.port, status: 'unreachable', error: (e as Error).message };
    }
  }));
}
