// Who can become the new master, and who will. Pure and deterministic: imported by the failover workflow.
//
// Order of the decisions (MHA's phase 3.3):
//   relayLogChecksNeeded -> (activity looks in the latest replicas' relay logs) -> pickLatestBaseReplica
//   -> assessCandidates -> chooseNewMaster.
import { parseVersion } from '../mysql/status';
import { compareBinlogCoordinates, compareBinlogFiles, formatCoordinates } from '../binlog/coordinates';
import { errantGtids } from '../binlog/gtid';
import { serverByRef } from './addresses';
import { filterDifferences, filtersOf, referenceFilters as referenceFiltersOf } from './filters';
import { classifyServers } from './replicas';
import type {
  BinlogCoordinates, CandidateAssessment, CandidatesResult, DeadMasterRef, LatestAndOldest, LatestBaseDecision,
  NewMasterChoice, RelayLogCheck, RelayLogFact, ReplicationFilters, ServerClassification, ServerFlags,
  ServerSnapshot, UnrecoverableReplica,
} from './types';

// ---------------------------------------------------------------------------------------------
// The latest base replica

type IgnoreFailOf = Pick<ServerFlags, 'name' | 'ignoreFail'>;

function ignoreFailSet(servers: IgnoreFailOf[]): Set<string> {
  return new Set(servers.filter((s) => s.ignoreFail).map((s) => s.name));
}

/** File/position mode: the replicas with other replication filters, left out of the recovery (they need no read_diff). */
export function leftOutNames(lo: LatestAndOldest): Set<string> {
  return new Set(lo.mode === 'filepos' ? lo.filtersDiffer.map((f) => f.name) : []);
}

/** Distinct read positions of the replicas behind the latest that take part in the recovery, ascending. */
function positionsBehindLatest(lo: LatestAndOldest): { pos: BinlogCoordinates; replicas: string[] }[] {
  const out: { pos: BinlogCoordinates; replicas: string[] }[] = [];
  const leftOut = leftOutNames(lo);
  const behind = lo.replicas.filter((r) => !leftOut.has(r.name) && compareBinlogCoordinates(r.read, lo.latestPosition) < 0)
    .sort((a, b) => compareBinlogCoordinates(a.read, b.read));
  for (const r of behind) {
    const last = out[out.length - 1];
    if (last && compareBinlogCoordinates(last.pos, r.read) === 0) last.replicas.push(r.name);
    else out.push({ pos: r.read, replicas: [r.name] });
  }
  return out;
}

/**
 * The relay-log lookups to run before pickLatestBaseReplica: for every latest replica, every read
 * position of a replica behind it, oldest first. Coverage is monotonic (relay logs are contiguous), so
 * the activity may stop at the first position found on a replica and report only that one.
 * None in GTID mode (replicas catch up by GTID) or when every replica received the same events.
 */
export function relayLogChecksNeeded(lo: LatestAndOldest): RelayLogCheck[] {
  if (lo.mode === 'gtid' || lo.allReceivedSame) return [];
  const checks: RelayLogCheck[] = [];
  for (const latest of lo.latest) {
    for (const p of positionsBehindLatest(lo)) {
      checks.push({ replica: latest, from: p.pos, why: `read position of ${p.replicas.join(', ')}` });
    }
  }
  return checks;
}

/** Found at P means the relay logs hold everything from P on, so also from any later position. */
function covers(facts: RelayLogFact[], replica: string, pos: BinlogCoordinates): boolean {
  return facts.some((f) => f.replica === replica && f.found && compareBinlogCoordinates(f.from, pos) <= 0);
}

/** The earliest position among `positions` that the replica's relay logs cover, or null. */
function earliestCovered(facts: RelayLogFact[], replica: string, positions: BinlogCoordinates[]): BinlogCoordinates | null {
  return positions.find((p) => covers(facts, replica, p)) ?? null;
}

function factDetails(facts: RelayLogFact[], replicas: string[]): string {
  return replicas.map((r) => {
    const mine = facts.filter((f) => f.replica === r);
    if (mine.length === 0) return `${r} (not checked)`;
    const why = mine.filter((f) => !f.found).map((f) => f.detail).filter(Boolean).join('; ');
    return why ? `${r} (${why})` : r;
  }).join(', ');
}

