// The failover's decisions that are not about replicas and candidates (those are src/topology): whether
// to start at all, what the fencing hooks' answers mean, which parts make up each server's diff. Pure:
// the workflow calls them on activity results (facts), so each decision is in the history and has a table
// test (test/src/failover/decisions.test.ts).
import type { ClusterConfig } from '../config/schema';
import { durationMs } from '../config/schema';
import type { RunningRun } from '../contracts/common';
import type { FailoverInput } from '../contracts/failover';
import type { HookRun } from '../hooks/run';
import type { BinlogCoordinates, ServerState } from '../mysql/client';
import type { RoleAssignment } from '../topology/roles';
import { classifyServers, recoveryReplicas, replicationModeOf } from '../topology/replicas';
import type {
  DeadMasterBinlog, DeadMasterRef, ReplicationMode, ServerClassification, ServerDiffPlan, ServerSnapshot,
} from '../topology/types';
import type { DeadCheck, SavedTail } from './deadmaster';
import type { DiffPartSpec } from './diff';

// ---------------------------------------------------------------------------------------------
// Facts

/** What the workflow needs of the cluster's config: names and flags, never a command or a secret. */
export interface ClusterFacts {
  name: string;
  /** The worker's config digest (src/config/registry.ts): every later step checks it is unchanged. */
  digest: string;
  servers: { name: string; host: string; port: number; aliases: string[]; skipResetReplica: boolean }[];
  hooks: { masterIpFailover: boolean; shutdown: boolean; report: boolean; secondaryCheck: boolean };
  failover: { maxDelayBytes: number; lastFailoverWindowMs: number };
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
    failover: { maxDelayBytes: cfg.failover.maxDelayBytes, lastFailoverWindowMs: durationMs(cfg.failover.lastFailoverWindow) },
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
  return null;
}

/** Resolves a server reference (name, "host:port", a host or an alias of exactly one server) to its name. */
export function resolveServerRef(servers: ClusterFacts['servers'], ref: string): string | null {
  const byName = servers.find((s) => s.name === ref);
  if (byName) return byName.name;
  const byAddr = servers.filter((s) => [s.host, ...s.aliases].some((h) => `${h}:${s.port}` === ref));
  if (byAddr.length === 1) return byAddr[0]!.name;
  const byHost = servers.filter((s) => [s.host, ...s.aliases].includes(ref));
  return byHost.length === 1 ? byHost[0]!.name : null;
}

function describeState(st: ServerState): string {
  return `version ${st.version}, read_only=${st.readOnly ? 'ON' : 'OFF'}`;
}

/**
 * MHA phase 1's refusals, in order: the caller's config is the worker's; the dead master is named (or
 * found), is the current master, and is dead twice over (the probe, then a different check from its own
 * host), the secondary check agrees, the cluster did not fail over too recently, and no server that would
 * be left behind stops it.
 */
