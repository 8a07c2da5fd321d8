// The diff plans: for the new master and then every other surviving replica, exactly which events
// to apply and where they come from, so the apply activities execute without deciding anything.
// Pure and deterministic: imported by the failover workflow.
//
// file/position mode, per server, in this order (MHA phases 3.4/3.5 and 4):
//   execDiff   its own relay log, from its executed position to its read position (after its SQL thread
//              ran as far as it could: what is left is a transaction cut in the middle);
//   readDiff   the latest base replica's relay log, from this server's read position to the latest one;
//   binlogDiff the dead master's saved binlog, from the latest read position to its end.
// Every server thus reaches the dead master's last state on its own; each replica is then pointed at
// the new master's coordinates read after the new master applied its diffs and before it became
// writable, which is that same state.
//
// GTID mode: the new master applies its relay log, catches up from a latest replica with
// auto-positioning if it is not one, then applies the binlogDiff; the others are just repointed with
// auto-positioning and wait for the new master's GTID state.
import { bytesBetween, compareBinlogCoordinates, formatCoordinates } from '../binlog/coordinates';
import type {
  BinlogDiffPlan, DeadMasterBinlog, DiffPlanResult, ExecDiff, FileposDiffPlan, GtidDiffPlan, GtidNewMasterPlan,
  GtidReplicaPlan, LatestAndOldest, LatestBaseDecision, LeftOutServer, MariadbUseGtid, ReadDiff, ReplicaCoordinates, ServerDiffPlan,
} from './types';

export interface PlanDiffsInput {
  latest: LatestAndOldest;
  /** pickLatestBaseReplica's decision (must be ok). */
  base: Extract<LatestBaseDecision, { ok: true }>;
  newMaster: string;
  /** What the dead master's binlog save step achieved. */
  binlog: DeadMasterBinlog;
  /** MariaDB replicas in GTID mode: MASTER_USE_GTID value (default slave_pos: safe with no local writes). */
  mariadbUseGtid?: MariadbUseGtid;
}

/** The binlog_diff every server gets; refuses a saved copy that does not start where the latest replica stopped. */
function binlogDiffOf(binlog: DeadMasterBinlog, latestPosition: ReplicaCoordinates['read']): BinlogDiffPlan | { error: string } {
  if (compareBinlogCoordinates(binlog.from, latestPosition) !== 0) {
    return {
      error: `the dead master's binlog was read from ${formatCoordinates(binlog.from)} but the latest replica received up to `
        + `${formatCoordinates(latestPosition)}: applying it would ${compareBinlogCoordinates(binlog.from, latestPosition) < 0 ? 'duplicate' : 'skip'} events`,
    };
  }
  switch (binlog.status) {
    case 'saved':
      return {
        status: 'apply', from: binlog.from,
        ...(binlog.savedAs !== undefined ? { savedAs: binlog.savedAs } : {}),
        ...(binlog.bytes !== undefined ? { bytes: binlog.bytes } : {}),
      };
    case 'nothing-new':
      return { status: 'none', from: binlog.from, reason: `the dead master's binlog ends at ${formatCoordinates(binlog.from)}, where the latest replica stopped reading` };
    case 'unavailable':
      return { status: 'unavailable', from: binlog.from, reason: binlog.reason };
  }
}

function lostOf(binlog: BinlogDiffPlan): string | null {
  return binlog.status === 'unavailable'
    ? `any transaction the dead master wrote after ${formatCoordinates(binlog.from)} is lost: no replica received it and its binlog could not be read (${binlog.reason})`
    : null;
}

function execDiffOf(r: ReplicaCoordinates): ExecDiff | null {
  if (compareBinlogCoordinates(r.exec, r.read) >= 0) return null;
  return { relayFile: r.relay.file, relayPos: r.relay.pos, from: r.exec, to: r.read, bytes: bytesBetween(r.exec, r.read) };
}

function readDiffOf(r: ReplicaCoordinates, lo: LatestAndOldest, base: string): ReadDiff | null {
  if (lo.latest.includes(r.name)) return null;
  return { fromReplica: base, from: r.read, to: lo.latestPosition, bytes: bytesBetween(r.read, lo.latestPosition) };
}

const span = (from: ReplicaCoordinates['read'], to: ReplicaCoordinates['read'], bytes: number | null) =>
  `${formatCoordinates(from)} -> ${formatCoordinates(to)}${bytes === null ? '' : ` (${bytes} bytes)`}`;

