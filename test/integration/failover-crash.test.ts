// A worker killed (SIGKILL) in the middle of applying the new master's diff: another worker takes the
// step over and the diff is applied exactly once (resumed from the target's own binlog).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startFailover } from '../../src/failover/start';
import type { ClusterConfig, ServerConfig } from '../../src/config/schema';
import { injectFault, restoreHost } from '../../lab/faults';
import { findHost, labHosts } from '../../lab/layout';
import { stopMysqld } from '../../lab/mariadb';
import { failureReason } from '../../src/temporal/http';
import { resultOf, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { waitFor } from '../../lab/system';
import { startWorkerProcess } from '../../lab/worker-process';
import { startWriter } from '../../lab/writer';
import { queryOne, withConnection } from '../../src/mysql/client';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import type { FailoverReport } from '../../src/contracts/failover';
import { assertSurvivorsHold, logFailover, waitProgress } from '../support/harness';
import { workersOfEachTest } from '../support/test-workers';

const workers = workersOfEachTest();

async function binlogGtid(cfg: ClusterConfig, server: ServerConfig): Promise<string> {
  return withConnection(cfg, server, async (c) => String((await queryOne(c, 'SELECT @@gtid_binlog_pos AS g'))!.g));
}
let connection: Connection | undefined;
after(async () => { await connection?.close(); });

describe('failover durability, and facts gone stale', () => {
  it('kill -9 of the worker while the new master applies its diff: resumed elsewhere, applied exactly once', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-crash'));
    const writer = startWriter(cfg);
    await writer.waitAcked(150);
    for (const r of ['db2', 'db3', 'db4']) await injectFault('stop-io', r);
    await writer.waitAcked(900);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();

    const taskQueue = `mhaflow-crash-${process.pid}-${Date.now().toString(36)}`;
    const first = await startWorkerProcess({ taskQueue, sharedBundle: true });
    workers.push(first);
    connection = await Connection.connect({ address: temporalAddress() });
    const client = new Client({ connection, namespace: temporalNamespace() });
    const t0 = Date.now();
    const { handle } = await startFailover(client, { cluster: cfg.cluster }, { taskQueue });
    const p = await waitProgress(handle, (x) => x.steps.some((s) => s.id.startsWith('apply-') && s.status === 'running'));
    const applying = p.steps.find((s) => s.id.startsWith('apply-') && s.status === 'running')!.id;
    // Kill only once the target's own binlog shows the apply under way (a fixed delay is a race on a busy machine).
    const targetServer = cfg.servers.find((s) => `apply-${s.name}` === applying)!;
    const gtidAtStart = await binlogGtid(cfg, targetServer);
    await waitFor(`${targetServer.name} to apply its first diff transactions`, async () => (await binlogGtid(cfg, targetServer)) !== gtidAtStart, 30_000, 10);
    await first.kill();
    const killedAt = Date.now() - t0;
    workers.push(await startWorkerProcess({ taskQueue, sharedBundle: true }));
    const report = await resultOf<FailoverReport>(handle, 120_000);
    logFailover({ report, ms: Date.now() - t0, workflowId: handle.workflowId });
    process.stderr.write(`  worker killed at ${killedAt} ms during ${applying}\n`);
    const target = report.servers.find((s) => `apply-${s.server}` === applying)!;
    assert.equal((target.applied ?? 0) + (target.alreadyApplied ?? 0), target.diff!.transactions, 'every transaction of the diff applied once');
    assert.ok((target.alreadyApplied ?? 0) > 0, 'the retry found transactions the killed attempt had applied');
    await assertSurvivorsHold(cfg, ['db2', 'db3', 'db4'], writer.acked());
  });

  it('a failover left without a worker while a server changed: the next worker stops it instead of acting on stale facts', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-stale'));
    const writer = startWriter(cfg);
    await writer.waitAcked(150);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    const taskQueue = `mhaflow-stale-${process.pid}-${Date.now().toString(36)}`;
    const first = await startWorkerProcess({ taskQueue, sharedBundle: true });
    workers.push(first);
    connection ??= await Connection.connect({ address: temporalAddress() });
    const client = new Client({ connection, namespace: temporalNamespace() });
    const { handle } = await startFailover(client, { cluster: cfg.cluster }, { taskQueue });
    await waitProgress(handle, (x) => x.steps.some((s) => s.id === 'check' && s.status === 'done'));
    await first.kill();
    // Meanwhile db3 is restarted (rebuilt, or crashed and back): not the server the failover read any more.
    // A server's identity includes when it started (to the second, with 5 s of slack for clock reads): wait until
    // db3 has run longer than that, so that its restart is one the check can tell (a lab reset may have just started it).
    const db3Cfg = cfg.servers.find((s) => s.name === 'db3')!;
    await waitFor('db3 up for 8 s', async () => Number((await withConnection(cfg, db3Cfg, (c) => queryOne(c, "SHOW GLOBAL STATUS LIKE 'Uptime'")))?.Value) >= 8,
      30_000, 500);
    const db3 = findHost(labHosts(), 'db3');
    await stopMysqld(db3, 'clean');
    await restoreHost('db3');
    workers.push(await startWorkerProcess({ taskQueue, sharedBundle: true }));
    const failure = await resultOf<FailoverReport>(handle, 120_000).then(() => null, (e: unknown) => failureReason(e));
    assert.ok(failure, 'the failover did not go on');
    assert.equal(failure.type, 'SafetyError');
    assert.match(failure.message, /db3 is not the server this failover read: mysqld restarted at /);
    const ro = await withConnection(cfg, cfg.servers.find((s) => s.name === 'db2')!, (c) => queryOne(c, 'SELECT @@read_only AS ro'));
    assert.equal(Number(ro!.ro), 1, 'no replica was made writable');
  });
});
