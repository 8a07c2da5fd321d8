import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2';
import {
  accountsBypassingReadOnlyQuery, accountsLockedQuery, killConnection, lastSessionIdQuery, longQueriesQuery, longTransactionsQuery, sessionsOfUsersQuery, setAccountsLocked,
  bindPassword, changeMasterTo, changeSourceDelay, dialectOf, escapeId, escapeString, executedGtidQuery, heartbeatStatusQuery, readGtidState, readOnlyQuery, redactSql,
  resetReplicaAll, setHeartbeatPeriod, setReadOnly, setSuperReadOnly, showBinlogStatus, showReplicaStatus, startReplica, startReplicaSql, stopReplica, stopReplicaIo, waitForGtid,
  waitForPosition, waitOutcome, type SqlTarget,
} from '../../../src/mysql/sql';

const MY57: SqlTarget = { flavor: 'mysql', version: '5.7.44-log' };
const MY8021: SqlTarget = { flavor: 'mysql', version: '8.0.21' };
const MY8022: SqlTarget = { flavor: 'mysql', version: '8.0.22' };
const MY8023: SqlTarget = { flavor: 'mysql', version: '8.0.23' };
const MY8026: SqlTarget = { flavor: 'mysql', version: '8.0.26' };
const MY84: SqlTarget = { flavor: 'mysql', version: '8.4.3' };
const MARIA: SqlTarget = { flavor: 'mariadb', version: '10.11.6-MariaDB-0+deb12u1-log' };

describe('escaping matches mysql2', () => {
  const values = [
    'plain', "it's", 'say "hi"', 'back\\slash', 'trailing\\', 'nul\0byte', 'ctrl-z\x1a', 'tab\there', 'new\nline', 'cr\rlf', 'bs\b',
    "'; DROP TABLE t; --", 'é ünïcødé 😀 日本語', '', "\\'", '?',
  ];
  for (const v of values) {
    test(`escapeString(${JSON.stringify(v)})`, () => assert.equal(escapeString(v), mysql.escape(v)));
  }
  test('exact literals', () => {
    assert.equal(escapeString("it's"), "'it\\'s'");
    assert.equal(escapeString('a\\b'), "'a\\\\b'");
    assert.equal(escapeString('x\0y'), "'x\\0y'");
    assert.equal(escapeString('日本😀'), "'日本😀'");
  });
  for (const id of ['t', 'a`b', 'db.t', '`', 'ünï']) {
    test(`escapeId(${JSON.stringify(id)})`, () => assert.equal(escapeId(id), mysql.escapeId(id, true)));
  }
});

describe('dialects', () => {
  const table: [string, SqlTarget, Record<string, string>][] = [
    ['MySQL 5.7', MY57, { io: 'STOP SLAVE IO_THREAD', stop: 'STOP SLAVE', start: 'START SLAVE', sql: 'START SLAVE SQL_THREAD', reset: 'RESET SLAVE ALL', status: 'SHOW SLAVE STATUS', binlog: 'SHOW MASTER STATUS' }],
    ['MySQL 8.0.21', MY8021, { io: 'STOP SLAVE IO_THREAD', stop: 'STOP SLAVE', start: 'START SLAVE', sql: 'START SLAVE SQL_THREAD', reset: 'RESET SLAVE ALL', status: 'SHOW SLAVE STATUS', binlog: 'SHOW MASTER STATUS' }],
    ['MySQL 8.0.22', MY8022, { io: 'STOP REPLICA IO_THREAD', stop: 'STOP REPLICA', start: 'START REPLICA', sql: 'START REPLICA SQL_THREAD', reset: 'RESET REPLICA ALL', status: 'SHOW REPLICA STATUS', binlog: 'SHOW MASTER STATUS' }],
    ['MySQL 8.0.23', MY8023, { io: 'STOP REPLICA IO_THREAD', stop: 'STOP REPLICA', start: 'START REPLICA', sql: 'START REPLICA SQL_THREAD', reset: 'RESET REPLICA ALL', status: 'SHOW REPLICA STATUS', binlog: 'SHOW MASTER STATUS' }],
    ['MySQL 8.4', MY84, { io: 'STOP REPLICA IO_THREAD', stop: 'STOP REPLICA', start: 'START REPLICA', sql: 'START REPLICA SQL_THREAD', reset: 'RESET REPLICA ALL', status: 'SHOW REPLICA STATUS', binlog: 'SHOW BINARY LOG STATUS' }],
    ['MariaDB 10.11', MARIA, { io: 'STOP SLAVE IO_THREAD', stop: 'STOP SLAVE', start: 'START SLAVE', sql: 'START SLAVE SQL_THREAD', reset: 'RESET SLAVE ALL', status: 'SHOW SLAVE STATUS', binlog: 'SHOW MASTER STATUS' }],
  ];
  for (const [label, t, want] of table) {
    test(label, () => {
      assert.deepEqual({
        io: stopReplicaIo(t), stop: stopReplica(t), start: startReplica(t), sql: startReplicaSql(t), reset: resetReplicaAll(t),
        status: showReplicaStatus(t), binlog: showBinlogStatus(t),
      }, want);
    });
  }
  test('SHOW BINARY LOG STATUS from 8.2.0', () => {
    assert.equal(showBinlogStatus({ flavor: 'mysql', version: '8.1.0' }), 'SHOW MASTER STATUS');
    assert.equal(showBinlogStatus({ flavor: 'mysql', version: '8.2.0' }), 'SHOW BINARY LOG STATUS');
  });
  test('a MariaDB version number is never read as MySQL\'s', () => {
    assert.equal(dialectOf({ flavor: 'mariadb', version: '11.4.2-MariaDB' }).replicaWord, 'SLAVE');
  });
});

