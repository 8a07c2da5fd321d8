// The switchover's decisions, pure: whether to switch at all and to whom (MHA MasterRotate's phase 1, plus
// errant transactions and running failovers), what the freeze locks, whether the freeze held, whether the new
// master caught up, where each replica starts on the new master, and whether a failed promotion may still be
// rolled back. The workflow calls them on activity results (facts), so every decision is in the history and has
// a table test (test/src/switchover/decisions.test.ts).
import { sameCoordinates } from '../binlog/coordinates';
import type { ClusterConfig } from '../config/schema';
import { durationMs } from '../config/values';
import {
  formatMariaGtid, formatMysqlGtidSet, mariaGtidPos, mysqlGtidIsEmpty, mysqlGtidSubtract, parseMysqlGtidSet,
} from '../binlog/gtid';
import type { RunningRun } from '../contracts/common';
import type { SwitchoverInput, SwitchoverPlan } from '../contracts/switchover';
import { SWITCHOVER_DEFAULTS } from '../contracts/switchover';
import type { FreezeResult } from '../mysql/freeze';
import { accountName, frozenProblems, planFreeze, type FreezeFacts, type FreezePlan, type KeptUser } from '../mysql/freeze-plan';
import type { BinlogCoordinates } from '../mysql/client';
import type { MasterActivity } from '../mysql/running';
import type { ReplicationFilters } from '../mysql/status';
import type { RoleAssignment } from '../topology/roles';
import {
  assessCandidates, chooseNewMaster, classifyServers, filtersOf, identifyLatestAndOldest, recoveryReplicas, replicationModeOf, resolveServer,
} from '../topology';
import type { CandidateAssessment, DeadMasterRef, ReplicationMode, ServerSnapshot } from '../topology/types';

// ---------------------------------------------------------------------------------------------
// Facts

/** What the switchover needs of the cluster's config: names and flags, never a command or a secret. */
export interface SwitchoverClusterFacts {
  name: string;
  /** The worker's config digest (src/config/registry.ts): every later step checks it is unchanged. */
  digest: string;
  servers: { name: string; host: string; port: number; aliases: string[]; skipResetReplica: boolean }[];
  hooks: { masterIpOnlineChange: boolean; report: boolean };
  /** replication.checkFilters (default true). */
  checkFilters: boolean;
  useGtidAutoPosition: boolean | undefined;
  maxDelayBytes: number;
  /** Users the freeze never locks nor kills: the replication user and the manager's own. */
  keep: KeptUser[];
}

export function switchoverClusterFactsOf(cfg: ClusterConfig, digest: string): SwitchoverClusterFacts {
  return {
    name: cfg.cluster,
    digest,
    servers: cfg.servers.map((s) => ({ name: s.name, host: s.host, port: s.port, aliases: s.aliases ?? [], skipResetReplica: s.skipResetReplica === true })),
    hooks: { masterIpOnlineChange: Boolean(cfg.hooks.masterIpOnlineChange), report: Boolean(cfg.hooks.report) },
    checkFilters: cfg.replication.checkFilters !== false,
    useGtidAutoPosition: cfg.replication.useGtidAutoPosition,
    maxDelayBytes: cfg.failover.maxDelayBytes,
    keep: [
      { user: cfg.replication.user, why: 'the replication user (replication.user): its replicas must keep replicating' },
      { user: cfg.mysql.user, why: 'the manager\'s own user (mysql.user)' },
    ],
  };
}

/** A server's filters: Binlog_Do/Ignore_DB of SHOW MASTER STATUS, and its Replicate_* filters (null: unknown). */
export interface ServerFilters {
  server: string;
  binlog: { doDb: string; ignoreDb: string } | null;
  replication: ReplicationFilters | null;
}

/** What the check step found. It decides nothing: decideSwitchoverStart does. */
export interface SwitchoverCheckFacts {
  cluster: SwitchoverClusterFacts;
  servers: ServerSnapshot[];
  roles: RoleAssignment;
  filters: ServerFilters[];
  /** The current master's freeze facts and what runs there for the running-updates limit; null when no master was found. */
  master: { name: string; freeze: FreezeFacts; activity: MasterActivity } | null;
  /** A failover of the cluster that is running, if any. */
  runningFailover: RunningRun | null;
  timings: { ms: number };
}

// ---------------------------------------------------------------------------------------------
// Input

const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;
const duration = (v: unknown) => num(v) || (typeof v === 'string' && DURATION.test(v));

