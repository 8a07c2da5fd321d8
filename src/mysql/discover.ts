// What the replication check reads beyond readServerState: every replication channel, replication and
// binlog filters, the replication user's privilege, the binlog files and directory, GTID consistency,
// and the addresses names resolve to (so "db1.example.com" and "10.0.0.11" are recognised as one server).
// Unreachable servers are reported, not thrown. Every value is plain JSON (activity result).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { ConfigError, errorMessage, MhaflowError } from '../errors';
import { queryOne, queryRows, readServerState, sqlTargetOf, withConnection, type Connection, type ServerState } from './client';
import { semiSyncFrom, type SemiSyncState } from './semisync';
import { showBinlogStatus, showReplicaStatus, type SqlTarget } from './sql';
import { normalizeReplicaStatus, type ReplicaStatus, type ReplicationFilters } from './status';

/** The six Replicate_* filters, each as the server reports it (comma-separated). */
export type FilterSet = ReplicationFilters;

export interface ReplUserGrant {
  /** user@host rows found for the configured replication user. */
  accounts: string[];
  /** Some account of that user holds REPLICATION SLAVE (REPLICATION REPLICA). */
  hasReplicationSlave: boolean;
}

export interface DiscoveredExtras {
  /** Every replication channel (MySQL channels, MariaDB named connections); state.replica is the first. */
  channels: ReplicaStatus[];
  /** @@hostname of the server. */
  hostname: string | null;
  /** MySQL enforce_gtid_consistency (null on MariaDB). */
  enforceGtidConsistency: string | null;
  /** Binlog_Do_DB / Binlog_Ignore_DB of SHOW MASTER STATUS (null when log_bin is off). */
  binlogFilters: { doDb: string; ignoreDb: string } | null;
  /** Replicate_* filters: from the replica status, else the server's variables; null when unknown. */
  replicationFilters: FilterSet | null;
  filtersFrom: 'replica status' | 'variables' | 'performance_schema' | 'unknown';
  /** The replication user's privilege on this server; null when it could not be read (see replUserError). */
  replUser: ReplUserGrant | null;
  replUserError?: string;
  /** @@log_bin_basename, e.g. /var/lib/mysql/mysql-bin. */
  logBinBasename: string | null;
  /** SHOW BINARY LOGS: the binlog files the server says it has, oldest first. */
  binaryLogs: { name: string; size: number }[] | null;
  binaryLogsError?: string;
  /** Addresses this server's configured host and aliases resolve to (IPs included as themselves). */
  addresses: string[];
  /** For each channel, the addresses its Source_Host resolves to (same order as channels). */
  sourceAddresses: string[][];
  /** Semi-synchronous replication, both sides; null when it could not be read. */
  semiSync: SemiSyncState | null;
}

export interface DiscoveredServer {
  name: string;
  host: string;
  port: number;
  /** null when the server could not be reached over SQL; `error` then says why. */
  state: ServerState | null;
  error?: string;
  /** The error's hint, when it has one. */
  hint?: string;
  extras: DiscoveredExtras | null;
  /** Binlog servers are not queried over SQL. */
  binlogServer?: boolean;
}

const FILTER_VARS: [keyof FilterSet, string][] = [
  ['replicateDoDb', 'replicate_do_db'], ['replicateIgnoreDb', 'replicate_ignore_db'],
  ['replicateDoTable', 'replicate_do_table'], ['replicateIgnoreTable', 'replicate_ignore_table'],
  ['replicateWildDoTable', 'replicate_wild_do_table'], ['replicateWildIgnoreTable', 'replicate_wild_ignore_table'],
];

function filtersFromStatus(s: ReplicaStatus): FilterSet {
  return {
    replicateDoDb: s.replicateDoDb, replicateIgnoreDb: s.replicateIgnoreDb, replicateDoTable: s.replicateDoTable,
    replicateIgnoreTable: s.replicateIgnoreTable, replicateWildDoTable: s.replicateWildDoTable, replicateWildIgnoreTable: s.replicateWildIgnoreTable,
  };
}