describe('changeMasterTo', () => {
  const base = { host: '10.0.0.2', port: 3306, user: 'repl' };
  const table: [string, SqlTarget, Parameters<typeof changeMasterTo>[1], string][] = [
    ['MySQL 5.7 file/position', MY57, { ...base, file: 'mysql-bin.000003', pos: 1234, useGtid: 'no' },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0"],
    ['MySQL 5.7 GTID', MY57, { ...base, useGtid: 'slave_pos' },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_AUTO_POSITION=1"],
    ['MySQL 8.0.22 still CHANGE MASTER', MY8022, { ...base, useGtid: 'current_pos' },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_AUTO_POSITION=1"],
    ['MySQL 8.0.23 GTID', MY8023, { ...base, useGtid: 'slave_pos' },
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=?, SOURCE_AUTO_POSITION=1"],
    ['MySQL 8.4 file/position, public key', MY84, { ...base, file: 'binlog.000009', pos: 4, useGtid: 'no', getSourcePublicKey: true },
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=?, SOURCE_LOG_FILE='binlog.000009', SOURCE_LOG_POS=4, SOURCE_AUTO_POSITION=0, GET_SOURCE_PUBLIC_KEY=1"],
    ['MySQL 8.0.21 public key', MY8021, { ...base, useGtid: 'slave_pos', getSourcePublicKey: true },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_AUTO_POSITION=1, GET_MASTER_PUBLIC_KEY=1"],
    ['MariaDB slave_pos (public key ignored)', MARIA, { ...base, useGtid: 'slave_pos', getSourcePublicKey: true },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos"],
    ['MariaDB current_pos', MARIA, { ...base, useGtid: 'current_pos' },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_USE_GTID=current_pos"],
    ['MariaDB file/position', MARIA, { ...base, file: 'mysql-bin.000003', pos: 1234, useGtid: 'no' },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_USE_GTID=no"],
    ['MySQL 8.4 with its delay given back', MY84, { ...base, file: 'binlog.000009', pos: 4, useGtid: 'no', delay: 3600 },
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=?, SOURCE_LOG_FILE='binlog.000009', SOURCE_LOG_POS=4, SOURCE_AUTO_POSITION=0, SOURCE_DELAY=3600"],
    ['MariaDB with its delay given back', MARIA, { ...base, useGtid: 'slave_pos', delay: 60 },
      "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos, MASTER_DELAY=60"],
    ['values escaped, custom placeholder', MARIA, { host: "h'x", port: 3307, user: 'r\\u', passwordPlaceholder: ':pw', useGtid: 'slave_pos' },
      "CHANGE MASTER TO MASTER_HOST='h\\'x', MASTER_PORT=3307, MASTER_USER='r\\\\u', MASTER_PASSWORD=:pw, MASTER_USE_GTID=slave_pos"],
  ];
  for (const [label, t, o, want] of table) test(label, () => assert.equal(changeMasterTo(t, o), want));

  test('refuses inconsistent or unsafe input', () => {
    assert.throws(() => changeMasterTo(MARIA, { ...base, useGtid: 'no' }), /needs both file and pos/);
    assert.throws(() => changeMasterTo(MARIA, { ...base, useGtid: 'slave_pos', file: 'f', pos: 4 }), /takes no file\/pos/);
    assert.throws(() => changeMasterTo(MY84, { ...base, port: Number.NaN, useGtid: 'slave_pos' }), /port must be a non-negative integer/);
    assert.throws(() => changeMasterTo(MY84, { ...base, file: 'f', pos: -1, useGtid: 'no' }), /pos must be a non-negative integer/);
  });

  test('bindPassword puts the escaped password only in the password clause', () => {
    const sql = changeMasterTo(MARIA, { host: 'h?', port: 3306, user: 'repl', useGtid: 'slave_pos' });
    assert.equal(bindPassword(sql, "p'w?\\"), "CHANGE MASTER TO MASTER_HOST='h?', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='p\\'w?\\\\', MASTER_USE_GTID=slave_pos");
    const custom = changeMasterTo(MY84, { ...base, passwordPlaceholder: ':pw', useGtid: 'slave_pos' });
    assert.equal(bindPassword(custom, 'x', ':pw'), "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='x', SOURCE_AUTO_POSITION=1");
    assert.throws(() => bindPassword('STOP SLAVE', 'x'), /no password placeholder/);
  });

  test('a mysql2 query parameter fills the placeholder the same way', () => {
    const sql = changeMasterTo(MY84, { ...base, useGtid: 'slave_pos' });
    assert.equal(mysql.format(sql, ["s3cr'et"]), bindPassword(sql, "s3cr'et"));
  });
});

describe('changeSourceDelay', () => {
  const table: [string, SqlTarget, string][] = [
    ['MySQL 5.7', MY57, 'CHANGE MASTER TO MASTER_DELAY=3600'],
    ['MySQL 8.0.22', MY8022, 'CHANGE MASTER TO MASTER_DELAY=3600'],
    ['MySQL 8.0.23', MY8023, 'CHANGE REPLICATION SOURCE TO SOURCE_DELAY=3600'],
    ['MySQL 8.4 (MASTER_DELAY is gone)', MY84, 'CHANGE REPLICATION SOURCE TO SOURCE_DELAY=3600'],
    ['MariaDB', MARIA, 'CHANGE MASTER TO MASTER_DELAY=3600'],
  ];
  for (const [label, t, want] of table) test(label, () => assert.equal(changeSourceDelay(t, 3600), want));
  test('whole seconds only', () => {
    assert.equal(changeSourceDelay(MY84, 0), 'CHANGE REPLICATION SOURCE TO SOURCE_DELAY=0');
    assert.equal(changeSourceDelay(MY84, 1.9), 'CHANGE REPLICATION SOURCE TO SOURCE_DELAY=1');
    assert.throws(() => changeSourceDelay(MY84, -1), /delay must be a non-negative integer/);
  });
});

describe('MySQL 8.4: nothing built for it is a statement 8.4 removed', () => {
  const removed = /\b(START|STOP|RESET) SLAVE\b|\bSHOW SLAVE\b|\bCHANGE MASTER\b|\bSHOW MASTER STATUS\b|\bRESET MASTER\b|\bMASTER_POS_WAIT\b|\bMASTER_[A-Z_]+\s*=/;
  test('every builder', () => {
    const built = [
      stopReplicaIo(MY84), stopReplica(MY84), startReplica(MY84), startReplicaSql(MY84), resetReplicaAll(MY84), showReplicaStatus(MY84), showBinlogStatus(MY84),
      changeMasterTo(MY84, { host: 'h', port: 1, user: 'u', file: 'f', pos: 4, useGtid: 'no', delay: 5, getSourcePublicKey: true }),
      changeMasterTo(MY84, { host: 'h', port: 1, user: 'u', useGtid: 'slave_pos' }), changeSourceDelay(MY84, 5),
      waitForPosition(MY84, { file: 'f', pos: 4 }, 1), waitForGtid(MY84, 'u:1', 1), ...setReadOnly(MY84, false), setSuperReadOnly(MY84, false),
      readOnlyQuery(MY84), readGtidState(MY84), executedGtidQuery(MY84),
    ];
    assert.deepEqual(built.filter((s) => removed.test(s)), []);
  });
  test('no replication statement is written outside src/mysql/sql.ts: the product\'s queries are built there, by dialect', () => {
    const src = resolve(__dirname, '..', '..', '..', 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== join('mysql', 'sql.ts'));
    const sent = /\b(?:query|queryOne|queryRows)\(\s*(?:\w+(?:\.\w+)?,\s*)?(['"`])((?:(?!\1).)*)\1/g;
    const found: string[] = [];
    for (const f of files) {
      for (const m of readFileSync(join(src, f), 'utf8').matchAll(sent)) {
        if (/\b(SLAVE|MASTER|REPLICA|SOURCE)\b|MASTER_|SOURCE_|BINARY LOG STATUS|\bSET\b.*read_only/i.test(m[2]!)) found.push(`${f}: ${m[2]}`);
      }
    }
    assert.deepEqual(found, []);
  });
});

describe('redactSql', () => {
  const table: [string, string][] = [
    ["CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='s3cr\\'et', MASTER_USE_GTID=slave_pos",
      "CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='***', MASTER_USE_GTID=slave_pos"],
    ["CHANGE REPLICATION SOURCE TO SOURCE_USER='repl', source_password = \"p''w\", SOURCE_AUTO_POSITION=1",
      "CHANGE REPLICATION SOURCE TO SOURCE_USER='repl', source_password = '***', SOURCE_AUTO_POSITION=1"],
    ["CREATE USER 'a'@'%' IDENTIFIED BY 'pw'", "CREATE USER 'a'@'%' IDENTIFIED BY '***'"],
    ["ALTER USER 'a'@'%' IDENTIFIED WITH caching_sha2_password BY 'p\\\\w'", "ALTER USER 'a'@'%' IDENTIFIED WITH caching_sha2_password BY '***'"],
    ["SET PASSWORD FOR 'a'@'%' = PASSWORD('x')", "SET PASSWORD FOR 'a'@'%' = PASSWORD('***')"],
    ['CHANGE MASTER TO MASTER_PASSWORD=?', 'CHANGE MASTER TO MASTER_PASSWORD=?'],
    ['STOP SLAVE IO_THREAD', 'STOP SLAVE IO_THREAD'],
  ];
  for (const [sql, want] of table) test(sql, () => assert.equal(redactSql(sql), want));
  test('a bound statement never leaks its password', () => {
    const bound = bindPassword(changeMasterTo(MY84, { host: 'h', port: 1, user: 'u', useGtid: 'slave_pos' }), "ev'il\\', SOURCE_HOST='x");
    assert.equal(redactSql(bound), "CHANGE REPLICATION SOURCE TO SOURCE_HOST='h', SOURCE_PORT=1, SOURCE_USER='u', SOURCE_PASSWORD='***', SOURCE_AUTO_POSITION=1");
  });
});

describe('waits', () => {
  test('waitForPosition per version', () => {
    const pos = { file: 'mysql-bin.000003', pos: 2000 };
    assert.equal(waitForPosition(MY57, pos, 30), "SELECT MASTER_POS_WAIT('mysql-bin.000003', 2000, 30) AS result");
    assert.equal(waitForPosition(MY8023, pos, 30), "SELECT MASTER_POS_WAIT('mysql-bin.000003', 2000, 30) AS result");
    assert.equal(waitForPosition(MY8026, pos, 30), "SELECT SOURCE_POS_WAIT('mysql-bin.000003', 2000, 30) AS result");
    assert.equal(waitForPosition(MY84, pos, 30), "SELECT SOURCE_POS_WAIT('mysql-bin.000003', 2000, 30) AS result");
    assert.equal(waitForPosition(MARIA, pos, 30), "SELECT MASTER_POS_WAIT('mysql-bin.000003', 2000, 30) AS result");
    assert.throws(() => waitForPosition(MARIA, pos, 0), /positive timeout/);
  });
  test('waitForGtid per flavor', () => {
    assert.equal(waitForGtid(MARIA, '0-1-100,1-2-5', 60), "SELECT MASTER_GTID_WAIT('0-1-100,1-2-5', 60) AS result");
    assert.equal(waitForGtid(MY84, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\nabc:1', 60),
      "SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,abc:1', 60) AS result");
    assert.throws(() => waitForGtid(MY84, 'x', 1.5), /timeout must be a non-negative integer/);
  });
  test('waitForGtid on MySQL 8.0 and 8.4: the executed set the catch-up waits for, never a MariaDB position', () => {
    const set = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1200,\n4f22ab58-71ca-11e1-9e33-c80aa9429562:1-3';
    for (const t of [MY8023, MY8026, MY84]) {
      assert.equal(waitForGtid(t, set, 1),
        "SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1200,4f22ab58-71ca-11e1-9e33-c80aa9429562:1-3', 1) AS result");
      assert.equal(executedGtidQuery(t), 'SELECT @@GLOBAL.gtid_executed AS gtid', 'what the drain records as gtidExecuted');
    }
  });
  test('waitOutcome', () => {
    const table: [Parameters<typeof waitOutcome>[0], unknown, string][] = [
      ['position', 0, 'reached'], ['position', 17, 'reached'], ['position', '3', 'reached'], ['position', -1, 'timeout'],
      ['position', null, 'not-replicating'], ['gtid', 0, 'reached'], ['gtid', -1, 'timeout'], ['gtid', 1, 'timeout'],
      ['gtid', null, 'not-replicating'],
    ];
    for (const [kind, value, want] of table) assert.equal(waitOutcome(kind, value), want, `${kind} ${String(value)}`);
  });
});

describe('read_only and GTID state', () => {
  test('setReadOnly', () => {
    assert.deepEqual(setReadOnly(MY57, true), ['SET GLOBAL read_only = ON', 'SET GLOBAL super_read_only = ON']);
    assert.deepEqual(setReadOnly(MY84, false), ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']);
    assert.deepEqual(setReadOnly({ flavor: 'mysql', version: '5.6.40' }, false), ['SET GLOBAL read_only = OFF']);
    assert.deepEqual(setReadOnly(MARIA, true), ['SET GLOBAL read_only = ON']);
    assert.deepEqual(setReadOnly(MARIA, false), ['SET GLOBAL read_only = OFF']);
  });
  test('super_read_only alone, for the apply (read_only stays ON); read in one row with read_only', () => {
    assert.equal(setSuperReadOnly(MY84, false), 'SET GLOBAL super_read_only = OFF');
    assert.equal(setSuperReadOnly(MY57, true), 'SET GLOBAL super_read_only = ON');
    assert.throws(() => setSuperReadOnly(MARIA, false), /has no super_read_only/);
    assert.equal(readOnlyQuery(MY84), 'SELECT @@GLOBAL.read_only AS readOnly, @@GLOBAL.super_read_only AS superReadOnly');
    assert.equal(readOnlyQuery(MARIA), 'SELECT @@GLOBAL.read_only AS readOnly');
  });
  test('GTID state queries', () => {
    assert.equal(readGtidState(MARIA), 'SELECT @@GLOBAL.gtid_binlog_pos AS binlogPos, @@GLOBAL.gtid_current_pos AS currentPos, '
      + '@@GLOBAL.gtid_slave_pos AS slavePos, @@GLOBAL.gtid_strict_mode AS strictMode, @@GLOBAL.gtid_domain_id AS domainId');
    assert.equal(readGtidState(MY8023), 'SELECT @@GLOBAL.gtid_mode AS mode, @@GLOBAL.gtid_executed AS executed, '
      + '@@GLOBAL.gtid_purged AS purged, @@GLOBAL.server_uuid AS serverUuid');
    assert.equal(executedGtidQuery(MARIA), 'SELECT @@GLOBAL.gtid_binlog_pos AS gtid');
    assert.equal(executedGtidQuery(MY57), 'SELECT @@GLOBAL.gtid_executed AS gtid');
  });
});

describe('accounts and sessions (the freeze)', () => {
  test('accounts read_only does not stop: MariaDB SUPER or READ_ONLY ADMIN; MySQL with super_read_only: none; older MySQL: SUPER', () => {
    const maria = accountsBypassingReadOnlyQuery(MARIA)!;
    assert.match(maria, /FROM mysql\.global_priv g/);
    assert.match(maria, /PRIVILEGE_TYPE IN \('SUPER', 'READ_ONLY ADMIN'\)/);
    assert.match(maria, /JSON_VALUE\(g\.Priv, '\$\.is_role'\)/);
    assert.equal(accountsBypassingReadOnlyQuery(MY57), null);
    assert.equal(accountsBypassingReadOnlyQuery(MY84), null);
    assert.match(accountsBypassingReadOnlyQuery({ flavor: 'mysql', version: '5.7.7' })!, /FROM mysql\.user WHERE Super_priv = 'Y'/);
  });
  test('lock and unlock several accounts in one statement, escaped', () => {
    assert.equal(setAccountsLocked([{ user: 'app', host: '10.%' }, { user: "o'neil", host: 'localhost' }], true),
      "ALTER USER 'app'@'10.%', 'o\\'neil'@'localhost' ACCOUNT LOCK");
    assert.equal(setAccountsLocked([{ user: 'root', host: 'localhost' }], false), "ALTER USER 'root'@'localhost' ACCOUNT UNLOCK");
    assert.throws(() => setAccountsLocked([], true), RangeError);
  });
  test('lock state of listed accounts, by flavor', () => {
    assert.equal(accountsLockedQuery(MARIA, [{ user: 'a', host: '%' }]),
      "SELECT User AS user, Host AS host, IFNULL(JSON_VALUE(Priv, '$.account_locked'), 0) AS locked FROM mysql.global_priv WHERE (User, Host) IN (('a', '%'))");
    assert.match(accountsLockedQuery(MY84, [{ user: 'a', host: '%' }, { user: 'b', host: 'h' }]), /account_locked = 'Y'.*IN \(\('a', '%'\), \('b', 'h'\)\)$/);
  });
  test('sessions of users, but this one; KILL CONNECTION of an integer only', () => {
    assert.equal(sessionsOfUsersQuery(['app', "x'y"]), 'SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command, TIME AS time '
      + "FROM information_schema.PROCESSLIST WHERE USER IN ('app', 'x\\'y') AND ID <> CONNECTION_ID() ORDER BY ID");
    assert.equal(sessionsOfUsersQuery(['app'], { upToId: 41, loggingIn: true }), 'SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command, TIME AS time '
      + "FROM information_schema.PROCESSLIST WHERE USER IN ('app', 'unauthenticated user') AND ID <> CONNECTION_ID() AND ID <= 41 ORDER BY ID");
    assert.throws(() => sessionsOfUsersQuery(['app'], { upToId: -1 }), RangeError);
    assert.equal(lastSessionIdQuery, 'SELECT IFNULL(MAX(ID), 0) AS id FROM information_schema.PROCESSLIST');
    assert.equal(killConnection(42), 'KILL CONNECTION 42');
    assert.throws(() => killConnection(-1), RangeError);
    assert.throws(() => killConnection(1.5), RangeError);
  });
  test('long statements and long transactions over a threshold', () => {
    assert.match(longQueriesQuery(1), /TIME >= 1 ORDER BY TIME DESC$/);
    assert.match(longQueriesQuery(1), /COMMAND NOT IN \('Sleep', 'Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Killed'\)/);
    assert.match(longTransactionsQuery(2), /trx_started < NOW\(\) - INTERVAL 2 SECOND/);
    assert.throws(() => longTransactionsQuery(-1), RangeError);
  });
});

describe('replication heartbeats', () => {
  test('heartbeats received and the period: MariaDB status variables, MySQL performance_schema', () => {
    assert.match(heartbeatStatusQuery(MARIA), /information_schema\.GLOBAL_STATUS/);
    assert.match(heartbeatStatusQuery(MARIA), /SLAVE_RECEIVED_HEARTBEATS.*AS received.*SLAVE_HEARTBEAT_PERIOD.*AS period/);
    assert.equal(heartbeatStatusQuery(MY84), 'SELECT s.COUNT_RECEIVED_HEARTBEATS AS received, c.HEARTBEAT_INTERVAL AS period '
      + 'FROM performance_schema.replication_connection_status s JOIN performance_schema.replication_connection_configuration c USING (CHANNEL_NAME) '
      + "WHERE s.CHANNEL_NAME = ''");
  });
  test('setting the period: MySQL 8.4 stops only the receiver and says SOURCE_; MariaDB stops replication', () => {
    assert.deepEqual(setHeartbeatPeriod(MY84, 1), ['STOP REPLICA IO_THREAD', 'CHANGE REPLICATION SOURCE TO SOURCE_HEARTBEAT_PERIOD = 1', 'START REPLICA IO_THREAD']);
    assert.deepEqual(setHeartbeatPeriod(MY57, 0.5), ['STOP SLAVE IO_THREAD', 'CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD = 0.5', 'START SLAVE IO_THREAD']);
    assert.deepEqual(setHeartbeatPeriod(MARIA, 1), ['STOP SLAVE', 'CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD = 1', 'START SLAVE']);
    assert.throws(() => setHeartbeatPeriod(MARIA, 0), RangeError);
    assert.throws(() => setHeartbeatPeriod(MARIA, Number.NaN), RangeError);
  });
});
