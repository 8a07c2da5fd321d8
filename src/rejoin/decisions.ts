// The rejoin's decisions: whether to rejoin at all, what of the old master's binlog the cluster holds (from the
// failover's record), what only it holds (the binlog scan, cross-checked with the GTID states), how to make it
// consistent (repoint, rewind, refuse), where it replicates from, and whether its data matches. Pure: the
// workflow calls them on activity results, so each decision is in the history and has a table test
// (test/src/rejoin/decisions.test.ts).
import type { BinlogCoordinates } from '../binlog/coordinates';
import { formatCoordinates } from '../binlog/coordinates';
import type { RowsAction } from '../binlog/constants';
import { mariaGtidStateBeyond, mysqlGtidCount, mysqlGtidText, parseMariaGtidList, parseMysqlGtidSet } from '../binlog/gtid';
import type { TransactionInventory } from '../binlog/inventory';
import type { FailoverReport } from '../contracts/failover';
import type { ExtraTransactions, RejoinInput, TableRowCounts } from '../contracts/rejoin';
import type { ServerState } from '../mysql/client';
import type { Flavor } from '../mysql/status';
import type { ReplicationMode, ServerSnapshot } from '../topology/types';

// ---------------------------------------------------------------------------------------------
// Facts

/** What the rejoin reads of the failover that replaced the server (its report, as Temporal keeps it). */
export interface FailoverRecord {
  workflowId: string;
  runId: string;
  closeTime: string;
  report: Pick<FailoverReport, 'deadMaster' | 'newMaster' | 'mode' | 'latest' | 'binlogTail' | 'servers' | 'newMasterStart'>;
}

/** Is anything writing to the server: its read_only, open transactions that changed rows, other client sessions. */
export interface FenceFacts {
  readOnly: boolean;
  /** InnoDB transactions that changed rows (they write despite read_only: a privileged client). */
  writingTransactions: { id: string; user: string; host: string; rowsModified: number; startedAt: string }[];
  /** Client sessions other than ours and the server's own threads. */
  clientSessions: { id: number; user: string; host: string; command: string; seconds: number }[];
}

export interface RejoinCheckFacts {
  cluster: { name: string; digest: string; servers: { name: string; host: string; port: number; aliases: string[] }[] };
  servers: ServerSnapshot[];
  /** The server the replicas replicate from (decideRoles). */
  master: string | null;
  /** null when the server could not be read (then nothing else is known of it). */
  fence: FenceFacts | null;
  /** The cluster's most recent completed failover, or null. */
  lastFailover: FailoverRecord | null;
}

/** What the scan of the server's binlog after the cluster's copy found (activities/rejoin-find.ts). */
export interface ExtraScanFacts {
  server: string;
  flavor: Flavor;
  /** The position the scan started from (the cluster's copy ends there). */
  from: BinlogCoordinates;
  /** The binlog file of `from` is gone from the server (purged): nothing can be counted. */
  purged: string | null;
  /** The server's binlog position when scanned (the rewind counts from there). */
  binlogEnd: BinlogCoordinates | null;
  /** gtid_binlog_state (MariaDB) or gtid_executed (MySQL) of the server and of the current master. */
  serverGtidState: string;
  masterGtidState: string;
  extra: ExtraTransactions;
  /** GTIDs of the transactions found that the current master's GTID state holds (the first ones), and how many. */
  heldByCluster: string[];
  heldByClusterCount: number;
}

// ---------------------------------------------------------------------------------------------
// 1. To rejoin or not

/** A rejoin input as the workflow accepts it; a reason when it is not one. */
export function invalidRejoinInput(input: unknown): string | null {
  const i = input as Partial<RejoinInput> | null;
  if (!i || typeof i !== 'object' || typeof i.cluster !== 'string' || i.cluster === '' || typeof i.server !== 'string' || i.server === '') {
    return 'rejoin needs { "cluster": "<cluster name>", "server": "<old master>" }: the worker reads that cluster\'s config from its own directory';
  }
  if ('config' in i) return 'rejoin takes a cluster name, not a config';
  if (i.configDigest !== undefined && typeof i.configDigest !== 'string') return 'rejoin input configDigest must be a string';
  return null;
}

