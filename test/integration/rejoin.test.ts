// The rejoin on the lab, both replication modes: an old master holding transactions no replica received comes
// back after a failover. The oracle is the writer's log: the acknowledged ids missing from the survivors are
// exactly what the rejoin counts; then the four servers are identical (with --reapply: every acknowledged id
// on all four). Plus: nothing extra (the failover saved the tail), and a DDL among the extra transactions.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { LabMode } from '../../lab/layout';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { CheckReport } from '../../src/check';
import { injectFault } from '../../lab/faults';
import { LAB_SHUTDOWN_HOOK, registerCluster, resultOf, scenarioConfigDir, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { findHost, labHosts } from '../../lab/layout';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWriter } from '../../lab/writer';
import { assertSurvivorsHold, logFailover, runFailover, startTemporal, type TestTemporal } from '../support/harness';
import { ALL, assertReplicatesFrom, caughtUp, failOverAndRestore, idsOn, oldMasterAhead, rejoinOf } from '../support/rejoin-scenarios';
import { startRejoin } from '../../src/rejoin/start';
import { WorkflowFailedError } from '@temporalio/client';
import { failureReason } from '../../src/temporal/http';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

const EXTRA = 60;

function modeTests(mode: LabMode): void {
  it('host down with rows only in its binlog: the count is exactly the acknowledged ids the survivors lack; rewound, it replicates, four identical', async () => {
    const { cfg, acked } = await oldMasterAhead(mode, { extra: EXTRA, fault: 'host-down' });
    const fo = await failOverAndRestore(t, cfg);
    assert.equal(fo.binlogTail?.status, 'unavailable', 'the host was down: the tail could not be saved');
    const onSurvivors = await idsOn(cfg, fo.newMaster!);
    const lost = acked.filter((id) => !onSurvivors.has(id));
    assert.ok(lost.length >= EXTRA, `acknowledged ids lost at the failover: ${lost.length}`);
    const { report } = await rejoinOf(t, cfg);
    assert.equal(report.outcome, 'rewound');
    assert.equal(report.extraTransactions!.count, lost.length, 'one transaction per lost acknowledged id');
    assert.deepEqual(report.extraTransactions!.tables.map((x) => [x.table, x.rows.write]), [['mhaflow_test.writes', lost.length], ['mhaflow_test.writes_nopk', lost.length]]);
    assert.ok(report.files && existsSync(report.files.binlog) && existsSync(report.files.sql), 'raw events and SQL text in the manager\'s workdir');
    assert.equal((readFileSync(report.files.sql, 'utf8').match(/^### INSERT INTO `mhaflow_test`\.`writes`$/gm) ?? []).length, lost.length);
    assert.equal(report.rewound!.undone + report.rewound!.alreadyUndone, lost.length);
    await assertReplicatesFrom(cfg, 'db1', fo.newMaster!);
    await caughtUp(cfg, 'db1', fo.newMaster!);
    await assertSurvivorsHold(cfg, ALL, acked.filter((id) => onSurvivors.has(id)));
    assert.equal([...await idsOn(cfg, 'db1')].filter((id) => lost.includes(id)).length, 0, 'the lost ids are rewound on db1 too');
    // A second rejoin: a no-op that says so.
    const again = await rejoinOf(t, cfg);
    assert.equal(again.report.outcome, 'already-rejoined');
    assert.match(again.report.note, /already replicates from/);
  });

  it('semi-sync on (lab up --semi-sync), host down while the writer writes: check shows it, and 0 acknowledged rows are lost', async () => {
    const lab = await resetLab(mode, { semiSync: true });
    const base = testConfig(lab.cfg, uniqueCluster(`rj-semi-${mode === 'gtid' ? 'g' : 'f'}`));
    const cfg = registerCluster({ ...base, hooks: { ...base.hooks, shutdown: LAB_SHUTDOWN_HOOK } });
    const check = spawnSync(process.execPath, [resolve(__dirname, '..', '..', 'bin', 'mhaflow.js'), 'check', '--config', join(scenarioConfigDir(), `${cfg.cluster}.yml`), '--json', '--local'], { encoding: 'utf8' });
    const rows = (JSON.parse(check.stdout) as CheckReport).rows;
    assert.deepEqual(rows.map((r) => [r.name, r.semiSync]), [['db1', 'on, 3 replicas ack'], ['db2', 'acks'], ['db3', 'acks'], ['db4', 'acks']], check.stderr);
    // The host-down scenario above, which loses what only the master's binlog held: the writer goes on after every
    // replica stopped receiving, then the master's host goes down. Semi-sync acknowledges none of those commits.
    const writer = startWriter(cfg);
    await writer.waitAcked(150);
    for (const r of ['db2', 'db3', 'db4']) await injectFault('stop-io', r);
    const ackedAtStop = writer.acked().length;
    await sleep(1000);
    await injectFault('host-down', 'db1');
    await writer.stop();
    const fo = await runFailover(t, cfg);
    logFailover(fo);
    assert.equal(fo.report.binlogTail?.status, 'unavailable', 'the host was down: its binlog could not be read');
    // Every commit the writer saw acknowledged had reached a replica's relay log first (AFTER_SYNC).
    const onSurvivors = await idsOn(cfg, fo.report.newMaster!);
    const lost = writer.acked().filter((id) => !onSurvivors.has(id));
    assert.deepEqual(lost, [], `${writer.acked().length} acknowledged, ${lost.length} lost`);
    process.stderr.write(`  semi-sync ${mode}: ${writer.acked().length} acknowledged ids (${writer.acked().length - ackedAtStop} after no replica received), 0 lost with the master's host down\n`);
    await assertSurvivorsHold(cfg, ['db2', 'db3', 'db4'], writer.acked());
  });

  it('--reapply: every acknowledged id is on all four servers afterwards', async () => {
    const { cfg, acked } = await oldMasterAhead(mode, { extra: EXTRA, fault: 'host-down' });
    const fo = await failOverAndRestore(t, cfg);
    const onSurvivors = await idsOn(cfg, fo.newMaster!);
    const lost = acked.filter((id) => !onSurvivors.has(id));
    const { report } = await rejoinOf(t, cfg, { reapply: true });
    assert.equal(report.extraTransactions!.count, lost.length);
    assert.equal(report.reapplied!.applied + report.reapplied!.alreadyApplied, lost.length);
    await caughtUp(cfg, 'db1', fo.newMaster!);
    for (const r of ['db3', 'db4'].filter((x) => x !== fo.newMaster)) await caughtUp(cfg, r, fo.newMaster!);
    await assertSurvivorsHold(cfg, ALL, acked);
  });

  it('nothing extra (mysqld killed, SSH up, the tail saved): the rejoin just repoints', async () => {
    const { cfg, acked } = await oldMasterAhead(mode, { extra: EXTRA, fault: 'kill-mysqld' });
    const fo = await failOverAndRestore(t, cfg);
    assert.equal(fo.binlogTail?.status, 'saved');
    const { report } = await rejoinOf(t, cfg);
    assert.equal(report.outcome, 'repointed');
    assert.equal(report.extraTransactions!.count, 0);
    assert.equal(report.files, null);
    await assertReplicatesFrom(cfg, 'db1', fo.newMaster!);
    await caughtUp(cfg, 'db1', fo.newMaster!);
    await assertSurvivorsHold(cfg, ALL, acked);
  });

  it('a DDL among the extra transactions: refused, naming it and the saved file', async () => {
    const { cfg } = await oldMasterAhead(mode, { extra: 20, fault: 'host-down', ddl: 'CREATE TABLE mhaflow_test.only_on_db1 (id INT PRIMARY KEY)' });
    await failOverAndRestore(t, cfg);
    const { handle } = await startRejoin(t.client, { cluster: cfg.cluster, server: 'db1' }, { taskQueue: t.taskQueue });
    const failure = await resultOf(handle, 180_000).then(() => null, (e: unknown) => (e instanceof WorkflowFailedError ? failureReason(e) : Promise.reject(e)));
    assert.equal(failure?.type, 'RefusedError');
    assert.match(failure!.message, /1 of the \d+ transactions only db1 holds cannot be rewound: .*statement `CREATE TABLE mhaflow_test\.only_on_db1/);
    const saved = /saved in (\S+\.binlog)/.exec(failure!.message)?.[1];
    assert.ok(saved && existsSync(saved), `the saved file ${saved}`);
    assert.match(failure!.message, /rebuild this server from a backup/);
  });
}

// MHAFLOW_TEST_MODES=gtid runs one mode only.
const modes = (process.env.MHAFLOW_TEST_MODES ?? 'filepos,gtid').split(',');
if (modes.includes('filepos')) describe('rejoin, file/position', () => modeTests('filepos'));
if (modes.includes('gtid')) describe('rejoin, GTID', () => modeTests('gtid'));
