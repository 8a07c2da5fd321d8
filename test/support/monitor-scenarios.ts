// The monitor on the lab (issue 13's tests), run by monitor.test.ts (file/position) and monitor-gtid.test.ts
// (GTID): a writer at ~200 tx/s through every fault, the monitor started through Temporal, and afterwards the
// data oracle on every survivor and a count of the failover workflows the cluster had.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { injectFault, stallMysqld } from '../../lab/faults';
import { LAB_SHUTDOWN_HOOK, registerCluster, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { findHost, labHosts, labPaths, type LabMode } from '../../lab/layout';
import { startTcpProxy } from '../../lab/proxy';
import { startWriter, type RunningWriter } from '../../lab/writer';
import type { ClusterConfig } from '../../src/config/schema';
import { failoverWorkflowId } from '../../src/contracts/failover';
import { MONITOR_SIGNALS, MONITOR_STATUS_QUERY, monitorWorkflowId, type MonitorStatus } from '../../src/contracts/monitor';
import { startMonitor } from '../../src/monitor/control';
import { queryOne, withConnection } from '../../src/mysql/client';
import { assertSurvivorsHold, type TestTemporal } from './harness';

export async function monitorStatusOf(client: Client, cluster: string): Promise<MonitorStatus> {
  return client.workflow.getHandle(monitorWorkflowId(cluster)).query<MonitorStatus>(MONITOR_STATUS_QUERY);
}

/** Poll the monitor's status query until `pred` holds. */
export async function monitorUntil(client: Client, cluster: string, pred: (s: MonitorStatus) => boolean, what: string, timeoutMs = 90_000): Promise<MonitorStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: MonitorStatus | null = null;
  for (;;) {
    last = await monitorStatusOf(client, cluster).catch(() => last);
    if (last && pred(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify({ state: last?.state, master: last?.master, events: last?.events.slice(-6) })}`);
    }
    await sleep(100);
  }
}

/** Every failover workflow run the cluster had (the id failover:<cluster> is reused by each). */
export async function failoverRuns(client: Client, cluster: string): Promise<{ runId: string; status: string }[]> {
  const runs: { runId: string; status: string }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${failoverWorkflowId(cluster)}'` })) runs.push({ runId: w.runId, status: w.status.name });
  return runs;
}

export async function stopMonitorOf(client: Client, cluster: string): Promise<void> {
  const h = client.workflow.getHandle(monitorWorkflowId(cluster));
  await h.signal(MONITOR_SIGNALS.stop).catch(() => {});
  await Promise.race([h.result().catch(() => {}), sleep(15_000)]);
  await h.terminate('test over').catch(() => {});
}

/** Start the monitor of `cfg` on the test worker and wait until it watches db1. */
export async function startWatching(t: TestTemporal, cfg: ClusterConfig, paused?: string): Promise<MonitorStatus> {
  await startMonitor(t.client, { cluster: cfg.cluster, ...(paused ? { paused: { reason: paused } } : {}) }, { taskQueue: t.taskQueue });
  return monitorUntil(t.client, cfg.cluster, (s) => s.master === 'db1' && s.state === 'watching', 'the monitor watching db1');
}

async function readOnlyOf(cfg: ClusterConfig, name: string): Promise<boolean | null> {
  return withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => Number((await queryOne(c, 'SELECT @@read_only AS ro'))!.ro) === 1, { connectTimeoutMs: 1000 })
    .catch(() => null);
}

/** After the writer stopped: every replica of the new master has applied all it has (GTID or position wait). */
async function caughtUp(cfg: ClusterConfig, newMaster: string, replicas: string[]): Promise<void> {
  const server = (n: string) => cfg.servers.find((s) => s.name === n)!;
  const pos = await withConnection(cfg, server(newMaster), (c) => queryOne(c, 'SHOW MASTER STATUS'));
  await Promise.all(replicas.map(async (r) => {
    // NULL: its SQL thread does not run (yet: the monitor may have just restarted replication to set its heartbeat
    // period); -1: not there yet. Either way look again until 60 s, unless replication stopped on an error.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await withConnection(cfg, server(r), (c) => queryOne(c, 'SELECT MASTER_POS_WAIT(?, ?, 5) AS w', [pos!.File, Number(pos!.Position)]));
      if (got?.w !== null && got?.w !== undefined && Number(got.w) >= 0) return;
      const st = await withConnection(cfg, server(r), (c) => queryOne(c, 'SHOW SLAVE STATUS'));
      const broken = Number(st?.Last_IO_Errno ?? 0) || Number(st?.Last_SQL_Errno ?? 0);
      if (broken || Date.now() > deadline) {
        assert.fail(`${r} did not reach ${newMaster}'s ${pos!.File}:${pos!.Position} (MASTER_POS_WAIT ${got?.w}): source ${st?.Master_Host}, `
          + `IO ${st?.Slave_IO_Running} ${st?.Last_IO_Error ?? ''}, SQL ${st?.Slave_SQL_Running} ${st?.Last_SQL_Error ?? ''}, Using_Gtid ${st?.Using_Gtid}`);
      }
      await sleep(200);
    }
  }));
}

