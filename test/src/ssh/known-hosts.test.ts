// Pinned host keys: known_hosts entries (plain, [host]:port, hashed) and what a key that does not match means.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyPair } from '../../support/fake-ssh';
import { knownHostName, parseKnownHosts, verifyHostKey } from '../../../src/ssh/known-hosts';

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
