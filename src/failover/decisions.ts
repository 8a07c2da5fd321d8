// The failover's decisions that are not about replicas and candidates (those are src/topology): whether
// to start at all, what the fencing hooks' answers mean, which parts make up each server's diff. Pure:
// the workflow calls them on activity results (facts), so each decision is in the history and has a table
// test (test/src/failover/decisions.test.ts).
import { mariaGtidText, mysqlGtidText, type GtidFlavor } from '../binlog/gtid';
import type { ClusterConfig } from '../config/schema';
import { durationMs } from '../config/values';
import type { RunningRun } from '../contracts/common';
import type { FailoverInput, FenceMethod, UnresolvedFailover } from '../contracts/failover';
import type { HookRun } from '../hooks/run';
import type { BinlogCoordinates, ServerState } from '../mysql/client';
import type { ServerIdentity } from '../mysql/identity';
import { addressBook, replicaSourceOf, serverByRef, sourceServerOf } from '../topology/addresses';
import type { RoleAssignment } from '../topology/roles';
import { classifyServers, recoveryReplicas, replicationModeOf } from '../topology/replicas';
import type {
  CandidatesResult, DeadMasterBinlog, DeadMasterRef, ReplicationMode, ServerClassification, ServerDiffPlan, ServerSnapshot,
} from '../topology/types';
import type { DeadCheck, SavedTail } from './deadmaster';
import type { DiffPartSpec } from './diff';

export type { FenceMethod, UnresolvedFailover };

// ---------------------------------------------------------------------------------------------
// Facts

/** What the workflow needs of the cluster's config: names and flags, never a command or a secret. */
export interface ClusterFacts {
  name: string;
  /** The worker's config digest (src/config/registry.ts): every later step checks it is unchanged. */
  digest: string;
  servers: { name: string; host: string; port: number; aliases: string[]; skipResetReplica: boolean }[];
  hooks: { masterIpFailover: boolean; shutdown: boolean; report: boolean; secondaryCheck: boolean };
  failover: { maxDelayBytes: number; lastFailoverWindowMs: number; allowUnfenced: boolean; deadlineMs: number };
  /** replication.useGtidAutoPosition; undefined = the default (GTID mode when every replica uses it). */
  useGtidAutoPosition: boolean | undefined;
}

export function clusterFactsOf(cfg: ClusterConfig, digest: string): ClusterFacts {
  return {
    name: cfg.cluster,
    digest,
    servers: cfg.servers.map((s) => ({ name: s.name, host: s.host, port: s.port, aliases: s.aliases ?? [], skipResetReplica: s.skipResetReplica === true })),
    hooks: {
      masterIpFailover: Boolean(cfg.hooks.masterIpFailover), shutdown: Boolean(cfg.hooks.shutdown),
      report: Boolean(cfg.hooks.report), secondaryCheck: Boolean(cfg.hooks.secondaryCheck),
    },
    failover: {
      maxDelayBytes: cfg.failover.maxDelayBytes, lastFailoverWindowMs: durationMs(cfg.failover.lastFailoverWindow),
      allowUnfenced: cfg.failover.allowUnfenced, deadlineMs: durationMs(cfg.failover.deadline),
    },
    useGtidAutoPosition: cfg.replication.useGtidAutoPosition,
  };
}

export interface LastFailover {
  /** The most recent completed failover of the cluster within the window, if any. */
  last: { workflowId: string; runId: string; closeTime: string } | null;
  windowMs: number;
}


