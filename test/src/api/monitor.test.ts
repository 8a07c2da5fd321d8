// The monitor's routes of the HTTP API (src/api/monitor.ts) over a fake Temporal: its view, starting it, its signals,
// the refusals (401, 403, 404, 409 when none runs, 400 naming an unknown field, 503), and the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_PAUSE_REASON } from '../../../src/api/monitor';
import { loadCluster } from '../../../src/config/registry';
import { OPERATE, READ, runningMonitor, testApi, type TestApi } from '../../support/api';

const SIGNALS = ['pause', 'resume', 'reload', 'stop'] as const;
const POSTS = ['/v1/clusters/app1/monitor', ...SIGNALS.map((s) => `/v1/clusters/app1/monitor/${s}`)];

let api: TestApi;
before(async () => { api = await testApi(); });
after(async () => { await api.app.close(); });
beforeEach(() => {
  api.runs.monitors.clear();
  api.runs.started = [];
  api.runs.signals = [];
});

describe('GET /v1/clusters/{cluster}/monitor', () => {
  it('a cluster never monitored: 200, running false, no status', async () => {
    const r = await api.get('/v1/clusters/app1/monitor', READ);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), {
      cluster: 'app1', workflowId: 'monitor:app1', link: null, running: false, execution: 'NOT_STARTED', status: null, watch: null, historyLength: 0,
    });
  });
  it('a running monitor: its state, master, pings, pause and warnings, the watch\'s heartbeat, the history length; nothing dropped', async () => {
    api.runs.monitors.set('app1', runningMonitor('app1', { reason: 'kernel upgrade' }));
    const r = await api.get('/v1/clusters/app1/monitor', READ);
    assert.equal(r.statusCode, 200);
    const b = r.json();
    assert.equal(b.running, true);
    assert.equal(b.execution, 'RUNNING');
    assert.equal(b.link, 'http://ui/monitor:app1');
    assert.equal(b.historyLength, 42);
    assert.equal(b.status.state, 'watching');
    assert.equal(b.status.master, 'db1');
    assert.equal(b.status.paused.reason, 'kernel upgrade');
    assert.deepEqual(b.status.lastPing, { at: '2026-11-29T10:00:00.000Z', ok: true, ms: 3 });
    assert.equal(b.status.warnings[0].what, 'db2 lags 12 s behind db1');
    assert.equal(b.watch.lastPing.at, '2026-11-29T10:00:05.000Z');
    // The response schema names only some fields of the status: the others must come through as they are.
    assert.deepEqual(b.status.events, [{ at: '2026-11-29T10:00:00.000Z', kind: 'start', message: 'monitoring cluster app1' }]);
    assert.equal(b.status.configDigest, 'abc123');
    assert.equal(b.status.generation, 0);
  });
  it('a stopped monitor: 200 with running false and its last status', async () => {
    api.runs.monitors.set('app1', { ...runningMonitor('app1'), running: false, execution: 'COMPLETED', watch: null });
    const b = (await api.get('/v1/clusters/app1/monitor', READ)).json();
    assert.equal(b.running, false);
    assert.equal(b.execution, 'COMPLETED');
    assert.equal(b.status.master, 'db1');
  });
  it('an operate token reads it too', async () => {
    assert.equal((await api.get('/v1/clusters/app2/monitor', OPERATE)).statusCode, 200);
  });
});

describe('POST /v1/clusters/{cluster}/monitor', () => {
  it('starts it: 202 with workflowId, runId, link, started; the worker gets the cluster name and this copy\'s digest', async () => {
    const r = await api.post('/v1/clusters/app1/monitor');
    assert.equal(r.statusCode, 202);
    assert.deepEqual(r.json(), { workflowId: 'monitor:app1', runId: 'new', link: 'http://ui/monitor:app1', started: true });
    assert.deepEqual(api.runs.started, [{ kind: 'monitor', input: { cluster: 'app1', configDigest: loadCluster('app1', api.dir).digest } }]);
  });
  it('starts it paused, with the reason', async () => {
    assert.equal((await api.post('/v1/clusters/app2/monitor', { paused: { reason: 'moving racks' } })).statusCode, 202);
    assert.deepEqual(api.runs.started[0]!.input, { paused: { reason: 'moving racks' }, cluster: 'app2', configDigest: loadCluster('app2', api.dir).digest });
    assert.equal((await api.get('/v1/clusters/app2/monitor', READ)).json().status.paused.reason, 'moving racks');
  });
  it('a second start attaches to the running monitor: 202, started false', async () => {
    api.runs.monitors.set('app1', runningMonitor('app1'));
    const r = await api.post('/v1/clusters/app1/monitor', {});
    assert.equal(r.statusCode, 202);
    assert.equal(r.json().started, false);
    assert.equal(r.json().runId, 'r1');
  });
});