/** The last position of the old master's binlog the cluster holds, from what the failover recorded. */
export function clusterCopyOf(r: FailoverRecord['report']): { upTo: BinlogCoordinates; how: string } | null {
  const t = r.binlogTail;
  const at = (c: BinlogCoordinates) => formatCoordinates(c);
  if (t?.status === 'saved') return { upTo: t.endsAt, how: `the failover saved ${r.deadMaster}'s binlog tail up to ${at(t.endsAt)} and applied it` };
  if (t?.status === 'nothing-new') return { upTo: t.from, how: `the latest replica had received ${r.deadMaster}'s binlog up to ${at(t.from)}, where it ended` };
  if (t?.status === 'unavailable') {
    return { upTo: t.from, how: `the latest replica had received ${r.deadMaster}'s binlog up to ${at(t.from)}; the failover could not read the rest (${t.reason})` };
  }
  return r.latest ? { upTo: r.latest.latestPosition, how: `the latest replica had received ${r.deadMaster}'s binlog up to ${at(r.latest.latestPosition)}` } : null;
}

/**
 * Where the new master stood once it held everything recovered, before it became writable. Failovers record it
 * (newMasterStart); for one that did not, the replicas were repointed there ("db2 mysql-bin.000003:789").
 */
export function newMasterStartOf(r: FailoverRecord['report']): { coords: BinlogCoordinates | null; gtid: string | null } | null {
  if (r.newMasterStart) return r.newMasterStart;
  for (const s of r.servers) {
    const m = /^\S+ (\S+):(\d+)$/.exec(s.repointedTo ?? '');
    if (m) return { coords: { file: m[1]!, pos: Number(m[2]) }, gtid: null };
    const g = /^\S+ \(GTID, up to (.*)\)$/.exec(s.repointedTo ?? '');
    if (g) return { coords: null, gtid: g[1]! };
  }
  return null;
}

export type RejoinStart =
  | {
    ok: true; kind: 'rejoin'; mode: ReplicationMode; flavor: Flavor; master: string; failover: FailoverRecord;
    clusterCopy: { upTo: BinlogCoordinates; how: string }; newMasterStart: { coords: BinlogCoordinates | null; gtid: string | null };
  }
  | { ok: true; kind: 'already'; master: string; note: string }
  | { ok: false; reason: string };

const pointsAt = (st: ServerState | null, s: { host: string; port: number; aliases: string[] }) =>
  Boolean(st?.replica && [s.host, ...s.aliases].includes(st.replica.sourceHost) && st.replica.sourcePort === s.port);

/**
 * Check: the config is the worker's; the server is one of the cluster's, answers, is not the master and no replica
 * replicates from it; already a healthy replica of the master is a no-op; it is fenced (read_only, no client
 * writing); the cluster's last failover replaced it, the cluster's master is that failover's new master, and the
 * failover recorded where its copy of the server's binlog ends and where the new master then stood.
 */
