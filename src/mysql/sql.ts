// Flavor- and version-specific SQL, in one place: MySQL 5.7 / 8.0 / 8.4 and MariaDB say the same
// thing differently (SLAVE vs REPLICA, MASTER_ vs SOURCE_, how to wait for a position or a GTID).
// Pure string builders: values are escaped here, the caller only runs the text. Passwords never pass
// through here: CHANGE MASTER gets a placeholder the caller binds on the worker (bindPassword, or a
// mysql2 query parameter), and redactSql hides any password literal before a statement is logged.
import { parseVersion, type Flavor } from './status';

/** A ServerState satisfies it. */
export interface SqlTarget {
  flavor: Flavor;
  version: string;
}

/** The syntax a server speaks, decided once from its flavor and version. */
export interface Dialect {
  /** START/STOP/RESET ... and SHOW ... STATUS: MySQL 8.0.22+ REPLICA, else SLAVE. */
  replicaWord: 'REPLICA' | 'SLAVE';
  /** MySQL 8.0.23+: CHANGE REPLICATION SOURCE TO with SOURCE_* options; else CHANGE MASTER TO with MASTER_*. */
  changeSource: 'CHANGE REPLICATION SOURCE TO' | 'CHANGE MASTER TO';
  optionPrefix: 'SOURCE_' | 'MASTER_';
  /** MySQL 8.0.26+: SOURCE_POS_WAIT (MASTER_POS_WAIT is gone in 8.4). */
  posWaitFunction: 'SOURCE_POS_WAIT' | 'MASTER_POS_WAIT';
  /** MySQL 8.2+: SHOW BINARY LOG STATUS (SHOW MASTER STATUS is gone in 8.4). */
  binlogStatus: 'SHOW BINARY LOG STATUS' | 'SHOW MASTER STATUS';
  /** MySQL 5.7.8+ has super_read_only; MariaDB has not. */
  superReadOnly: boolean;
}

function atLeast(version: string, min: [number, number, number]): boolean {
  const v = parseVersion(version);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

export function dialectOf(t: SqlTarget): Dialect {
  if (t.flavor === 'mariadb') {
    // MariaDB 10.5+ accepts some REPLICA aliases too, but the SLAVE/MASTER forms work in every version.
    return {
      replicaWord: 'SLAVE', changeSource: 'CHANGE MASTER TO', optionPrefix: 'MASTER_', posWaitFunction: 'MASTER_POS_WAIT',
      binlogStatus: 'SHOW MASTER STATUS', superReadOnly: false,
    };
  }
  const source = atLeast(t.version, [8, 0, 23]);
  return {
    replicaWord: atLeast(t.version, [8, 0, 22]) ? 'REPLICA' : 'SLAVE',
    changeSource: source ? 'CHANGE REPLICATION SOURCE TO' : 'CHANGE MASTER TO',
    optionPrefix: source ? 'SOURCE_' : 'MASTER_',
    posWaitFunction: atLeast(t.version, [8, 0, 26]) ? 'SOURCE_POS_WAIT' : 'MASTER_POS_WAIT',
    binlogStatus: atLeast(t.version, [8, 2, 0]) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS',
    superReadOnly: atLeast(t.version, [5, 7, 8]),
  };
}

// ---------------------------------------------------------------------------------------------
// Escaping, with mysql2's rules (sqlstring): backslash escapes, so it assumes NO_BACKSLASH_ESCAPES is off,
// as mysql2 does.

const ESCAPES: Record<string, string> = {
  '\0': '\\0', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', '"': '\\"', '\'': '\\\'', '\\': '\\\\',
};

/** A quoted string literal: 'it\'s'. Characters outside ASCII pass through unchanged (the connection is utf8mb4). */
export function escapeString(value: string): string {
  return `'${value.replace(/[\0\b\t\n\r\x1a"'\\]/g, (c) => ESCAPES[c]!)}'`;
}

/** A quoted identifier: `a``b`. Dots are not split: pass one identifier at a time. */
export function escapeId(id: string): string {
  return `\`${id.replace(/`/g, '``')}\``;
}

