// Switchovers on the lab, in both replication modes, with a writer that follows the writable server: a plain
// application account and one with ALL PRIVILEGES (SUPER: read_only alone does not stop it on MariaDB); a rollback
// (the new master cannot catch up); the refusals; the approval; and one start through the HTTP API on real Temporal.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { injectFault, restoreHost } from '../../lab/faults';
import { testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import type { LabMode } from '../../lab/layout';
import { watchWritable, writableServer, waitConverged } from '../../lab/watch';
import { startWriter, writerCredentials, type RunningWriter, type StartWriterOptions } from '../../lab/writer';
import { loadTokens } from '../../src/api/auth';
import { temporalRuns } from '../../src/api/runs';
import { buildApi } from '../../src/api/server';
import type { ClusterConfig } from '../../src/config/schema';
import { CAUGHT_UP_SIGNAL, switchoverWorkflowId, type SwitchoverReport } from '../../src/contracts/switchover';
import { MockActivityEnvironment } from '@temporalio/testing';
import { switchoverRepointReplica, type SwitchoverRepointResult } from '../../activities/switchover-replicas';
import { queryOne, showMasterStatus, showReplicaStatus, withConnection } from '../../src/mysql/client';
import { executedGtid, stopAll } from '../../src/mysql/replication';
import { freeze, frozenProblems, planFreeze, readFreezeFacts, unfreeze } from '../../src/mysql/freeze';
import { switchoverClusterFactsOf } from '../../src/switchover/decisions';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLongRunning } from '../../src/mysql/running';
import { resultOf } from '../../lab/harness';
import { waitFor } from '../../lab/system';
import { assertSurvivorsHold, startTemporal, type TestTemporal } from '../support/harness';
import { assertSwitched, logSwitchover, switchoverFailure, switchoverRun, waitSwitchoverProgress } from '../support/switchover';

let t: TestTemporal;
/** Every writer a test starts: a failed test must not leave one writing into the next. */
const writers: RunningWriter[] = [];
const writerFor = (cfg: ClusterConfig, o: StartWriterOptions) => { const w = startWriter(cfg, o); writers.push(w); return w; };
before(async () => { t = await startTemporal(); });
afterEach(async () => { await Promise.all(writers.splice(0).map((w) => w.stop().catch(() => {}))); });
after(async () => { await t?.stop(); });

async function readOnly(cfg: ClusterConfig, name: string): Promise<boolean> {
  return withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => Number((await queryOne(c, 'SELECT @@GLOBAL.read_only AS ro'))?.ro) === 1);
}

