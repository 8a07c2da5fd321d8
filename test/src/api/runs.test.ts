// The Temporal-backed ClusterRuns' monitor calls (src/api/runs.ts through src/monitor/control.ts) over a fake SDK
// client: a cluster never monitored, a running monitor's view with its watch's heartbeat, starting and attaching,
// signals, and the refusal or 503 when no monitor runs or Temporal does not answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { monitorNeverStarted, temporalRuns, TemporalUnavailable } from '../../../src/api/runs';
import { RefusedError } from '../../../src/errors';
import { runningMonitor } from '../../support/api';

interface FakeWorkflow { status: string; memo?: Record<string, unknown>; heartbeat?: unknown; historyLength?: number }

const jsonPayload = (v: unknown) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(v)) });

/** Just what control.ts asks of the SDK client: start, describe, query, result, signal; `down`: every call fails as gRPC does. */
function fakeClient(o: { workflows?: Map<string, FakeWorkflow>; down?: boolean } = {}) {
  const workflows = o.workflows ?? new Map<string, FakeWorkflow>();
  const sent: { id: string; name: string; arg: unknown }[] = [];
  const starts: { id: string; args: unknown[] }[] = [];
  const unavailable = () => Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233'), { name: 'ServiceError', code: 14 });
  const found = (id: string) => {
    if (o.down) throw unavailable();
    const w = workflows.get(id);
    if (!w) throw new WorkflowNotFoundError(`workflow not found: ${id}`, id, undefined);
    return w;
  };
  const status = (id: string) => runningMonitor(id.replace(/^monitor:/, '')).status;
  const client = {
    workflow: {
      start: async (_type: string, opts: { workflowId: string; args: unknown[]; memo: Record<string, unknown> }) => {
        if (o.down) throw unavailable();
        starts.push({ id: opts.workflowId, args: opts.args });
        if (workflows.get(opts.workflowId)?.status !== 'RUNNING') workflows.set(opts.workflowId, { status: 'RUNNING', memo: opts.memo });
        return { firstExecutionRunId: 'run-1' };
      },
      getHandle: (id: string) => ({
        describe: async () => {
          const w = found(id);
          const pendingActivities = w.heartbeat ? [{ activityType: { name: 'monitorWatch' }, heartbeatDetails: { payloads: [jsonPayload(w.heartbeat)] } }] : [];
          return { status: { name: w.status }, memo: w.memo, historyLength: w.historyLength ?? 7, raw: { pendingActivities } };
        },
        query: async () => { found(id); return status(id); },
        result: async () => { found(id); return status(id); },
        signal: async (name: string, arg?: unknown) => { found(id); sent.push({ id, name, arg }); },
      }),
    },
  };
  return { runs: temporalRuns(async () => client as unknown as Client), sent, starts, workflows };
}

describe('temporalRuns: the monitor', () => {
  it('a cluster never monitored: the not-started view, not an error', async () => {
    const { runs } = fakeClient();
    assert.deepEqual(await runs.monitorView('app1'), monitorNeverStarted('app1'));
    assert.equal(monitorNeverStarted('app1').running, false);
  });
  it('a running monitor: the status query, the watch\'s last heartbeat, the history length, the link', async () => {
    const heartbeat = { master: 'db1', lastPing: { at: '2026-11-29T10:00:09.000Z', ok: true, ms: 2 }, checkedAt: null, warnings: [] };
    const { runs } = fakeClient({ workflows: new Map([['monitor:app1', { status: 'RUNNING', heartbeat, historyLength: 99 }]]) });
    const v = await runs.monitorView('app1');
    assert.equal(v.running, true);
    assert.equal(v.execution, 'RUNNING');
    assert.equal(v.status?.state, 'watching');
    assert.deepEqual(v.watch, heartbeat);
    assert.equal(v.historyLength, 99);
    assert.equal(v.workflowId, 'monitor:app1');
    assert.match(v.link ?? '', /\/workflows\/monitor%3Aapp1$/);
  });
  it('a stopped monitor: running false with its last status', async () => {
    const { runs } = fakeClient({ workflows: new Map([['monitor:app1', { status: 'COMPLETED' }]]) });
    const v = await runs.monitorView('app1');
    assert.equal(v.running, false);
    assert.equal(v.execution, 'COMPLETED');
    assert.equal(v.status?.master, 'db1');
  });
  it('start, then start again: started, then attached', async () => {
    const { runs, starts } = fakeClient();
    const first = await runs.startMonitor({ cluster: 'app1', configDigest: 'd1', paused: { reason: 'r' } });
    assert.deepEqual({ ...first, link: undefined }, { workflowId: 'monitor:app1', runId: 'run-1', started: true, link: undefined });
    assert.match(first.link, /monitor%3Aapp1\/run-1\/history$/);
    assert.deepEqual(starts[0], { id: 'monitor:app1', args: [{ cluster: 'app1', configDigest: 'd1', paused: { reason: 'r' } }] });
    assert.equal((await runs.startMonitor({ cluster: 'app1' })).started, false);
  });
  it('signals go to monitor:<cluster>, pause with its reason', async () => {
    const { runs, sent } = fakeClient({ workflows: new Map([['monitor:app1', { status: 'RUNNING' }]]) });
    assert.equal((await runs.signalMonitor('app1', 'pause', { reason: 'kernel upgrade' })).workflowId, 'monitor:app1');
    await runs.signalMonitor('app1', 'stop');
    assert.deepEqual(sent, [{ id: 'monitor:app1', name: 'pause', arg: { reason: 'kernel upgrade' } }, { id: 'monitor:app1', name: 'stop', arg: undefined }]);
  });
  it('no monitor running: a RefusedError (the API\'s 409), for one never started and one that ended', async () => {
    const { runs, sent } = fakeClient({ workflows: new Map([['monitor:app2', { status: 'TERMINATED' }]]) });
    await assert.rejects(runs.signalMonitor('app1', 'resume'), (e) => e instanceof RefusedError && e.message === 'no monitor of cluster app1 is running');
    await assert.rejects(runs.signalMonitor('app2', 'reload'), (e) => e instanceof RefusedError && /monitor:app2 is terminated/.test(e.message));
    assert.deepEqual(sent, []);
  });
  it('Temporal not answering: TemporalUnavailable (the API\'s 503), never "no monitor is running"', async () => {
    const { runs } = fakeClient({ down: true });
    await assert.rejects(runs.signalMonitor('app1', 'stop'), TemporalUnavailable);
    await assert.rejects(runs.monitorView('app1'), TemporalUnavailable);
    await assert.rejects(runs.startMonitor({ cluster: 'app1' }), TemporalUnavailable);
  });
});