/** Every replication channel: SHOW REPLICA STATUS / SHOW SLAVE STATUS by version (all MySQL channels) or SHOW ALL SLAVES STATUS (MariaDB). */
export async function readReplicaChannels(conn: Connection, target: SqlTarget): Promise<ReplicaStatus[]> {
  const rows = await queryRows(conn, target.flavor === 'mariadb' ? 'SHOW ALL SLAVES STATUS' : showReplicaStatus(target));
  return rows.map(normalizeReplicaStatus);
}

/** The server's Replicate_* filters: from its replica status, else its variables (MariaDB) or performance_schema (MySQL). */
export async function readReplicationFilters(conn: Connection, state: ServerState): Promise<{ filters: FilterSet | null; from: DiscoveredExtras['filtersFrom'] }> {
  if (state.replica) return { filters: filtersFromStatus(state.replica), from: 'replica status' };
  if (state.flavor === 'mariadb') {
    const row = await queryOne(conn, `SELECT ${FILTER_VARS.map(([, v]) => `@@GLOBAL.${v} AS ${v}`).join(', ')}`);
    const f = {} as FilterSet;
    for (const [k, v] of FILTER_VARS) f[k] = row?.[v] == null ? '' : String(row[v]);
    return { filters: f, from: 'variables' };
  }
  try {
    // MySQL 8.0+: global filters, configured at startup or with CHANGE REPLICATION FILTER.
    const rows = await queryRows(conn, 'SELECT FILTER_NAME AS name, FILTER_RULE AS rule FROM performance_schema.replication_applier_global_filters');
    const f: FilterSet = { replicateDoDb: '', replicateIgnoreDb: '', replicateDoTable: '', replicateIgnoreTable: '', replicateWildDoTable: '', replicateWildIgnoreTable: '' };
    for (const r of rows) {
      const hit = FILTER_VARS.find(([, v]) => v === String(r.name).toLowerCase());
      if (hit) f[hit[0]] = String(r.rule ?? '');
    }
    return { filters: f, from: 'performance_schema' };
  } catch {
    return { filters: null, from: 'unknown' };
  }
}

/** The configured replication user's REPLICATION SLAVE privilege, from mysql.user (as MHA checks it). */
export async function readReplUserGrant(conn: Connection, user: string): Promise<ReplUserGrant> {
  const rows = await queryRows(conn, 'SELECT User AS user, Host AS host, Repl_slave_priv AS priv FROM mysql.user WHERE User = ?', [user]);
  return {
    accounts: rows.map((r) => `${String(r.user)}@${String(r.host)}`),
    hasReplicationSlave: rows.some((r) => String(r.priv).toUpperCase() === 'Y'),
  };
}

/** Binlog_Do_DB and Binlog_Ignore_DB of SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL 8.4); null when log_bin is off. */
export async function readBinlogStatus(conn: Connection, target?: SqlTarget): Promise<{ doDb: string; ignoreDb: string } | null> {
  const row = await queryOne(conn, showBinlogStatus(target ?? await sqlTargetOf(conn)));
  if (!row) return null;
  return { doDb: String(row.Binlog_Do_DB ?? ''), ignoreDb: String(row.Binlog_Ignore_DB ?? '') };
}

/** Semi-sync, both sides, from the server's variables and status. */
export async function readSemiSync(conn: Connection): Promise<SemiSyncState> {
  const pairs = async (sql: string) => Object.fromEntries((await queryRows(conn, sql)).map((r) => [String(r.Variable_name), String(r.Value)]));
  return semiSyncFrom(await pairs("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'"), await pairs("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'"));
}

/** All addresses of a name: itself when it is an IP, else what the resolver says (bounded wait). */
export async function resolveAddresses(name: string, timeoutMs = 2000): Promise<string[]> {
  if (!name) return [];
  if (isIP(name)) return [name];
  const timeout = new Promise<string[]>((r) => setTimeout(() => r([]), timeoutMs).unref());
  const res = lookup(name, { all: true }).then((a) => a.map((x) => x.address)).catch(() => [] as string[]);
  return Promise.race([res, timeout]);
}

