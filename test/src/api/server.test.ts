// The HTTP API without a network (fastify inject) and without Temporal (a fake ClusterRuns): authentication (401/403),
// the bodies of 400/404/409/503, starting runs, approve and reject, the metrics, and the OpenAPI document, validated.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { loadTokens } from '../../../src/api/auth';
import { loadCluster } from '../../../src/config/registry';
import { OPERATE, READ, run, testApi, type FakeRuns, type TestApi } from '../../support/api';

let api: TestApi;
let runs: FakeRuns;
let app: FastifyInstance;
let dir: string;

before(async () => {
  api = await testApi();
  ({ runs, app, dir } = api);
});
after(async () => { await app.close(); });

const get: TestApi['get'] = (url, token) => api.get(url, token);
const post: TestApi['post'] = (url, body, token) => api.post(url, body, token);
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('authentication', () => {
  it('/healthz and the OpenAPI document need no token', async () => {
    assert.equal((await get('/healthz')).statusCode, 200);
    assert.equal((await get('/v1/openapi.json')).statusCode, 200);
  });
  it('no token, or a wrong one: 401 with a body and WWW-Authenticate', async () => {
    for (const r of [await get('/v1/clusters'), await get('/v1/clusters', 'wrong-token-0123456789'), await get('/metrics')]) {
      assert.equal(r.statusCode, 401);
      assert.equal(r.headers['www-authenticate'], 'Bearer');
      assert.deepEqual(r.json(), { error: 'unauthorized', message: 'a bearer token is required: Authorization: Bearer <token>' });
    }
  });
  it('a read token reads, and gets 403 on every POST', async () => {
    assert.equal((await get('/v1/clusters', READ)).statusCode, 200);
    for (const url of ['/v1/clusters/app1/switchover', '/v1/clusters/app1/failover', '/v1/workflows/switchover:app1/approve', '/v1/workflows/switchover:app1/reject']) {
      const r = await post(url, {}, READ);
      assert.equal(r.statusCode, 403, url);
      assert.equal(r.json().error, 'forbidden');
    }
  });
  it('an operate token reads too', async () => {
    assert.equal((await get('/v1/clusters', OPERATE)).statusCode, 200);
  });
  it('short or missing tokens are refused at start', () => {
    process.env.TEST_API_SHORT = 'short';
    assert.throws(() => loadTokens({ operate: ['env:TEST_API_SHORT'], read: [] }), /shorter than 16 characters/);
    assert.throws(() => loadTokens({ operate: [], read: ['env:TEST_API_READ'] }), /at least one operate token/);
  });
});

describe('clusters', () => {
  it('lists the clusters of the directory, with their servers', async () => {
    const r = await get('/v1/clusters', READ);
    assert.deepEqual(r.json().clusters.map((c: { name: string }) => c.name), ['app1', 'app2']);
    assert.deepEqual(r.json().clusters[0].servers[1], { name: 'db2', host: '10.0.0.2', port: 3306 });
  });
  it('one cluster: servers, topology, last runs with links', async () => {
    runs.byId.set('failover:app1', run({ workflowId: 'failover:app1', status: 'COMPLETED', phase: 'completed', closeTime: '2026-11-29T10:00:05.000Z' }));
    const r = await get('/v1/clusters/app1', READ);
    assert.equal(r.statusCode, 200);
    const b = r.json();
    assert.equal(b.topology.roles.master, 'db1');
    assert.equal(b.lastFailover.link, 'http://ui/failover:app1');
    assert.equal(b.lastSwitchover, null);
    runs.byId.clear();
  });
  it('an unknown cluster: 404 naming the known ones', async () => {
    const r = await get('/v1/clusters/nope', READ);
    assert.equal(r.statusCode, 404);
    assert.deepEqual(r.json(), { error: 'not-found', message: 'no cluster nope here (clusters: app1, app2)' });
    assert.equal((await post('/v1/clusters/nope/switchover', {})).statusCode, 404);
  });
  it('a bad query parameter: 400 naming it', async () => {
    const r = await get('/v1/clusters/app1?topology=maybe', READ);
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, 'topology');
  });
});

