// Connections to the managed servers (mysql2/promise). Credentials are resolved here, from
// references, at the last moment; they never leave this module.
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import type { BinlogCoordinates } from '../binlog/coordinates';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { durationMs } from '../config/values';
import { resolveSecret } from '../config/secrets';
import { ConnectionError } from '../errors';
import { showBinlogStatus, showReplicaStatus as showReplicaStatusSql, type SqlTarget } from './sql';
import { flavorOf, normalizeReplicaStatus, type Flavor, type ReplicaStatus } from './status';

export type { Connection };

export interface ConnectOptions {
  /** Override the config's connect timeout (ms). */
  connectTimeoutMs?: number;
  /** Use the replication user instead of the admin user. */
  asReplicationUser?: boolean;
}

export async function connectServer(cfg: ClusterConfig, server: ServerConfig, opts: ConnectOptions = {}): Promise<Connection> {
  const user = opts.asReplicationUser ? cfg.replication.user : cfg.mysql.user;
  const password = resolveSecret(opts.asReplicationUser ? cfg.replication.password : cfg.mysql.password,
    opts.asReplicationUser ? 'replication.password' : 'mysql.password');
  try {
    const conn = await mysql.createConnection({
      host: server.host,
      port: server.port,
      user,
      password,
      connectTimeout: opts.connectTimeoutMs ?? durationMs(cfg.mysql.connectTimeout),
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: true,
    });
    conn.on('error', () => { /* a dropped connection surfaces on the next query */ });
    return conn;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { sqlMessage?: string };
    throw new ConnectionError(`cannot connect to MySQL at ${server.host}:${server.port} as ${user}: ${err.sqlMessage ?? err.code ?? err.message}`, {
      server: server.name,
      hint: err.code === 'ER_ACCESS_DENIED_ERROR'
        ? `check the user ${user} and its password reference in the config`
        : 'check that mysqld is running and reachable from the worker',
      cause: e,
    });
  }
}

export async function withConnection<T>(cfg: ClusterConfig, server: ServerConfig, fn: (c: Connection) => Promise<T>, opts: ConnectOptions = {}): Promise<T> {
  const conn = await connectServer(cfg, server, opts);
  try {
    return await fn(conn);
  } finally {
    conn.destroy();
  }
}

/** withConnection for several servers, connected at once (not one after the other); every one is closed after. */
export async function withConnections<T>(cfg: ClusterConfig, servers: ServerConfig[], fn: (conns: Connection[]) => Promise<T>): Promise<T> {
  const opened = await Promise.allSettled(servers.map((s) => connectServer(cfg, s)));
  const conns = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return await fn(conns);
  } finally {
    for (const c of conns) c.destroy();
  }
}

export async function queryRows(conn: Connection, sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
  const [rows] = await conn.query<RowDataPacket[]>(sql, values);
  return rows as Record<string, unknown>[];
}

export async function queryOne(conn: Connection, sql: string, values?: unknown[]): Promise<Record<string, unknown> | undefined> {
  return (await queryRows(conn, sql, values))[0];
}

// The server's flavor and version, asked once per connection (its own answer to SELECT @@version): every
// statement that differs by flavor or version is built from it by src/mysql/sql.ts, never guessed by trying.
const targets = new WeakMap<Connection, Promise<SqlTarget>>();

export function sqlTargetOf(conn: Connection): Promise<SqlTarget> {
  let t = targets.get(conn);
  if (!t) {
    t = queryOne(conn, 'SELECT @@version AS v').then((r) => {
      const version = String(r?.v ?? '');
      return { flavor: flavorOf(version), version };
    });
    t.catch(() => targets.delete(conn));
    targets.set(conn, t);
  }
  return t;
}

/** SHOW REPLICA STATUS (MySQL 8.0.22+) or SHOW SLAVE STATUS (older MySQL, MariaDB); null when not a replica. */
export async function showReplicaStatus(conn: Connection): Promise<ReplicaStatus | null> {
  const rows = await queryRows(conn, showReplicaStatusSql(await sqlTargetOf(conn)));
  return rows.length ? normalizeReplicaStatus(rows[0]!) : null;
}