describe('POST /v1/clusters/{cluster}/monitor/{pause,resume,reload,stop}', () => {
  for (const signal of SIGNALS) {
    it(`${signal}: 202 and the signal sent to the cluster's monitor`, async () => {
      api.runs.monitors.set('app1', runningMonitor('app1'));
      const r = await api.post(`/v1/clusters/app1/monitor/${signal}`, signal === 'pause' ? { reason: 'kernel upgrade on db1' } : undefined);
      assert.equal(r.statusCode, 202);
      assert.deepEqual(r.json(), { workflowId: 'monitor:app1', signal, link: 'http://ui/monitor:app1' });
      assert.deepEqual(api.runs.signals, [{ cluster: 'app1', signal, ...(signal === 'pause' ? { pause: { reason: 'kernel upgrade on db1' } } : {}) }]);
    });
  }
  it('pause without a reason says it came through the API', async () => {
    api.runs.monitors.set('app1', runningMonitor('app1'));
    assert.equal((await api.post('/v1/clusters/app1/monitor/pause')).statusCode, 202);
    assert.deepEqual(api.runs.signals[0]!.pause, { reason: DEFAULT_PAUSE_REASON });
  });
  it('409 when no monitor of the cluster runs, saying how to start it; nothing signalled', async () => {
    api.runs.monitors.set('app2', { ...runningMonitor('app2'), running: false, execution: 'TERMINATED' });
    for (const signal of SIGNALS) {
      const r = await api.post(`/v1/clusters/app1/monitor/${signal}`, {});
      assert.equal(r.statusCode, 409, signal);
      assert.deepEqual(r.json(), {
        error: 'conflict', workflowId: 'monitor:app1',
        message: 'no monitor of cluster app1 is running: start it first (POST /v1/clusters/app1/monitor)',
      });
      const ended = await api.post(`/v1/clusters/app2/monitor/${signal}`, {});
      assert.equal(ended.statusCode, 409, signal);
      assert.match(ended.json().message, /monitor:app2 is terminated/);
    }
    assert.deepEqual(api.runs.signals, []);
  });
});