function gtidBase(lo: LatestAndOldest): LatestBaseDecision {
  // GTID mode needs no relay logs, but the new master may have to replicate from the base: prefer a latest
  // replica with the others' filters (one with other filters has not binlogged what it filtered) that writes
  // what it replicates to its own binlog, most advanced first.
  const differ = new Set(lo.filtersDiffer.map((f) => f.name));
  const latest = lo.replicas.filter((r) => lo.latest.includes(r.name))
    .sort((a, b) => Number(differ.has(a.name)) - Number(differ.has(b.name)) || compareBinlogCoordinates(b.exec, a.exec));
  const serving = latest.find((r) => r.servesBinlog !== false);
  const base = serving ?? latest.find((r) => r.name === lo.mostAdvancedLatest)!;
  const reasons = [`GTID mode: no relay logs needed; ${base.name} is the latest replica the new master catches up from if it is not a latest one`];
  if (!serving) reasons.push(`no latest replica writes replicated transactions to its binlog (log_bin and log_slave_updates): only a latest replica can become master without loss`);
  return { ok: true, latestBase: base.name, coversFrom: lo.latestPosition, unrecoverable: [], reasons };
}

/**
 * Picks the latest replica whose relay logs will provide every other replica's read_diff (MHA
 * find_latest_base_slave). It must hold the relay logs from the oldest read position of every replica
 * without ignore_fail; replicas with ignore_fail that are older than what it holds are left out
 * (unrecoverable, and they cannot become master). Without such a replica the failover must stop.
 * `facts` are the answers to relayLogChecksNeeded(); a missing answer counts as "not found".
 */
export function pickLatestBaseReplica(lo: LatestAndOldest, servers: IgnoreFailOf[], facts: RelayLogFact[]): LatestBaseDecision {
  if (lo.mode === 'gtid') return gtidBase(lo);
  const behind = positionsBehindLatest(lo);
  if (lo.allReceivedSame || behind.length === 0) {
    return {
      ok: true, latestBase: lo.mostAdvancedLatest, coversFrom: lo.latestPosition, unrecoverable: [],
      reasons: [`every replica ${lo.allReceivedSame ? '' : 'taking part '}received up to ${formatCoordinates(lo.latestPosition)}: no relay logs are needed from another replica`],
    };
  }
  const ignoreFail = ignoreFailSet(servers);
  const positions = behind.map((b) => b.pos);
  // The oldest position that must be covered: that of the oldest replica without ignore_fail.
  const required = behind.find((b) => b.replicas.some((n) => !ignoreFail.has(n)));
  const ranked = lo.latest
    .map((name) => ({ name, from: earliestCovered(facts, name, positions) }))
    .filter((c): c is { name: string; from: BinlogCoordinates } => c.from !== null)
    .sort((a, b) => compareBinlogCoordinates(a.from, b.from));
  const best = ranked[0];
  if (required && (!best || compareBinlogCoordinates(best.from, required.pos) > 0)) {
    const reason = `none of the latest replicas (${factDetails(facts, lo.latest)}) holds relay logs from `
      + `${formatCoordinates(required.pos)}, the read position of ${required.replicas.join(', ')} (ignore_fail not set): `
      + 'the failover cannot recover every replica';
    return { ok: false, reason, reasons: [reason] };
  }
  if (!best) {
    // Every replica behind the latest has ignore_fail and no relay logs reach back to any of them:
    // go on without them, as MHA does.
    return {
      ok: true, latestBase: lo.mostAdvancedLatest, coversFrom: lo.latestPosition,
      unrecoverable: unrecoverableBehind(lo, lo.latestPosition, lo.mostAdvancedLatest),
      reasons: [
        `none of the latest replicas (${factDetails(facts, lo.latest)}) holds relay logs from an older replica's read position`,
        'every replica behind the latest has ignore_fail: the failover goes on without them',
      ],
    };
  }
  const unrecoverable = unrecoverableBehind(lo, best.from, best.name);
  const reasons = [`${best.name} holds relay logs from ${formatCoordinates(best.from)} to ${formatCoordinates(lo.latestPosition)}: it provides the read_diffs`];
  if (unrecoverable.length) reasons.push(`left out (ignore_fail): ${unrecoverable.map((u) => u.name).join(', ')}`);
  return { ok: true, latestBase: best.name, coversFrom: best.from, unrecoverable, reasons };
}

