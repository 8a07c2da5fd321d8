// The replication steps of a failover (src/failover/replication.ts) on a fake replica of each dialect: on MySQL 8.4
// nothing the product sends is a statement 8.4 removed (the fake refuses those as the server does), the delay
// is given back with SOURCE_DELAY, and the flavor is asked once per connection, from the server's own answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterConfig } from '../../../src/config/schema';
import { drainRelayLog, stopIoThread } from '../../../src/failover/replication';
import { forgetSource, makeWritable, repoint, repointGtidReplica } from '../../../src/mysql/replication';
import { showMasterStatus, showReplicaStatus } from '../../../src/mysql/client';
import { FakeReplica, REMOVED_IN_84 } from '../../support/fake-mysql';

process.env.MHAFLOW_TEST_REPL_PASSWORD = 'pw';
const cfg = { replication: { user: 'repl', password: 'env:MHAFLOW_TEST_REPL_PASSWORD' } } as unknown as ClusterConfig;
const beat = () => {};

/** Every step of a failover on one replica, in the order a failover runs them. */
async function everyStep(r: FakeReplica): Promise<void> {
  await stopIoThread(r.conn, 'db2');
  await drainRelayLog(r.conn, 'db2', { delayWas: 0, timeoutMs: 5000, heartbeat: beat });
  await repoint(cfg, r.conn, 'db2', { host: '10.0.0.3', port: 3306, coords: { file: 'db3-bin.000001', pos: 999 }, delay: 3600 });
  await repointGtidReplica(cfg, r.conn, 'db2', { host: '10.0.0.4', port: 3306, gtid: 'slave_pos', delay: 60 }, 'x', { timeoutMs: 5000, heartbeat: beat });
  await makeWritable(r.conn);
  await forgetSource(r.conn);
  await showMasterStatus(r.conn);
}

describe('replication steps by dialect', () => {
  it('MySQL 8.4: only 8.4 statements (REPLICA, CHANGE REPLICATION SOURCE TO, SOURCE_DELAY, SHOW BINARY LOG STATUS)', async () => {
    const r = new FakeReplica('8.4.3');
    await everyStep(r);
    assert.deepEqual(r.sent.filter((s) => REMOVED_IN_84.test(s)), []);
    assert.equal(r.sent.filter((s) => s === 'SELECT @@version AS v').length, 1, 'the dialect is chosen once per connection');
    assert.ok(r.sent.includes('SHOW REPLICA STATUS'));
    assert.ok(r.sent.includes('SHOW BINARY LOG STATUS'));
    assert.ok(r.sent.some((s) => /^CHANGE REPLICATION SOURCE TO SOURCE_HOST='10\.0\.0\.3', .*SOURCE_LOG_POS=999, SOURCE_AUTO_POSITION=0, SOURCE_DELAY=3600$/.test(s)), r.sent.join('\n'));
    assert.ok(r.sent.includes('CHANGE REPLICATION SOURCE TO SOURCE_DELAY=60'), 'a GTID replica gets its delay back');
    assert.deepEqual(r.sent.filter((s) => /read_only/.test(s) && /^SET/.test(s)), ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']);
    assert.ok(r.sent.includes('RESET REPLICA ALL'));
    assert.equal(r.state.replica, false);
  });

  it('MySQL 5.7 and MariaDB: the SLAVE / MASTER_ forms they know', async () => {
    for (const version of ['5.7.44-log', '10.11.6-MariaDB-log']) {
      const r = new FakeReplica(version);
      await everyStep(r);
      assert.ok(r.sent.includes('SHOW SLAVE STATUS'), version);
      assert.ok(r.sent.includes('SHOW MASTER STATUS'), version);
      assert.ok(r.sent.includes('CHANGE MASTER TO MASTER_DELAY=60'), version);
      assert.ok(!r.sent.some((s) => /REPLICA|SOURCE_/.test(s)), `${version}: ${r.sent.filter((s) => /REPLICA|SOURCE_/.test(s)).join('; ')}`);
    }
  });

  it('the drain reads the SQL thread\'s state from the replica status it already has (no second status query)', async () => {
    const r = new FakeReplica('8.4.3', { read: 2000, exec: 1500 });
    const d = await drainRelayLog(r.conn, 'db2', { delayWas: 0, timeoutMs: 5000, heartbeat: beat });
    // exec stays behind read while the SQL thread waits for more: what is left is a cut transaction, its exec_diff.
    assert.equal(d.caughtUp, false);
    assert.deepEqual(d.exec, { file: 'mysql-bin.000001', pos: 1500 });
    assert.ok(!r.sent.some((s) => REMOVED_IN_84.test(s)));
    assert.equal((await showReplicaStatus(r.conn))?.sqlRunningState, '');
  });
});