for (const mode of ['filepos', 'gtid'] as LabMode[]) {
  describe(`switchover (${mode})`, () => {
    let lab: { cfg: ClusterConfig };
    before(async () => { lab = await resetLab(mode); });

    for (const account of ['app', 'appSuper'] as const) {
      it(`${account === 'app' ? 'a plain' : 'a SUPER'} writer follows the new master; the old master becomes its replica; zero rows land on it after the freeze`, async () => {
        const cfg = testConfig(lab.cfg, uniqueCluster(`sw-${mode[0]}-${account}`));
        const before = await writableServer(cfg);
        const writer = writerFor(cfg, { account, retryMs: 5, startId: account === 'app' ? 1_000_000 : 2_000_000 });
        await writer.waitAcked(100);
        const watch = watchWritable(cfg);
        const { report, ms } = await switchoverRun(t.client, t.taskQueue, cfg, {}).finally(() => watch.stop());
        const seen = await watch.stop();
        logSwitchover(report, ms);
        process.stderr.write(`    writable: at most ${seen.maxWritable} at once; none for at most ${seen.longestNoneMs} ms (${seen.polls} polls)\n`);
        assert.equal(report.plan!.origMaster, before);
        assert.equal(report.plan!.mode, mode);
        assert.deepEqual(seen.splitBrain, [], 'never two writable masters');
        if (account === 'appSuper') assert.ok(report.plan!.lockAccounts.includes("'app_super'@'127.%'"), report.plan!.lockAccounts.join());
        await assertSwitched(cfg, report, writer);
        // The SUPER account logs in again (unlocked) on the old master, now a read-only replica.
        const { user, password } = writerCredentials(account);
        const old = cfg.servers.find((s) => s.name === before)!;
        const c = await mysql.createConnection({ host: old.host, port: old.port, user, password });
        await c.end();
      });
    }

    if (mode === 'filepos') {
      it('the freeze holds against a SUPER client reconnecting every 5 ms: no session of a locked account left, no write after the frozen position', async () => {
        // A login under way at the lock may have read the account unlocked and come in after the sessions were killed.
        const cfg = testConfig(lab.cfg, uniqueCluster('sw-f-freeze'));
        const writable = await writableServer(cfg);
        const master = cfg.servers.find((s) => s.name === writable)!;
        const writer = writerFor(cfg, { account: 'appSuper', retryMs: 5, startId: 2_500_000 });
        await writer.waitAcked(50);
        const keep = switchoverClusterFactsOf(cfg, '').keep;
        let killed = 0;
        await withConnection(cfg, master, async (c) => {
          for (let i = 0; i < 120; i++) {
            const plan = planFreeze(await readFreezeFacts(c), keep);
            assert.ok(plan.lock.some((a) => a.user === 'app_super'), JSON.stringify(plan.lock));
            const n = writer.acked().length;
            const r = await freeze(c, plan, { keep });
            killed += r.killed.length;
            assert.deepEqual(frozenProblems(r.state), [], `freeze ${i}`);
            await sleep(30); // the writer retries every 5 ms meanwhile
            assert.deepEqual(await showMasterStatus(c), r.position, `freeze ${i}: nothing written after the frozen position`);
            await unfreeze(c, plan, { writable: true });
            await writer.waitAcked(n + 3); // back in before the next freeze: its sessions are there to kill
          }
        });
        assert.ok(killed >= 100, `the writer's sessions were killed at most freezes (${killed} in 120)`);
        await writer.stop();
        await waitConverged(cfg, master.name);
        await assertSurvivorsHold(cfg, cfg.servers.map((s) => s.name), writer.acked());
      });
    }

    it('rollback: the new master cannot catch up (its SQL thread stopped): the old master takes writes again, nothing is lost', async () => {
      const cfg = testConfig(lab.cfg, uniqueCluster(`sw-${mode[0]}-rb`));
      const master = await writableServer(cfg);
      const target = cfg.servers.find((s) => s.name !== master)!.name;
      const writer = writerFor(cfg, { account: 'appSuper', retryMs: 5, startId: 3_000_000 });
      await writer.waitAcked(100);
      const { startSwitchover } = await import('../../src/switchover/start');
      const { handle } = await startSwitchover(t.client, { cluster: cfg.cluster, newMaster: target, approval: true, waitTimeout: '2s' }, { taskQueue: t.taskQueue });
      await waitSwitchoverProgress(handle, (p) => p.awaitingApproval !== null);
      await injectFault('stop-sql', target);
      try {
        await handle.signal('approve', { by: 'test' });
        const report = await resultOf<SwitchoverReport>(handle, 120_000);
        logSwitchover(report, 0);
        assert.equal(report.outcome, 'rolled-back');
        assert.match(report.reason, new RegExp(`${target} did not execute ${master}'s binlog up to .*rolled back: nothing changed`));
        assert.equal(report.approval?.by, 'test');
        assert.equal(await readOnly(cfg, master), false, `${master} writable again`);
        assert.equal(await writableServer(cfg), master);
        const n = writer.acked().length;
        await writer.waitAcked(n + 100); // the SUPER writer is back on the old master: its account was unlocked
      } finally {
        await restoreHost(target); // the next tests need its replication running, whatever happened here
      }
      await writer.stop();
      await waitConverged(cfg, master);
      await assertSurvivorsHold(cfg, cfg.servers.map((s) => s.name), writer.acked());
    });

    it('approval: a rejected plan changes nothing', async () => {
      const cfg = testConfig(lab.cfg, uniqueCluster(`sw-${mode[0]}-rej`));
      const master = await writableServer(cfg);
      const { startSwitchover } = await import('../../src/switchover/start');
      const { handle } = await startSwitchover(t.client, { cluster: cfg.cluster, approval: true }, { taskQueue: t.taskQueue });
      const p = await waitSwitchoverProgress(handle, (x) => x.awaitingApproval !== null);
      assert.equal(p.awaitingApproval!.plan.origMaster, master);
      await handle.signal('reject', { by: 'test', reason: 'not today' });
      const report = await resultOf<SwitchoverReport>(handle, 60_000);
      assert.equal(report.outcome, 'rejected');
      assert.match(report.reason, /rejected by test: not today; nothing was changed/);
      assert.ok(!report.steps.some((s) => s.id === 'freeze'));
      assert.equal(await writableServer(cfg), master);
    });

    if (mode === 'filepos') {
it('a caught-up result signalled from outside (not signed by a worker of the cluster) is ignored: the wait waits', async () => {
        // Sent while the plan waits for approval, so the workflow has it before its freeze, and for the very position
        // the freeze will find (no writer runs then): were it trusted without its signature, the wait would be skipped and
        // the replicas would start where the sender said, at the start of the new master's binlog (src/switchover/claim.ts).
        const cfg = testConfig(lab.cfg, uniqueCluster('sw-f-forged'));
        const before = await writableServer(cfg);
        const first = writerFor(cfg, { account: 'app', retryMs: 5, startId: 3_000_000 });
        await first.waitAcked(100);
        await first.stop();
        const { startSwitchover } = await import('../../src/switchover/start');
        const { handle } = await startSwitchover(t.client, { cluster: cfg.cluster, approval: true, lagThresholdSeconds: 30 }, { taskQueue: t.taskQueue });
        await waitSwitchoverProgress(handle, (x) => x.awaitingApproval !== null);
        const frozen = await withConnection(cfg, cfg.servers.find((s) => s.name === before)!, async (c) => ({ ...(await showMasterStatus(c))!, gtid: await executedGtid(c) }));
        await handle.signal(CAUGHT_UP_SIGNAL, {
          workflowId: handle.workflowId, runId: (await handle.describe()).runId, frozen, newMaster: { file: 'mysql-bin.000001', pos: 4, gtid: '' },
          origMasterNow: { file: frozen.file, pos: frozen.pos }, mac: 'ab'.repeat(32),
        });
        await handle.signal('approve', { by: 'test' });
        const report = await resultOf<SwitchoverReport>(handle, 60_000);
        logSwitchover(report, 0);
        assert.equal(report.outcome, 'completed', report.reason);
        assert.deepEqual(report.frozenAt, frozen, 'the forged result named the very position the freeze found');
        assert.match(report.steps.find((s) => s.id === 'wait')?.detail ?? '', /^reached in \d+ ms/);
        const after = writerFor(cfg, { account: 'app', retryMs: 5, startId: 3_100_000 });
        await assertSwitched(cfg, report, after);
        await assertSurvivorsHold(cfg, cfg.servers.map((s) => s.name), [...first.acked(), ...after.acked()]);
      });
    }

    // Last of its mode: it leaves the lab's topology changed (the next describe resets the lab).
    if (mode === 'filepos') {
      it('a repoint that died after it stopped replication (the old source still set) runs again to the end', async () => {
        // As a switchover leaves the servers just before it repoints: the master frozen (no writer), the new master
        // caught up and its replication stopped at its position P; then the killed attempt stopped the replica.
        const cfg = testConfig(lab.cfg, uniqueCluster('sw-f-rerun'));
        const master = await writableServer(cfg);
        const [nm, replica] = cfg.servers.filter((s) => s.name !== master);
        await waitConverged(cfg, master);
        const frozen = await withConnection(cfg, cfg.servers.find((s) => s.name === master)!, async (c) => (await showMasterStatus(c))!);
        const at = await withConnection(cfg, nm!, async (c) => { await stopAll(c); return (await showMasterStatus(c))!; });
        await withConnection(cfg, replica!, (c) => stopAll(c));
        const r: SwitchoverRepointResult = await new MockActivityEnvironment().run(switchoverRepointReplica, {
          cluster: { name: cfg.cluster, digest: '' }, server: replica!.name, newMaster: nm!.name, start: { coords: { file: at.file, pos: at.pos } }, frozen,
        });
        assert.equal(r.changed, true);
        assert.equal(r.sqlRunning, true);
        const st = await withConnection(cfg, replica!, (c) => showReplicaStatus(c));
        assert.equal(`${st?.sourceHost}:${st?.sourcePort}`, `${nm!.host}:${nm!.port}`, 'it replicates from the new master');
      });
    }
  });
}