/** What the check step found. It decides nothing: decideFailoverStart does. */
export interface FailoverCheckFacts {
  cluster: ClusterFacts;
  servers: ServerSnapshot[];
  roles: RoleAssignment;
  /** The server examined as the dead master: the requested one, else the master the replicas point at. */
  examined: string | null;
  /** The second, different check of the examined server; null when its probe answered (it is alive) or none was examined. */
  deadCheck: DeadCheck | null;
  /** MHA's secondary_check_script, run only when the dead check found it dead. */
  secondaryCheck: { code: number | null; output: string } | null;
  /** null when not looked up (a dry run). */
  lastFailover: LastFailover | null;
  /** An earlier failover that stopped midway; null when there is none (or not looked up: a dry run). */
  unresolved?: UnresolvedFailover | null;
  /** A switchover of the cluster that is running, if any (one change of master at a time). */
  runningSwitchover?: RunningRun | null;
  timings: { probesMs: number; deadCheckMs: number | null; lastFailoverMs: number | null };
}

// ---------------------------------------------------------------------------------------------
// 1. To fail over or not

export type StartDecision =
  | {
    ok: true;
    deadMaster: DeadMasterRef;
    classification: ServerClassification;
    mode: ReplicationMode;
    modeReason: string;
    /** Replicas of the dead master whose SQL thread is stopped without an error. */
    sqlToStart: string[];
    /** Replicas whose IO thread the fence stops (every server replicating, but the dead master). */
    replicas: string[];
    deadCheck: DeadCheck;
  }
  | { ok: false; reason: string; server?: string };

/** A failover input as the workflow accepts it; a reason when it is not one. */
export function invalidFailoverInput(input: unknown): string | null {
  const i = input as Partial<FailoverInput> | null;
  if (!i || typeof i !== 'object') return 'failover needs { "cluster": "<cluster name>" }';
  if (typeof i.cluster !== 'string' || i.cluster === '') return 'failover needs { "cluster": "<cluster name>" }: the worker reads that cluster\'s config from its own directory';
  if ('config' in i) return 'failover takes a cluster name, not a config: { "cluster": "<cluster name>" }';
  for (const k of ['deadMaster', 'newMaster', 'configDigest'] as const) {
    if (i[k] !== undefined && typeof i[k] !== 'string') return `failover input ${k} must be a string`;
  }
  for (const k of ['ignoreLastFailover', 'dryRun', 'allowErrantCandidate'] as const) {
    if (i[k] !== undefined && typeof i[k] !== 'boolean') return `failover input ${k} must be true or false`;
  }
  return null;
}

/** Resolves a server reference (name, "host:port", a host or an alias of exactly one server) to its name (src/topology/addresses.ts). */
export function resolveServerRef(servers: ClusterFacts['servers'], ref: string): string | null {
  return serverByRef(servers, ref);
}

function describeState(st: ServerState): string {
  return `version ${st.version}, read_only=${st.readOnly ? 'ON' : 'OFF'}`;
}

/**
 * The dead master as its replicas know it: its config names and resolved addresses, and the server_id that
 * the replicas naming it (by name, alias or address: the one resolution) report for it.
 */
export function deadMasterRefOf(f: Pick<FailoverCheckFacts, 'cluster' | 'servers'>, name: string): DeadMasterRef {
  const conf = f.cluster.servers.find((s) => s.name === name)!;
  const snap = f.servers.find((s) => s.name === name);
  const book = addressBook(f.servers.map((s) => ({ ...s, aliases: f.cluster.servers.find((c) => c.name === s.name)?.aliases ?? s.aliases })));
  const ids = f.servers.map((s) => replicaSourceOf(s)).filter((src) => src?.serverId && sourceServerOf({ ...src, serverId: null }, book) === name)
    .map((src) => src!.serverId!);
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const serverId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return { name, host: conf.host, port: conf.port, serverId, addresses: [...conf.aliases, ...(snap?.addresses ?? [])] };
}

/**
 * MHA phase 1's refusals, in order: the caller's config is the worker's; the dead master is named (or
 * found), is the current master, and is dead twice over (the probe, then a different check from its own
 * host), the secondary check agrees, the cluster did not fail over too recently, and no server that would
 * be left behind stops it.
 */
