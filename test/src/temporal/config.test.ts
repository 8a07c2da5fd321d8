// How every way into Temporal is configured (src/temporal/config.ts): TLS with a CA, mTLS, an API key, from the
// temporal CLI's variables (which the command line's flags set). tls.temporal.test.ts connects through them.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connectionOptions, describeEndpoint, temporalEndpoint } from '../../../src/temporal/config';
import { ConfigError } from '../../../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'mhaflow-tls-opts-'));
for (const f of ['ca.crt', 'client.crt', 'client.key']) writeFileSync(join(dir, f), `${f} bytes`);
writeFileSync(join(dir, 'api.key'), 'k-123\n');
const p = (f: string) => join(dir, f);

describe('Temporal connection options', () => {
  it('plain TCP by default', () => {
    const ep = temporalEndpoint({});
    assert.deepEqual(ep, { address: '127.0.0.1:7233', namespace: 'default', tls: null });
    assert.deepEqual(connectionOptions(ep), { address: '127.0.0.1:7233' });
  });

  it('TLS with a CA, a client certificate for mTLS and a server name, read from the files', () => {
    const ep = temporalEndpoint({ TEMPORAL_TLS_CA_PATH: p('ca.crt'), TEMPORAL_TLS_CERT_PATH: p('client.crt'), TEMPORAL_TLS_KEY_PATH: p('client.key'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    const o = connectionOptions(ep);
    assert.equal(String(o.tls!.serverRootCACertificate), 'ca.crt bytes');
    assert.equal(String(o.tls!.clientCertPair!.crt), 'client.crt bytes');
    assert.equal(String(o.tls!.clientCertPair!.key), 'client.key bytes');
    assert.equal(o.tls!.serverNameOverride, 'temporal.internal');
    assert.equal(o.apiKey, undefined);
    assert.match(describeEndpoint(ep), /TLS with CA, client certificate/);
  });

  it('an API key (variable or file) turns TLS on unless TEMPORAL_TLS=false; never shown', () => {
    const ep = temporalEndpoint({ TEMPORAL_API_KEY_FILE: p('api.key') });
    assert.deepEqual(connectionOptions(ep), { address: '127.0.0.1:7233', tls: {}, apiKey: 'k-123' });
    assert.doesNotMatch(describeEndpoint(ep), /k-123/);
    assert.match(describeEndpoint(ep), /TLS, API key/);
    assert.deepEqual(connectionOptions(temporalEndpoint({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })), { address: '127.0.0.1:7233', apiKey: 'k' });
    assert.deepEqual(connectionOptions(temporalEndpoint({ TEMPORAL_TLS: 'true' })), { address: '127.0.0.1:7233', tls: {} });
  });

  it('refuses half a client certificate and an unreadable file (bad input)', () => {
    assert.throws(() => temporalEndpoint({ TEMPORAL_TLS_CERT_PATH: p('client.crt') }), (e: unknown) => e instanceof ConfigError && /TEMPORAL_TLS_KEY_PATH/.test(e.message));
    assert.throws(() => connectionOptions(temporalEndpoint({ TEMPORAL_TLS_CA_PATH: p('nope.crt') })), (e: unknown) => e instanceof ConfigError && /ENOENT/.test(e.message));
    assert.throws(() => temporalEndpoint({ TEMPORAL_API_KEY_FILE: p('nope') }), ConfigError);
  });
});
