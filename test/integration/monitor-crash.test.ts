// The monitor outlives its workers: a worker killed (-9) while the monitor watches, then the next one killed
// during the automatic failover the monitor started; a third finishes it. Exactly one failover, nothing
// acknowledged lost, the new master watched. Both replication modes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { injectFault } from '../../lab/faults';
import { testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import type { LabMode } from '../../lab/layout';
import { waitFor } from '../../lab/system';
import { startWorkerProcess, type WorkerProcess } from '../../lab/worker-process';
import { startWriter } from '../../lab/writer';
import { failoverWorkflowId } from '../../src/contracts/failover';
import { monitorWorkflowId } from '../../src/contracts/monitor';
import { startMonitor } from '../../src/monitor/control';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import { waitProgress } from '../support/harness';
import { failoverRuns, monitorUntil, stopMonitorOf, survivorsHold } from '../support/monitor-scenarios';

const workers: WorkerProcess[] = [];
let connection: Connection | undefined;
after(async () => { await Promise.all(workers.map((w) => w.kill())); await connection?.close(); });

/** The identity of the worker running the monitor's watch, when one does. */
async function watchRunsOn(client: Client, cluster: string): Promise<string | null> {
  const d = await client.workflow.getHandle(monitorWorkflowId(cluster)).describe();
  const watch = (d.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'monitorWatch' && Number(a.state) === 2 /* STARTED */);
  return watch?.lastWorkerIdentity ?? null;
}

const say = (l: string) => process.stderr.write(`  ${l}\n`);

describe('monitor durability', () => {
  for (const mode of ['filepos', 'gtid'] as LabMode[]) {
    it(`${mode}: worker killed while monitoring, and again during the automatic failover it started: exactly one failover`, async () => {
      const lab = await resetLab(mode);
      const cfg = testConfig(lab.cfg, uniqueCluster(`mon-crash-${mode === 'gtid' ? 'g' : 'f'}`));
      const taskQueue = `mhaflow-moncrash-${process.pid}-${Date.now().toString(36)}`;
      const spawn = async () => { const w = await startWorkerProcess({ taskQueue, sharedBundle: true }); workers.push(w); return w; };
      connection ??= await Connection.connect({ address: temporalAddress() });
      const client = new Client({ connection, namespace: temporalNamespace() });
      const first = await spawn();
      const writer = startWriter(cfg);
      try {
        await writer.waitAcked(300);
        await startMonitor(client, { cluster: cfg.cluster }, { taskQueue });
        await monitorUntil(client, cfg.cluster, (s) => s.master === 'db1' && s.state === 'watching', 'watching db1');
        await waitFor('the watch to run on the first worker', async () => (await watchRunsOn(client, cfg.cluster)) === first.identity, 30_000, 100);
        await first.kill();
        const second = await spawn();
        // Its watch's heartbeat times out on the dead worker; the retry runs on the second one.
        await waitFor('the watch to move to the second worker', async () => (await watchRunsOn(client, cfg.cluster)) === second.identity, 60_000, 200);
        say(`watch moved from ${first.identity} to ${second.identity}`);
        await injectFault('kill-mysqld', 'db1');
        const failover = client.workflow.getHandle(failoverWorkflowId(cfg.cluster));
        const p = await waitProgress(failover, (x) => x.steps.some((s) => s.id === 'stop-io' && s.status === 'done'), 90_000);
        await second.kill();
        say(`second worker killed during the failover, after: ${p.steps.filter((s) => s.status === 'done').map((s) => s.id).join(', ')}`);
        await spawn();
        const s = await monitorUntil(client, cfg.cluster, (x) => x.failovers[0]?.outcome === 'completed' && x.state === 'watching', 'the failover, finished', 180_000);
        assert.notEqual(s.master, 'db1', 'it watches the new master');
        assert.deepEqual((await failoverRuns(client, cfg.cluster)).map((r) => r.status), ['COMPLETED'], 'exactly one failover');
        assert.equal(s.failovers.length, 1);
        await survivorsHold(cfg, writer, s.master!);
      } finally {
        await stopMonitorOf(client, cfg.cluster);
        await writer.stop().catch(() => {});
        await Promise.all(workers.splice(0).map((w) => w.kill()));
      }
    });
  }
});