export function decideFailoverStart(f: FailoverCheckFacts, input: Pick<FailoverInput, 'configDigest' | 'deadMaster' | 'ignoreLastFailover' | 'dryRun'>): StartDecision {
  const c = f.cluster;
  if (input.configDigest && input.configDigest !== c.digest) {
    return { ok: false, reason: `the config you passed for cluster ${c.name} (digest ${input.configDigest}) is not the worker's (digest ${c.digest}): the worker fails over with its own copy; make them the same first` };
  }
  if (f.runningSwitchover && !input.dryRun) {
    return { ok: false, reason: `a switchover of cluster ${c.name} is running (workflow ${f.runningSwitchover.workflowId}, run ${f.runningSwitchover.runId}): one change of master at a time; wait for it to end (it rolls back or completes on its own)` };
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
  const last = f.lastFailover?.last;
  if (last && !input.ignoreLastFailover) {
    return { ok: false, reason: `cluster ${c.name} failed over at ${last.closeTime} (workflow ${last.workflowId}), less than ${Math.round(f.lastFailover!.windowMs / 60000)} minutes ago: a master failing again so soon needs a human look; run with --ignore-last-failover to proceed anyway` };
  }
  const conf = c.servers.find((s) => s.name === name)!;
  const replicaOf = f.servers.find((s) => s.state?.replica && s.state.replica.sourceHost === conf.host && s.state.replica.sourcePort === conf.port);
  const deadMaster: DeadMasterRef = { name, host: conf.host, port: conf.port, serverId: replicaOf?.state?.replica?.sourceServerId ?? null, addresses: conf.aliases };
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

// ---------------------------------------------------------------------------------------------
// 2. Fencing

export const NO_MASTER_IP_FAILOVER_HOOK = 'no master_ip_failover hook: the service address was not moved';
export const NO_SHUTDOWN_HOOK = 'no shutdown hook: the dead master was not powered off';

export type FenceDecision =
  | { ok: true; sshReachable: boolean; notes: string[] }
  | { ok: false; reason: string };

const lastLine = (r: HookRun) => (r.stderr || r.stdout).trim().split('\n').pop() ?? '';

/**
 * What the fencing hooks' exits mean, as MHA reads them: master_ip_failover 0 ok, 10 warn and go on, else
 * stop; shutdown 0 powered off (no longer reachable over SSH), 10 mysqld stopped over SSH (host still up),
 * else stop. `runs` holds the hooks that are configured, in the order they ran.
 */
export function decideFence(hooks: { masterIpFailover: boolean; shutdown: boolean }, runs: HookRun[], sshReachable: boolean): FenceDecision {
  const notes: string[] = [];
  let reachable = sshReachable;
  const ipRun = runs.find((r) => r.hook === 'master_ip_failover');
  if (!hooks.masterIpFailover) notes.push(NO_MASTER_IP_FAILOVER_HOOK);
  else if (ipRun) {
    if (ipRun.code === 10) notes.push('master_ip_failover exited 10: proceeding (MHA semantics)');
    else if (ipRun.code !== 0) {
      return { ok: false, reason: `master_ip_failover failed (exit ${ipRun.code ?? ipRun.signal}): ${lastLine(ipRun)}; the service address may still point at the dead master: fix the hook and run the failover again` };
    }
  }
  const downRun = runs.find((r) => r.hook === 'shutdown');
  if (!hooks.shutdown) notes.push(NO_SHUTDOWN_HOOK);
  else if (downRun) {
    if (downRun.code === 0) reachable = false;
    else if (downRun.code === 10) notes.push('shutdown hook exited 10: mysqld stopped over SSH, host still reachable');
    else return { ok: false, reason: `shutdown hook failed (exit ${downRun.code ?? downRun.signal}): ${lastLine(downRun)}; make sure the dead master is down, then run the failover again` };
  }
  return { ok: true, sshReachable: reachable, notes };
}

// ---------------------------------------------------------------------------------------------
// 3. Diffs

/** What a drain recorded of one server (the failoverDrainRelayLog activity's answer). */
export interface DrainFacts {
  server: string;
  caughtUp: boolean;
  relay: BinlogCoordinates;
  gtidBinlogPos?: string;
}

/** The dead master's saved tail on `server`, when it was saved there. */
export function tailPart(tail: SavedTail, server: string): DiffPartSpec[] {
  if (tail.status !== 'saved') return [];
  const copy = tail.copies.find((c) => c.server === server);
  return copy ? [{ kind: 'savedTail', purpose: 'binlog_diff', path: copy.path, sha256: tail.sha256 }] : [];
}

/** What a drained server received but could not execute, from its own relay log (GTID catch-up: from the source's). */
export function execPart(d: DrainFacts, purpose: 'exec_diff' | 'read_diff' = 'exec_diff'): DiffPartSpec[] {
  return d.caughtUp ? [] : [{ kind: 'relay', purpose, server: d.server, relayFile: d.relay.file, relayPos: d.relay.pos }];
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
export function newMasterStart(applied: { end: BinlogCoordinates; gtidExecuted: string } | null, own: { binlog: BinlogCoordinates | null; gtidExecuted: string })
  : { coords: BinlogCoordinates; gtid: string } | null {
  if (applied) return { coords: applied.end, gtid: applied.gtidExecuted };
  return own.binlog ? { coords: own.binlog, gtid: own.gtidExecuted } : null;
}