describe('switchover refusals (filepos)', () => {
  let lab: { cfg: ClusterConfig };
  before(async () => { lab = await resetLab('filepos'); });

  it('a long transaction open on the master', async () => {
    const cfg = testConfig(lab.cfg, uniqueCluster('sw-ref-trx'));
    const master = cfg.servers.find((s) => s.name === 'db1')!;
    const { user, password } = writerCredentials('app');
    const c = await mysql.createConnection({ host: master.host, port: master.port, user, password });
    try {
      await c.query('BEGIN');
      await c.query('INSERT INTO mhaflow_test.writes (id, writer, payload) VALUES (9000001, \'t\', \'open\')');
      // The check reads trx_started and NOW() in whole seconds: wait until that same reading lists the transaction (a fixed
      // wait lost the race whenever the check ran soon after it).
      await waitFor('the open transaction seen as open for 1 s or more', () => withConnection(cfg, master, async (a) => (await readLongRunning(a, 1)).transactions.length > 0), 10_000, 100);
      const f = await switchoverFailure(t.client, t.taskQueue, cfg, {});
      assert.equal(f.type, 'RefusedError');
      assert.match(f.message, /updates run on db1 for 1 s or more.*has a transaction open for \d+ s that changed 1 rows/);
    } finally {
      await c.query('ROLLBACK').catch(() => {});
      await c.end();
    }
    assert.equal(await writableServer(cfg), 'db1');
  });

  it('a broken replica', async () => {
    const cfg = testConfig(lab.cfg, uniqueCluster('sw-ref-io'));
    await injectFault('stop-io', 'db3');
    try {
      const f = await switchoverFailure(t.client, t.taskQueue, cfg, {});
      assert.match(f.message, /every replica must replicate.*db3: IO thread stopped/);
    } finally {
      await restoreHost('db3');
    }
  });

  it('the requested new master is not eligible', async () => {
    const cfg = testConfig(lab.cfg, uniqueCluster('sw-ref-nm'), (ss) => ss.map((s) => (s.name === 'db4' ? { ...s, noMaster: true } : s)));
    const f = await switchoverFailure(t.client, t.taskQueue, cfg, { newMaster: 'db4' });
    assert.match(f.message, /--new-master db4 cannot become master: no_master is set/);
    assert.equal(await writableServer(cfg), 'db1');
  });

  it('through the HTTP API on real Temporal: 202 and a completed switchover; a second start while it runs is a 409', async () => {
    const cfg = testConfig(lab.cfg, uniqueCluster('sw-api'));
    process.env.MHAFLOW_TEST_OPERATE_TOKEN = 'operate-token-for-the-api-test';
    const app = await buildApi({
      configDir: process.env.MHAFLOW_CONFIG_DIR!, tokens: loadTokens({ operate: ['env:MHAFLOW_TEST_OPERATE_TOKEN'], read: [] }),
      runs: temporalRuns(async () => t.client, { taskQueue: t.taskQueue }),
    });
    try {
      const headers = { authorization: 'Bearer operate-token-for-the-api-test' };
      const r = await app.inject({ method: 'POST', url: `/v1/clusters/${cfg.cluster}/switchover`, headers, payload: { approval: true } });
      assert.equal(r.statusCode, 202, r.body);
      assert.equal(r.json().workflowId, switchoverWorkflowId(cfg.cluster));
      assert.match(r.json().link, /\/namespaces\/default\/workflows\/switchover%3A/);
      const handle = t.client.workflow.getHandle(r.json().workflowId);
      await waitSwitchoverProgress(handle, (p) => p.awaitingApproval !== null);
      const again = await app.inject({ method: 'POST', url: `/v1/clusters/${cfg.cluster}/switchover`, headers, payload: {} });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().workflowId, r.json().workflowId);
      const ok = await app.inject({ method: 'POST', url: `/v1/workflows/${r.json().workflowId}/approve`, headers, payload: { by: 'api-test' } });
      assert.equal(ok.statusCode, 202, ok.body);
      const report = await resultOf<SwitchoverReport>(handle, 120_000);
      assert.equal(report.outcome, 'completed');
      const got = await app.inject({ method: 'GET', url: `/v1/workflows/${r.json().workflowId}`, headers });
      assert.equal(got.json().run.status, 'COMPLETED');
      assert.equal(got.json().result.outcome, 'completed');
      // Visibility follows the run within moments.
      const cluster = async () => (await app.inject({ method: 'GET', url: `/v1/clusters/${cfg.cluster}`, headers })).json();
      await waitFor('the switchover in the visibility store', async () => (await cluster()).lastSwitchover?.status === 'COMPLETED', 10_000, 200);
      const cl = await cluster();
      assert.equal(cl.topology.roles.master, report.plan!.newMaster);
      assert.equal(cl.lastSwitchover.workflowId, r.json().workflowId);
    } finally {
      await app.close();
    }
  });
});
