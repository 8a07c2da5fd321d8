// Column normalisation of SHOW REPLICA STATUS / SHOW SLAVE STATUS for MySQL 8.0, 5.7 and MariaDB 10.11,
// on captured rows (see test/fixtures/replica-status/README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { normalizeReplicaStatus, type ReplicaStatus } from '../../../src/mysql/status';

const DIR = resolve(__dirname, '..', '..', 'fixtures', 'replica-status');
const rows = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>[];
const one = (f: string): ReplicaStatus => normalizeReplicaStatus(rows(f)[0]!);

describe('SHOW REPLICA STATUS normalisation', () => {
  it('MySQL 8.0 SHOW REPLICA STATUS (Source_*/Replica_* columns), GTID auto-position', () => {
    const s = one('mysql-8.0-replica-status-gtid.json');
    assert.equal(s.sourceHost, '10.0.0.11');
    assert.equal(s.sourcePort, 3306);
    assert.equal(s.sourceUser, 'repl');
    assert.equal(s.sourceLogFile, 'binlog.000042');
    assert.equal(s.readSourceLogPos, 73412987);
    assert.equal(s.relaySourceLogFile, 'binlog.000042');
    assert.equal(s.execSourceLogPos, 73412987);
    assert.equal(s.relayLogFile, 'db2-relay-bin.000118');
    assert.equal(s.relayLogPos, 73413203);
    assert.equal(s.ioRunning, 'Yes');
    assert.equal(s.sqlRunning, true);
    assert.equal(s.secondsBehindSource, 0);
    assert.equal(s.sourceServerId, 11);
    assert.equal(s.autoPosition, true);
    assert.equal(s.usingGtid, undefined);
    assert.equal(s.retrievedGtidSet, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1051-90817');
    // The multi-line GTID set is joined without whitespace.
    assert.equal(s.executedGtidSet, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-90817,8c2d3b94-5a4e-11ee-8d5f-0242ac120003:1-12');
    assert.equal(s.replicateWildIgnoreTable, 'mysql.%,sys.%');
    assert.equal(s.sourceUuid, '3e11fa47-71ca-11e1-9e33-c80aa9429562');
    assert.equal(s.sqlRunningState, 'Replica has read all relay log; waiting for more updates');
    assert.equal(s.channelName, '');
    assert.equal(s.connectionName, undefined);
  });

  it('MySQL 8.0 IO thread error: errno, text, null lag', () => {
    const s = one('mysql-8.0-replica-status-io-error.json');
    assert.equal(s.ioRunning, 'No');
    assert.equal(s.lastIoErrno, 13114);
    assert.match(s.lastIoError, /^Got fatal error 1236 from source/);
    assert.equal(s.secondsBehindSource, null);
  });

  it('MySQL 8.0 with two channels: one row per channel', () => {
    const r = rows('mysql-8.0-replica-status-multichannel.json').map(normalizeReplicaStatus);
    assert.deepEqual(r.map((x) => [x.channelName, x.sourceHost, x.autoPosition]), [['', '10.0.0.11', true], ['analytics', '10.9.0.5', false]]);
  });

  it('MySQL 5.7 SHOW SLAVE STATUS (Master_*/Slave_* columns), file/position, SQL thread stopped', () => {
    const s = one('mysql-5.7-slave-status-filepos.json');
    assert.equal(s.sourceHost, 'db1.example.com');
    assert.equal(s.sourceLogFile, 'mysql-bin.000315');
    assert.equal(s.readSourceLogPos, 98112344);
    assert.equal(s.relaySourceLogFile, 'mysql-bin.000314');
    assert.equal(s.execSourceLogPos, 1073698211);
    assert.equal(s.ioRunning, 'Yes');
    assert.equal(s.sqlRunning, false);
    assert.equal(s.lastSqlErrno, 0);
    assert.equal(s.secondsBehindSource, null);
    assert.equal(s.autoPosition, false);
    assert.equal(s.replicateDoDb, 'app,billing');
    assert.equal(s.sourceServerId, 1);
    assert.equal(s.sourceUuid, '9a1b2c3d-0e4f-11e9-8a1b-5254004d77d3', 'Master_UUID');
  });

  it('MariaDB 10.11 SHOW SLAVE STATUS, file/position (Using_Gtid=No)', () => {
    const s = one('mariadb-10.11-slave-status-filepos.json');
    assert.equal(s.sourceHost, '127.0.0.1');
    assert.equal(s.sourcePort, 33061);
    assert.equal(s.sourceLogFile, 'mysql-bin.000002');
    assert.equal(s.readSourceLogPos, 823);
    assert.equal(s.execSourceLogPos, 823);
    assert.equal(s.usingGtid, 'No');
    assert.equal(s.autoPosition, false);
    assert.equal(s.gtidIoPos, '');
    assert.equal(s.sqlRunning, true);
    assert.equal(s.sourceServerId, 1);
    assert.equal(s.secondsBehindSource, 0);
    assert.equal(s.connectionName, undefined, 'SHOW SLAVE STATUS has no Connection_name column');
    assert.equal(s.sourceUuid, undefined, 'MariaDB has no source UUID');
    assert.equal(s.sqlRunningState, 'Slave has read all relay log; waiting for more updates');
  });

  it('MariaDB 10.11 SQL thread error (duplicate key) with its text', () => {
    const s = one('mariadb-10.11-slave-status-sql-error.json');
    assert.equal(s.sqlRunning, false);
    assert.equal(s.lastSqlErrno, 1062);
    assert.match(s.lastSqlError, /Duplicate entry '4' for key 'PRIMARY'/);
    assert.equal(s.secondsBehindSource, null);
  });

  it('MariaDB 10.11 SHOW REPLICA STATUS keeps the Slave_/Master_ names; Using_Gtid=Slave_Pos is auto-positioning', () => {
    const s = one('mariadb-10.11-replica-status-gtid.json');
    assert.equal(s.usingGtid, 'Slave_Pos');
    assert.equal(s.autoPosition, true);
    assert.match(s.gtidIoPos ?? '', /^0-1-\d+$/);
    assert.equal(s.replicateIgnoreDb, 'scratch');
    assert.equal(s.ioRunning, 'Yes');
  });

  it('MariaDB 10.11 SHOW ALL SLAVES STATUS: Connection_name per row, a Connecting IO thread with its error', () => {
    const r = rows('mariadb-10.11-all-slaves-status-multisource.json').map(normalizeReplicaStatus);
    assert.deepEqual(r.map((x) => x.connectionName), ['', 'reporting']);
    assert.equal(r[0]!.autoPosition, true);
    assert.equal(r[1]!.autoPosition, false);
    assert.equal(r[1]!.ioRunning, 'Connecting');
    assert.equal(r[1]!.lastIoErrno, 1045);
    assert.match(r[1]!.lastIoError, /Access denied for user 'repl'/);
    assert.equal(r[1]!.sourcePort, 33062);
  });

  it('every fixture row yields the full normalised shape', () => {
    const keys = ['sourceHost', 'sourcePort', 'sourceUser', 'sourceLogFile', 'readSourceLogPos', 'relayLogFile', 'relayLogPos', 'relaySourceLogFile',
      'execSourceLogPos', 'ioRunning', 'sqlRunning', 'lastIoErrno', 'lastIoError', 'lastSqlErrno', 'lastSqlError', 'secondsBehindSource',
      'sourceServerId', 'autoPosition', 'replicateDoDb', 'replicateIgnoreDb', 'replicateDoTable', 'replicateIgnoreTable',
      'replicateWildDoTable', 'replicateWildIgnoreTable', 'sqlDelay'];
    for (const f of ['mysql-8.0-replica-status-gtid.json', 'mysql-8.0-replica-status-io-error.json', 'mysql-8.0-replica-status-multichannel.json',
      'mysql-5.7-slave-status-filepos.json', 'mariadb-10.11-slave-status-filepos.json', 'mariadb-10.11-slave-status-sql-error.json',
      'mariadb-10.11-replica-status-gtid.json', 'mariadb-10.11-all-slaves-status-multisource.json']) {
      for (const row of rows(f)) {
        const s = normalizeReplicaStatus(row) as unknown as Record<string, unknown>;
        for (const k of keys) assert.ok(s[k] !== undefined, `${f}: ${k} missing`);
        assert.equal(typeof s.readSourceLogPos, 'number');
        assert.ok(s.sourceLogFile, `${f}: empty source log file`);
      }
    }
  });
});
