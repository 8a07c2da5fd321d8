// A worker killed (SIGKILL) at each step boundary of a switchover, and during the wait for the new master: another
// worker takes over and the run completes, never with two writable masters, never with none writable for longer than
// the wait timeout plus the time no worker ran (the kill, the heartbeat timeout, the new worker's start), and the data
// oracle holds on all four servers. Both replication modes; the writer has SUPER (the freeze must hold for it).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { injectFault, restoreHost } from '../../lab/faults';
import { resultOf, scenarioConfigDir, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import type { LabMode } from '../../lab/layout';
import { watchWritable, writableServer, type WritableWatch } from '../../lab/watch';
import { startWorkerProcess } from '../../lab/worker-process';
import { startWriter, type RunningWriter } from '../../lab/writer';
import type { ClusterConfig } from '../../src/config/schema';
import type { SwitchoverReport } from '../../src/contracts/switchover';
import { startSwitchover } from '../../src/switchover/start';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import { assertSwitched, logSwitchover, waitReadOnly, waitSwitchoverProgress } from '../support/switchover';
import { workersOfEachTest } from '../support/test-workers';

/**
 * How long a dead worker's step waits before another worker runs it: the heartbeat timeout of a regular activity
 * (workflows/options.ts, 4 s), which is longer than the workflow task timeout that frees the freeze, the wait and the
 * promotion, local activities (src/temporal/start.ts, 3 s).
 */
const HEARTBEAT_TIMEOUT_MS = 4000;
const WAIT_TIMEOUT_MS = 30_000;

const workers = workersOfEachTest();
const writers: RunningWriter[] = [];
const watches: WritableWatch[] = [];
let connection: Connection | undefined;
let client: Client;
before(async () => {
  scenarioConfigDir();
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: temporalNamespace() });
});
afterEach(async () => {
  await Promise.all([...writers.splice(0).map((w) => w.stop().catch(() => {})), ...watches.splice(0).map((w) => w.stop())]);
});
after(async () => { await connection?.close(); });

/**
 * after: killed from outside once the progress shows that step done. during: killed while the wait runs. inside: the
 * worker kills itself the instant that local activity ends (lab/worker-main.ts MHAFLOW_LAB_KILL_AFTER), inside the
 * workflow task holding the freeze, the wait and the promotion, which never completes:
 * - after the promotion, the new master is writable, so the retry must take the new master's caught-up position from
 *   the wait's signed signal (src/switchover/claim.ts), not read it again after the writer moved it;
 * - after the wait, its signal may still be on its way (the promotion waits for it, src/switchover/before-promotion.ts):
 *   the new master was never writable, and the retry takes the signal or waits again.
 */
type Crash = { after: string } | { during: 'wait' } | { inside: 'wait' | 'promote' };
const name = (c: Crash) => ('after' in c ? `after the ${c.after} step` : 'during' in c ? 'during the wait'
  : c.inside === 'promote' ? 'itself right after the promotion, inside its workflow task' : 'itself right after the wait, inside its workflow task');
const KILL_AFTER = { wait: 'switchoverWaitCaughtUp', promote: 'switchoverPromote' } as const;

const CASES: Record<LabMode, Crash[]> = {
  filepos: [{ after: 'check' }, { after: 'freeze' }, { during: 'wait' }, { after: 'wait' }, { inside: 'wait' }, { inside: 'promote' }, { after: 'promote' }, { after: 'demote' }],
  gtid: [{ after: 'freeze' }, { during: 'wait' }, { inside: 'promote' }, { after: 'promote' }, { after: 'demote' }],
};