function unrecoverableBehind(lo: LatestAndOldest, coveredFrom: BinlogCoordinates, base: string): UnrecoverableReplica[] {
  const leftOut = leftOutNames(lo);
  return lo.replicas.filter((r) => !leftOut.has(r.name) && compareBinlogCoordinates(r.read, coveredFrom) < 0).map((r) => ({
    name: r.name,
    reason: `received only up to ${formatCoordinates(r.read)}, older than the relay logs ${base} still holds `
      + `(from ${formatCoordinates(coveredFrom)}); ignore_fail is set, so it is left out of the recovery`,
  }));
}

// ---------------------------------------------------------------------------------------------
// Candidates

function majorMinor(version: string): [number, number] {
  const [a, b] = parseVersion(version);
  return [a, b];
}
function compareMajor(a: string, b: string): number {
  const [a1, a2] = majorMinor(a);
  const [b1, b2] = majorMinor(b);
  return a1 - b1 || a2 - b2;
}

export interface AssessCandidatesInput {
  /** Every configured server, in config order (the dead master included). */
  servers: ServerSnapshot[];
  deadMaster: DeadMasterRef;
  latest: LatestAndOldest;
  /** The latest base decision; its unrecoverable replicas cannot become master. */
  base?: LatestBaseDecision;
  /** ClusterConfig.failover.maxDelayBytes (MHA: 100 MB). */
  maxDelayBytes: number;
  /** The filters every candidate must have; default: those most recovered replicas share. */
  referenceFilters?: ReplicationFilters;
  /** Precomputed classifyServers(servers, deadMaster); computed when absent. */
  classification?: ServerClassification;
  /** GTID mode: a candidate with errant transactions stays eligible (they are listed; the replicas will receive them). */
  allowErrant?: boolean;
}

/** The value most servers share (a tie: the first in config order); null without any. */
function majorityOf(values: string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v;
  return best;
}

/**
 * GTID mode: each recovered replica's errant transactions, against every other recovered replica (what they
 * executed and received) and the dead master (its server_uuid as its replicas report it; MariaDB its server_id).
 */
function errantByServer(recovered: ServerSnapshot[], lo: LatestAndOldest, dead: DeadMasterRef): Map<string, string> {
  const out = new Map<string, string>();
  if (lo.mode !== 'gtid') return out;
  const coords = new Map(lo.replicas.map((r) => [r.name, r]));
  const uuids = recovered.map((s) => s.state!.replica!.sourceUuid).filter((u): u is string => Boolean(u));
  for (const s of recovered) {
    const mine = coords.get(s.name)?.gtid;
    if (!mine) continue;
    const r = s.state!.replica!;
    const others = recovered.filter((o) => o.name !== s.name).map((o) => coords.get(o.name)?.gtid?.received ?? '');
    const errant = errantGtids(mine.kind, {
      executed: mine.executed, received: mine.kind === 'mysql' ? r.retrievedGtidSet ?? '' : r.gtidIoPos ?? '', others,
      source: { uuids, serverId: dead.serverId ?? null },
    });
    if (errant) out.set(s.name, errant);
  }
  return out;
}

function tooFarBehind(exec: BinlogCoordinates, latest: BinlogCoordinates, maxDelayBytes: number): string | null {
  // MHA check_slave_delay: another file, or more than max bytes within the file, means applying the
  // backlog would take too long for a new master.
  if (compareBinlogFiles(exec.file, latest.file) < 0) {
    return `too far behind: executed up to ${formatCoordinates(exec)}, an older binlog file than the latest received ${formatCoordinates(latest)}`;
  }
  if (exec.pos + maxDelayBytes < latest.pos) {
    return `too far behind: executed up to ${formatCoordinates(exec)}, ${latest.pos - exec.pos} bytes behind the latest received `
      + `${formatCoordinates(latest)} (limit ${maxDelayBytes})`;
  }
  return null;
}