function describeBinlogDiff(b: BinlogDiffPlan): string {
  switch (b.status) {
    case 'apply': return `binlog_diff from the dead master's binlog at ${formatCoordinates(b.from)}`;
    case 'none': return 'no binlog_diff (the dead master has nothing more)';
    case 'unavailable': return `binlog_diff unavailable (${b.reason})`;
  }
}

function describePlan(p: Omit<ServerDiffPlan, 'summary'>, newMaster: string): string {
  const parts: string[] = [];
  parts.push(p.execDiff ? `exec_diff ${span(p.execDiff.from, p.execDiff.to, p.execDiff.bytes)} from its own relay log` : 'no exec_diff');
  parts.push(p.readDiff ? `read_diff ${span(p.readDiff.from, p.readDiff.to, p.readDiff.bytes)} from ${p.readDiff.fromReplica}'s relay log` : 'no read_diff (latest replica)');
  parts.push(describeBinlogDiff(p.binlogDiff));
  if (p.repoint) parts.push(`then replicate from ${newMaster}`);
  return `${p.server}${p.role === 'newMaster' ? ' (new master)' : ''}: ${parts.join('; ')}`;
}

function serverPlan(r: ReplicaCoordinates, input: PlanDiffsInput, binlogDiff: BinlogDiffPlan): ServerDiffPlan {
  const role = r.name === input.newMaster ? 'newMaster' : 'replica';
  const plan: Omit<ServerDiffPlan, 'summary'> = {
    server: r.name,
    role,
    isLatest: input.latest.latest.includes(r.name),
    execDiff: execDiffOf(r),
    readDiff: readDiffOf(r, input.latest, input.base.latestBase),
    binlogDiff,
    repoint: role === 'replica' ? { source: input.newMaster } : null,
  };
  return { ...plan, summary: describePlan(plan, input.newMaster) };
}

/**
 * File/position mode: the replicas whose replication filters differ are left as they are. Their diffs would be
 * replayed through a client session, which applies no replicate-* filter: they would receive what they are set
 * up to ignore, or stop on a schema they lack.
 */
function leftOutByFilters(input: PlanDiffsInput): LeftOutServer[] {
  if (input.latest.mode !== 'filepos') return [];
  return input.latest.filtersDiffer.map((f) => {
    const exec = input.latest.replicas.find((r) => r.name === f.name)?.exec;
    return {
      name: f.name,
      reason: `its replication filters differ from the other replicas' (${f.differences.join(', ')}): a diff replayed through a client session `
        + 'would bypass them, so it was neither recovered nor repointed',
      todo: `it is left replicating from the dead master, stopped${exec ? ` at ${formatCoordinates(exec)}` : ''}; rebuild it from ${input.newMaster} `
        + `(a backup or a clone, with its filters) and replicate from ${input.newMaster}; with GTID replication a failover repoints such a replica `
        + 'and its own SQL thread applies its filters',
    };
  });
}

/** Common checks; returns the recovered replicas' coordinates (new master first) or a refusal. */
function participants(input: PlanDiffsInput, leftOut: LeftOutServer[]): { newMaster: ReplicaCoordinates; others: ReplicaCoordinates[] } | { error: string } {
  const lo = input.latest;
  const newMaster = lo.replicas.find((r) => r.name === input.newMaster);
  if (!newMaster) return { error: `the new master ${input.newMaster} is not one of the recovered replicas (${lo.replicas.map((r) => r.name).join(', ')})` };
  const skipped = new Set(input.base.unrecoverable.map((u) => u.name));
  if (skipped.has(input.newMaster)) return { error: `the new master ${input.newMaster} cannot be recovered: ${input.base.unrecoverable.find((u) => u.name === input.newMaster)!.reason}` };
  if (!lo.latest.includes(input.base.latestBase)) return { error: `the latest base replica ${input.base.latestBase} is not a latest replica (${lo.latest.join(', ')})` };
  if (leftOut.some((l) => l.name === input.newMaster)) return { error: `the new master ${input.newMaster} has other replication filters than the replicas` };
  const out = new Set(leftOut.map((l) => l.name));
  return { newMaster, others: lo.replicas.filter((r) => r.name !== input.newMaster && !skipped.has(r.name) && !out.has(r.name)) };
}

