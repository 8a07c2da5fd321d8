// Which servers take part in a failover, and which replicas received the most (latest) and the least
// (oldest) of the dead master's binlog. Pure and deterministic: imported by the failover workflow.
//
// Positions are compared as (binlog file sequence number, byte offset) in the dead master's binlog. Every
// surviving replica read that same binlog, so these coordinates order them totally, in both replication
// modes (MHA does the same). In GTID mode the GTID positions are compared as well, as a cross-check:
// a disagreement (a replica holding GTIDs the latest one lacks: errant transactions, or a diverged
// domain) becomes a warning, never a silent reordering.
import type {
  DeadMasterRef, GtidProgress, LatestAndOldest, LatestAndOldestResult, ReplicaCoordinates,
  ReplicaSnapshot, ReplicationMode, ServerClass, ServerClassification, ServerSnapshot,
} from './types';
import type { ReplicaStatus } from '../mysql/status';
import { compareBinlogCoordinates, formatCoordinates } from '../binlog/coordinates';
import { compareGtidText, mariaGtidText, mysqlGtidText } from '../binlog/gtid';
import { addressBook, sourceServerOf, type AddressedServer } from './addresses';
import { filterOutliers } from './filters';

// ---------------------------------------------------------------------------------------------
// Classification: who takes part in the recovery.

/**
 * Whether a replica's source is the dead master, by the one resolution (src/topology/addresses.ts) over every
 * configured server (`book`; default: the dead master alone): names, aliases, resolved addresses, server_id.
 */
export function replicatesFrom(status: ReplicaStatus, dead: DeadMasterRef, book?: AddressedServer[], sourceAddresses?: string[]): boolean {
  const servers = book ?? [{ name: dead.name, host: dead.host, port: dead.port, aliases: dead.addresses ?? [], serverId: dead.serverId ?? null }];
  const src = { host: status.sourceHost, port: status.sourcePort, serverId: status.sourceServerId, ...(sourceAddresses ? { addresses: sourceAddresses } : {}) };
  return sourceServerOf(src, servers) === dead.name;
}

/**
 * A replica named to the dead master that reports another server_id than the dead master's: it last replicated
 * from another server at that address (one rebuilt there, or it was repointed and never connected), so its
 * positions may not be in the dead master's binlog. Recovering it could apply the wrong events: left alone.
 */
function otherServerId(status: ReplicaStatus, dead: DeadMasterRef): boolean {
  return Boolean(dead.serverId && status.sourceServerId && dead.serverId !== status.sourceServerId);
}

function describeSource(status: ReplicaStatus): string {
  const id = status.sourceServerId ? ` (server_id ${status.sourceServerId})` : '';
  return `${status.sourceHost}:${status.sourcePort}${id}`;
}

function classifyOne(s: ServerSnapshot, dead: DeadMasterRef, book: AddressedServer[]): Omit<ServerClass, 'blocksFailover' | 'ignoreFail'> {
  const name = s.name;
  if (name === dead.name) return { name, role: 'deadMaster', reasons: ['the dead master'] };
  if (s.binlogServer) return { name, role: 'binlogServer', reasons: ['a binlog server, not a MySQL replica'] };
  if (!s.state) return { name, role: 'unreachable', reasons: [`dead: not reachable${s.error ? ` (${s.error})` : ''}`] };
  const r = s.state.replica;
  if (!r) return { name, role: 'notReplica', reasons: ['alive but not a replica (no replica status): it would be left behind'] };
  if (!replicatesFrom(r, dead, book, s.sourceAddresses)) {
    return { name, role: 'otherSource', reasons: [`replicates from ${describeSource(r)}, not from the dead master ${dead.name} (${dead.host}:${dead.port})`] };
  }
  if (otherServerId(r, dead)) {
    return {
      name, role: 'otherSource',
      reasons: [`replicates from ${describeSource(r)}, but the dead master ${dead.name} is server_id ${dead.serverId}: it last replicated from another server `
        + 'at that address, so its positions may not be in the dead master\'s binlog; left alone: rebuild it from the new master'],
    };
  }
  if (r.lastSqlErrno !== 0) {
    return { name, role: 'failedReplica', reasons: [`SQL thread stopped on error ${r.lastSqlErrno}: ${r.lastSqlError}`] };
  }
  return { name, role: 'replica', reasons: [] };
}

