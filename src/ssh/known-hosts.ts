// Host-key pinning against an OpenSSH known_hosts file. An unknown or changed key is refused.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KnownHostEntry { patterns: string[]; hashed?: { salt: Buffer; hash: Buffer }; keyType: string; keyBase64: string }

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@revoked')) continue;
    const parts = line.replace(/^@cert-authority\s+/, '').split(/\s+/);
    if (parts.length < 3) continue;
    const [hosts, keyType, keyBase64] = parts as [string, string, string];
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      out.push({ patterns: [], hashed: { salt: Buffer.from(salt!, 'base64'), hash: Buffer.from(hash!, 'base64') }, keyType, keyBase64 });
    } else {
      out.push({ patterns: hosts.split(','), keyType, keyBase64 });
    }
  }
  return out;
}

/** known_hosts names a host as "host" on port 22 and "[host]:port" otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function entryMatches(e: KnownHostEntry, name: string): boolean {
  if (e.hashed) return createHmac('sha1', e.hashed.salt).update(name).digest().equals(e.hashed.hash);
  return e.patterns.includes(name);
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: 'unknown-host' | 'changed-key'; expected?: string[] };

export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const mine = entries.filter((e) => entryMatches(e, name));
  if (!mine.length) return { ok: false, reason: 'unknown-host' };
  const presented = keyBlob.toString('base64');
  if (mine.some((e) => e.keyBase64 === presented)) return { ok: true };
  return { ok: false, reason: 'changed-key', expected: mine.map((e) => e.keyType) };
}

export function loadKnownHosts(path: string): KnownHostEntry[] {
  return parseKnownHosts(readFileSync(path, 'utf8'));
}

/** The OpenSSH fingerprint of a host key blob, as `ssh-keygen -lf` and ssh's prompt show it (SHA256:...). */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a host key blob starts with (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa...). */
export function hostKeyType(keyBlob: Buffer): string {
  const len = keyBlob.length >= 4 ? keyBlob.readUInt32BE(0) : 0;
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** A known_hosts line pinning this key for host:port. */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${knownHostName(host, port)} ${hostKeyType(keyBlob)} ${keyBlob.toString('base64')}`;
}