/** A switchover input as the workflow accepts it; a reason when it is not one. */
export function invalidSwitchoverInput(input: unknown): string | null {
  const i = input as Partial<SwitchoverInput> | null;
  const need = 'switchover needs { "cluster": "<cluster name>" }';
  if (!i || typeof i !== 'object') return need;
  if (typeof i.cluster !== 'string' || i.cluster === '') return `${need}: the worker reads that cluster's config from its own directory`;
  if ('config' in i) return 'switchover takes a cluster name, not a config: { "cluster": "<cluster name>" }';
  for (const k of ['newMaster', 'configDigest'] as const) if (i[k] !== undefined && typeof i[k] !== 'string') return `switchover input ${k} must be a string`;
  for (const k of ['origMasterIsNewReplica', 'approval', 'dryRun'] as const) if (i[k] !== undefined && typeof i[k] !== 'boolean') return `switchover input ${k} must be true or false`;
  for (const k of ['lagThresholdSeconds', 'runningUpdatesLimitSeconds'] as const) if (i[k] !== undefined && !num(i[k])) return `switchover input ${k} must be a number of seconds >= 0`;
  for (const k of ['approvalTimeout', 'waitTimeout'] as const) if (i[k] !== undefined && !duration(i[k])) return `switchover input ${k} must be a duration ("30s", "10m") or a number of seconds`;
  return null;
}

/** The input with its defaults. */
export function switchoverSettings(i: SwitchoverInput) {
  return {
    origMasterIsNewReplica: i.origMasterIsNewReplica ?? SWITCHOVER_DEFAULTS.origMasterIsNewReplica,
    approvalTimeoutMs: durationMs(i.approvalTimeout ?? SWITCHOVER_DEFAULTS.approvalTimeout),
    lagThresholdSeconds: i.lagThresholdSeconds ?? SWITCHOVER_DEFAULTS.lagThresholdSeconds,
    runningUpdatesLimitSeconds: i.runningUpdatesLimitSeconds ?? SWITCHOVER_DEFAULTS.runningUpdatesLimitSeconds,
    waitTimeoutMs: durationMs(i.waitTimeout ?? SWITCHOVER_DEFAULTS.waitTimeout),
  };
}

// ---------------------------------------------------------------------------------------------
// 1. To switch or not, and to whom

export type SwitchoverStart =
  | {
    ok: true;
    origMaster: string;
    newMaster: string;
    newMasterReason: string;
    mode: ReplicationMode;
    /** Every replica of the old master but the new master. */
    replicas: string[];
    freeze: FreezePlan;
    candidates: CandidateAssessment[];
    warnings: string[];
  }
  | { ok: false; reason: string; server?: string };

const READS = /^\s*(\/\*.*?\*\/\s*)*(SELECT|SHOW|DESCRIBE|DESC|EXPLAIN|HELP|USE)\b/is;

/** Updates running for the limit or more (statements that are not reads; transactions that changed rows or lock tables). Pure. */
export function longRunningUpdates(a: MasterActivity): string[] {
  const q = a.queries.filter((x) => x.info === null || !READS.test(x.info)).map((x) => `session ${x.id} (${x.user}@${x.host}) runs for ${x.time} s: ${x.info ?? x.command}`);
  const t = a.transactions.filter((x) => x.rowsModified > 0 || x.lockedTables > 0)
    .map((x) => `session ${x.id} has a transaction open for ${x.seconds} s that changed ${x.rowsModified} rows${x.query ? ` (now: ${x.query})` : ''}`);
  return [...q, ...t];
}

const normList = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean).sort().join(',');

/** How two servers' filters differ (empty: the same). Pure. */
export function filterDifferences(a: ServerFilters, b: ServerFilters, what: { binlog: boolean; replication: boolean }): string[] {
  const out: string[] = [];
  if (what.binlog && a.binlog && b.binlog) {
    if (normList(a.binlog.doDb) !== normList(b.binlog.doDb)) out.push(`Binlog_Do_DB '${a.binlog.doDb}' on ${a.server}, '${b.binlog.doDb}' on ${b.server}`);
    if (normList(a.binlog.ignoreDb) !== normList(b.binlog.ignoreDb)) out.push(`Binlog_Ignore_DB '${a.binlog.ignoreDb}' on ${a.server}, '${b.binlog.ignoreDb}' on ${b.server}`);
  }
  if (what.replication && a.replication && b.replication) {
    const fa = filtersOf(a.replication);
    const fb = filtersOf(b.replication);
    for (const k of Object.keys(fa) as (keyof ReplicationFilters)[]) {
      if (fa[k] !== fb[k]) out.push(`${k} '${fa[k]}' on ${a.server}, '${fb[k]}' on ${b.server}`);
    }
  }
  return out;
}