/**
 * Sorts the configured servers for a failover, as MHA does: the replicas of the dead master that are
 * alive and whose SQL thread has no error are recovered; an unreachable or failed server (or an alive
 * non-replica, which would be left behind) stops the failover unless it has ignore_fail. Replicas of
 * another source are left alone and do not stop it.
 */
export function classifyServers(servers: ServerSnapshot[], deadMaster: DeadMasterRef): ServerClassification {
  const book = addressBook(servers, deadMaster);
  if (!servers.some((s) => s.name === deadMaster.name)) {
    book.push({ name: deadMaster.name, host: deadMaster.host, port: deadMaster.port, aliases: deadMaster.addresses ?? [], serverId: deadMaster.serverId ?? null });
  }
  const classes: ServerClass[] = servers.map((s) => {
    const c = classifyOne(s, deadMaster, book);
    const failed = c.role === 'unreachable' || c.role === 'failedReplica' || c.role === 'notReplica';
    return { ...c, ignoreFail: s.ignoreFail, blocksFailover: failed && !s.ignoreFail };
  });
  const blockers = classes.filter((c) => c.blocksFailover)
    .map((c) => `${c.name}: ${c.reasons.join('; ')}; ignore_fail is not set, so the failover cannot leave it behind`);
  return { servers: classes, replicas: classes.filter((c) => c.role === 'replica').map((c) => c.name), blockers };
}