export function decideRejoinStart(f: RejoinCheckFacts, input: Pick<RejoinInput, 'server' | 'configDigest'>): RejoinStart {
  const c = f.cluster;
  const name = input.server;
  if (input.configDigest && input.configDigest !== c.digest) {
    return { ok: false, reason: `the config you passed for cluster ${c.name} (digest ${input.configDigest}) is not the worker's (digest ${c.digest}): make them the same first` };
  }
  const conf = c.servers.find((s) => s.name === name);
  if (!conf) return { ok: false, reason: `${name} is not a server of cluster ${c.name} (${c.servers.map((s) => s.name).join(', ')})` };
  const snap = f.servers.find((s) => s.name === name);
  if (!snap?.state) return { ok: false, reason: `${name} does not answer SQL (${snap?.error ?? 'not probed'}): start its mysqld (read_only, as it should come back after a failover), then run the rejoin again` };
  if (!f.master) return { ok: false, reason: `no server of cluster ${c.name} is the master: no replica replicates from any of them` };
  if (f.master === name) return { ok: false, reason: `${name} is the cluster's current master: there is nothing to rejoin` };
  const replicas = f.servers.filter((s) => s.name !== name && pointsAt(s.state, conf)).map((s) => s.name);
  if (replicas.length) return { ok: false, reason: `${replicas.join(', ')} replicate${replicas.length === 1 ? 's' : ''} from ${name}: it is a source in the cluster, not an old master to rejoin` };
  const master = c.servers.find((s) => s.name === f.master)!;
  const r = snap.state.replica;
  if (r && pointsAt(snap.state, master)) {
    if (r.ioRunning !== 'No' && r.sqlRunning && !r.lastSqlErrno && !r.lastIoErrno) {
      return { ok: true, kind: 'already', master: f.master, note: `${name} already replicates from ${f.master} (IO ${r.ioRunning}, SQL running): nothing to do` };
    }
    return { ok: false, reason: `${name} is set to replicate from ${f.master} but is not replicating (IO ${r.ioRunning}, SQL ${r.sqlRunning ? 'Yes' : 'No'}${r.lastSqlError ? `: ${r.lastSqlError}` : r.lastIoError ? `: ${r.lastIoError}` : ''}): fix or reset its replication by hand` };
  }
  if (r && (r.ioRunning !== 'No' || r.sqlRunning)) {
    return { ok: false, reason: `${name} replicates from ${r.sourceHost}:${r.sourcePort}, not the master ${f.master}: stop its replication first (STOP SLAVE) if it is to rejoin` };
  }
  const fence = f.fence!;
  if (!fence.readOnly) return { ok: false, reason: `${name} is writable (read_only=OFF): fence it first (SET GLOBAL read_only=ON, and make sure no client writes to it), then run the rejoin again` };
  if (fence.writingTransactions.length) {
    const w = fence.writingTransactions.map((t) => `${t.user}@${t.host} (${t.rowsModified} rows changed since ${t.startedAt})`).join(', ');
    return { ok: false, reason: `clients are writing to ${name} despite read_only: ${w}; stop them (they hold privileges that bypass read_only), then run the rejoin again` };
  }
  const fo = f.lastFailover;
  if (!fo) return { ok: false, reason: `no completed failover of cluster ${c.name} is recorded in Temporal: rejoining ${name} needs the positions its failover recorded; rebuild it from a backup` };
  if (fo.report.deadMaster !== name) {
    return { ok: false, reason: `the cluster's last failover (${fo.workflowId}, ${fo.closeTime}) replaced ${fo.report.deadMaster}, not ${name}: what ${name} holds cannot be told from it; rebuild it from a backup` };
  }
  if (fo.report.newMaster !== f.master) {
    return { ok: false, reason: `the master is now ${f.master}, not ${fo.report.newMaster} which the failover (${fo.workflowId}) promoted: the positions it recorded are ${fo.report.newMaster}'s; rebuild ${name} from a backup` };
  }
  const copy = clusterCopyOf(fo.report);
  const start = newMasterStartOf(fo.report);
  if (!copy || !start) return { ok: false, reason: `the failover ${fo.workflowId} recorded no position of ${name}'s binlog or of ${f.master}'s at promotion: rebuild ${name} from a backup` };
  return { ok: true, kind: 'rejoin', mode: fo.report.mode, flavor: snap.state.flavor, master: f.master, failover: fo, clusterCopy: copy, newMasterStart: start };
}

// ---------------------------------------------------------------------------------------------
// 2-3. What only it holds

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** GTIDs in order, consecutive ones of one domain and server (MariaDB) or uuid (MySQL) folded into a range. */
export function gtidRanges(gtids: string[]): string[] {
  const out: { head: string; from: bigint; to: bigint; sep: string }[] = [];
  for (const g of gtids) {
    const m = /^(\d+-\d+-)(\d+)$/.exec(g) ?? /^(.+:)(\d+)$/.exec(g);
    if (!m) continue;
    const seq = BigInt(m[2]!);
    const last = out[out.length - 1];
    if (last && last.head === m[1] && last.to + 1n === seq) last.to = seq;
    else out.push({ head: m[1]!, from: seq, to: seq, sep: m[1]!.endsWith(':') ? '-' : '..' });
  }
  return out.map((r) => (r.from === r.to ? `${r.head}${r.from}` : `${r.head}${r.from}${r.sep}${r.to}`));
}

/** At most this many not-rewindable transactions are described (the count says how many there are). */
export const NOT_REWINDABLE_SHOWN = 20;

/** The report of the transactions found (each with the binlog file it is in). */
export function summarizeExtra(txs: (TransactionInventory & { file: string })[]): ExtraTransactions {
  const positions: ExtraTransactions['positions'] = [];
  for (const t of txs) {
    const last = positions[positions.length - 1];
    if (last?.file === t.file) { last.to = t.endPos; last.transactions++; } else positions.push({ file: t.file, from: t.startPos, to: t.endPos, transactions: 1 });
  }
  const tables = new Map<string, TableRowCounts>();
  for (const r of txs.flatMap((t) => t.rows)) {
    const row = tables.get(r.table) ?? { table: r.table, rows: { write: 0, update: 0, delete: 0 } };
    const had = row.rows[r.action];
    row.rows[r.action] = had === null || r.rows === null ? null : had + r.rows;
    tables.set(r.table, row);
  }
  const bad = txs.filter((t) => t.notRewindable);
  return {
    count: txs.length,
    gtids: gtidRanges(txs.flatMap((t) => (t.gtid ? [t.gtid] : []))),
    positions,
    firstCommit: txs.length ? iso(Math.min(...txs.map((t) => t.commitTime))) : null,
    lastCommit: txs.length ? iso(Math.max(...txs.map((t) => t.commitTime))) : null,
    tables: [...tables.values()].sort((a, b) => a.table.localeCompare(b.table)),
    notRewindable: bad.slice(0, NOT_REWINDABLE_SHOWN).map((t) => ({ ...(t.gtid ? { gtid: t.gtid } : {}), at: `${t.file}:${t.startPos}`, what: t.notRewindable! })),
    notRewindableCount: bad.length,
  };
}

