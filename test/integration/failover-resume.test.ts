// A failover that stops midway, then a new request: refused (naming the run and what it did), then resumed from
// before its failed step with its recorded positions: nothing applied twice, checked on the table without a primary
// key (writes_nopk) with statement-based binlogs, where a transaction applied twice shows up as a duplicated row.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { injectFault } from '../../lab/faults';
import { testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { findHost, labHosts, TEST_DB } from '../../lab/layout';
import { rootSql } from '../../lab/mariadb';
import { startWriter } from '../../lab/writer';
import { runFailoverCommand } from '../../src/cli/failover';
import type { ClusterConfig } from '../../src/config/schema';
import { findUnresolvedFailover } from '../../src/temporal/failovers';
import { assertSurvivorsHold, failoverFailure, startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

function writeConfig(cfg: ClusterConfig): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mhaflow-cfg-')), 'cluster.yml');
  writeFileSync(path, stringify(cfg));
  return path;
}

describe('a failover that stopped midway', () => {
  it('is not started afresh over; resumed, it applies nothing twice (statement-based binlog, a table without a primary key)', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-resume'), (ss) => ss.map((s) => (s.name === 'db3' ? { ...s, candidateMaster: true } : s)));
    const [db1, , db3] = ['db1', 'db2', 'db3'].map((n) => findHost(labHosts(), n));
    await rootSql(db1!, "SET GLOBAL binlog_format = 'STATEMENT'"); // the writer's connections replicate statements
    const writer = startWriter(cfg);
    await writer.waitAcked(200);
    await injectFault('stop-io', 'db3'); // db3, the candidate, will need a read_diff and the tail: a diff of ~400 transactions
    await writer.waitAcked(600);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    // A row db3's diff will also insert: its apply stops there, a duplicate key, after applying what came before.
    const acked = writer.acked();
    const planted = acked[acked.length - 20]!;
    await rootSql(db3!, `SET sql_log_bin = 0; INSERT INTO ${TEST_DB}.writes (id, writer, payload) VALUES (${planted}, 'planted', 'conflict')`);

    const first = await failoverFailure(t, cfg);
    assert.equal(first.type, 'DiffApplyError', first.message);
    assert.match(first.message, /Duplicate entry '?\d+/);

    // A new request does not start over it: refused, naming the run and what it did.
    const again = await failoverFailure(t, cfg);
    assert.equal(again.type, 'RefusedError');
    assert.match(again.message, /failover failover:fo-resume-\S+ \(run [0-9a-f-]+\) stopped at .* after changing servers: .*Duplicate entry.*Resume it .*--resume.*--resolved/s);
    // The store's answer, read the way every check reads it: the aborted run, not the refusal that came after it.
    const unresolved = await findUnresolvedFailover(t.client, cfg.cluster);
    assert.equal(unresolved?.status, 'FAILED', JSON.stringify(unresolved));
    assert.match(unresolved!.message, /Duplicate entry/);

    // The operator removes the conflict, then resumes: the apply counts what db3 already holds and goes on.
    await rootSql(db3!, `SET sql_log_bin = 0; DELETE FROM ${TEST_DB}.writes WHERE id = ${planted} AND writer = 'planted'`);
    const resumed = await runFailoverCommand(t.client, { config: writeConfig(cfg) }, {}, { taskQueue: t.taskQueue, resume: true });
    const r = resumed.report;
    assert.equal(r.newMaster, 'db3');
    const db3Out = r.servers.find((s) => s.server === 'db3')!;
    assert.ok((db3Out.alreadyApplied ?? 0) > 0, `db3 had applied part of its diff before it stopped: ${JSON.stringify(db3Out)}`);
    assert.equal((db3Out.applied ?? 0) + (db3Out.alreadyApplied ?? 0), db3Out.diff!.transactions, 'each transaction of its diff applied once');
    await assertSurvivorsHold(cfg, ['db2', 'db3', 'db4'], acked);
    // Completed after it, the resumed failover resolves the aborted run: a later failover may start.
    assert.equal(await findUnresolvedFailover(t.client, cfg.cluster), null);
  });
});