/**
 * For every configured server: can it become the new master, and if not, every reason why
 * (MHA get_bad_candidate_masters, plus the reasons MHA checks elsewhere: dead, failed, filters).
 */
export function assessCandidates(input: AssessCandidatesInput): CandidatesResult {
  const { servers, deadMaster, latest: lo, maxDelayBytes } = input;
  const classification = input.classification ?? classifyServers(servers, deadMaster);
  const classOf = new Map(classification.servers.map((c) => [c.name, c]));
  const recovered = servers.filter((s) => classOf.get(s.name)?.role === 'replica' && s.state);
  const oldestMajor = recovered.map((s) => s.state!.version).sort(compareMajor)[0] ?? null;
  const oldestMajorVersion = oldestMajor ? majorMinor(oldestMajor).join('.') : null;
  const referenceFilters = input.referenceFilters
    ?? referenceFiltersOf(recovered.map((s) => filtersOf(s.state!.replica!)));
  const unrecoverable = new Map((input.base?.ok ? input.base.unrecoverable : []).map((u) => [u.name, u.reason]));
  const coords = new Map(lo.replicas.map((r) => [r.name, r]));
  const binlogFormat = majorityOf(recovered.map((s) => s.state!.binlogFormat.toUpperCase()));
  const errant = errantByServer(recovered, lo, deadMaster);

  const assess = (s: ServerSnapshot): CandidateAssessment => {
    const c = classOf.get(s.name);
    const reasons: string[] = c && c.role !== 'replica' ? [...c.reasons] : [];
    if (s.noMaster) reasons.push('no_master is set in the config');
    const st = s.state;
    if (st && c?.role !== 'deadMaster') {
      if (!st.logBin) reasons.push('log_bin is off: a new master must write a binary log for the replicas');
      else if (lo.mode === 'gtid' && !st.logSlaveUpdates) {
        reasons.push('log_slave_updates is off: in GTID mode the replicas fetch what they lack from the new master\'s binlog');
      }
      if (oldestMajor && compareMajor(st.version, oldestMajor) > 0) {
        reasons.push(`major version ${majorMinor(st.version).join('.')} is newer than the oldest replica's ${oldestMajorVersion}: `
          + 'replicas cannot replicate from a newer major version');
      }
      if (st.replica && referenceFilters && c?.role === 'replica') {
        const diff = filterDifferences(filtersOf(st.replica), referenceFilters);
        if (diff.length) reasons.push(`replication filters differ: ${diff.join(', ')}`);
      }
      if (binlogFormat && c?.role === 'replica' && st.binlogFormat.toUpperCase() !== binlogFormat) {
        reasons.push(`binlog_format is ${st.binlogFormat}, the other replicas' is ${binlogFormat}: the replicas would receive another format than they are set up for`);
      }
    }
    const own = errant.get(s.name);
    if (own && !input.allowErrant) {
      reasons.push(`errant transactions ${own}: executed here, held by no other replica and not from the dead master; `
        + 'promoting it sends them to every replica (allowErrantCandidate, --allow-errant-candidate, to promote it anyway)');
    }
    if (c?.role === 'replica') {
      const rc = coords.get(s.name);
      if (!rc) reasons.push('its position was not among those compared for the latest replica');
      else if (s.checkReplDelay) {
        const far = tooFarBehind(rc.exec, lo.latestPosition, maxDelayBytes);
        if (far) reasons.push(far);
      }
      const lack = unrecoverable.get(s.name);
      if (lack) reasons.push(lack);
    }
    return {
      name: s.name, eligible: reasons.length === 0, reasons, candidateMaster: s.candidateMaster, latest: lo.latest.includes(s.name),
      ...(own ? { errantGtids: own } : {}),
    };
  };

  const assessed = servers.map(assess);
  return {
    servers: assessed,
    eligible: assessed.filter((a) => a.eligible).map((a) => a.name),
    oldestMajorVersion,
    referenceFilters,
    blockers: classification.blockers,
  };
}

