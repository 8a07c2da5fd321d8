// The failover command's HTTP path to Temporal: where it looks, how failures are read, how an absent HTTP
// API is told apart from a failing one (the lab's real dev server covers the happy path in the integration tests).
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ConnectionError } from '../../../src/errors';
import { failureOfJson, failureReason, HttpUnavailableError, jsonPayload, payloadValue, TemporalHttp, temporalHttpAddress, WorkflowEndedError } from '../../../src/temporal/http';

function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try { return fn(); } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

describe('Temporal HTTP API address', () => {
  const plain = { tls: null };
  it('defaults to port 7243 on the gRPC host, follows TEMPORAL_HTTP_ADDRESS, and can be turned off', () => {
    const at = (address: string) => () => temporalHttpAddress({ address, ...plain });
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: undefined }, at('127.0.0.1:7233')), '127.0.0.1:7243');
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: undefined }, at('temporal.prod:7233')), 'temporal.prod:7243');
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: 'http://gw:8080' }, at('127.0.0.1:7233')), 'http://gw:8080');
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: 'off' }, at('127.0.0.1:7233')), null);
  });
  it('guesses nothing for a server on another port (its neighbour on 7243 is another server) or a secured one', () => {
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: undefined }, () => temporalHttpAddress({ address: '127.0.0.1:7333', ...plain })), null);
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: undefined }, () => temporalHttpAddress({ address: 'temporal:7233', tls: {} })), null);
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: undefined }, () => temporalHttpAddress({ address: 'temporal:7233', tls: null, apiKey: 'k' })), null);
    assert.equal(withEnv({ TEMPORAL_HTTP_ADDRESS: 'https://temporal:7243' }, () => temporalHttpAddress({ address: 'temporal:7233', tls: {} })), 'https://temporal:7243');
  });
});

describe('payloads', () => {
  it('round-trip as canonical json/plain payloads, empty arrays and nulls kept (the shorthand loses them)', () => {
    const report = { unrecoverable: [], newMaster: null, steps: [{ id: 'check', ms: 12 }], text: 'é "quoted"' };
    const p = jsonPayload(report);
    assert.equal(Buffer.from(p.metadata!.encoding!, 'base64').toString(), 'json/plain');
    assert.deepEqual(payloadValue(p), report);
    assert.equal(Buffer.from(jsonPayload('lab', 'Keyword').metadata!.type!, 'base64').toString(), 'Keyword');
    assert.equal(payloadValue({ metadata: { encoding: Buffer.from('binary/null').toString('base64') } }), null);
    assert.throws(() => payloadValue({ metadata: { encoding: Buffer.from('binary/encrypted').toString('base64') }, data: '' }), /binary\/encrypted, not json\/plain/);
  });
});

describe('failures read from the HTTP API and from the SDK', () => {
  const activityRefusal = {
    message: 'Activity task failed', activityFailureInfo: { activityType: { name: 'failoverCheck' } },
    cause: { message: '[db1] db1 answers SQL: it is a live master', applicationFailureInfo: { type: 'RefusedError', nonRetryable: true } },
  };
  it('takes the innermost application failure of a chain', () => {
    assert.deepEqual(failureOfJson(activityRefusal), { message: '[db1] db1 answers SQL: it is a live master', type: 'RefusedError' });
    assert.deepEqual(failureOfJson({ message: 'no eligible candidate', applicationFailureInfo: { type: 'RefusedError' } }), { message: 'no eligible candidate', type: 'RefusedError' });
    assert.deepEqual(failureOfJson({ message: 'timed out', timeoutFailureInfo: {} }), { message: 'timed out', type: null });
    assert.deepEqual(failureOfJson(null), { message: 'workflow failed', type: null });
  });
  it('failureReason reads both the HTTP error and SDK-shaped errors (without loading the SDK)', () => {
    assert.deepEqual(failureReason(new WorkflowEndedError('failed', activityRefusal)), { message: '[db1] db1 answers SQL: it is a live master', type: 'RefusedError' });
    const app = Object.assign(new Error('cannot leave db3 behind'), { name: 'ApplicationFailure', type: 'RefusedError' });
    const act = Object.assign(new Error('Activity task failed'), { name: 'ActivityFailure', cause: app });
    const wf = Object.assign(new Error('Workflow execution failed'), { name: 'WorkflowFailedError', cause: act });
    assert.deepEqual(failureReason(wf), { message: 'cannot leave db3 behind', type: 'RefusedError' });
    assert.deepEqual(failureReason(new Error('socket hang up')), { message: 'socket hang up', type: null });
  });
});

describe('TemporalHttp against an in-process server', () => {
  it('calls nothing listening "unavailable" (the command falls back to gRPC) and an error answer a ConnectionError', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url?.includes('/query/') ? 400 : 200, { 'content-type': 'application/json' });
      res.end(req.url?.includes('/query/') ? JSON.stringify({ code: 9, message: 'Workflow execution closed before WorkflowTaskStarted event' }) : JSON.stringify({ runId: 'r1' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const api = new TemporalHttp(`127.0.0.1:${port}`, 'default');
      // The gateway leaves false values out: an attach answers without `started` (issue 16: it read as "started").
      assert.deepEqual(await api.start({ workflowId: 'w', workflowType: 'failover', taskQueue: 'q', input: [{}], requestId: 'x' }), { runId: 'r1', started: false });
      await assert.rejects(api.query('w', 'r1', 'progress'), (e: unknown) => e instanceof ConnectionError && !(e instanceof HttpUnavailableError) && /400 Workflow execution closed/.test((e as Error).message));
      api.close();
    } finally {
      server.close();
    }
    const dead = new TemporalHttp(`127.0.0.1:${port}`, 'default');
    await assert.rejects(dead.start({ workflowId: 'w', workflowType: 'failover', taskQueue: 'q', input: [], requestId: 'y' }), (e: unknown) => e instanceof HttpUnavailableError);
  });
});