/** The oracle after a failover that the writer lived through. */
export async function survivorsHold(cfg: ClusterConfig, writer: RunningWriter, newMaster: string): Promise<void> {
  await writer.waitAcked(writer.acked().length + 100, 60_000); // it writes to the new master
  await writer.stop();
  const survivors = ['db2', 'db3', 'db4'];
  await caughtUp(cfg, newMaster, survivors.filter((s) => s !== newMaster));
  const report = await assertSurvivorsHold(cfg, survivors, writer.acked());
  process.stderr.write(`  ${report.acknowledged} acknowledged ids on ${survivors.join(', ')}: none lost, none twice\n`);
}

const say = (l: string) => process.stderr.write(`  ${l}\n`);

/**
 * A fresh lab in `mode`, a cluster of its own (`tune` edits its config), a writer, and its monitor watching db1;
 * afterwards the monitor is stopped (it must not fail over the next scenario's lab reset) and the writer too.
 */
async function onLab(mode: LabMode, temporal: () => TestTemporal, name: string, body: (t: TestTemporal, cfg: ClusterConfig, writer: RunningWriter) => Promise<void>,
  tune: (c: ClusterConfig) => ClusterConfig = (c) => c): Promise<void> {
  const lab = await resetLab(mode);
  const t = temporal();
  const cfg = registerCluster(tune(testConfig(lab.cfg, uniqueCluster(name))));
  const writer = startWriter(cfg);
  try {
    await writer.waitAcked(300);
    await startWatching(t, cfg);
    await body(t, cfg, writer);
  } finally {
    await stopMonitorOf(t.client, cfg.cluster);
    await writer.stop().catch(() => {});
  }
}