/** Numbers go into SQL text only as non-negative safe integers: anything else is a bug upstream. */
function int(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${String(value)}`);
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Replication threads

export const stopReplicaIo = (t: SqlTarget) => `STOP ${dialectOf(t).replicaWord} IO_THREAD`;
export const stopReplicaSql = (t: SqlTarget) => `STOP ${dialectOf(t).replicaWord} SQL_THREAD`;
export const stopReplica = (t: SqlTarget) => `STOP ${dialectOf(t).replicaWord}`;
export const startReplica = (t: SqlTarget) => `START ${dialectOf(t).replicaWord}`;
export const startReplicaIo = (t: SqlTarget) => `START ${dialectOf(t).replicaWord} IO_THREAD`;
export const startReplicaSql = (t: SqlTarget) => `START ${dialectOf(t).replicaWord} SQL_THREAD`;
/** Forget the replication source entirely (the new master after promotion). */
export const resetReplicaAll = (t: SqlTarget) => `RESET ${dialectOf(t).replicaWord} ALL`;
export const showReplicaStatus = (t: SqlTarget) => `SHOW ${dialectOf(t).replicaWord} STATUS`;
export const showBinlogStatus = (t: SqlTarget) => dialectOf(t).binlogStatus;

// ---------------------------------------------------------------------------------------------
// CHANGE MASTER / CHANGE REPLICATION SOURCE

export interface ChangeSourceOptions {
  host: string;
  port: number;
  user: string;
  /** Written verbatim as the password value; default "?" (a mysql2 query parameter, or bindPassword). */
  passwordPlaceholder?: string;
  /** File/position replication: both required with useGtid 'no'. */
  file?: string;
  pos?: number;
  /**
   * 'no': file/position. 'slave_pos' / 'current_pos': GTID auto-positioning; MariaDB uses the value
   * as MASTER_USE_GTID, MySQL writes SOURCE_AUTO_POSITION=1 for either.
   */
  useGtid: 'no' | 'slave_pos' | 'current_pos';
  /** MySQL 8: fetch the source's RSA key (caching_sha2_password without TLS). Ignored elsewhere. */
  getSourcePublicKey?: boolean;
  /** MASTER_DELAY / SOURCE_DELAY in seconds; absent: left as it is. */
  delay?: number;
}

function positionClauses(t: SqlTarget, o: ChangeSourceOptions): string[] {
  const p = dialectOf(t).optionPrefix;
  if (o.useGtid === 'no') {
    if (o.file === undefined || o.pos === undefined) throw new RangeError('file/position replication needs both file and pos');
    const pos = [`${p}LOG_FILE=${escapeString(o.file)}`, `${p}LOG_POS=${int(o.pos, 'pos')}`];
    // The GTID setting survives CHANGE MASTER unless turned off explicitly.
    return t.flavor === 'mariadb' ? [...pos, 'MASTER_USE_GTID=no'] : [...pos, `${p}AUTO_POSITION=0`];
  }
  if (o.file !== undefined || o.pos !== undefined) throw new RangeError('GTID auto-positioning takes no file/pos');
  return t.flavor === 'mariadb' ? [`MASTER_USE_GTID=${o.useGtid}`] : [`${p}AUTO_POSITION=1`];
}

/**
 * The statement pointing a replica at a new source. The password is not in it: the placeholder
 * (default "?") stands for it, e.g. conn.query(sql, [password]) or bindPassword(sql, password).
 */
export function changeMasterTo(t: SqlTarget, o: ChangeSourceOptions): string {
  const d = dialectOf(t);
  const p = d.optionPrefix;
  const clauses = [
    `${p}HOST=${escapeString(o.host)}`,
    `${p}PORT=${int(o.port, 'port')}`,
    `${p}USER=${escapeString(o.user)}`,
    `${p}PASSWORD=${o.passwordPlaceholder ?? '?'}`,
    ...positionClauses(t, o),
  ];
  if (o.getSourcePublicKey && t.flavor === 'mysql' && atLeast(t.version, [8, 0, 0])) {
    clauses.push(d.optionPrefix === 'SOURCE_' ? 'GET_SOURCE_PUBLIC_KEY=1' : 'GET_MASTER_PUBLIC_KEY=1');
  }
  if (o.delay !== undefined) clauses.push(delayClause(t, o.delay));
  return `${d.changeSource} ${clauses.join(', ')}`;
}

function delayClause(t: SqlTarget, seconds: number): string {
  return `${dialectOf(t).optionPrefix}DELAY=${int(Math.floor(seconds), 'delay')}`;
}

/** Only the replica's delay: CHANGE MASTER TO MASTER_DELAY=n, or CHANGE REPLICATION SOURCE TO SOURCE_DELAY=n (MySQL 8.0.23+; 8.4 knows no other). */
export function changeSourceDelay(t: SqlTarget, seconds: number): string {
  return `${dialectOf(t).changeSource} ${delayClause(t, seconds)}`;
}

/** Puts the escaped password in place of the placeholder after MASTER_PASSWORD= / SOURCE_PASSWORD=. On the worker only. */
export function bindPassword(sql: string, password: string, placeholder = '?'): string {
  const marker = new RegExp(`((?:MASTER|SOURCE)_PASSWORD=)${placeholder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  if (!marker.test(sql)) throw new RangeError('no password placeholder in the statement');
  return sql.replace(marker, (_m, head: string) => `${head}${escapeString(password)}`);
}

const QUOTED = `'(?:[^'\\\\]|\\\\.|'')*'|"(?:[^"\\\\]|\\\\.|"")*"`;
const SECRET_PATTERNS: RegExp[] = [
  new RegExp(`((?:MASTER|SOURCE)_PASSWORD\\s*=\\s*)(?:${QUOTED})`, 'gi'),
  new RegExp(`(IDENTIFIED(?:\\s+WITH\\s+\\S+)?\\s+(?:BY|AS)\\s+(?:PASSWORD\\s+)?)(?:${QUOTED})`, 'gi'),
  new RegExp(`(PASSWORD\\s*\\(\\s*)(?:${QUOTED})`, 'gi'),
];

/** The statement with every password literal replaced by '***', for logs and errors. */
export function redactSql(sql: string): string {
  return SECRET_PATTERNS.reduce((s, re) => s.replace(re, (_m, head: string) => `${head}'***'`), sql);
}

// ---------------------------------------------------------------------------------------------
// Waiting

/**
 * Waits until the SQL thread executed up to the source position; the result column is `result`
 * (see waitOutcome). A non-positive timeout means "forever" (or an error, by version): refused.
 */
export function waitForPosition(t: SqlTarget, position: { file: string; pos: number }, timeoutSeconds: number): string {
  if (timeoutSeconds <= 0) throw new RangeError('waitForPosition needs a positive timeout');
  return `SELECT ${dialectOf(t).posWaitFunction}(${escapeString(position.file)}, ${int(position.pos, 'pos')}, ${int(timeoutSeconds, 'timeout')}) AS result`;
}

/**
 * Waits until the server executed a GTID position/set. MariaDB: MASTER_GTID_WAIT('d-s-n,...', t), which
 * follows what replication applied (gtid_slave_pos); MySQL: WAIT_FOR_EXECUTED_GTID_SET('set', t).
 */
export function waitForGtid(t: SqlTarget, gtid: string, timeoutSeconds: number): string {
  if (timeoutSeconds <= 0) throw new RangeError('waitForGtid needs a positive timeout');
  const fn = t.flavor === 'mariadb' ? 'MASTER_GTID_WAIT' : 'WAIT_FOR_EXECUTED_GTID_SET';
  return `SELECT ${fn}(${escapeString(gtid.replace(/\s+/g, ''))}, ${int(timeoutSeconds, 'timeout')}) AS result`;
}

export type WaitOutcome = 'reached' | 'timeout' | 'not-replicating';

/**
 * Reads a wait's `result`: MASTER_POS_WAIT/SOURCE_POS_WAIT give events waited (>= 0), -1 on timeout,
 * NULL when the SQL thread is not running or the server is not a replica; MASTER_GTID_WAIT gives 0 or
 * -1 on timeout; WAIT_FOR_EXECUTED_GTID_SET gives 0, or 1 on timeout.
 */
export function waitOutcome(kind: 'position' | 'gtid', result: unknown): WaitOutcome {
  if (result === null || result === undefined) return 'not-replicating';
  const n = Number(result);
  if (kind === 'position') return n >= 0 ? 'reached' : 'timeout';
  return n === 0 ? 'reached' : 'timeout';
}

// ---------------------------------------------------------------------------------------------
// read_only and GTID state

/**
 * Statements to run in order. MySQL: super_read_only too (it also blocks SUPER users; setting it ON sets
 * read_only, and read_only cannot go OFF while it is ON). MariaDB has read_only only.
 */
export function setReadOnly(t: SqlTarget, on: boolean): string[] {
  const v = on ? 'ON' : 'OFF';
  if (!dialectOf(t).superReadOnly) return [`SET GLOBAL read_only = ${v}`];
  return on
    ? ['SET GLOBAL read_only = ON', 'SET GLOBAL super_read_only = ON']
    : ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF'];
}

/** MySQL 5.7.8+: read_only and super_read_only in one row (columns readOnly, superReadOnly); MariaDB: read_only only. */
export function readOnlyQuery(t: SqlTarget): string {
  return dialectOf(t).superReadOnly
    ? 'SELECT @@GLOBAL.read_only AS readOnly, @@GLOBAL.super_read_only AS superReadOnly'
    : 'SELECT @@GLOBAL.read_only AS readOnly';
}

/**
 * super_read_only alone (read_only stays as it is: OFF leaves read_only ON, so ordinary clients still cannot
 * write). Only servers that have it: a RangeError otherwise.
 */
export function setSuperReadOnly(t: SqlTarget, on: boolean): string {
  if (!dialectOf(t).superReadOnly) throw new RangeError(`${t.flavor} ${t.version} has no super_read_only`);
  return `SET GLOBAL super_read_only = ${on ? 'ON' : 'OFF'}`;
}

/**
 * The server's GTID state in one row. MariaDB columns: binlogPos, currentPos, slavePos, strictMode, domainId.
 * MySQL columns: mode, executed, purged, serverUuid.
 */
export function readGtidState(t: SqlTarget): string {
  return t.flavor === 'mariadb'
    ? 'SELECT @@GLOBAL.gtid_binlog_pos AS binlogPos, @@GLOBAL.gtid_current_pos AS currentPos, @@GLOBAL.gtid_slave_pos AS slavePos, '
      + '@@GLOBAL.gtid_strict_mode AS strictMode, @@GLOBAL.gtid_domain_id AS domainId'
    : 'SELECT @@GLOBAL.gtid_mode AS mode, @@GLOBAL.gtid_executed AS executed, @@GLOBAL.gtid_purged AS purged, @@GLOBAL.server_uuid AS serverUuid';
}

/** The GTID state a replica must reach to hold everything this server executed (the target of waitForGtid). */
/**
 * Every GTID the server holds, however it got it. MariaDB: its binlog's and its replication's, as two positions
 * (binlog, slave) to merge per domain: gtid_current_pos is not that (a diff replayed through a client session
 * lands in the binlog under the dead master's server_id, and current_pos then reports the slave position).
 */
export function heldGtidQuery(t: SqlTarget): string {
  return t.flavor === 'mariadb' ? 'SELECT @@GLOBAL.gtid_binlog_pos AS gtid, @@GLOBAL.gtid_slave_pos AS slave' : 'SELECT @@GLOBAL.gtid_executed AS gtid';
}

export function executedGtidQuery(t: SqlTarget): string {
  return t.flavor === 'mariadb' ? 'SELECT @@GLOBAL.gtid_binlog_pos AS gtid' : 'SELECT @@GLOBAL.gtid_executed AS gtid';
}

// ---------------------------------------------------------------------------------------------
// Accounts and sessions (the switchover's freeze: src/mysql/freeze.ts)

/** An account as the server names it: 'user'@'host'. */
export interface Account {
  user: string;
  host: string;
}

export const formatAccount = (a: Account) => `${escapeString(a.user)}@${escapeString(a.host)}`;

/**
 * The accounts that can still write while read_only is ON, with whether each is locked; columns user, host,
 * locked (0/1). MariaDB: SUPER or READ_ONLY ADMIN (10.11: SUPER includes it; 11.0.1+: READ_ONLY ADMIN alone),
 * from the global grants (roles left out: they cannot log in, and a role granting SUPER is not expanded here).
 * MySQL with super_read_only: null, nobody can (the freeze sets it). Older MySQL: SUPER.
 */
export function accountsBypassingReadOnlyQuery(t: SqlTarget): string | null {
  if (t.flavor === 'mariadb') {
    return 'SELECT g.User AS user, g.Host AS host, IFNULL(JSON_VALUE(g.Priv, \'$.account_locked\'), 0) AS locked FROM mysql.global_priv g '
      + 'WHERE IFNULL(JSON_VALUE(g.Priv, \'$.is_role\'), 0) = 0 AND CONCAT(\'\'\'\', g.User, \'\'\'@\'\'\', g.Host, \'\'\'\') IN '
      + '(SELECT GRANTEE FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN (\'SUPER\', \'READ_ONLY ADMIN\')) ORDER BY 1, 2';
  }
  if (dialectOf(t).superReadOnly) return null;
  return 'SELECT User AS user, Host AS host, IF(account_locked = \'Y\', 1, 0) AS locked FROM mysql.user WHERE Super_priv = \'Y\' ORDER BY 1, 2';
}

/** Whether each of these accounts is locked now; columns user, host, locked (0/1). */
export function accountsLockedQuery(t: SqlTarget, accounts: Account[]): string {
  if (!accounts.length) throw new RangeError('accountsLockedQuery needs at least one account');
  const list = accounts.map((a) => `(${escapeString(a.user)}, ${escapeString(a.host)})`).join(', ');
  return t.flavor === 'mariadb'
    ? `SELECT User AS user, Host AS host, IFNULL(JSON_VALUE(Priv, '$.account_locked'), 0) AS locked FROM mysql.global_priv WHERE (User, Host) IN (${list})`
    : `SELECT User AS user, Host AS host, IF(account_locked = 'Y', 1, 0) AS locked FROM mysql.user WHERE (User, Host) IN (${list})`;
}

/**
 * ALTER USER ... ACCOUNT LOCK/UNLOCK of several accounts in one statement (MariaDB 10.4+, MySQL 5.7.6+): new logins
 * refused, sessions kept. Run with the session binlog off.
 */
export function setAccountsLocked(accounts: Account[], locked: boolean): string {
  if (!accounts.length) throw new RangeError('setAccountsLocked needs at least one account');
  return `ALTER USER ${accounts.map(formatAccount).join(', ')} ACCOUNT ${locked ? 'LOCK' : 'UNLOCK'}`;
}

/**
 * This session's changes stay out of the binlog: an account lock replicated to the replicas would lock the
 * new master too. Needs BINLOG ADMIN or SUPER (MariaDB), SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN (MySQL 8).
 */
export const sessionBinlogOff = 'SET SESSION sql_log_bin = 0';

/** The user name the process list shows for a session still logging in (MariaDB and MySQL alike). */
export const LOGGING_IN_USER = 'unauthenticated user';

/**
 * The sessions of these user names but this one; columns id, user, host, command, time. `upToId`: only the sessions of
 * ids up to it; `loggingIn`: the logins in progress too (user LOGGING_IN_USER).
 */
export function sessionsOfUsersQuery(users: string[], o: { upToId?: number; loggingIn?: boolean } = {}): string {
  if (!users.length) throw new RangeError('sessionsOfUsersQuery needs at least one user');
  const who = o.loggingIn ? [...users, LOGGING_IN_USER] : users;
  return 'SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command, TIME AS time FROM information_schema.PROCESSLIST '
    + `WHERE USER IN (${who.map(escapeString).join(', ')}) AND ID <> CONNECTION_ID()`
    + `${o.upToId === undefined ? '' : ` AND ID <= ${int(o.upToId, 'session id')}`} ORDER BY ID`;
}

/** The highest session id now; column id. Ids only grow: a session of a higher id was opened after this read. */
export const lastSessionIdQuery = 'SELECT IFNULL(MAX(ID), 0) AS id FROM information_schema.PROCESSLIST';

/** End a session (its transaction rolls back). */
export const killConnection = (id: number) => `KILL CONNECTION ${int(id, 'connection id')}`;

// ---------------------------------------------------------------------------------------------
// What runs on a master (the switchover's check: MHA's running_updates_limit)

/**
 * Statements running for at least `seconds`, but replication's own threads and this session; columns id, user,
 * host, command, time, state, info. The caller tells updates from reads by their text.
 */
export function longQueriesQuery(seconds: number): string {
  return 'SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command, TIME AS time, STATE AS state, LEFT(INFO, 300) AS info '
    + 'FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN (\'Sleep\', \'Binlog Dump\', \'Binlog Dump GTID\', \'Daemon\', \'Killed\') '
    + `AND USER NOT IN ('system user', 'event_scheduler') AND TIME >= ${int(seconds, 'seconds')} ORDER BY TIME DESC`;
}

/**
 * InnoDB transactions open for more than `seconds` (trx_started has whole seconds: strictly before NOW() - seconds, so a
 * transaction a few ms old is never counted); columns id (the session), seconds, rowsModified, lockedTables, query.
 * An idle session holding an uncommitted change shows here, not among the running statements.
 * INNODB_TRX is a copy InnoDB refreshes only once nobody read it for 0.1 s (readers 60 ms apart still saw a transaction
 * 0.8 s after it rolled back and its session closed): joined with the live process list, a closed session's is dropped.
 */
export function longTransactionsQuery(seconds: number): string {
  return 'SELECT t.trx_mysql_thread_id AS id, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS seconds, t.trx_rows_modified AS rowsModified, '
    + 't.trx_tables_locked AS lockedTables, LEFT(t.trx_query, 300) AS query FROM information_schema.INNODB_TRX t '
    + 'JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id '
    + `WHERE t.trx_mysql_thread_id <> CONNECTION_ID() AND t.trx_started < NOW() - INTERVAL ${int(seconds, 'seconds')} SECOND ORDER BY t.trx_started`;
}

// ---------------------------------------------------------------------------------------------
// Replication heartbeats (the monitor: does a replica still hear its source?)

/**
 * One row, columns `received` (heartbeats received from the source so far) and `period` (MASTER_HEARTBEAT_PERIOD, s)
 * of the default channel. MariaDB: status variables (no performance_schema needed); MySQL: performance_schema.
 */
export function heartbeatStatusQuery(t: SqlTarget): string {
  return t.flavor === 'mariadb'
    ? "SELECT MAX(IF(VARIABLE_NAME = 'SLAVE_RECEIVED_HEARTBEATS', VARIABLE_VALUE, NULL)) AS received, "
      + "MAX(IF(VARIABLE_NAME = 'SLAVE_HEARTBEAT_PERIOD', VARIABLE_VALUE, NULL)) AS period FROM information_schema.GLOBAL_STATUS "
      + "WHERE VARIABLE_NAME IN ('SLAVE_RECEIVED_HEARTBEATS', 'SLAVE_HEARTBEAT_PERIOD')"
    : 'SELECT s.COUNT_RECEIVED_HEARTBEATS AS received, c.HEARTBEAT_INTERVAL AS period FROM performance_schema.replication_connection_status s '
      + "JOIN performance_schema.replication_connection_configuration c USING (CHANNEL_NAME) WHERE s.CHANNEL_NAME = ''";
}

/**
 * Set the heartbeat period of the default channel: the IO thread must be stopped around it (MySQL refuses a
 * change of it while the receiver runs; MariaDB refuses CHANGE MASTER while replication runs).
 */
export function setHeartbeatPeriod(t: SqlTarget, seconds: number): string[] {
  if (!(seconds > 0 && seconds <= 4294967)) throw new RangeError(`a heartbeat period is 0.001 to 4294967 seconds, got ${String(seconds)}`);
  const d = dialectOf(t);
  const value = Number(seconds.toFixed(3));
  if (t.flavor === 'mariadb') {
    // MariaDB's CHANGE MASTER needs both threads stopped.
    return [stopReplica(t), `${d.changeSource} ${d.optionPrefix}HEARTBEAT_PERIOD = ${value}`, startReplica(t)];
  }
  return [stopReplicaIo(t), `${d.changeSource} ${d.optionPrefix}HEARTBEAT_PERIOD = ${value}`, startReplicaIo(t)];
}