export function decideFailoverStart(f: FailoverCheckFacts, input: Pick<FailoverInput, 'configDigest' | 'deadMaster' | 'newMaster' | 'ignoreLastFailover' | 'dryRun' | 'resolvedRun'>)
  : StartDecision {
  const c = f.cluster;
  if (input.configDigest && input.configDigest !== c.digest) {
    return { ok: false, reason: `the config you passed for cluster ${c.name} (digest ${input.configDigest}) is not the worker's (digest ${c.digest}): the worker fails over with its own copy; make them the same first` };
  }
  if (f.runningSwitchover && !input.dryRun) {
    return { ok: false, reason: `a switchover of cluster ${c.name} is running (workflow ${f.runningSwitchover.workflowId}, run ${f.runningSwitchover.runId}): one change of master at a time; wait for it to end (it rolls back or completes on its own)` };
  }
  if (input.newMaster && !resolveServerRef(c.servers, input.newMaster)) {
    return { ok: false, reason: `--new-master ${input.newMaster} is not a server of cluster ${c.name} (${c.servers.map((s) => `${s.name} ${s.host}:${s.port}`).join(', ')})` };
  }
  if (input.deadMaster && !resolveServerRef(c.servers, input.deadMaster)) {
    return { ok: false, reason: `--dead-master ${input.deadMaster} is not a server of cluster ${c.name} (${c.servers.map((s) => `${s.name} ${s.host}:${s.port}`).join(', ')})` };
  }
  const name = f.examined;
  if (!name) return { ok: false, reason: 'cannot tell which server is the master: no replica points at a server of the cluster; pass --dead-master HOST[:PORT]' };
  const snap = f.servers.find((s) => s.name === name)!;
  if (snap.state) {
    return { ok: false, server: name, reason: `${name} answers SQL (${describeState(snap.state)}): it is a live master; a failover would create two masters (for a planned change of master use a switchover)` };
  }
  if (!f.roles.sourcesPointedAt.includes(name)) {
    return { ok: false, server: name, reason: `${name} is not the current master: no replica replicates from it (the replicas point at ${f.roles.sourcesPointedAt.join(', ') || 'nothing in the cluster'})` };
  }
  if (!f.deadCheck) return { ok: false, server: name, reason: `${name} was not checked a second time` };
  if (f.deadCheck.alive) return { ok: false, server: name, reason: `${name} is not dead: ${f.deadCheck.evidence.join('; ')}` };
  if (f.secondaryCheck && f.secondaryCheck.code !== 0) {
    return { ok: false, server: name, reason: `the secondary check did not confirm that ${name} is dead (exit ${f.secondaryCheck.code}): ${[...f.deadCheck.evidence, f.secondaryCheck.output].join('; ')}` };
  }
  const u = f.unresolved;
  if (u && input.resolvedRun !== u.runId) {
    return { ok: false, reason: `failover ${u.workflowId} (run ${u.runId}) stopped at ${u.closeTime} (${u.status}, ${u.phase}) after changing servers: `
      + `${u.message || 'see its history'}. A new failover would start from positions that no longer hold and could apply transactions twice. `
      + `Resume it (mhaflow failover --resume: it re-runs its failed step with its recorded positions, checking each server again), `
      + `or, once you have repaired the servers by hand, pass --resolved ${u.runId}` };
  }
  const last = f.lastFailover?.last;
  if (last && !input.ignoreLastFailover) {
    return { ok: false, reason: `cluster ${c.name} failed over at ${last.closeTime} (workflow ${last.workflowId}), less than ${Math.round(f.lastFailover!.windowMs / 60000)} minutes ago: a master failing again so soon needs a human look; run with --ignore-last-failover to proceed anyway` };
  }
  const deadMaster = deadMasterRefOf(f, name);
  const classification = classifyServers(f.servers, deadMaster);
  if (classification.blockers.length) return { ok: false, reason: `the failover cannot leave these servers behind: ${classification.blockers.join(' | ')}` };
  const decided = replicationModeOf(recoveryReplicas(f.servers, classification));
  const mode = decided.mode === 'gtid' && c.useGtidAutoPosition === false
    ? { mode: 'filepos' as const, reason: 'replication.useGtidAutoPosition is false: file/position mode' }
    : decided;
  const sqlToStart = input.dryRun ? [] : classification.replicas.filter((n) => f.servers.find((s) => s.name === n)?.state?.replica?.sqlRunning === false);
  const replicas = f.servers.filter((s) => s.name !== name && s.state?.replica).map((s) => s.name);
  return { ok: true, deadMaster, classification, mode: mode.mode, modeReason: mode.reason, sqlToStart, replicas, deadCheck: f.deadCheck };
}