describe('starting runs', () => {
  it('a switchover: 202 with the workflow id and link; the worker gets the cluster name and this copy\'s digest', async () => {
    runs.started = [];
    const r = await post('/v1/clusters/app1/switchover', { newMaster: 'db2', approval: true, waitTimeout: '5s' });
    assert.equal(r.statusCode, 202);
    assert.deepEqual(r.json(), { workflowId: 'switchover:app1', runId: 'new', link: 'http://ui/switchover:app1', status: 'started' });
    assert.deepEqual(runs.started[0], { kind: 'switchover', input: { newMaster: 'db2', approval: true, waitTimeout: '5s', cluster: 'app1', configDigest: loadCluster('app1', dir).digest } });
  });
  it('a POST without a body is an empty one', async () => {
    assert.equal((await post('/v1/clusters/app1/switchover')).statusCode, 202);
  });
  it('a failover: 202', async () => {
    const r = await post('/v1/clusters/app1/failover', { deadMaster: 'db1', ignoreLastFailover: true });
    assert.equal(r.statusCode, 202);
    assert.equal(runs.started.at(-1)!.kind, 'failover');
  });
  const bad: [string, unknown, string, RegExp][] = [
    ['a mistyped field', { newMaster: 3 }, 'newMaster', /must be string/],
    ['an unknown field', { newmaster: 'db2' }, 'newmaster', /must NOT have additional properties/],
    ['a bad duration', { waitTimeout: 'soon' }, 'waitTimeout', /must match/],
    ['a negative threshold', { lagThresholdSeconds: -1 }, 'lagThresholdSeconds', />= 0/],
    ['a string for a boolean (no silent conversion)', { approval: 'true' }, 'approval', /must be boolean/],
  ];
  for (const [name, body, field, message] of bad) {
    it(`400 naming the field: ${name}`, async () => {
      const r = await post('/v1/clusters/app1/switchover', body);
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().error, 'bad-request');
      assert.equal(r.json().field, field);
      assert.match(r.json().message, message);
    });
  }
  it('400 on a body that is not JSON', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/clusters/app1/switchover', headers: { ...auth(OPERATE), 'content-type': 'application/json' }, payload: '{nope' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error, 'bad-request');
  });
  it('409 while a failover or a switchover of the cluster runs, with its link', async () => {
    runs.byId.set('failover:app1', run({ workflowId: 'failover:app1' }));
    for (const url of ['/v1/clusters/app1/switchover', '/v1/clusters/app1/failover']) {
      const r = await post(url, {});
      assert.equal(r.statusCode, 409, url);
      assert.deepEqual(r.json(), {
        error: 'conflict', workflowId: 'failover:app1', link: 'http://ui/failover:app1',
        message: 'a failover of this cluster is running (failover:app1): one change of master at a time; follow it at http://ui/failover:app1',
      });
    }
    runs.byId.clear();
    runs.byId.set('switchover:app1', run({ workflowId: 'switchover:app1' }));
    const r = await post('/v1/clusters/app1/switchover', {});
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().workflowId, 'switchover:app1');
    assert.equal((await post('/v1/clusters/app1/switchover', { dryRun: true })).statusCode, 202, 'a dry run changes nothing: not refused');
    runs.byId.clear();
  });
  it('503 when Temporal is unreachable', async () => {
    runs.down = true;
    try {
      const r = await post('/v1/clusters/app1/switchover', {});
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().error, 'unavailable');
      assert.match(r.json().message, /Temporal is unreachable/);
      assert.equal((await get('/metrics', READ)).statusCode, 503);
    } finally { runs.down = false; }
  });
  it('500 says what went wrong, never a stack', async () => {
    const orig = runs.describe;
    runs.describe = () => Promise.reject(new Error('boom'));
    try {
      const r = await post('/v1/clusters/app1/switchover', {});
      assert.equal(r.statusCode, 500);
      assert.deepEqual(r.json(), { error: 'internal', message: 'boom' });
      assert.doesNotMatch(r.body, /\n\s+at /);
    } finally { runs.describe = orig; }
  });
});