/** How many transactions the GTID states say the server holds beyond the master (null: no GTIDs to tell). */
export function gtidDifferenceCount(flavor: Flavor, server: string, master: string): number | null {
  if (flavor === 'mariadb') {
    return mariaGtidStateBeyond(parseMariaGtidList(server, { lenient: true }), parseMariaGtidList(master, { lenient: true }))
      .reduce((n, r) => n + Number(r.to - r.from + 1n), 0);
  }
  if (!server.trim()) return null;
  return Number(mysqlGtidCount(parseMysqlGtidSet(mysqlGtidText.subtract(server, master), { lenient: true })));
}

export type ExtraDecision = { ok: true; extra: ExtraTransactions; checkedBy: string } | { ok: false; reason: string };

/**
 * What the scan found is what only the server holds, exactly: the binlog after the cluster's copy is still there,
 * the cluster holds none of it, and the GTID states say the same number.
 */
export function decideExtra(f: ExtraScanFacts): ExtraDecision {
  if (f.purged) return { ok: false, reason: `${f.server}'s binlog ${f.purged}, where the cluster's copy of it ends, is gone (purged): what only it holds cannot be counted; rebuild it from a backup` };
  if (f.heldByClusterCount) {
    return { ok: false, reason: `the master already holds ${f.heldByClusterCount} of the transactions ${f.server}'s binlog has after ${formatCoordinates(f.from)} (${f.heldByCluster.join(', ')}): the failover's record and the servers disagree; rebuild ${f.server} from a backup` };
  }
  const byGtid = gtidDifferenceCount(f.flavor, f.serverGtidState, f.masterGtidState);
  if (byGtid !== null && byGtid !== f.extra.count) {
    return { ok: false, reason: `${f.server}'s binlog holds ${f.extra.count} transactions after ${formatCoordinates(f.from)}, but its GTID state has ${byGtid} the master lacks (${f.serverGtidState} vs ${f.masterGtidState}): rebuild ${f.server} from a backup` };
  }
  return { ok: true, extra: f.extra, checkedBy: byGtid === null ? 'its binlog after the cluster\'s copy' : 'its binlog after the cluster\'s copy, and the GTID states (the same count)' };
}

// ---------------------------------------------------------------------------------------------
// 4-5. Making it consistent

export type ConsistencyPlan =
  | { kind: 'repoint' }
  | { kind: 'rewind'; reapply: boolean }
  | { kind: 'refuse'; reason: string };

/**
 * Nothing extra: repoint. Extra transactions all row-based DML with full images, on MariaDB (mariadb-binlog
 * --flashback): rewind them (reapplied to the master first when asked). Otherwise refuse, naming what cannot be
 * taken back and where the transactions are saved.
 */
export function planConsistency(extra: ExtraTransactions, o: { server: string; flavor: Flavor; reapply: boolean; saved: string | null }): ConsistencyPlan {
  if (extra.count === 0) return { kind: 'repoint' };
  const saved = o.saved ? `; its ${extra.count} extra transactions are saved in ${o.saved}` : '';
  if (o.flavor !== 'mariadb') {
    return { kind: 'refuse', reason: `${o.server} holds ${extra.count} transactions the cluster lacks, and only MariaDB can rewind them (mariadb-binlog --flashback)${saved}: rebuild this server from a backup` };
  }
  if (extra.notRewindableCount) {
    const shown = extra.notRewindable.map((t) => `${t.gtid ? `${t.gtid} ` : ''}at ${t.at}: ${t.what}`).join('; ');
    const more = extra.notRewindableCount > extra.notRewindable.length ? ` (and ${extra.notRewindableCount - extra.notRewindable.length} more)` : '';
    return { kind: 'refuse', reason: `${extra.notRewindableCount} of the ${extra.count} transactions only ${o.server} holds cannot be rewound: ${shown}${more}${saved}: rebuild this server from a backup` };
  }
  return { kind: 'rewind', reapply: o.reapply };
}