// ---------------------------------------------------------------------------------------------
// The new master

export interface ChooseNewMasterInput {
  candidates: CandidatesResult;
  latest: LatestAndOldest;
  /** Config flags of every server, in config order (latestPriority is read from the latest replicas). */
  servers: Pick<ServerFlags, 'name' | 'host' | 'port' | 'latestPriority' | 'aliases'>[];
  /** --new-master: a server name, "host" or "host:port". */
  requested?: string | null;
}

/** Resolves --new-master to a configured server's name: by name, "host:port", a unique host or alias (src/topology/addresses.ts). */
export function resolveServer(servers: Pick<ServerFlags, 'name' | 'host' | 'port' | 'aliases'>[], ref: string): string | null {
  return serverByRef(servers, ref);
}

function describeAll(servers: CandidateAssessment[]): string {
  return servers.map((s) => `${s.name}: ${s.eligible ? 'eligible' : s.reasons.join('; ')}`).join(' | ');
}

/**
 * MHA select_new_master: --new-master when given (refused if not eligible, never replaced); else a
 * candidate_master that is a latest replica, then any candidate_master, then a latest replica, then the
 * first eligible server in config order. A latest replica gets priority only when its latestPriority
 * flag is on (MHA reads one cluster-wide latest_priority; with a uniform flag this is the same).
 */
export function chooseNewMaster(input: ChooseNewMasterInput): NewMasterChoice {
  const { candidates, latest: lo } = input;
  const byName = new Map(candidates.servers.map((a) => [a.name, a]));
  const eligible = (n: string) => byName.get(n)?.eligible === true;
  const flags = new Map(input.servers.map((s) => [s.name, s]));
  const at = formatCoordinates(lo.latestPosition);
  const pick = (newMaster: string, rule: Exclude<NewMasterChoice, { ok: false }>['rule'], reason: string): NewMasterChoice => {
    const errant = byName.get(newMaster)?.errantGtids;
    const said = errant ? `${reason}; it holds errant transactions ${errant} (allowed): every replica will receive them` : reason;
    return { ok: true, newMaster, rule, isLatest: lo.latest.includes(newMaster), reason: said };
  };

  if (input.requested) {
    const name = resolveServer(input.servers, input.requested);
    if (!name) return { ok: false, reason: `--new-master ${input.requested} is not a server of this cluster`, servers: candidates.servers };
    const a = byName.get(name);
    if (!a?.eligible) {
      return { ok: false, reason: `--new-master ${name} cannot become master: ${a?.reasons.join('; ') ?? 'not assessed'}`, servers: candidates.servers };
    }
    return pick(name, 'requested', `${name} was requested with --new-master and is eligible`);
  }

  const prioritisedLatest = lo.latest.filter((n) => flags.get(n)?.latestPriority !== false && eligible(n));
  const candidateMasters = candidates.servers.filter((a) => a.candidateMaster && a.eligible).map((a) => a.name);
  const candLatest = prioritisedLatest.find((n) => candidateMasters.includes(n));
  if (candLatest) return pick(candLatest, 'candidate-latest', `${candLatest} is a candidate_master and a latest replica (received up to ${at})`);
  if (candidateMasters[0]) {
    return pick(candidateMasters[0], 'candidate', `${candidateMasters[0]} is the first eligible candidate_master in config order; `
      + `none of them is a latest replica (latest: ${lo.latest.join(', ')} at ${at}), so it receives a read_diff`);
  }
  if (prioritisedLatest[0]) {
    return pick(prioritisedLatest[0], 'latest', `${prioritisedLatest[0]} is a latest replica (received up to ${at}); no candidate_master is eligible`);
  }
  if (candidates.eligible[0]) {
    return pick(candidates.eligible[0], 'any', `${candidates.eligible[0]} is the first eligible server in config order; no candidate_master nor latest replica is eligible`);
  }
  return { ok: false, reason: `no server can become the new master: ${describeAll(candidates.servers)}`, servers: candidates.servers };
}