describe('workflows, approve and reject', () => {
  const waiting = { cluster: 'app1', dryRun: false, current: '2 approval', steps: [], newMaster: 'db2', finished: false,
    awaitingApproval: { plan: { origMaster: 'db1', newMaster: 'db2' }, deadline: '2026-11-29T11:00:00.000Z' } };
  it('a run: its status and progress; ids other than mhaflow\'s are 404', async () => {
    runs.byId.set('switchover:app1', run({ workflowId: 'switchover:app1' }));
    runs.progressOf.set('switchover:app1', waiting);
    const r = await get('/v1/workflows/switchover:app1', READ);
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().run.status, 'RUNNING');
    assert.equal(r.json().progress.awaitingApproval.plan.newMaster, 'db2');
    assert.equal((await get('/v1/workflows/some-other-workflow', READ)).statusCode, 404);
    assert.equal((await get('/v1/workflows/failover:app1', READ)).statusCode, 404);
  });
  it('approve and reject a plan that waits: 202, the signal sent with who and why', async () => {
    runs.answers = [];
    assert.equal((await post('/v1/workflows/switchover:app1/approve', { by: 'alice' })).statusCode, 202);
    const r = await post('/v1/workflows/switchover:app1/reject', { by: 'bob', reason: 'not now' });
    assert.deepEqual(r.json(), { workflowId: 'switchover:app1', answer: 'reject' });
    assert.deepEqual(runs.answers, [
      { id: 'switchover:app1', approved: true, answer: { by: 'alice' } }, { id: 'switchover:app1', approved: false, answer: { by: 'bob', reason: 'not now' } },
    ]);
  });
  it('409 when nothing waits for approval, or the run is a failover; 404 when there is no such run', async () => {
    runs.progressOf.set('switchover:app1', { ...waiting, awaitingApproval: null, current: '4 wait' });
    const r = await post('/v1/workflows/switchover:app1/approve', {});
    assert.equal(r.statusCode, 409);
    assert.match(r.json().message, /is not waiting for approval \(now: 4 wait\)/);
    runs.byId.set('failover:app1', run({ workflowId: 'failover:app1' }));
    assert.match((await post('/v1/workflows/failover:app1/approve', {})).json().message, /only a switchover waits for approval/);
    assert.equal((await post('/v1/workflows/switchover:app2/approve', {})).statusCode, 404);
    runs.byId.clear();
  });
});

describe('metrics', () => {
  it('runs ended by cluster, kind and outcome, their durations, the runs going on, the requests', async () => {
    runs.closed = [
      run({ workflowId: 'switchover:app1', runId: 'a', status: 'COMPLETED', phase: 'completed', closeTime: '2026-11-29T10:00:00.400Z' }),
      run({ workflowId: 'switchover:app1', runId: 'b', status: 'COMPLETED', phase: 'rolled-back', closeTime: '2026-11-29T10:00:03.000Z' }),
      run({ workflowId: 'failover:app2', runId: 'c', cluster: 'app2', status: 'TERMINATED', closeTime: '2026-11-29T10:01:00.000Z' }),
    ];
    runs.byId.set('failover:app1', run({ workflowId: 'failover:app1' }));
    const text = (await get('/metrics', READ)).body;
    assert.match(text, /mhaflow_runs_finished_total\{cluster="app1",kind="switchover",outcome="completed"\} 1/);
    assert.match(text, /mhaflow_runs_finished_total\{cluster="app1",kind="switchover",outcome="rolled-back"\} 1/);
    assert.match(text, /mhaflow_runs_finished_total\{cluster="app2",kind="failover",outcome="terminated"\} 1/);
    assert.match(text, /mhaflow_run_duration_seconds_bucket\{le="0.5",cluster="app1",kind="switchover",outcome="completed"\} 1/);
    assert.match(text, /mhaflow_runs_running\{cluster="app1",kind="failover"\} 1/);
    assert.match(text, /mhaflow_api_requests_total\{route="\/v1\/clusters\/:cluster\/switchover",method="POST",status="202"\}/);
    // A second scrape counts each run once.
    assert.match((await get('/metrics', READ)).body, /outcome="completed"\} 1\n/);
    runs.byId.clear();
  });
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3 document with every endpoint, the bearer scheme and the error bodies', async () => {
    const doc = (await get('/v1/openapi.json')).json();
    const v = new Validator();
    const res = await v.validate(doc);
    assert.ok(res.valid, JSON.stringify(res.errors, null, 1)?.slice(0, 2000));
    assert.equal(v.version, '3.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/healthz', '/metrics', '/v1/clusters', '/v1/clusters/{cluster}', '/v1/clusters/{cluster}/failover', '/v1/clusters/{cluster}/monitor',
      '/v1/clusters/{cluster}/monitor/pause', '/v1/clusters/{cluster}/monitor/reload', '/v1/clusters/{cluster}/monitor/resume',
      '/v1/clusters/{cluster}/monitor/stop', '/v1/clusters/{cluster}/switchover', '/v1/workflows/{id}', '/v1/workflows/{id}/approve', '/v1/workflows/{id}/reject',
    ]);
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: 'a read token (GET) or an operate token (GET and POST)' });
    const sw = doc.paths['/v1/clusters/{cluster}/switchover'].post;
    assert.deepEqual(Object.keys(sw.responses).sort(), ['202', '400', '401', '403', '404', '409', '503']);
    assert.ok(sw.requestBody.content['application/json'].schema.properties.newMaster);
  });
});