/** The GTID domain reapplied transactions are replayed in: the domain of their own that keeps them exactly once on a live master. */
export function reapplyDomain(extraGtids: string[], configured: number): { ok: true; domain: number } | { ok: false; reason: string } {
  const domains = [...new Set(extraGtids.map((g) => Number(/^(\d+)-/.exec(g)?.[1] ?? NaN)))];
  if (domains.some((d) => !Number.isFinite(d))) return { ok: false, reason: 'the extra transactions have no MariaDB GTIDs: they cannot be reapplied exactly once' };
  if (domains.length > 1) return { ok: false, reason: `the extra transactions are in several GTID domains (${domains.join(', ')}): reapplying them in one domain would reorder them` };
  if (domains[0] === configured) return { ok: false, reason: `the extra transactions are in GTID domain ${configured}, the one reapplied transactions are given: set replication.reapplyGtidDomain to another` };
  return { ok: true, domain: configured };
}

/** Where the server replicates from, and how that position follows from the failover's record. */
export function repointTarget(s: Extract<RejoinStart, { kind: 'rejoin' }>, server: string):
  { ok: true; at: { coords: BinlogCoordinates } | { gtid: string }; where: string; derivation: string } | { ok: false; reason: string } {
  const fo = s.failover;
  const nm = s.master;
  const copy = `${server}'s binlog up to ${formatCoordinates(s.clusterCopy.upTo)} is on the cluster (${s.clusterCopy.how})`;
  if (s.mode === 'gtid') {
    if (s.newMasterStart.gtid === null) return { ok: false, reason: `the failover ${fo.workflowId} recorded no GTID position of ${nm} at promotion` };
    const g = s.newMasterStart.gtid;
    return {
      ok: true, at: { gtid: g }, where: `GTID ${g || '(empty)'}`,
      derivation: `${copy}; ${nm}'s GTID position was ${g} once it held it, before it became writable (failover ${fo.workflowId}): ${server} replicates from ${nm} with gtid_slave_pos=${g}`,
    };
  }
  const c = s.newMasterStart.coords;
  if (!c) return { ok: false, reason: `the failover ${fo.workflowId} recorded no binlog position of ${nm} at promotion` };
  return {
    ok: true, at: { coords: c }, where: formatCoordinates(c),
    derivation: `${copy}; ${nm}'s binlog was at ${formatCoordinates(c)} once it held it, before it became writable (failover ${fo.workflowId}): ${server} replicates from ${nm} at ${formatCoordinates(c)}`,
  };
}

/** The tables the extra transactions changed: what the verification compares. */
export function tablesToVerify(extra: ExtraTransactions): string[] {
  return extra.tables.map((t) => t.table);
}

export interface VerifyFacts { at: BinlogCoordinates; reached: BinlogCoordinates; tables: { table: string; server: string; master: string }[] }

/** After the rewind, at one point of the master's binlog, every table the extra transactions touched has the master's checksum. */
export function decideVerified(v: VerifyFacts, server: string, master: string): { ok: true } | { ok: false; reason: string } {
  if (v.reached.file !== v.at.file || v.reached.pos !== v.at.pos) {
    return { ok: false, reason: `${server} stopped at ${formatCoordinates(v.reached)} instead of ${formatCoordinates(v.at)} of ${master}'s binlog: the comparison would not be at one point` };
  }
  const differ = v.tables.filter((t) => t.server !== t.master);
  if (!differ.length) return { ok: true };
  return {
    ok: false,
    reason: `after the rewind, ${differ.map((t) => `${t.table} (${server} ${t.server}, ${master} ${t.master})`).join(', ')} differ${differ.length === 1 ? 's' : ''} at ${master}'s ${formatCoordinates(v.at)}: ${server} does not match the cluster; its replication is left stopped there; rebuild it from a backup`,
  };
}

/** The row counts of a report, in words: "mhaflow_test.writes: 64 inserted". */
export function describeRows(t: TableRowCounts): string {
  const words: Record<RowsAction, string> = { write: 'inserted', update: 'updated', delete: 'deleted' };
  const parts = (Object.keys(words) as RowsAction[]).filter((a) => t.rows[a] !== 0).map((a) => `${t.rows[a] ?? '?'} ${words[a]}`);
  return `${t.table}: ${parts.join(', ') || 'no rows'}`;
}
