// The worker's metrics and liveness endpoints (worker/telemetry.ts), without Temporal: mhaflow's own metrics
// counted from the workflow sink and the activity interceptor, Core's metrics text passed through, liveness
// by the worker's state. (test/integration/worker-shutdown.test.ts scrapes a real worker.)
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { MhaflowMetrics, parseListenAddress, startTelemetryServer } from '../../worker/telemetry';

type Status = ReturnType<Worker['getStatus']>;
const status = (runState: string) => ({ runState, workflowPollerState: 'POLLING', activityPollerState: 'POLLING', numInFlightActivities: 1, numCachedWorkflows: 2 }) as unknown as Status;

async function listen(handler: http.RequestListener): Promise<{ port: number; close: () => void }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { port: (s.address() as AddressInfo).port, close: () => s.close() };
}

describe('worker telemetry', () => {
  it('counts workflow outcomes from the sink and times steps from the activity interceptor', async () => {
    const m = new MhaflowMetrics({ processMetrics: false });
    const sink = m.sinks().mhaflowMetrics.workflowEnded;
    sink.fn({} as never, { workflow: 'failover', cluster: 'app1', outcome: 'completed-unrecoverable', ms: 1200 });
    sink.fn({} as never, { workflow: 'failover', cluster: 'app1', outcome: 'refused', ms: 80 });
    sink.fn({} as never, { workflow: 'checkReplication', cluster: 'app1', outcome: 'completed', ms: 300 });
    assert.equal(sink.callDuringReplay, false, 'a replay does not count a workflow twice');
    const intercept = m.activityInterceptor()({ info: { activityType: 'failoverCheck' } } as never).inbound!;
    await intercept.execute!({ args: [], headers: {} }, async () => 'ok');
    await assert.rejects(intercept.execute!({ args: [], headers: {} }, async () => { throw Object.assign(new Error('no'), { type: 'RefusedError' }); }));
    const text = await m.registry.metrics();
    assert.match(text, /^mhaflow_failovers_total\{cluster="app1",outcome="completed-unrecoverable"\} 1$/m);
    assert.match(text, /^mhaflow_failovers_total\{cluster="app1",outcome="refused"\} 1$/m);
    assert.match(text, /^mhaflow_refusals_total\{workflow="failover",cluster="app1"\} 1$/m);
    assert.match(text, /^mhaflow_workflows_total\{workflow="checkReplication",outcome="completed"\} 1$/m);
    assert.match(text, /^mhaflow_workflow_duration_seconds_sum\{workflow="failover",outcome="refused"\} 0\.08$/m);
    assert.match(text, /^mhaflow_step_duration_seconds_count\{step="failoverCheck",outcome="ok"\} 1$/m);
    assert.match(text, /^mhaflow_step_duration_seconds_count\{step="failoverCheck",outcome="refused"\} 1$/m);
  });

  it('serves Core\'s metrics and mhaflow\'s on /metrics, liveness on /healthz (503 once the worker failed)', async () => {
    const core = await listen((_req, res) => res.end('# TYPE temporal_num_pollers gauge\ntemporal_num_pollers{poller_type="workflow_task"} 2\n'));
    let state = 'RUNNING';
    const srv = await startTelemetryServer({ address: '127.0.0.1:0', metrics: new MhaflowMetrics(), coreMetricsPort: core.port, worker: { getStatus: () => status(state) } });
    try {
      const metrics = await (await fetch(`http://${srv.address}/metrics`)).text();
      assert.match(metrics, /^temporal_num_pollers\{poller_type="workflow_task"\} 2$/m);
      assert.match(metrics, /^# TYPE mhaflow_failovers_total counter$/m);
      assert.match(metrics, /^mhaflow_process_cpu_seconds_total /m);
      const live = await fetch(`http://${srv.address}/healthz`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'ok', state: 'RUNNING', workflowPoller: 'POLLING', activityPoller: 'POLLING', activitiesInFlight: 1, cachedWorkflows: 2 });
      state = 'DRAINING';
      assert.equal((await fetch(`http://${srv.address}/healthz`)).status, 200, 'a draining worker is alive: killing it would cut its grace time');
      state = 'FAILED';
      assert.equal((await fetch(`http://${srv.address}/healthz`)).status, 503);
      assert.equal((await fetch(`http://${srv.address}/nothing`)).status, 404);
    } finally {
      await srv.close();
      core.close();
    }
  });

  it('still serves mhaflow\'s metrics when Core\'s exporter does not answer', async () => {
    const srv = await startTelemetryServer({ address: '127.0.0.1:0', metrics: new MhaflowMetrics({ processMetrics: false }), coreMetricsPort: 1, worker: { getStatus: () => status('RUNNING') } });
    try {
      const r = await fetch(`http://${srv.address}/metrics`);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /^# TYPE mhaflow_step_duration_seconds histogram$/m);
    } finally {
      await srv.close();
    }
  });

  it('parses listen addresses', () => {
    assert.deepEqual(parseListenAddress('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseListenAddress(':9464'), { host: '0.0.0.0', port: 9464 });
    assert.throws(() => parseListenAddress('9464'), /HOST:PORT/);
    assert.throws(() => parseListenAddress('x:99999'), /HOST:PORT/);
  });
});