/**
 * Transactions a replica executed that did not come from its master (errant): null when it has none. Pure. The servers
 * are read one after the other while the master takes writes, so a replica may be ahead with the master's own
 * transactions: only GTIDs of another origin count. MariaDB: a domain whose last GTID is another server's, with a
 * higher seq than the master's (or a domain the master never wrote). MySQL: GTIDs of another server_uuid that the
 * master's set lacks.
 */
export function errantTransactions(master: ServerSnapshot, replica: ServerSnapshot): string | null {
  const m = master.state;
  const r = replica.state;
  if (!m || !r) return null;
  if (m.flavor === 'mariadb') {
    const mine = mariaGtidPos(m.gtid.mariadb?.binlogPos ?? '', { lenient: true });
    const theirs = mariaGtidPos(r.gtid.mariadb?.binlogPos ?? '', { lenient: true });
    const errant = [...theirs.values()].filter((g) => g.server !== m.serverId && g.seq > (mine.get(g.domain)?.seq ?? 0n));
    return errant.length ? `${replica.name} executed ${errant.map(formatMariaGtid).join(', ')}, which ${master.name} has not (it is at ${m.gtid.mariadb?.binlogPos || '(empty)'})` : null;
  }
  if (!r.gtid.executed) return null;
  const extra = mysqlGtidSubtract(parseMysqlGtidSet(r.gtid.executed, { lenient: true }), parseMysqlGtidSet(m.gtid.executed, { lenient: true }));
  if (m.serverUuid) extra.delete(m.serverUuid);
  return mysqlGtidIsEmpty(extra) ? null : `${replica.name} executed ${formatMysqlGtidSet(extra)}, which ${master.name} has not`;
}

export const masterRefOf = (c: SwitchoverClusterFacts, m: ServerSnapshot): DeadMasterRef => ({
  name: m.name, host: m.host, port: m.port, serverId: m.state?.serverId ?? null, addresses: c.servers.find((s) => s.name === m.name)?.aliases ?? [],
});

/**
 * MHA MasterRotate's checks, in order, each refusing with a reason: the config is the worker's; no failover of the
 * cluster runs; every server answers; a master is found, replicates from nobody, and every other server replicates
 * from it with both threads running and lag within the threshold; no update runs on the master for the limit or
 * more; the new master (requested or chosen by the failover's rules) is eligible, has the old master's binlog filters
 * (and replication filters, when the old master becomes its replica) and no errant transaction. Then the freeze plan.
 */