/** Each reachable server's identity as the check read it: later steps check they still act on the same servers. */
export function identitiesOf(servers: ServerSnapshot[]): Record<string, ServerIdentity> {
  return Object.fromEntries(servers.filter((s) => s.state?.startedAt !== undefined)
    .map((s) => [s.name, { serverId: s.state!.serverId, serverUuid: s.state!.serverUuid, startedAt: s.state!.startedAt! }]));
}

// ---------------------------------------------------------------------------------------------
// 2. Fencing

export const NO_MASTER_IP_FAILOVER_HOOK = 'no master_ip_failover hook: the service address was not moved';

/** The fencing to use (how, and why), or why the dead master cannot be fenced. */
export type FencePlan = { ok: true; method: FenceMethod; why: string } | { ok: false; reason: string };

/**
 * Before any replica becomes writable the dead master must be unable to take writes, and that must be seen,
 * not assumed: a stalled master wakes up with read_only off. The shutdown hook when configured (MHA's
 * shutdown_script); else, with its host reachable, kill its mysqld over SSH; else nothing can fence it: refuse,
 * unless told that split brain is an accepted risk (--no-fence or failover.allowUnfenced).
 */
export function decideFencePlan(dead: { name: string; verdict: DeadCheck['verdict']; sshReachable: boolean }, hooks: { shutdown: boolean },
  allowUnfenced: boolean): FencePlan {
  if (hooks.shutdown) return { ok: true, method: 'shutdown-hook', why: `the shutdown hook powers ${dead.name} off (STONITH)` };
  if (dead.sshReachable) {
    return { ok: true, method: 'stop-mysqld', why: dead.verdict === 'stalled'
      ? `${dead.name} is stalled, its host answers SSH: its mysqld is killed there (kill -9 ends a stopped process too)`
      : `${dead.name}'s host answers SSH: whatever listens on its port is killed, and the port seen refusing connections` };
  }
  const risk = `${dead.name}'s host answers neither SQL nor SSH and no shutdown hook is configured: it cannot be fenced, and if it comes back `
    + 'it takes writes beside the new master (split brain)';
  if (allowUnfenced) return { ok: true, method: 'none', why: `${risk}; going on unfenced as told (--no-fence or failover.allowUnfenced)` };
  return { ok: false, reason: `${risk}. Configure hooks.shutdown (power it off), or pass --no-fence to accept that risk` };
}

/**
 * Whether the dead master may be fenced while the replicas' IO threads stop, rather than after them. Only when its
 * own host saw its port refuse connections (verdict down): no mysqld serves there, so nothing is in flight to the
 * replicas that a fence could cut. A stalled master, or one only the worker cannot reach, may still be streaming.
 */
export function fenceBesideIoStop(dead: Pick<DeadCheck, 'verdict' | 'ownHost'>): boolean {
  return dead.verdict === 'down' && dead.ownHost === 'refused';
}

/** What the fence step did and saw (the failoverFenceDeadMaster activity's answer). */
export interface FenceFacts {
  method: FenceMethod;
  /** The hooks that ran, in order (master_ip_failover, shutdown). */
  runs: HookRun[];
  /** stop-mysqld: what was killed and each thing tried. */
  stopNotes: string[];
  /** Whether the dead master was then seen unable to serve: its port refused on its host, or the host gone. */
  verified: boolean;
  evidence: string[];
}