describe('the monitor routes refuse', () => {
  it('401 without a token, or with a wrong one, on every route', async () => {
    for (const r of [
      await api.get('/v1/clusters/app1/monitor'), await api.get('/v1/clusters/app1/monitor', 'wrong-token-0123456789'),
      ...await Promise.all(POSTS.map((u) => api.post(u, {}, 'wrong-token-0123456789'))),
    ]) {
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error, 'unauthorized');
    }
    const bare = await api.app.inject({ method: 'POST', url: '/v1/clusters/app1/monitor/stop' });
    assert.equal(bare.statusCode, 401);
  });
  it('403 with a read token on every POST; nothing started or signalled', async () => {
    api.runs.monitors.set('app1', runningMonitor('app1'));
    for (const url of POSTS) {
      const r = await api.post(url, {}, READ);
      assert.equal(r.statusCode, 403, url);
      assert.equal(r.json().error, 'forbidden');
    }
    assert.deepEqual(api.runs.started, []);
    assert.deepEqual(api.runs.signals, []);
  });
  it('404 for an unknown cluster on every route, naming the known ones', async () => {
    for (const r of [await api.get('/v1/clusters/nope/monitor', READ), ...await Promise.all(POSTS.map((u) => api.post(u.replace('app1', 'nope'), {})))]) {
      assert.equal(r.statusCode, 404);
      assert.deepEqual(r.json(), { error: 'not-found', message: 'no cluster nope here (clusters: app1, app2)' });
    }
    assert.deepEqual(api.runs.started, []);
  });
  const bad: [string, string, unknown, string][] = [
    ['start: a config from the caller', '/v1/clusters/app1/monitor', { config: { servers: [] } }, 'config'],
    ['start: a digest from the caller', '/v1/clusters/app1/monitor', { configDigest: 'x' }, 'configDigest'],
    ['start: a misspelled pause reason', '/v1/clusters/app1/monitor', { paused: { reasn: 'x' } }, 'reasn'],
    ['pause: an unknown field', '/v1/clusters/app1/monitor/pause', { reason: 'x', until: 'tomorrow' }, 'until'],
    ['resume: any field', '/v1/clusters/app1/monitor/resume', { force: true }, 'force'],
    ['reload: any field', '/v1/clusters/app1/monitor/reload', { config: 'x' }, 'config'],
    ['stop: any field', '/v1/clusters/app1/monitor/stop', { now: true }, 'now'],
  ];
  for (const [name, url, body, field] of bad) {
    it(`400 naming the field: ${name}`, async () => {
      api.runs.monitors.set('app1', runningMonitor('app1'));
      const r = await api.post(url, body);
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().error, 'bad-request');
      assert.equal(r.json().field, field);
      assert.deepEqual(api.runs.started, []);
      assert.deepEqual(api.runs.signals, []);
    });
  }
  it('400 naming the field: a pause reason that is not a string', async () => {
    const r = await api.post('/v1/clusters/app1/monitor/pause', { reason: 3 });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, 'reason');
  });
  it('503 when Temporal is unreachable', async () => {
    api.runs.down = true;
    try {
      for (const r of [await api.get('/v1/clusters/app1/monitor', READ), await api.post('/v1/clusters/app1/monitor'), await api.post('/v1/clusters/app1/monitor/stop')]) {
        assert.equal(r.statusCode, 503);
        assert.equal(r.json().error, 'unavailable');
      }
    } finally { api.runs.down = false; }
  });
  it('counts the requests by route in /metrics', async () => {
    await api.get('/v1/clusters/app1/monitor', READ);
    const text = (await api.get('/metrics', READ)).body;
    assert.match(text, /mhaflow_api_requests_total\{route="\/v1\/clusters\/:cluster\/monitor",method="GET",status="200"\} [1-9]/);
    assert.match(text, /mhaflow_api_requests_total\{route="\/v1\/clusters\/:cluster\/monitor\/stop",method="POST",status="409"\} [1-9]/);
  });
});

describe('the OpenAPI document: the monitor routes', () => {
  it('lists them under the monitor tag, with their levels, bodies and answers', async () => {
    const doc = (await api.get('/v1/openapi.json')).json();
    assert.ok(doc.tags.some((t: { name: string }) => t.name === 'monitor'));
    const view = doc.paths['/v1/clusters/{cluster}/monitor'];
    assert.deepEqual(view.get.tags, ['monitor']);
    assert.deepEqual(Object.keys(view.get.responses).sort(), ['200', '401', '404', '503']);
    assert.deepEqual(view.get.security, [{ bearer: [] }]);
    assert.deepEqual(view.post.tags, ['monitor']);
    assert.deepEqual(Object.keys(view.post.requestBody.content['application/json'].schema.properties), ['paused']);
    assert.deepEqual(view.post.responses['202'].content['application/json'].schema.required, ['workflowId', 'runId', 'link', 'started']);
    for (const signal of SIGNALS) {
      const op = doc.paths[`/v1/clusters/{cluster}/monitor/${signal}`]?.post;
      assert.ok(op, signal);
      assert.deepEqual(op.tags, ['monitor'], signal);
      assert.deepEqual(Object.keys(op.responses).sort(), ['202', '400', '401', '403', '404', '409', '503'], signal);
      assert.equal(op.requestBody.content['application/json'].schema.additionalProperties, false, signal);
    }
    assert.ok(doc.paths['/v1/clusters/{cluster}/monitor/pause'].post.requestBody.content['application/json'].schema.properties.reason);
  });
});