/** The snapshots of the replicas the classification kept, in config order, ready for identifyLatestAndOldest. */
export function recoveryReplicas(servers: ServerSnapshot[], classification: ServerClassification): ReplicaSnapshot[] {
  const keep = new Set(classification.replicas);
  const out: ReplicaSnapshot[] = [];
  for (const s of servers) {
    if (keep.has(s.name) && s.state?.replica) out.push({ ...s.state, name: s.name, replica: s.state.replica });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Replication mode

/** GTID mode when every replica uses auto-positioning (MySQL Auto_Position=1, MariaDB Using_Gtid), as MHA decides. */
export function replicationModeOf(replicas: ReplicaSnapshot[]): { mode: ReplicationMode; reason: string } {
  const withoutGtid = replicas.filter((r) => !r.replica.autoPosition).map((r) => r.name);
  if (replicas.length > 0 && withoutGtid.length === 0) {
    return { mode: 'gtid', reason: 'every replica replicates with GTID auto-positioning: GTID mode' };
  }
  return {
    mode: 'filepos',
    reason: replicas.length === 0
      ? 'no replica: file/position mode'
      : `file/position mode: ${withoutGtid.join(', ')} ${withoutGtid.length === 1 ? 'does' : 'do'} not use GTID auto-positioning`,
  };
}

// ---------------------------------------------------------------------------------------------
// Latest and oldest

function gtidProgressOf(r: ReplicaSnapshot): GtidProgress {
  if (r.flavor === 'mariadb') {
    const executed = r.gtid.mariadb?.currentPos ?? r.gtid.executed;
    // Per domain, the further of "received" and "executed".
    return { kind: 'mariadb', received: mariaGtidText.union(r.replica.gtidIoPos ?? '', executed), executed };
  }
  const executed = r.gtid.executed || r.replica.executedGtidSet || '';
  return { kind: 'mysql', received: mysqlGtidText.union(r.replica.retrievedGtidSet ?? '', executed), executed: mysqlGtidText.canonical(executed) };
}

function coordinatesOf(r: ReplicaSnapshot, mode: ReplicationMode): ReplicaCoordinates {
  const s = r.replica;
  const servesBinlog = r.logBin === undefined || r.logSlaveUpdates === undefined ? null : r.logBin && r.logSlaveUpdates;
  return {
    name: r.name,
    read: { file: s.sourceLogFile, pos: s.readSourceLogPos },
    exec: { file: s.relaySourceLogFile, pos: s.execSourceLogPos },
    relay: { file: s.relayLogFile, pos: s.relayLogPos },
    sqlRunning: s.sqlRunning,
    servesBinlog,
    ...(mode === 'gtid' ? { gtid: gtidProgressOf(r) } : {}),
  };
}

/** The items that compare best by `better` (> 0: a is better than b); ties all kept, in input order. */
function extremes<T>(items: T[], better: (a: T, b: T) => number): T[] {
  let best: T[] = [];
  for (const it of items) {
    const c = best.length === 0 ? 1 : better(it, best[0]!);
    if (c > 0) best = [it];
    else if (c === 0) best.push(it);
  }
  return best;
}

const names = (cs: ReplicaCoordinates[]) => cs.map((c) => c.name).join(', ');

/** In GTID mode: every replica's received GTIDs should be contained in the latest replica's. */
function gtidCrossCheck(coords: ReplicaCoordinates[], latest: ReplicaCoordinates): string[] {
  const warnings: string[] = [];
  if (!latest.gtid) return warnings;
  for (const c of coords) {
    if (c.name === latest.name || !c.gtid) continue;
    const order = compareGtidText(latest.gtid.kind, c.gtid.received, latest.gtid.received);
    if (order === 'ahead' || order === 'diverged') {
      warnings.push(`${c.name} holds GTIDs that the latest replica ${latest.name} lacks `
        + `(${c.name}: ${c.gtid.received || '(empty)'}; ${latest.name}: ${latest.gtid.received || '(empty)'}): `
        + 'errant transactions or a diverged domain; positions still decide, check them before trusting this failover');
    }
  }
  return warnings;
}

/**
 * Finds the latest replicas (furthest read position in the dead master's binlog; ties all listed),
 * the oldest ones, and the latest one that executed the most. `mode` defaults to replicationModeOf().
 */
export function identifyLatestAndOldest(replicas: ReplicaSnapshot[], opts: { mode?: ReplicationMode } = {}): LatestAndOldestResult {
  if (replicas.length === 0) return { ok: false, reason: 'no alive replica of the dead master: nothing can be promoted' };
  const decided = replicationModeOf(replicas);
  const mode = opts.mode ?? decided.mode;
  const coords = replicas.map((r) => coordinatesOf(r, mode));
  const latest = extremes(coords, (a, b) => compareBinlogCoordinates(a.read, b.read));
  const oldest = extremes(coords, (a, b) => -compareBinlogCoordinates(a.read, b.read));
  const mostAdvanced = extremes(latest, (a, b) => compareBinlogCoordinates(a.exec, b.exec))[0]!;
  const latestPosition = latest[0]!.read;
  const oldestPosition = oldest[0]!.read;
  const allReceivedSame = compareBinlogCoordinates(oldestPosition, latestPosition) === 0;

  const reasons = [
    opts.mode ? `${mode === 'gtid' ? 'GTID' : 'file/position'} mode (requested)` : decided.reason,
    `latest: ${names(latest)} at ${formatCoordinates(latestPosition)} (received the most of the dead master's binlog)`,
    `oldest: ${names(oldest)} at ${formatCoordinates(oldestPosition)}`,
    allReceivedSame
      ? 'every replica received the same events: no read_diff is needed'
      : `replicas behind ${formatCoordinates(latestPosition)} need a read_diff from a latest replica's relay log`,
  ];
  if (latest.length > 1) reasons.push(`${mostAdvanced.name} executed the most among the latest (up to ${formatCoordinates(mostAdvanced.exec)})`);

  const warnings = coords.filter((c) => c.read.file === '')
    .map((c) => `${c.name} reports no read position (empty Master_Log_File): counted as having received nothing`);
  if (mode === 'gtid') warnings.push(...gtidCrossCheck(coords, mostAdvanced));

  const filtersDiffer = filterOutliers(replicas);
  if (filtersDiffer.length && mode === 'filepos') {
    reasons.push(`replication filters differ on ${filtersDiffer.map((f) => f.name).join(', ')}: left out of the recovery (file/position mode)`);
  }

  const result: LatestAndOldest = {
    ok: true,
    mode,
    latest: latest.map((c) => c.name),
    oldest: oldest.map((c) => c.name),
    latestPosition,
    oldestPosition,
    mostAdvancedLatest: mostAdvanced.name,
    allReceivedSame,
    replicas: coords,
    reasons,
    warnings,
    filtersDiffer,
  };
  return result;
}