export type FenceDecision =
  | { ok: true; sshReachable: boolean; notes: string[]; verified: boolean }
  | { ok: false; reason: string };

const lastLine = (r: HookRun) => (r.stderr || r.stdout).trim().split('\n').pop() ?? '';

/**
 * What the fence step's facts mean. Hook exits as MHA reads them: master_ip_failover 0 ok, 10 warn and go on,
 * else stop; shutdown 0 powered off (no longer reachable over SSH), 10 mysqld stopped over SSH (host still up),
 * else stop. Then the fence must be verified, unless the run goes on unfenced by choice.
 */
export function decideFence(dead: string, hooks: { masterIpFailover: boolean; shutdown: boolean }, f: FenceFacts, sshReachable: boolean): FenceDecision {
  const notes: string[] = [];
  let reachable = sshReachable;
  const ipRun = f.runs.find((r) => r.hook === 'master_ip_failover');
  if (!hooks.masterIpFailover) notes.push(NO_MASTER_IP_FAILOVER_HOOK);
  else if (ipRun) {
    if (ipRun.code === 10) notes.push('master_ip_failover exited 10: proceeding (MHA semantics)');
    else if (ipRun.code !== 0) {
      return { ok: false, reason: `master_ip_failover failed (exit ${ipRun.code ?? ipRun.signal}): ${lastLine(ipRun)}; the service address may still point at the dead master: fix the hook and run the failover again` };
    }
  }
  const downRun = f.runs.find((r) => r.hook === 'shutdown');
  if (f.method === 'shutdown-hook') {
    if (!downRun) return { ok: false, reason: `the shutdown hook did not run: ${dead} is not fenced` };
    if (downRun.code === 0) reachable = false;
    else if (downRun.code === 10) notes.push('shutdown hook exited 10: mysqld stopped over SSH, host still reachable');
    else return { ok: false, reason: `shutdown hook failed (exit ${downRun.code ?? downRun.signal}): ${lastLine(downRun)}; make sure the dead master is down, then run the failover again` };
  }
  notes.push(...f.stopNotes);
  if (f.method === 'none') {
    notes.push(`SPLIT BRAIN POSSIBLE: ${dead} was not fenced (no way to reach it, no shutdown hook, and --no-fence): if it comes back it takes writes`);
    return { ok: true, sshReachable: reachable, notes, verified: false };
  }
  if (!f.verified) {
    return { ok: false, reason: `${dead} could not be fenced: ${[...f.stopNotes, ...f.evidence].join('; ')}; it might take writes again: `
      + 'stop it by hand (or configure hooks.shutdown), then run the failover again' };
  }
  notes.push(`${dead} fenced: ${f.evidence.join('; ')}`);
  return { ok: true, sshReachable: reachable, notes, verified: true };
}

// ---------------------------------------------------------------------------------------------
// 3. Diffs

/** What a drain recorded of one server (the failoverDrainRelayLog activity's answer). */
export interface DrainFacts {
  server: string;
  caughtUp: boolean;
  relay: BinlogCoordinates;
  /** What it executed once drained, in its flavor's terms: MySQL gtid_executed, MariaDB gtid_binlog_pos. */
  gtidExecuted: string;
}

/**
 * GTID mode: what the new master must have executed before it stops replicating from the latest replica it
 * catches up from: everything that replica executed once its relay log was applied (its flavor's executed
 * set, read by the drain). An empty target is reached at once, so a MariaDB-only field read on MySQL would
 * silently skip the catch-up.
 */
export function catchUpGtid(source: Pick<DrainFacts, 'gtidExecuted'>): string {
  return source.gtidExecuted;
}

