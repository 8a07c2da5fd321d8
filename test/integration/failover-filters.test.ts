// A replica whose replication filters differ, in file/position mode: a diff replayed through a client session
// would bypass its replicate-* filters, so the failover leaves it out and says so; it does not stop the others.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { injectFault } from '../../lab/faults';
import { testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { findHost, labHosts } from '../../lab/layout';
import { rootQuery, rootSql } from '../../lab/mariadb';
import { startWriter } from '../../lab/writer';
import { assertSurvivorsHold, logFailover, runFailover, startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

const TEST_DB = 'mhaflow_test';

describe('replication filters', () => {
  it('file/position: db3 ignores the writer\'s database and is behind; the failover completes, the others hold every acknowledged id, db3 is left out', async () => {
    const lab = await resetLab('filepos');
    const db3 = findHost(labHosts(), 'db3');
    // MariaDB takes replicate_ignore_db at run time, with the replica stopped.
    await rootSql(db3, `STOP SLAVE; SET GLOBAL replicate_ignore_db = '${TEST_DB}'; START SLAVE`);
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-filter'));
    const writer = startWriter(cfg);
    // db3 stops receiving halfway: a recovery would give it a read_diff, replayed through a client session.
    await writer.waitAcked(150);
    await injectFault('stop-io', 'db3');
    await writer.waitAcked(300);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();

    const run = await runFailover(t, cfg);
    logFailover(run);
    assert.ok(run.report.newMaster && ['db2', 'db4'].includes(run.report.newMaster), `new master ${run.report.newMaster}`);
    const db3Candidate = run.report.candidates.find((c) => c.name === 'db3')!;
    assert.ok(!db3Candidate.eligible && db3Candidate.reasons.some((r) => /replication filters differ: Replicate_Ignore_DB='mhaflow_test'/.test(r)), db3Candidate.reasons.join('; '));
    assert.deepEqual(run.report.leftOut.map((l) => l.server), ['db3']);
    assert.match(run.report.leftOut[0]!.hint, new RegExp(`rebuild it from ${run.report.newMaster}`));
    assert.ok(!run.report.servers.some((s) => s.server === 'db3'), 'no diff applied on db3, not repointed');
    await assertSurvivorsHold(cfg, ['db2', 'db4'], writer.acked());

    // db3 applied nothing it is set up to ignore, and still replicates from the dead master.
    const acked = writer.acked();
    const [row] = await rootQuery(db3, `SELECT COUNT(*) AS n FROM ${TEST_DB}.writes WHERE id BETWEEN ${Math.min(...acked)} AND ${Math.max(...acked)}`);
    assert.equal(Number(row!.n), 0, 'none of the writer\'s rows on db3');
    const [st] = await rootQuery(db3, 'SHOW SLAVE STATUS');
    assert.equal(st!.Master_Host, lab.cfg.servers.find((s) => s.name === 'db1')!.host);
  });
});