export type { BinlogCoordinates };

/** SHOW BINARY LOG STATUS (MySQL 8.2+) or SHOW MASTER STATUS; null when log_bin is off. */
export async function showMasterStatus(conn: Connection): Promise<BinlogCoordinates | null> {
  const row = await queryOne(conn, showBinlogStatus(await sqlTargetOf(conn)));
  return row && row.File ? { file: String(row.File), pos: Number(row.Position) } : null;
}

/** Everything a check or failover needs to know about one server, read in one pass. */
export interface ServerState {
  name: string;
  host: string;
  port: number;
  version: string;
  flavor: Flavor;
  serverId: number;
  serverUuid: string | null;
  logBin: boolean;
  logSlaveUpdates: boolean;
  binlogFormat: string;
  readOnly: boolean;
  superReadOnly: boolean | null;
  relayLogPurge: boolean;
  gtid: {
    /** MySQL gtid_mode, MariaDB: always "MARIADB". */
    mode: string;
    /** MySQL gtid_executed; MariaDB gtid_current_pos. */
    executed: string;
    mariadb?: { binlogPos: string; currentPos: string; slavePos: string; strictMode: boolean; domainId: number };
  };
  binlog: BinlogCoordinates | null;
  replica: ReplicaStatus | null;
  /** When mysqld started (epoch seconds: now minus Uptime): with server_id and server_uuid, its identity (src/mysql/identity.ts). */
  startedAt?: number;
}

export async function readServerState(conn: Connection, server: ServerConfig): Promise<ServerState> {
  const v = await queryOne(conn, 'SELECT @@version AS version, @@server_id AS serverId, @@log_bin AS logBin, @@binlog_format AS binlogFormat, @@read_only AS readOnly, '
    + '@@relay_log_purge AS relayLogPurge, @@log_slave_updates AS logSlaveUpdates, UNIX_TIMESTAMP() AS now');
  const uptime = Number((await queryRows(conn, "SHOW GLOBAL STATUS LIKE 'Uptime'"))[0]?.Value ?? 0);
  const version = String(v!.version);
  const flavor = flavorOf(version);
  if (!targets.has(conn)) targets.set(conn, Promise.resolve({ flavor, version }));
  let gtid: ServerState['gtid'];
  let serverUuid: string | null = null;
  let superReadOnly: boolean | null = null;
  if (flavor === 'mariadb') {
    const g = await queryOne(conn, 'SELECT @@gtid_binlog_pos AS b, @@gtid_current_pos AS c, @@gtid_slave_pos AS s, @@gtid_strict_mode AS strict, @@gtid_domain_id AS d');
    gtid = {
      mode: 'MARIADB', executed: String(g!.c ?? ''),
      mariadb: { binlogPos: String(g!.b ?? ''), currentPos: String(g!.c ?? ''), slavePos: String(g!.s ?? ''), strictMode: Number(g!.strict) === 1, domainId: Number(g!.d) },
    };
  } else {
    const g = await queryOne(conn, 'SELECT @@gtid_mode AS mode, @@gtid_executed AS executed, @@server_uuid AS uuid, @@super_read_only AS sro');
    gtid = { mode: String(g!.mode), executed: String(g!.executed ?? '').replace(/\s+/g, '') };
    serverUuid = String(g!.uuid);
    superReadOnly = Number(g!.sro) === 1;
  }
  return {
    name: server.name,
    host: server.host,
    port: server.port,
    version,
    flavor,
    serverId: Number(v!.serverId),
    serverUuid,
    logBin: Number(v!.logBin) === 1,
    logSlaveUpdates: Number(v!.logSlaveUpdates) === 1,
    binlogFormat: String(v!.binlogFormat),
    readOnly: Number(v!.readOnly) === 1,
    superReadOnly,
    relayLogPurge: Number(v!.relayLogPurge) === 1,
    gtid,
    binlog: Number(v!.logBin) === 1 ? await showMasterStatus(conn) : null,
    replica: await showReplicaStatus(conn),
    startedAt: Number(v!.now) - uptime,
  };
}