let n = 0;
for (const mode of ['filepos', 'gtid'] as LabMode[]) {
  describe(`switchover durability (${mode})`, () => {
    let lab: { cfg: ClusterConfig };
    before(async () => { lab = await resetLab(mode); });

    for (const crash of CASES[mode]) {
      it(`kill -9 of the worker ${name(crash)}: another worker completes it`, async () => {
        const cfg = testConfig(lab.cfg, uniqueCluster(`swc-${mode[0]}`));
        const master = await writableServer(cfg);
        const taskQueue = `mhaflow-swcrash-${process.pid}-${++n}`;
        const inside = 'inside' in crash;
        const a = await startWorkerProcess({ taskQueue, sharedBundle: true, ...(inside ? { env: { MHAFLOW_LAB_KILL_AFTER: KILL_AFTER[crash.inside] } } : {}) });
        workers.push(a);
        const writer = startWriter(cfg, { account: 'appSuper', retryMs: 5, startId: 10_000_000 * (n + (mode === 'gtid' ? 10 : 0)) });
        writers.push(writer);
        await writer.waitAcked(100);
        const watch = watchWritable(cfg);
        watches.push(watch);
        const target = cfg.servers.find((s) => s.name !== master)!.name;
        const during = 'during' in crash;
        const { handle } = await startSwitchover(client, { cluster: cfg.cluster, newMaster: target, waitTimeout: WAIT_TIMEOUT_MS / 1000, lagThresholdSeconds: 120, approval: during }, { taskQueue });
        let deadMs = 0;
        if (during) {
          // The new master cannot catch up while its SQL thread is stopped: the wait runs until it is started again.
          await waitSwitchoverProgress(handle, (p) => p.awaitingApproval !== null);
          await injectFault('stop-sql', target);
          await handle.signal('approve', { by: 'test' });
          await waitSwitchoverProgress(handle, (p) => p.steps.some((s) => s.id === 'wait' && s.status === 'running'));
        } else if (inside) {
          // After the promotion, the writer writes on the new master while no worker runs the switchover.
          await a.exited;
        } else if (crash.after === 'freeze') {
          // The freeze, the wait and the promotion follow one another within milliseconds, inside one workflow
          // task: killed as soon as the old master is read-only, the worker dies somewhere in that stretch.
          await waitReadOnly(cfg, master);
        } else {
          await waitSwitchoverProgress(handle, (p) => p.steps.some((s) => s.id === crash.after && s.status === 'done'));
        }
        const t0 = Date.now();
        if (!inside) await a.kill();
        if (during) await restoreHost(target);
        workers.push(await startWorkerProcess({ taskQueue, sharedBundle: true }));
        deadMs = Date.now() - t0;
        const report = await resultOf<SwitchoverReport>(handle, 180_000).finally(() => watch.stop());
        const seen = await watch.stop();
        logSwitchover(report, 0);
        process.stderr.write(`    killed ${name(crash)}; no worker for ${deadMs} ms; writable: at most ${seen.maxWritable} at once, none for at most ${seen.longestNoneMs} ms\n`);
        assert.deepEqual(seen.splitBrain, [], 'never two writable masters');
        // Writes stop at the freeze; the wait gives up WAIT_TIMEOUT_MS after it (then promote or roll back). A crash adds
        // the time no worker ran plus the heartbeat timeout; the wait's last look (1 s) and the promote step come on top.
        const promoteMs = report.steps.find((s) => s.id === 'promote')?.ms ?? 0;
        const bound = WAIT_TIMEOUT_MS + deadMs + HEARTBEAT_TIMEOUT_MS + promoteMs + 1000;
        assert.ok(seen.longestNoneMs <= bound, `none writable for ${seen.longestNoneMs} ms > ${bound} ms`);
        if (inside && crash.inside === 'promote') {
          const wait = report.steps.find((s) => s.id === 'wait');
          assert.match(wait?.detail ?? '', /reached in an earlier attempt \(its signed result\)/, 'the retry took the wait\'s signed result');
          assert.ok(report.steps.filter((s) => s.id === 'promote').length === 1, 'one promote step in the report');
        }
        await assertSwitched(cfg, report, writer);
      });
    }
  });
}
