// A secured Temporal (issue 16): TLS with the test CA, a client certificate (mTLS) and an API key, for the CLI
// (gRPC client and HTTP API) and the worker. The dev server has no TLS options, so a proxy in front of it
// checks all three (test/support/tls-proxy.ts). End to end: a worker process and the failover command, both
// through the proxy, run a failover of a cluster the worker does not know, which the worker refuses (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { closeClient, getClient } from '../../../src/temporal/client';
import { TemporalUnreachableError } from '../../../src/errors';
import { temporalAddress, temporalNamespace } from '../../../src/temporal/config';
import { startWorkerProcess, type WorkerProcess } from '../../../lab/worker-process';
import { makePki, startSecuredTemporal, type SecuredTemporal, type TestPki } from '../../support/tls-proxy';

const BIN = join(resolve(__dirname, '..', '..', '..'), 'bin', 'mhaflow.js');
const API_KEY = 'test-api-key-4f1c';
let pki: TestPki;
let secured: SecuredTemporal;
let worker: WorkerProcess | undefined;

function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  return fn().finally(async () => {
    await closeClient();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
}

const tlsEnv = (o: { cert?: string; key?: string; apiKey?: string | undefined } = {}) => ({
  TEMPORAL_ADDRESS: secured.grpc, TEMPORAL_TLS_CA_PATH: pki.ca,
  TEMPORAL_TLS_CERT_PATH: o.cert ?? pki.clientCert, TEMPORAL_TLS_KEY_PATH: o.key ?? pki.clientKey,
  TEMPORAL_API_KEY: 'apiKey' in o ? o.apiKey : API_KEY,
});

before(async () => {
  pki = makePki();
  secured = await startSecuredTemporal(pki, API_KEY, { grpc: temporalAddress(), http: `${temporalAddress().replace(/:\d+$/, '')}:7243` });
});
after(async () => {
  await worker?.kill();
  await secured?.close();
});

describe('Temporal over TLS, mTLS and an API key', () => {
  it('the CLI\'s client connects with the CA, its client certificate and the API key', async () => {
    await withEnv(tlsEnv(), async () => {
      const c = await getClient();
      const ns = await c.workflowService.describeNamespace({ namespace: temporalNamespace() });
      assert.equal(ns.namespaceInfo?.name, temporalNamespace());
    });
    assert.ok(secured.seen.grpc.length > 0 && secured.seen.grpc.every((s) => s.cn === 'client' && s.apiKey), JSON.stringify(secured.seen.grpc));
  });

  it('without the API key, or with a certificate of another CA, it is refused: Temporal unreachable (exit 5)', async () => {
    await withEnv(tlsEnv({ apiKey: undefined, cert: pki.clientCert }), async () => {
      await assert.rejects(getClient(), (e: unknown) => e instanceof TemporalUnreachableError && /missing or wrong API key/.test(e.message));
    });
    await withEnv(tlsEnv({ cert: pki.otherClientCert, key: pki.otherClientKey }), async () => {
      await assert.rejects(getClient(), (e: unknown) => e instanceof TemporalUnreachableError);
    });
    const r = spawnSync(process.execPath, [BIN, 'topology', '--cluster', 'x', '--tls-ca', pki.ca, '--tls-cert', pki.otherClientCert, '--tls-key', pki.otherClientKey,
      '--temporal-address', secured.grpc], { encoding: 'utf8', env: { ...process.env, TEMPORAL_API_KEY: API_KEY } });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /cannot reach Temporal at 127\.0\.0\.1:\d+ \(namespace default, TLS with CA, client certificate, API key\)/);
  });

  it('a worker and the failover command through it, over the HTTP API (HTTPS) and over gRPC: the worker\'s refusal arrives (exit 2)', async () => {
    const taskQueue = `mhaflow-tls-${process.pid}-${Date.now().toString(36)}`;
    worker = await startWorkerProcess({ taskQueue, sharedBundle: true, configDir: mkdtempSync(join(tmpdir(), 'mhaflow-tls-clusters-')), env: tlsEnv() });
    const run = promisify(execFile);
    for (const http of [`https://${secured.http}`, undefined]) {
      const env = { ...process.env, ...tlsEnv(), MHAFLOW_TASK_QUEUE: taskQueue, TEMPORAL_HTTP_ADDRESS: http };
      if (!http) delete env.TEMPORAL_HTTP_ADDRESS;
      const r = await run(process.execPath, [BIN, 'failover', '--cluster', `tls-${Date.now().toString(36)}`, '--json'], { env, encoding: 'utf8' })
        .then(() => { throw new Error('expected a refusal'); }, (e: { code: number; stdout: string; stderr: string }) => e);
      assert.equal(r.code, 2, `${http ?? 'gRPC'}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { outcome: string; error: string };
      assert.equal(out.outcome, 'refused');
      assert.match(out.error, /no config for cluster tls-/);
    }
    assert.ok(secured.seen.http.length > 0 && secured.seen.http.every((s) => s.cn === 'client' && s.apiKey), 'the HTTP API calls came with the certificate and the key');
    assert.ok(secured.seen.grpc.filter((s) => s.apiKey).length > 10, 'the worker polls through the proxy');
  });
});
