// The logger: secrets in structured fields never reach the output.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log';

describe('logging', () => {
  it('redacts passwords and keys in structured fields, at any of the configured depths', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ stream: sink, level: 'info' });
    log.info({ password: 's3cret-a', mysql: { user: 'u', password: 's3cret-b' }, cfg: { replication: { password: 's3cret-c' } }, ssh: { privateKey: 's3cret-d' } }, 'connecting');
    const out = lines.join('');
    for (const s of ['s3cret-a', 's3cret-b', 's3cret-c', 's3cret-d']) assert.ok(!out.includes(s), `${s} leaked: ${out}`);
    assert.match(out, /\[REDACTED\]/);
    assert.match(out, /"user":"u"/);
  });
});
