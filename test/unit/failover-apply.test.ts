// Resuming a diff apply: how many of the diff's transactions the target already has (checked GTID by
// GTID), the remote pipeline, and which replay errors are retried.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError, SafetyError } from '../../src/errors';
import { alreadyApplied, applyFailure, applyPipeline, DiffApplyError, gtidOfEvent, gtidStateExpr } from '../../src/failover/apply';

const diff = [{ startPos: 256, gtid: '0-11-5' }, { startPos: 700, gtid: '0-11-6' }, { startPos: 1200, gtid: '0-11-7' }];

describe('alreadyApplied', () => {
  const cases: [string, string[], number][] = [
    ['nothing applied yet', [], 0],
    ['the first two (crash mid-apply)', ['0-11-5', '0-11-6'], 2],
    ['all of them (crash after the apply, before the activity completed)', ['0-11-5', '0-11-6', '0-11-7'], 3],
    ['anonymous transactions are counted (MySQL without GTIDs)', ['', ''], 2],
  ];
  for (const [name, since, n] of cases) it(name, () => assert.equal(alreadyApplied(diff, since, 'db2'), n));

  it('refuses when the target wrote something else since the recorded start', () => {
    assert.throws(() => alreadyApplied(diff, ['0-12-1'], 'db2'), (e: unknown) => e instanceof SafetyError && e.nonRetryable && /0-12-1.*0-11-5/.test(e.message));
  });
  it('refuses when the target holds more transactions than the diff', () => {
    assert.throws(() => alreadyApplied(diff, ['0-11-5', '0-11-6', '0-11-7', '0-11-8'], 'db2'), SafetyError);
  });
});

describe('gtidOfEvent', () => {
  it('reads MariaDB and MySQL SHOW BINLOG EVENTS info', () => {
    assert.equal(gtidOfEvent('mariadb', 'Gtid', 'BEGIN GTID 0-11-1234'), '0-11-1234');
    assert.equal(gtidOfEvent('mariadb', 'Gtid', 'GTID 0-11-3 cid=71'), '0-11-3');
    assert.equal(gtidOfEvent('mysql', 'Gtid', "SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:23'"), '3e11fa47-71ca-11e1-9e33-c80aa9429562:23');
    assert.equal(gtidOfEvent('mysql', 'Anonymous_Gtid', "SET @@SESSION.GTID_NEXT= 'ANONYMOUS'"), undefined);
  });
});

describe('applyPipeline', () => {
  it('takes the apply lock first (or fails), then replays from the resume position, binlog on', () => {
    const cmd = applyPipeline({ binlog: 'mariadb-binlog', client: 'mariadb', diffPath: '/w/run 1/diff-db2.binlog', cnfPath: '/w/run 1/apply.cnf', startPos: 700 });
    assert.equal(cmd, `{ echo 'SET SESSION sql_log_bin = IF(GET_LOCK('\\''mhaflow_apply'\\'', 10) = 1, 1, NULL);'; mariadb-binlog --start-position=700 '/w/run 1/diff-db2.binlog'; } | mariadb --defaults-extra-file='/w/run 1/apply.cnf' --binary-mode`);
    assert.doesNotMatch(applyPipeline({ binlog: 'b', client: 'c', diffPath: 'd', cnfPath: 'e', startPos: null }), /start-position/);
    const fenced = applyPipeline({ binlog: 'b', client: 'c', diffPath: 'd', cnfPath: 'e', startPos: null, expect: { expr: gtidStateExpr('mariadb'), value: '0-11-5,1-12-9' } });
    assert.match(fenced, /GET_LOCK\('\\''mhaflow_apply'\\'', 10\) = 1 AND REPLACE\(@@GLOBAL.gtid_binlog_pos, CHAR\(10\), '\\'''\\''\) = '\\''0-11-5,1-12-9'\\''/);
  });
});

describe('applyFailure', () => {
  it('an SQL error in the replayed events is final; a lost connection is retried', () => {
    assert.ok(applyFailure('ERROR 1062 (23000) at line 40: Duplicate entry', 'db2') instanceof DiffApplyError);
    assert.ok(applyFailure('ERROR 2013 (HY000) at line 40: Lost connection to server during query', 'db2') instanceof ConnectionError);
    assert.ok(applyFailure('ERROR 1927 (70100) at line 12: Connection was killed', 'db2') instanceof ConnectionError);
    assert.ok(applyFailure('bash: mariadb-binlog: command not found', 'db2') instanceof ConnectionError);
    // The lock taken elsewhere, or the target's GTID state moved since the count: recount and retry.
    assert.ok(applyFailure("ERROR 1231 (42000) at line 1: Variable 'sql_log_bin' can't be set to the value of 'NULL'", 'db2') instanceof ConnectionError);
  });
});