/** The dead master's saved tail on `server`, when it was saved there. */
export function tailPart(tail: SavedTail, server: string): DiffPartSpec[] {
  if (tail.status !== 'saved') return [];
  const copy = tail.copies.find((c) => c.server === server);
  return copy ? [{ kind: 'savedTail', purpose: 'binlog_diff', path: copy.path, sha256: tail.sha256 }] : [];
}

/** What a drained server received but could not execute, from its own relay log. */
export function execPart(d: Pick<DrainFacts, 'server' | 'caughtUp' | 'relay'>): DiffPartSpec[] {
  return d.caughtUp ? [] : [{ kind: 'relay', purpose: 'exec_diff', server: d.server, relayFile: d.relay.file, relayPos: d.relay.pos }];
}

/**
 * GTID mode: what the catch-up source received but did not execute, from its relay log, for a target that holds
 * `targetHeld` once caught up. The target may hold more than the source executed (the source is a delayed
 * replica, or its SQL thread was behind): those leading transactions are left out, never applied twice.
 */
export function catchUpReadPart(source: Pick<DrainFacts, 'server' | 'caughtUp' | 'relay'>, flavor: GtidFlavor, targetHeld: string): DiffPartSpec[] {
  return source.caughtUp ? [] : [{
    kind: 'relay', purpose: 'read_diff', server: source.server, relayFile: source.relay.file, relayPos: source.relay.pos,
    skipHeld: { flavor, gtids: targetHeld },
  }];
}

/**
 * File/position mode: where a replica is repointed, and whether the dead master's tail reaches it by replication.
 * The new master's binlog from the position its drain recorded holds exactly what was applied on it since
 * (the exactly-once apply checks it), with nothing before: a replica brought to the new master's drained
 * position (its own exec_diff and read_diff applied) can replicate the rest, tail included, from there. Its
 * SQL thread applies that tail at replication speed instead of a second client replay of a copy, and the
 * failover waits until it executed the new master's end. That needs the new master at the latest position with
 * nothing of its own to catch up (no exec_diff, no read_diff: a replica's read_diff ends there), and a replica
 * without MASTER_DELAY (it would hold the tail back that long). Otherwise: the whole diff, tail included,
 * applied on the replica, and the repoint at the new master's end, as MHA does.
 */
export function replicaTailSource(o: {
  newMasterPlan: Pick<ServerDiffPlan, 'readDiff' | 'isLatest'>;
  newMasterDrain: Pick<DrainFacts, 'caughtUp'> & { binlog: BinlogCoordinates | null };
  replicaDelay: number;
}): { by: 'replication'; repointAt: BinlogCoordinates } | { by: 'copy'; why: string } {
  const { newMasterPlan: p, newMasterDrain: drain } = o;
  if (!p.isLatest || p.readDiff || !drain.caughtUp) return { by: 'copy', why: 'the new master had to catch up first' };
  if (!drain.binlog) return { by: 'copy', why: 'the new master has no binlog position from its drain' };
  if (o.replicaDelay > 0) return { by: 'copy', why: `MASTER_DELAY ${o.replicaDelay}` };
  return { by: 'replication', repointAt: drain.binlog };
}

/** Where a relay-log lookup found a master position (the failoverFindRelayPositions activity's answer). */
export interface RelayPositionFact {
  replica: string;
  from: BinlogCoordinates;
  found: boolean;
  detail?: string;
  relayFile?: string;
  relayPos?: number;
}

/** The read_diff of a plan, from the latest base replica's relay log; a reason when its start was not found. */
export function readPart(p: ServerDiffPlan, facts: RelayPositionFact[]): { ok: true; parts: DiffPartSpec[] } | { ok: false; reason: string } {
  if (!p.readDiff) return { ok: true, parts: [] };
  const { from, fromReplica } = p.readDiff;
  const fact = facts.find((f) => f.replica === fromReplica && f.found && f.from.file === from.file && f.from.pos === from.pos);
  if (!fact || fact.relayFile === undefined || fact.relayPos === undefined) {
    return { ok: false, reason: `no relay-log position of ${from.file}:${from.pos} in ${fromReplica}'s relay logs for ${p.server}'s read_diff` };
  }
  return { ok: true, parts: [{ kind: 'relay', purpose: 'read_diff', server: fromReplica, relayFile: fact.relayFile, relayPos: fact.relayPos }] };
}