export function monitorScenarios(mode: LabMode, temporal: () => TestTemporal): void {
  const tag = mode === 'gtid' ? 'mon-g' : 'mon-f';

  // Scenarios about judging the master (and fencing it), not recovering data: the same in both modes, run once, in
  // file/position mode.
  const noFailover = mode === 'filepos' ? it : it.skip;
  noFailover('partition between the manager and the master only (its pings and SSH cut, the replicas still replicate): no failover', async () => {
    const lab = await resetLab(mode);
    const t = temporal();
    const db1 = lab.cfg.servers.find((s) => s.name === 'db1')!;
    const sqlProxy = await startTcpProxy({ host: db1.host, port: db1.port });
    const sshProxy = await startTcpProxy({ host: db1.host, port: lab.cfg.ssh.port });
    // The proxy presents db1's host key under its own address.
    const knownHosts = join(tmpdir(), `known_hosts-${process.pid}-${Date.now()}`);
    copyFileSync(labPaths().knownHosts, knownHosts);
    const db1Key = readFileSync(labPaths().knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${db1.host} `))!.split(' ').slice(1).join(' ');
    writeFileSync(knownHosts, `${readFileSync(knownHosts, 'utf8')}[${sshProxy.host}]:${sshProxy.port} ${db1Key}\n`);
    const cfg = registerCluster({
      ...testConfig(lab.cfg, uniqueCluster(`${tag}-part`), (ss) => ss.map((s) => (s.name === 'db1'
        ? { ...s, monitorAddress: `${sqlProxy.host}:${sqlProxy.port}`, ssh: { ...s.ssh, host: sshProxy.host, port: sshProxy.port } } : s))),
      ssh: { ...lab.cfg.ssh, knownHosts },
    });
    const writer = startWriter(cfg);
    try {
      await writer.waitAcked(100);
      await startWatching(t, cfg);
      const ackedAtCut = writer.acked().length;
      sqlProxy.cut(true);
      sshProxy.cut(true);
      say('manager cut from db1 (SQL and SSH) for 25 s');
      const s = await monitorUntil(t.client, cfg.cluster, (x) => x.lastVerdict?.kind === 'alive' && x.lastVerdict.partition === true, 'the monitor to judge db1 alive (partition)');
      assert.ok(s.warnings.some((w) => w.code === 'partition'), 'a visible warning');
      assert.match(s.lastVerdict!.reasons[0]!, /still receive from db1/);
      assert.ok(s.lastEvidence!.host.ssh !== 'reachable', 'its SSH was cut too');
      say(`verdict: ${s.lastVerdict!.reasons[0]}`);
      await sleep(25_000 - 2000);
      const during = await monitorStatusOf(t.client, cfg.cluster);
      assert.notEqual(during.state, 'failing-over');
      assert.deepEqual(await failoverRuns(t.client, cfg.cluster), [], 'no failover');
      sqlProxy.cut(false);
      sshProxy.cut(false);
      const back = await monitorUntil(t.client, cfg.cluster, (x) => x.events.some((e) => e.kind === 'recovered'), 'db1 answers again');
      assert.deepEqual(back.warnings.filter((w) => w.code === 'partition'), []);
      assert.equal(back.master, 'db1');
      assert.ok(writer.acked().length > ackedAtCut, `db1 went on taking writes (${ackedAtCut} acknowledged at the cut, ${writer.acked().length} now)`);
      assert.deepEqual(await failoverRuns(t.client, cfg.cluster), []);
    } finally {
      await stopMonitorOf(t.client, cfg.cluster);
      await writer.stop();
      await Promise.all([sqlProxy.close(), sshProxy.close()]);
    }
  });

  noFailover('master stalled (SIGSTOP) for 3 s: no failover', async () => {
    await onLab(mode, temporal, `${tag}-stall`, async (t, cfg) => {
      // Stopped for 3 s, and on a loaded machine until the monitor saw it (a stall nobody noticed tests nothing),
      // at most 6 s: well inside monitor.stallTimeout (10 s), so no failover may follow.
      const db1 = findHost(labHosts(), 'db1');
      const t0 = Date.now();
      const stalledMs = await stallMysqld(db1, 3000, async () => {
        while (Date.now() - t0 < 6000) {
          if ((await monitorStatusOf(t.client, cfg.cluster)).events.some((e) => e.kind === 'suspect')) return;
          await sleep(100);
        }
      });
      say(`db1 stopped for ${stalledMs} ms`);
      // The manager's pings failed meanwhile (the check is not vacuous), then it answered again.
      const s = await monitorUntil(t.client, cfg.cluster, (x) => x.events.some((e) => e.kind === 'recovered'), 'db1 answers again');
      assert.ok(s.events.some((e) => e.kind === 'suspect'), 'the stall was noticed');
      // Give it the whole stall timeout more: nothing may follow.
      await sleep(s.settings!.stallTimeoutMs + 2000);
      const after = await monitorStatusOf(t.client, cfg.cluster);
      assert.equal(after.state, 'watching');
      assert.equal(after.master, 'db1');
      assert.deepEqual(await failoverRuns(t.client, cfg.cluster), [], 'no failover');
      say(`events: ${after.events.slice(-4).map((e) => `${e.kind}: ${e.message}`).join(' | ')}`);
    });
  });

  it('mysqld killed: automatic failover, no acknowledged write lost; then it watches the new master, and the anti-flapping window holds', async () => {
    await onLab(mode, temporal, `${tag}-kill`, async (t, cfg, writer) => {
      const killedAt = Date.now();
      await injectFault('kill-mysqld', 'db1');
      const s = await monitorUntil(t.client, cfg.cluster, (x) => x.failovers[0]?.outcome === 'completed' && x.state === 'watching' && x.master !== 'db1',
        'the automatic failover');
      const f = s.failovers[0]!;
      say(`failover ${f.deadMaster} -> ${f.newMaster} done ${Date.now() - killedAt} ms after the kill; verdict: ${s.events.find((e) => e.kind === 'verdict-dead')?.message}`);
      assert.equal(f.deadMaster, 'db1');
      assert.equal(s.master, f.newMaster, 'it watches the new master');
      assert.equal(s.lastVerdict?.hard, true, 'refusals everywhere: believed at once');
      assert.deepEqual((await failoverRuns(t.client, cfg.cluster)).map((r) => r.status), ['COMPLETED'], 'exactly one failover');
      // The new master's replicas get their 1 s heartbeat back (a failover's CHANGE MASTER resets it).
      await monitorUntil(t.client, cfg.cluster, (x) => x.events.some((e) => e.kind === 'heartbeat') && !x.warnings.some((w) => w.code === 'slow-heartbeat'),
        'heartbeats set again', 30_000);
      await survivorsHold(cfg, writer, f.newMaster!);
      // The new master dies too, within failover.lastFailoverWindow: refused, and held.
      await injectFault('kill-mysqld', f.newMaster!);
      const held = await monitorUntil(t.client, cfg.cluster, (x) => x.state === 'failover-refused', 'the second failover refused');
      assert.match(held.failovers[1]!.message, /failed over at .*less than 480 minutes ago/);
      assert.ok(held.warnings.some((w) => w.code === 'master-dead'));
      await sleep(3000);
      assert.equal((await failoverRuns(t.client, cfg.cluster)).length, 2, 'one refused attempt, not one per ping');
    });
  });

  it('host down (mysqld and sshd gone): automatic failover', async () => {
    await onLab(mode, temporal, `${tag}-host`, async (t, cfg, writer) => {
      await injectFault('host-down', 'db1');
      const s = await monitorUntil(t.client, cfg.cluster, (x) => x.failovers[0]?.outcome === 'completed' && x.state === 'watching', 'the automatic failover');
      assert.equal(s.lastEvidence?.host.ssh, 'refused', 'its host did not answer over SSH');
      assert.deepEqual((await failoverRuns(t.client, cfg.cluster)).map((r) => r.status), ['COMPLETED']);
      await survivorsHold(cfg, writer, s.master!);
      // Unreachable over SSH, so fenced by the shutdown hook (STONITH): without one the failover is refused.
    }, (c) => ({ ...c, hooks: { ...c.hooks, shutdown: LAB_SHUTDOWN_HOOK } }));
  });

  it('paused: no failover while paused, even with the master dead; resumed: failover', async () => {
    await onLab(mode, temporal, `${tag}-pause`, async (t, cfg, writer) => {
      const monitor = t.client.workflow.getHandle(monitorWorkflowId(cfg.cluster));
      await monitor.signal(MONITOR_SIGNALS.pause, { reason: 'maintenance on db1' });
      await monitorUntil(t.client, cfg.cluster, (x) => x.paused !== null, 'paused');
      await injectFault('kill-mysqld', 'db1');
      const s = await monitorUntil(t.client, cfg.cluster, (x) => x.state === 'master-dead', 'db1 found dead, not failed over');
      assert.ok(s.events.some((e) => e.kind === 'no-failover' && /paused/.test(e.message)));
      await sleep(5000);
      assert.deepEqual(await failoverRuns(t.client, cfg.cluster), [], 'no failover while paused');
      await monitor.signal(MONITOR_SIGNALS.resume);
      const after = await monitorUntil(t.client, cfg.cluster, (x) => x.failovers[0]?.outcome === 'completed' && x.state === 'watching', 'the failover after resume');
      assert.equal(after.paused, null);
      await survivorsHold(cfg, writer, after.master!);
    });
  });

  // The fencing of a stalled master does not depend on the replication mode (failover-gtid covers a stalled
  // master's failover in GTID mode): once, in file/position mode.
  noFailover('master stalled longer than monitor.stallTimeout: a failover only with verified fencing (after SIGCONT the old master is not writable, or no failover happened)', async () => {
    await onLab(mode, temporal, `${tag}-freeze`, async (t, cfg) => {
      const stall = stallMysqld(findHost(labHosts(), 'db1'), 25_000);
      const s = await monitorUntil(t.client, cfg.cluster, (x) => x.failovers.length > 0 && x.failovers[0]!.outcome !== 'running', 'the monitor to act on the long stall', 60_000)
        .catch(() => null);
      await stall;
      await sleep(2000);
      const ro = await readOnlyOf(cfg, 'db1');
      say(`after SIGCONT: failover ${s?.failovers[0]?.outcome ?? 'none'} (${s?.failovers[0]?.message ?? ''}); db1 read_only=${ro === null ? 'unreachable' : ro ? 'ON' : 'OFF'}`);
      const failedOver = s?.failovers[0]?.outcome === 'completed';
      assert.ok(!failedOver || ro !== false, 'the old master is not writable after SIGCONT, or no failover happened');
    }, (c) => ({ ...c, monitor: { ...c.monitor, stallTimeout: '4s' } }));
  });
}