export function decideSwitchoverStart(f: SwitchoverCheckFacts, input: SwitchoverInput): SwitchoverStart {
  const c = f.cluster;
  const s = switchoverSettings(input);
  if (input.configDigest && input.configDigest !== c.digest) {
    return { ok: false, reason: `the config you passed for cluster ${c.name} (digest ${input.configDigest}) is not the worker's (digest ${c.digest}): the worker switches over with its own copy; make them the same first` };
  }
  if (f.runningFailover) {
    return { ok: false, reason: `a failover of cluster ${c.name} is running (workflow ${f.runningFailover.workflowId}, run ${f.runningFailover.runId}): one change of master at a time; wait for it to end` };
  }
  const dbServers = f.servers.filter((x) => !x.binlogServer);
  const down = dbServers.filter((x) => !x.state);
  if (down.length) {
    return { ok: false, server: down[0]!.name, reason: `every server must answer before a switchover: ${down.map((x) => `${x.name}${x.error ? ` (${x.error})` : ''}`).join('; ')}` };
  }
  const masterName = f.roles.master;
  if (!masterName || !f.master || f.master.name !== masterName) return { ok: false, reason: 'no master found: no server of the cluster is replicated from' };
  const master = f.servers.find((x) => x.name === masterName)!;
  if (master.state!.replica) {
    const r = master.state!.replica;
    return { ok: false, server: masterName, reason: `the master ${masterName} replicates from ${r.sourceHost}:${r.sourcePort}: a master with a source of its own (multi-tier) is not switched over` };
  }
  const ref = masterRefOf(c, master);
  const classification = classifyServers(f.servers, ref);
  const notFollowing = classification.servers.filter((x) => x.role !== 'deadMaster' && x.role !== 'replica' && x.role !== 'binlogServer');
  if (notFollowing.length) {
    return { ok: false, server: notFollowing[0]!.name, reason: `${masterName} must be the master of every server: ${notFollowing.map((x) => `${x.name}: ${x.reasons.join('; ')}`).join(' | ')}` };
  }
  const unhealthy: string[] = [];
  for (const name of classification.replicas) {
    const r = f.servers.find((x) => x.name === name)!.state!.replica!;
    if (r.ioRunning !== 'Yes') unhealthy.push(`${name}: IO thread ${r.ioRunning === 'No' ? 'stopped' : 'connecting'}${r.lastIoError ? ` (${r.lastIoError})` : ''}`);
    if (!r.sqlRunning) unhealthy.push(`${name}: SQL thread stopped${r.lastSqlError ? ` (${r.lastSqlError})` : ''}`);
    else if (r.secondsBehindSource === null) unhealthy.push(`${name}: lag unknown (Seconds_Behind_Master is NULL)`);
    else if (r.secondsBehindSource > s.lagThresholdSeconds) unhealthy.push(`${name}: ${r.secondsBehindSource} s behind (limit ${s.lagThresholdSeconds} s)`);
  }
  if (unhealthy.length) return { ok: false, reason: `every replica must replicate, within ${s.lagThresholdSeconds} s: ${unhealthy.join('; ')}` };
  const running = longRunningUpdates(f.master.activity);
  if (running.length) {
    return { ok: false, server: masterName, reason: `updates run on ${masterName} for ${s.runningUpdatesLimitSeconds} s or more (they would hold the freeze up or be cut by it): ${running.join('; ')}` };
  }
  const snapshots = recoveryReplicas(f.servers, classification);
  const decided = replicationModeOf(snapshots);
  const mode: ReplicationMode = decided.mode === 'gtid' && c.useGtidAutoPosition === false ? 'filepos' : decided.mode;
  if (input.newMaster && resolveServer(f.servers, input.newMaster) === masterName) {
    return { ok: false, server: masterName, reason: `--new-master ${input.newMaster} is ${masterName}, the current master` };
  }
  const lo = identifyLatestAndOldest(snapshots, { mode });
  if (!lo.ok) return { ok: false, reason: `${masterName} has no replica to promote` };
  const candidates = assessCandidates({ servers: f.servers, deadMaster: ref, latest: lo, maxDelayBytes: c.maxDelayBytes, classification });
  const choice = chooseNewMaster({ candidates, latest: lo, servers: f.servers, requested: input.newMaster ?? null });
  if (!choice.ok) return { ok: false, reason: choice.reason };
  const nm = choice.newMaster;
  if (c.checkFilters) {
    const of = (n: string): ServerFilters => f.filters.find((x) => x.server === n) ?? { server: n, binlog: null, replication: null };
    const diff = filterDifferences(of(masterName), of(nm), { binlog: true, replication: s.origMasterIsNewReplica });
    if (diff.length) {
      return { ok: false, server: nm, reason: `the filters of ${masterName} and ${nm} differ: ${diff.join('; ')} (replication.checkFilters: false to switch anyway)` };
    }
  }
  const errant = errantTransactions(master, f.servers.find((x) => x.name === nm)!);
  if (errant) return { ok: false, server: nm, reason: `${errant}: errant transactions would reach every replica once ${nm} is the master; remove them first` };
  const freeze = planFreeze(f.master.freeze, c.keep);
  const warnings: string[] = [...lo.warnings];
  if (f.master.freeze.readOnly) warnings.push(`${masterName} is already read-only: it was not taking writes`);
  return {
    ok: true, origMaster: masterName, newMaster: nm, newMasterReason: choice.reason, mode,
    replicas: classification.replicas.filter((n) => n !== nm), freeze, candidates: candidates.servers, warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. The plan

type Go = Extract<SwitchoverStart, { ok: true }>;

export function describePlan(g: Go, o: { origMasterIsNewReplica: boolean; hook: boolean; waitTimeoutMs: number }): SwitchoverPlan {
  const locks = g.freeze.lock.map(accountName);
  const steps = [
    ...(o.hook ? [`master_ip_online_change --command=stop (${g.origMaster} -> ${g.newMaster})`] : []),
    `freeze ${g.origMaster}: ${locks.length ? `lock ${locks.join(', ')} and kill their sessions, ` : ''}read_only=ON; record its binlog position`,
    `wait until ${g.newMaster} executed everything up to it (at most ${Math.round(o.waitTimeoutMs / 1000)} s, else roll back)`,
    `promote ${g.newMaster}: stop its replication, read_only=OFF${o.hook ? '; master_ip_online_change --command=start' : ''}`,
    `${g.replicas.length ? `repoint ${g.replicas.join(', ')} to ${g.newMaster}` : 'no other replica'}${o.origMasterIsNewReplica ? `; ${g.origMaster} replicates from ${g.newMaster}` : `; ${g.origMaster} stays read-only, out of replication`}`
      + `${locks.length ? `; unlock ${locks.join(', ')}` : ''}`,
    `RESET SLAVE ALL on ${g.newMaster}`,
  ];
  return {
    origMaster: g.origMaster, newMaster: g.newMaster, newMasterReason: g.newMasterReason, mode: g.mode, replicas: g.replicas,
    origMasterIsNewReplica: o.origMasterIsNewReplica, lockAccounts: locks, leftAccounts: g.freeze.left.map((l) => `${accountName(l.account)}: ${l.why}`),
    steps, warnings: g.warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// 3-4. The freeze held; the new master caught up

/** Why the freeze does not hold (null: it does). */
export function freezeProblem(r: FreezeResult, origMaster: string): string | null {
  const p = frozenProblems(r.state);
  return p.length ? `the freeze of ${origMaster} does not hold: ${p.join('; ')}` : null;
}

/** What the wait step saw: the new master reached the frozen position (or not), and where the old master is now. */
export interface CaughtUpFacts {
  reached: boolean;
  /** Why not, when not (timeout, SQL thread error). */
  detail: string;
  waitedMs: number;
  /** The new master's own binlog position and executed GTIDs once it stopped replicating: where the replicas start. */
  newMaster: { file: string; pos: number; gtid: string } | null;
  /** The old master's binlog position read after the wait: it must not have moved. */
  origMasterNow: BinlogCoordinates;
  /** Taken from the signed result an earlier attempt signalled before the promotion (src/switchover/claim.ts). */
  fromClaim?: boolean;
}


/** Whether the new master may be promoted; a reason to roll back when not. */
export function caughtUpProblem(w: CaughtUpFacts, frozen: BinlogCoordinates, names: { origMaster: string; newMaster: string }): string | null {
  if (!w.reached) return `${names.newMaster} did not execute ${names.origMaster}'s binlog up to ${frozen.file}:${frozen.pos}: ${w.detail}`;
  if (!w.newMaster) return `${names.newMaster} has no binary log position (log_bin off?)`;
  if (!sameCoordinates(w.origMasterNow, frozen)) {
    return `${names.origMaster}'s binlog moved from ${frozen.file}:${frozen.pos} to ${w.origMasterNow.file}:${w.origMasterNow.pos} while frozen: something still writes there`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// 5. A failed promotion

/** The new master as read after a failed promotion: unreachable (null), writable or not. */
export type AfterFailedPromotion = 'roll-back' | 'go-forward' | 'stuck';

/**
 * A promotion that failed for good: if the new master is still read-only, nobody took writes there and the old
 * master may be unfrozen (roll back); if it is writable, the promotion happened (go forward: never two writable
 * masters); if it cannot be read, nobody can tell: stay frozen and say so (none writable is safer than two).
 */
export function afterFailedPromotion(newMaster: { readOnly: boolean } | null): AfterFailedPromotion {
  if (!newMaster) return 'stuck';
  return newMaster.readOnly ? 'roll-back' : 'go-forward';
}

// ---------------------------------------------------------------------------------------------
// 6. Where each replica starts on the new master

/** file/position: the new master's coordinates at the promotion; GTID: auto-positioning (the old master: current_pos). */
export type StartOnNewMaster = { coords: BinlogCoordinates } | { gtid: 'slave_pos' | 'current_pos' };

export function startOnNewMaster(mode: ReplicationMode, at: { file: string; pos: number }, isOrigMaster: boolean): StartOnNewMaster {
  if (mode === 'filepos') return { coords: { file: at.file, pos: at.pos } };
  // A demoted master's own transactions are in its binlog, not in gtid_slave_pos: current_pos counts them.
  return { gtid: isOrigMaster ? 'current_pos' : 'slave_pos' };
}