/**
 * Servers that could not take their copy of the dead master's tail cannot become the new master (they would lack
 * its binlog_diff): marked ineligible, with the error, before the new master is chosen.
 */
export function withoutTailCopy(candidates: CandidatesResult, tail: SavedTail): CandidatesResult {
  const failed = tail.status === 'saved' ? tail.failedCopies : [];
  if (!failed.length) return candidates;
  const why = new Map(failed.map((f) => [f.server, `could not receive the dead master's binlog tail: ${f.error}`]));
  const servers = candidates.servers.map((c) => (why.has(c.name) ? { ...c, eligible: false, reasons: [...c.reasons, why.get(c.name)!] } : c));
  return { ...candidates, servers, eligible: servers.filter((c) => c.eligible).map((c) => c.name) };
}

/** The save step's outcome as the diff planner reads it. */
export function deadMasterBinlogOf(t: SavedTail): DeadMasterBinlog {
  if (t.status === 'saved') return { status: 'saved', from: t.from, savedAs: t.fileName, bytes: t.bytes };
  if (t.status === 'nothing-new') return { status: 'nothing-new', from: t.from };
  return { status: 'unavailable', from: t.from, reason: t.reason };
}

/** What the report says of the tail: lost transactions, a cut event, a truncated binlog. */
export function tailFindings(t: SavedTail, deadMaster: string): { unrecoverable: string[]; warnings: string[] } {
  if (t.status === 'unavailable') {
    return { unrecoverable: [`dead master binlog tail unrecoverable: any transaction ${deadMaster} wrote after ${t.from.file}:${t.from.pos} is lost (${t.reason})`], warnings: [] };
  }
  if (t.status === 'saved' && t.cutBytes > 0) {
    return { unrecoverable: [], warnings: [`the dead master's binlog ends with ${t.cutBytes} bytes of an incomplete transaction or event (${t.cutReason ?? ''}): never committed, not applied`] };
  }
  if (t.status === 'nothing-new' && t.note) return { unrecoverable: [], warnings: [t.note] };
  return { unrecoverable: [], warnings: [] };
}

/** The replicas' starting point on the new master: after its own diff, before it is writable; null without a binlog. */
export function newMasterStart(applied: { end: BinlogCoordinates; gtidExecuted: string; gtidHeld: string } | null,
  own: { binlog: BinlogCoordinates | null; gtidExecuted: string; gtidHeld: string }): { coords: BinlogCoordinates; gtid: string; held: string } | null {
  if (applied) return { coords: applied.end, gtid: applied.gtidExecuted, held: applied.gtidHeld };
  return own.binlog ? { coords: own.binlog, gtid: own.gtidExecuted, held: own.gtidHeld } : null;
}

/**
 * Before it turns writable, the new master must hold every transaction any survivor holds (Vitess's emergency
 * reparent checks the same): what each one held when its positions were final, minus what the new master holds
 * now, must be nothing. Without GTIDs (MySQL in file/position mode) the positions are the only guarantee: no check.
 */
export function missingOnNewMaster(flavor: GtidFlavor, newMasterHeld: string, others: { server: string; held: string }[]): { server: string; missing: string }[] {
  if (!newMasterHeld) return [];
  const minus = flavor === 'mariadb' ? mariaGtidText.subtract : mysqlGtidText.subtract;
  return others.filter((o) => o.held).map((o) => ({ server: o.server, missing: minus(o.held, newMasterHeld) })).filter((m) => m.missing !== '');
}