function planFilepos(input: PlanDiffsInput, binlogDiff: BinlogDiffPlan, who: { newMaster: ReplicaCoordinates; others: ReplicaCoordinates[] }, leftOut: LeftOutServer[]): FileposDiffPlan {
  const newMaster = serverPlan(who.newMaster, input, binlogDiff);
  const replicas = who.others.map((r) => serverPlan(r, input, binlogDiff));
  const lost = lostOf(binlogDiff);
  const summary = [
    `file/position mode; new master ${input.newMaster}; read_diffs from ${input.base.latestBase}'s relay logs`,
    newMaster.summary,
    ...replicas.map((r) => r.summary),
    ...input.base.unrecoverable.map((u) => `${u.name}: not recovered: ${u.reason}`),
    ...leftOut.map((l) => `${l.name}: left out: ${l.reason}`),
    ...(lost ? [lost] : []),
  ];
  return { ok: true, mode: 'filepos', newMaster, replicas, latestBase: input.base.latestBase, skipped: input.base.unrecoverable, leftOut, lost, summary };
}

function planGtid(input: PlanDiffsInput, binlogDiff: BinlogDiffPlan, who: { newMaster: ReplicaCoordinates; others: ReplicaCoordinates[] }): GtidDiffPlan | { error: string } {
  const lo = input.latest;
  const isLatest = lo.latest.includes(input.newMaster);
  const source = lo.replicas.find((r) => r.name === input.base.latestBase)!;
  const filtered = lo.filtersDiffer.find((f) => f.name === source.name);
  if (!isLatest && filtered) {
    return {
      error: `the new master ${input.newMaster} is not a latest replica and must catch up from ${source.name}, whose replication filters differ `
        + `(${filtered.differences.join(', ')}): its binlog lacks what it filtered; make its filters the others' or promote by hand`,
    };
  }
  if (!isLatest && source.servesBinlog === false) {
    return {
      error: `the new master ${input.newMaster} is not a latest replica and must catch up from ${source.name}, which does not write `
        + 'replicated transactions to its binlog (log_bin and log_slave_updates): choose a latest replica as new master',
    };
  }
  const catchUpFrom = isLatest ? null : source.name;
  const nmSummary = `${input.newMaster} (new master): apply its relay log`
    + `${catchUpFrom ? `; catch up from ${catchUpFrom} (auto-position) up to ${formatCoordinates(lo.latestPosition)}` : ' (a latest replica)'}`
    + `; ${describeBinlogDiff(binlogDiff)}`;
  const newMaster: GtidNewMasterPlan = { server: input.newMaster, isLatest, waitRelayApplied: true, catchUpFrom, binlogDiff, summary: nmSummary };
  const useGtid = input.mariadbUseGtid ?? 'slave_pos';
  const replicas: GtidReplicaPlan[] = who.others.map((r) => ({
    server: r.name,
    repoint: { source: input.newMaster, autoPosition: true, ...(r.gtid?.kind === 'mariadb' ? { mariadbUseGtid: useGtid } : {}) },
    waitForNewMasterGtid: true,
    summary: `${r.name}: replicate from ${input.newMaster} with ${r.gtid?.kind === 'mariadb' ? `MASTER_USE_GTID=${useGtid}` : 'auto-position'}, `
      + `then wait for the new master's GTID state`,
  }));
  const lost = lostOf(binlogDiff);
  return {
    ok: true, mode: 'gtid', newMaster, replicas, skipped: input.base.unrecoverable, leftOut: [], lost,
    summary: [`GTID mode; new master ${input.newMaster}`, nmSummary, ...replicas.map((r) => r.summary), ...(lost ? [lost] : [])],
  };
}

/** The whole recovery plan for the chosen new master, in the mode identifyLatestAndOldest decided. */
export function planDiffs(input: PlanDiffsInput): DiffPlanResult {
  const leftOut = leftOutByFilters(input);
  const who = participants(input, leftOut);
  if ('error' in who) return { ok: false, reason: who.error };
  const binlogDiff = binlogDiffOf(input.binlog, input.latest.latestPosition);
  if ('error' in binlogDiff) return { ok: false, reason: binlogDiff.error };
  if (input.latest.mode === 'filepos') return planFilepos(input, binlogDiff, who, leftOut);
  const gtid = planGtid(input, binlogDiff, who);
  return 'error' in gtid ? { ok: false, reason: gtid.error } : gtid;
}