/** A configured server's names (host, aliases) and every address they resolve to. */
export async function serverAddresses(server: Pick<ServerConfig, 'host' | 'aliases'>): Promise<string[]> {
  const names = [server.host, ...(server.aliases ?? [])];
  return [...new Set((await Promise.all(names.map((n) => resolveAddresses(n)))).flat().concat(names))];
}

async function optional<T>(fn: () => Promise<T>): Promise<{ v: T | null; err?: string }> {
  try {
    return { v: await fn() };
  } catch (e) {
    const x = e as { sqlMessage?: string; message?: string };
    return { v: null, err: x.sqlMessage ?? x.message ?? String(e) };
  }
}

export async function readExtras(conn: Connection, cfg: ClusterConfig, server: ServerConfig, state: ServerState): Promise<DiscoveredExtras> {
  const channels = await readReplicaChannels(conn, state);
  const vars = await queryOne(conn, state.flavor === 'mysql'
    ? 'SELECT @@hostname AS hostname, @@log_bin_basename AS basename, @@enforce_gtid_consistency AS egc'
    : 'SELECT @@hostname AS hostname, @@log_bin_basename AS basename');
  const filters = await readReplicationFilters(conn, state);
  const grant = await optional(() => readReplUserGrant(conn, cfg.replication.user));
  const binlogFilters = state.logBin ? (await optional(() => readBinlogStatus(conn, state))).v : null;
  const logs = state.logBin
    ? await optional(async () => (await queryRows(conn, 'SHOW BINARY LOGS')).map((r) => ({ name: String(r.Log_name), size: Number(r.File_size) })))
    : { v: null };
  // Only what the config names it by (and what that resolves to): @@hostname cannot be asked of a dead master,
  // so a replica naming its master that way would pass the check and still not be recognised by the failover.
  const addresses = await serverAddresses(server);
  const sourceAddresses = await Promise.all(channels.map((c) => resolveAddresses(c.sourceHost)));
  return {
    channels,
    hostname: vars?.hostname == null ? null : String(vars.hostname),
    enforceGtidConsistency: state.flavor === 'mysql' && vars?.egc != null ? String(vars.egc) : null,
    binlogFilters,
    replicationFilters: filters.filters,
    filtersFrom: filters.from,
    replUser: grant.v,
    ...(grant.err ? { replUserError: grant.err } : {}),
    logBinBasename: vars?.basename == null ? null : String(vars.basename),
    binaryLogs: logs.v,
    ...(logs.err ? { binaryLogsError: logs.err } : {}),
    addresses,
    sourceAddresses,
    semiSync: (await optional(() => readSemiSync(conn))).v,
  };
}

/** Reach every configured server in parallel and read everything the check needs. */
export async function discoverServers(cfg: ClusterConfig, opts: { connectTimeoutMs?: number } = {}): Promise<DiscoveredServer[]> {
  return Promise.all(cfg.servers.map(async (s): Promise<DiscoveredServer> => {
    const base = { name: s.name, host: s.host, port: s.port };
    if (s.binlogServer) return { ...base, state: null, extras: null, binlogServer: true };
    try {
      return await withConnection(cfg, s, async (c) => {
        const state = await readServerState(c, s);
        const extras = await readExtras(c, cfg, s, state);
        return { ...base, state, extras };
      }, { connectTimeoutMs: opts.connectTimeoutMs });
    } catch (e) {
      // A wrong config (unreadable secret...) is not a server problem: stop with that one clear error.
      if (e instanceof ConfigError) throw e;
      const hint = e instanceof MhaflowError ? e.hint : undefined;
      const message = e instanceof MhaflowError ? e.message : errorMessage(e);
      return { ...base, state: null, extras: null, error: message, ...(hint ? { hint } : {}) };
    }
  }));
}
