// failover: a dead master is replaced by the best replica, and every survivor ends up with everything
// any of them (or the dead master's binlog) still holds. The body reads like the phase list of
// docs/failover-phases.md; every step is an activity (named in the UI by its summary, servers included)
// and every decision is a pure function of activity results (src/topology), so a crashed worker resumes
// at the last completed step with the same decisions.
import { defineSearchAttributeKey, type ActivityOptions, type RetryPolicy } from '@temporalio/common';
import {
  ApplicationFailure, defineQuery, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { FailoverCheckResult } from '../activities/failover-check';
import type { ApplyDiffResult, DrainOutcome, OwnBinlog } from '../activities/failover-apply';
import type { RelayPositionFact } from '../activities/failover-binlog';
import type { PromoteResult } from '../activities/failover-promote';
import type { ConfigSource } from '../src/config/load';
import { NO_MASTER_IP_FAILOVER_HOOK, NO_SHUTDOWN_HOOK } from '../src/hooks/missing';
import type { ClusterConfig } from '../src/config/schema';
import type { DeadCheck, SavedTail } from '../src/failover/deadmaster';
import type { DiffFile, DiffPartSpec } from '../src/failover/diff';
import type { BinlogCoordinates } from '../src/mysql/client';
import {
  assessCandidates, chooseNewMaster, classifyServers, identifyLatestAndOldest, pickLatestBaseReplica, planDiffs, recoveryReplicas,
  relayLogChecksNeeded, replicationModeOf,
  type CandidatesResult, type DeadMasterBinlog, type FileposDiffPlan, type GtidDiffPlan, type LatestAndOldest, type LatestBaseDecision,
  type ReplicationMode, type ServerClassification, type ServerDiffPlan, type ServerSnapshot,
} from '../src/topology';

// ---------------------------------------------------------------------------------------------
// Input, output, progress

export interface FailoverInput {
  /** Path of the cluster YAML on the worker, or the config object. */
  config: ConfigSource;
  /** The dead master (name, host or host:port); default: the server the replicas replicate from. */
  deadMaster?: string;
  /** Promote this server if it is eligible (refused otherwise, never replaced). */
  newMaster?: string;
  ignoreLastFailover?: boolean;
  /** Phases 1, 3.1, 3.3 and the plan, read-only: nothing is changed anywhere. */
  dryRun?: boolean;
}

export type StepStatus = 'running' | 'done' | 'failed';
export interface StepRecord { id: string; title: string; status: StepStatus; startedAt: number; ms?: number; detail?: string }

export interface ServerOutcome {
  server: string;
  role: 'newMaster' | 'replica';
  plan: string;
  diff?: Pick<DiffFile, 'path' | 'sha256' | 'bytes' | 'transactions' | 'parts'>;
  applied?: number;
  alreadyApplied?: number;
  repointedTo?: string;
}

export interface FailoverReport {
  cluster: string;
  workflowId: string;
  runId: string;
  dryRun: boolean;
  mode: ReplicationMode;
  modeReason: string;
  deadMaster: string;
  deadCheck: DeadCheck;
  newMaster: string | null;
  newMasterReason: string;
  latest: Pick<LatestAndOldest, 'latest' | 'oldest' | 'latestPosition' | 'oldestPosition' | 'reasons' | 'warnings'> | null;
  candidates: CandidatesResult['servers'];
  planSummary: string[];
  binlogTail: SavedTail | null;
  /** What could not be recovered, in words; empty when nothing was lost. */
  unrecoverable: string[];
  servers: ServerOutcome[];
  steps: StepRecord[];
  /** From the workflow's start. */
  timings: { newMasterWritableMs: number | null; allReplicasRepointedMs: number | null; totalMs: number };
  warnings: string[];
}

export interface FailoverProgress {
  cluster: string | null;
  dryRun: boolean;
  current: string | null;
  steps: StepRecord[];
  newMaster: string | null;
  finished: boolean;
}

export const progressQuery = defineQuery<FailoverProgress>('progress');

export const MhaflowCluster = defineSearchAttributeKey('MhaflowCluster', 'KEYWORD');
export const MhaflowPhase = defineSearchAttributeKey('MhaflowPhase', 'KEYWORD');

// ---------------------------------------------------------------------------------------------
// Activities

const NON_RETRYABLE = ['ConfigError', 'SafetyError', 'RefusedError', 'HookError', 'DiffApplyError'];
const retry: RetryPolicy = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE };
/**
 * Every activity heartbeats each second while it runs (activities/failure.ts guarded()), so a worker
 * killed at any instant of any step is detected after at most HEARTBEAT_TIMEOUT and the step is retried
 * (on another worker if there is one) at once: a crash costs seconds, not the startToCloseTimeout.
 * The worker sends them to the server every second (worker/worker.ts maxHeartbeatThrottleInterval), so a
 * live worker has 3 s of slack before a spurious timeout (which is safe anyway: every step re-runs safely).
 */
const HEARTBEAT_TIMEOUT = '4s';
const QUICK: ActivityOptions = { startToCloseTimeout: '60s', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry };
const LONG: ActivityOptions = { startToCloseTimeout: '2h', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry };
const HOOK: ActivityOptions = { startToCloseTimeout: '15m', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: { ...retry, maximumAttempts: 3 } };

const quick = proxyActivities<typeof activities>(QUICK);
const long = proxyActivities<typeof activities>(LONG);
const hook = proxyActivities<typeof activities>(HOOK);

// ---------------------------------------------------------------------------------------------
// The run's state (query, current details, report)

interface Run {
  input: FailoverInput;
  /** What this run changed so far on the servers, for a refusal's message (nothing is left unreported). */
  changes: string[];
  /** The MhaflowPhase search attribute's current value. */
  phase: string;
  t0: number;
  runKey: string;
  progress: FailoverProgress;
  report: FailoverReport;
}

function newRun(input: FailoverInput): Run {
  const info = workflowInfo();
  const t0 = Date.now();
  const progress: FailoverProgress = { cluster: null, dryRun: Boolean(input.dryRun), current: null, steps: [], newMaster: null, finished: false };
  return {
    input, changes: [], phase: '', t0, runKey: `failover-${info.runId.slice(0, 8)}`, progress,
    report: {
      cluster: '', workflowId: info.workflowId, runId: info.runId, dryRun: Boolean(input.dryRun), mode: 'filepos', modeReason: '',
      deadMaster: '', deadCheck: { alive: false, sshReachable: false, evidence: [] }, newMaster: null, newMasterReason: '', latest: null,
      candidates: [], planSummary: [], binlogTail: null, unrecoverable: [], servers: [], steps: progress.steps,
      timings: { newMasterWritableMs: null, allReplicasRepointedMs: null, totalMs: 0 }, warnings: [],
    },
  };
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'RefusedError');
}

function setPhase(value: string): void {
  upsertSearchAttributes([{ key: MhaflowPhase, value }]);
}

/** The search attribute names the phase, not the step: an upsert per step costs every step a visibility write. */
function phaseOfStep(id: string): string {
  if (/^(check|start-sql)/.test(id)) return 'check';
  if (/^(stop-io|fence|read-replicas)/.test(id)) return 'fence';
  if (/^promote/.test(id)) return 'promote';
  if (/^(repoint|cleanup|report)/.test(id)) return 'replicas';
  return 'recover';
}

/** Run one step: record it for the progress query, the UI's current details and the report. */
async function step<T>(run: Run, id: string, title: string, fn: () => Promise<T>, describe?: (r: T) => string): Promise<T> {
  const rec: StepRecord = { id, title, status: 'running', startedAt: Date.now() - run.t0 };
  run.progress.steps.push(rec);
  run.progress.current = title;
  const phase = phaseOfStep(id);
  if (phase !== run.phase) {
    run.phase = phase;
    setPhase(phase);
  }
  setCurrentDetails(renderDetails(run));
  try {
    const r = await fn();
    rec.status = 'done';
    rec.ms = Date.now() - run.t0 - rec.startedAt;
    if (describe) rec.detail = describe(r);
    return r;
  } catch (e) {
    rec.status = 'failed';
    rec.ms = Date.now() - run.t0 - rec.startedAt;
    rec.detail = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    run.progress.current = null;
    setCurrentDetails(renderDetails(run));
  }
}

function renderDetails(run: Run): string {
  const r = run.report;
  const lines = [
    `**failover of ${r.cluster || '(config not read yet)'}**${r.dryRun ? ' (dry run: nothing is changed)' : ''}`,
    `dead master **${r.deadMaster || '?'}** · new master **${r.newMaster ?? '?'}**${r.newMasterReason ? ` (${r.newMasterReason})` : ''} · mode ${r.mode}`,
    '', '| step | status | ms | detail |', '|---|---|---|---|',
    ...run.progress.steps.map((s) => `| ${s.title} | ${s.status} | ${s.ms ?? ''} | ${(s.detail ?? '').replace(/\|/g, '/').replace(/\n/g, ' ')} |`),
  ];
  if (r.planSummary.length) lines.push('', '**plan**', ...r.planSummary.map((l) => `- ${l}`));
  if (r.unrecoverable.length) lines.push('', '**unrecoverable**', ...r.unrecoverable.map((l) => `- ${l}`));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The workflow

export async function failover(input: FailoverInput): Promise<FailoverReport> {
  if (!input || (typeof input.config !== 'string' && (typeof input.config !== 'object' || input.config === null))) {
    throw ApplicationFailure.nonRetryable('failover needs { config: "<path of cluster.yml on the worker>" | { ...cluster config } }', 'ConfigError');
  }
  const run = newRun(input);
  setHandler(progressQuery, () => run.progress, { description: 'the failover step in progress and the steps done, with their durations' });
  try {
    // 1. Configuration check (and no failover of this cluster too recently)
    const check = await phase1Check(run);
    const cfg = check.cfg;
    // 2. Dead master shutdown: IO threads stopped everywhere (final positions read), then fencing.
    //    A dry run changes nothing: it only reads the positions.
    const { servers, sshReachable } = await phase2Fence(run, check);
    // 3.1 Latest and oldest replicas
    const { cls, latest } = await phase31Latest(run, check, servers);
    // File/position mode: every replica applies what its relay log holds, while 3.2 and 3.3 run
    const drains = startDrains(run, cfg, servers, cls);
    // 3.2 The dead master's binlog tail (while the latest replicas' relay logs are searched for 3.3)
    const [tail, facts] = await Promise.all([phase32SaveBinlog(run, cfg, check, cls, latest, sshReachable), findRelayPositions(run, cfg, latest)]);
    // 3.3 The new master, and every server's diff plan
    const decision = await phase33ChooseNewMaster(run, cfg, check, servers, cls, latest, tail, facts);
    if (run.input.dryRun) return finish(run, 'dry-run');
    // 3.4 Generate the new master's diff
    const nmDiff = await phase34NewMasterDiff(run, cfg, decision, servers, tail, drains);
    // 3.5 Apply the new master's diff
    const nm = await phase35ApplyNewMasterDiff(run, cfg, decision, nmDiff);
    // 4 (first half, while 3.5 promotes): every other replica's diff is generated on its host and applied.
    //   Not earlier: the new master's recovery comes first, alone (on shared hardware they slow it down).
    const prepared = prepareReplicas(run, cfg, decision, servers, tail, drains);
    // 3.5 Promote the new master
    await phase35Promote(run, cfg, check, decision.newMaster);
    // 4. Every other replica replicates from the new master (once every diff is generated and applied),
    // 5. while the new master forgets its old source (RESET SLAVE ALL deletes its relay logs: a read_diff
    //    source until every diff is generated)
    const ready = await prepared;
    const cleanup = phase5Cleanup(run, cfg, decision);
    cleanup.catch(() => undefined);
    await phase4RecoverReplicas(run, cfg, decision, servers, ready, nm);
    await cleanup;
    // 5. Report
    await phase5Report(run, cfg, check, decision);
    return finish(run, 'completed');
  } catch (e) {
    setPhase('failed');
    run.progress.finished = true;
    if (e instanceof ApplicationFailure && e.type === 'RefusedError' && run.changes.length) {
      throw ApplicationFailure.nonRetryable(`${e.message} (already done: ${run.changes.join('; ')}; START SLAVE on them resumes replication)`, 'RefusedError');
    }
    throw e;
  }
}

function finish(run: Run, phase: 'completed' | 'dry-run'): FailoverReport {
  run.report.timings.totalMs = Date.now() - run.t0;
  run.progress.finished = true;
  setPhase(phase);
  setCurrentDetails(renderDetails(run));
  return run.report;
}

// ---------------------------------------------------------------------------------------------
// 1. Configuration check

async function phase1Check(run: Run): Promise<FailoverCheckResult> {
  const { input, report } = run;
  const check = await step(run, 'check', '1 check: connect to every server, confirm the dead master is dead, no recent failover',
    () => quick.failoverCheck.executeWithOptions({ summary: `connect to every server; confirm ${input.deadMaster ?? 'the master'} is the current master and dead${input.dryRun ? '' : '; no failover of the cluster within failover.lastFailoverWindow'}` },
      [{ config: input.config, deadMaster: input.deadMaster, ...(input.dryRun ? {} : { lastFailover: { ignore: Boolean(input.ignoreLastFailover) } }) }]),
    (c) => `${c.deadMaster.name} dead: ${c.deadCheck.evidence.join('; ')}${c.lastFailover ? `; last failover: ${c.lastFailover.last ? `${c.lastFailover.last.closeTime}${c.lastFailover.ignored ? ' (ignored: --ignore-last-failover)' : ''}` : 'none within the window'}` : ''}`
      + (c.timings ? ` (servers probed in ${c.timings.probesMs} ms, dead check ${c.timings.deadCheckMs} ms${c.timings.lastFailoverMs !== null ? `, last-failover lookup ${c.timings.lastFailoverMs} ms` : ''})` : ''));
  report.cluster = check.cfg.cluster;
  report.deadMaster = check.deadMaster.name;
  report.deadCheck = check.deadCheck;
  run.progress.cluster = check.cfg.cluster;
  upsertSearchAttributes([{ key: MhaflowCluster, value: check.cfg.cluster }]);

  const cls = classifyServers(check.servers, check.deadMaster);
  if (cls.blockers.length) refuse(`the failover cannot leave these servers behind: ${cls.blockers.join(' | ')}`);
  const mode = modeOf(check.cfg, check.servers, cls);
  report.mode = mode.mode;
  report.modeReason = mode.reason;

  if (!input.dryRun) {
    const stopped = cls.replicas.filter((n) => check.servers.find((s) => s.name === n)?.state?.replica?.sqlRunning === false);
    if (stopped.length) {
      await step(run, 'start-sql', `1 check: start stopped SQL threads (${stopped.join(', ')})`,
        () => quick.failoverStartSqlThreads.executeWithOptions({ summary: `START SLAVE SQL_THREAD on ${stopped.join(', ')}` }, [{ cfg: check.cfg, servers: stopped }]),
        (r) => `started on ${r.started.join(', ') || 'none'}`);
    }
  }
  return check;
}

function modeOf(cfg: ClusterConfig, servers: ServerSnapshot[], cls: ServerClassification): { mode: ReplicationMode; reason: string } {
  const decided = replicationModeOf(recoveryReplicas(servers, cls));
  if (decided.mode === 'gtid' && cfg.replication.useGtidAutoPosition === false) {
    return { mode: 'filepos', reason: 'replication.useGtidAutoPosition is false: file/position mode' };
  }
  return decided;
}

// ---------------------------------------------------------------------------------------------
// 2. Dead master shutdown

async function phase2Fence(run: Run, check: FailoverCheckResult): Promise<{ servers: ServerSnapshot[]; sshReachable: boolean }> {
  const { cfg } = check;
  if (run.input.dryRun) {
    const servers = await step(run, 'read-replicas', '3.1 read every replica\'s position (dry run: nothing stopped)',
      () => quick.failoverReadServers.executeWithOptions({ summary: `read the replication state of every server of ${cfg.cluster}` }, [{ cfg }]),
      describePositions);
    return { servers, sshReachable: check.deadCheck.sshReachable };
  }
  const replicas = check.servers.filter((s) => s.name !== check.deadMaster.name && s.state?.replica).map((s) => s.name);
  const stopped = await step(run, 'stop-io', `2 fence: stop the IO thread on ${replicas.join(', ')}, read their final positions`,
    () => quick.failoverStopIoThreads.executeWithOptions({ summary: `STOP SLAVE IO_THREAD on ${replicas.join(', ')}, then read every server's replication state` }, [{ cfg, replicas }]),
    (r) => `${r.servers.map((s) => `${s.name}: ${s.wasRunning ? 'stopped' : 'already stopped'}`).join(', ')}; ${describePositions(r.snapshots)}`);
  const nowStopped = stopped.servers.filter((x) => x.wasRunning).map((x) => x.name);
  if (nowStopped.length) run.changes.push(`IO threads stopped on ${nowStopped.join(', ')}`);
  const hooks = [cfg.hooks.masterIpFailover ? 'master_ip_failover' : null, cfg.hooks.shutdown ? 'shutdown' : null].filter(Boolean);
  if (hooks.length === 0) {
    // Nothing to run: the step is recorded (and warned about) without an activity.
    const notes = [NO_MASTER_IP_FAILOVER_HOOK, NO_SHUTDOWN_HOOK];
    await step(run, 'fence', `2 fence: no fencing hook configured for ${check.deadMaster.name}`, async () => notes, (n) => n.join('; '));
    run.report.warnings.push(...notes);
    return { servers: stopped.snapshots, sshReachable: check.deadCheck.sshReachable };
  }
  const fence = await step(run, 'fence', `2 fence: ${hooks.join(' and ')} hook${hooks.length > 1 ? 's' : ''} for ${check.deadMaster.name}`,
    () => hook.failoverFenceDeadMaster.executeWithOptions({ summary: `fence ${check.deadMaster.name}: master_ip_failover --command=${check.deadCheck.sshReachable ? 'stopssh' : 'stop'}, shutdown hook` },
      [{ cfg, deadMaster: check.deadMaster.name, sshReachable: check.deadCheck.sshReachable }]),
    (r) => [...r.hooks.map((h) => `${h.hook}: exit ${h.code}`), ...r.notes].join('; '));
  run.report.warnings.push(...fence.notes);
  return { servers: stopped.snapshots, sshReachable: fence.sshReachable };
}

function describePositions(ss: ServerSnapshot[]): string {
  return ss.filter((s) => s.state?.replica).map((s) => `${s.name} read ${s.state!.replica!.sourceLogFile}:${s.state!.replica!.readSourceLogPos} exec ${s.state!.replica!.execSourceLogPos}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// 3.1 Latest and oldest replicas

async function phase31Latest(run: Run, check: FailoverCheckResult, servers: ServerSnapshot[]): Promise<{ cls: ServerClassification; latest: LatestAndOldest }> {
  const cls = classifyServers(servers, check.deadMaster);
  if (cls.blockers.length) refuse(`the failover cannot leave these servers behind: ${cls.blockers.join(' | ')}`);
  const lo = identifyLatestAndOldest(recoveryReplicas(servers, cls), { mode: run.report.mode });
  if (!lo.ok) refuse(lo.reason);
  await step(run, 'latest', `3.1 latest: ${lo.latest.join(', ')}; oldest: ${lo.oldest.join(', ')}`, async () => lo,
    (x) => `latest at ${x.latestPosition.file}:${x.latestPosition.pos}, oldest at ${x.oldestPosition.file}:${x.oldestPosition.pos}${x.reasons.length ? `; ${x.reasons.join('; ')}` : ''}`);
  run.report.latest = { latest: lo.latest, oldest: lo.oldest, latestPosition: lo.latestPosition, oldestPosition: lo.oldestPosition, reasons: lo.reasons, warnings: lo.warnings };
  run.report.warnings.push(...lo.warnings);
  return { cls, latest: lo };
}

// ---------------------------------------------------------------------------------------------
// 3.2 Save the dead master's binlog tail

async function phase32SaveBinlog(run: Run, cfg: ClusterConfig, check: FailoverCheckResult, cls: ServerClassification, lo: LatestAndOldest, sshReachable: boolean): Promise<SavedTail> {
  const from = lo.latestPosition;
  const tail = await step(run, 'save-binlog', `3.2 save ${check.deadMaster.name}'s binlog from ${from.file}:${from.pos}`,
    () => long.failoverSaveDeadMasterBinlog.executeWithOptions({ summary: `${run.input.dryRun ? 'measure' : 'save'} ${check.deadMaster.name}'s binlog tail from ${from.file}:${from.pos} onto ${cls.replicas.join(', ')}` },
      [{ cfg, deadMaster: check.deadMaster.name, from, targets: cls.replicas, runKey: run.runKey, dryRun: Boolean(run.input.dryRun), sshReachable }]),
    describeTail);
  run.report.binlogTail = tail;
  if (tail.status === 'unavailable') run.report.unrecoverable.push(`dead master binlog tail unrecoverable: any transaction ${check.deadMaster.name} wrote after ${from.file}:${from.pos} is lost (${tail.reason})`);
  if (tail.status === 'saved' && tail.cutBytes > 0) run.report.warnings.push(`the dead master's binlog ends with ${tail.cutBytes} bytes of an incomplete transaction or event (${tail.cutReason ?? ''}): never committed, not applied`);
  if (tail.status === 'nothing-new' && tail.note) run.report.warnings.push(tail.note);
  return tail;
}

function describeTail(t: SavedTail): string {
  if (t.status === 'saved') return `${t.transactions} transactions, ${t.bytes} bytes, up to ${t.endsAt.file}:${t.endsAt.pos}${t.cutBytes ? `; ${t.cutBytes} bytes cut (${t.cutReason})` : ''}`;
  if (t.status === 'nothing-new') return `nothing after the latest replica's position${t.note ? `; ${t.note}` : ''}`;
  return `unavailable: ${t.reason}`;
}

function deadMasterBinlogOf(t: SavedTail): DeadMasterBinlog {
  if (t.status === 'saved') return { status: 'saved', from: t.from, savedAs: t.fileName, bytes: t.bytes };
  if (t.status === 'nothing-new') return { status: 'nothing-new', from: t.from };
  return { status: 'unavailable', from: t.from, reason: t.reason };
}

// ---------------------------------------------------------------------------------------------
// 3.3 Choose the new master

interface Decision {
  newMaster: string;
  base: Extract<LatestBaseDecision, { ok: true }>;
  plan: FileposDiffPlan | GtidDiffPlan;
  facts: RelayPositionFact[];
  latest: LatestAndOldest;
}

/** Where the other replicas' read positions are in the latest replicas' relay logs (file/position mode). */
async function findRelayPositions(run: Run, cfg: ClusterConfig, lo: LatestAndOldest): Promise<RelayPositionFact[]> {
  const checks = relayLogChecksNeeded(lo);
  if (!checks.length) return [];
  const where = [...new Set(checks.map((c) => c.replica))].join(', ');
  return step(run, 'find-relay', `3.3 find read positions in ${where}'s relay logs`,
    () => quick.failoverFindRelayPositions.executeWithOptions({ summary: `find ${checks.map((c) => `${c.from.file}:${c.from.pos}`).join(', ')} in ${where}'s relay logs` }, [{ cfg, checks }]),
    (fs) => fs.map((f) => `${f.replica} ${f.from.file}:${f.from.pos}: ${f.found ? `${f.relayFile}:${f.relayPos}` : `not found (${f.detail})`}`).join('; '));
}

async function phase33ChooseNewMaster(run: Run, cfg: ClusterConfig, check: FailoverCheckResult, servers: ServerSnapshot[], cls: ServerClassification,
  lo: LatestAndOldest, tail: SavedTail, facts: RelayPositionFact[]): Promise<Decision> {
  const base = pickLatestBaseReplica(lo, cfg.servers, facts);
  if (!base.ok) refuse(base.reason);
  const candidates = assessCandidates({ servers, deadMaster: check.deadMaster, latest: lo, base, maxDelayBytes: cfg.failover.maxDelayBytes, classification: cls });
  run.report.candidates = candidates.servers;
  const choice = chooseNewMaster({ candidates, latest: lo, servers: cfg.servers, requested: run.input.newMaster ?? null });
  if (!choice.ok) refuse(choice.reason);
  const plan = planDiffs({ latest: lo, base, newMaster: choice.newMaster, binlog: deadMasterBinlogOf(tail) });
  if (!plan.ok) refuse(plan.reason);
  run.report.newMaster = choice.newMaster;
  run.report.newMasterReason = choice.reason;
  run.report.planSummary = [...base.reasons, ...plan.summary];
  run.progress.newMaster = choice.newMaster;
  for (const u of base.unrecoverable) run.report.unrecoverable.push(`${u.name}: ${u.reason}`);
  await step(run, 'choose', `3.3 new master: ${choice.newMaster}`, async () => choice, (c) => c.reason);
  return { newMaster: choice.newMaster, base, plan, facts, latest: lo };
}

// ---------------------------------------------------------------------------------------------
// 3.4 + 3.5 Recover the new master

interface NewMasterState {
  /** Where replicas start in the new master's binlog (file/position), read once its diff was applied, before it became writable. */
  coords: BinlogCoordinates;
  /** Its executed GTIDs then (GTID mode: what replicas wait for). */
  gtid: string;
}

function snapshotOf(servers: ServerSnapshot[], name: string): ServerSnapshot {
  return servers.find((s) => s.name === name)!;
}

function tailPart(tail: SavedTail, server: string): DiffPartSpec[] {
  if (tail.status !== 'saved') return [];
  const copy = tail.copies.find((c) => c.server === server);
  return copy ? [{ kind: 'savedTail', purpose: 'binlog_diff', path: copy.path, sha256: tail.sha256 }] : [];
}

function execPart(d: DrainOutcome, purpose: 'exec_diff' | 'read_diff' = 'exec_diff'): DiffPartSpec[] {
  return d.caughtUp ? [] : [{ kind: 'relay', purpose, server: d.server, relayFile: d.relay.file, relayPos: d.relay.pos }];
}

function readPart(decision: Decision, p: ServerDiffPlan): DiffPartSpec[] {
  if (!p.readDiff) return [];
  const from = p.readDiff.from;
  const fact = decision.facts.find((f) => f.replica === p.readDiff!.fromReplica && f.found && f.from.file === from.file && f.from.pos === from.pos);
  if (!fact || fact.relayFile === undefined || fact.relayPos === undefined) refuse(`no relay-log position of ${from.file}:${from.pos} in ${p.readDiff.fromReplica}'s relay logs for ${p.server}'s read_diff`);
  return [{ kind: 'relay', purpose: 'read_diff', server: p.readDiff.fromReplica, relayFile: fact.relayFile, relayPos: fact.relayPos }];
}

async function drain(run: Run, cfg: ClusterConfig, servers: ServerSnapshot[], server: string, phase: string): Promise<DrainOutcome> {
  const delayWas = snapshotOf(servers, server).state?.replica?.sqlDelay ?? 0;
  return step(run, `drain-${server}`, `${phase} ${server}: apply its relay log, then stop its SQL thread`,
    () => long.failoverDrainRelayLog.executeWithOptions({ summary: `${server}: ${delayWas ? `stop the SQL thread (MASTER_DELAY ${delayWas}: its relay log becomes its exec_diff)` : 'let the SQL thread apply the relay log, then stop it'}; record its binlog position` },
      [{ cfg, server, delayWas }]),
    (d) => `exec ${d.exec.file}:${d.exec.pos} read ${d.read.file}:${d.read.pos}${d.caughtUp ? ' (all applied)' : ` (exec_diff from relay ${d.relay.file}:${d.relay.pos})`} in ${d.waitedMs} ms; own binlog ${d.binlog ? `${d.binlog.file}:${d.binlog.pos}` : 'off'}`);
}

type Drains = Map<string, Promise<DrainOutcome>>;

/**
 * File/position mode: every recovered replica drains its relay log as soon as the final positions are
 * known (3.2 and 3.3 only read relay logs, never change them). GTID mode drains only the servers the new
 * master needs, once it is chosen. A dry run changes nothing.
 */
function startDrains(run: Run, cfg: ClusterConfig, servers: ServerSnapshot[], cls: ServerClassification): Drains {
  const drains: Drains = new Map();
  if (run.input.dryRun || run.report.mode !== 'filepos') return drains;
  const names = recoveryReplicas(servers, cls).map((s) => s.name);
  if (names.length) run.changes.push(`SQL threads stopped on ${names.join(', ')} once their relay logs were applied`);
  for (const name of names) {
    const p = drain(run, cfg, servers, name, '3.4/4');
    p.catch(() => undefined); // awaited where needed; a refusal meanwhile must not leave it unhandled
    drains.set(name, p);
  }
  return drains;
}

function drainOf(run: Run, cfg: ClusterConfig, servers: ServerSnapshot[], drains: Drains, server: string, phase: string): Promise<DrainOutcome> {
  let p = drains.get(server);
  if (!p) {
    p = drain(run, cfg, servers, server, phase);
    drains.set(server, p);
  }
  return p;
}

async function buildDiff(run: Run, cfg: ClusterConfig, target: string, parts: DiffPartSpec[], phase: string): Promise<DiffFile | null> {
  if (parts.length === 0) return null;
  const what = parts.map((p) => `${p.purpose}${p.kind === 'relay' ? ` from ${p.server}'s relay log ${p.relayFile}:${p.relayPos}` : ' from the saved dead master tail'}`).join(' + ');
  return step(run, `diff-${target}`, `${phase} generate ${target}'s diff`,
    () => long.failoverBuildDiff.executeWithOptions({ summary: `generate ${target}'s diff on its host: ${what}` }, [{ cfg, target, runKey: run.runKey, parts }]),
    (d) => `${d.transactions} transactions, ${d.bytes} bytes (${d.parts.map((p) => `${p.purpose} ${p.transactions}`).join(', ')})`);
}

async function applyDiff(run: Run, cfg: ClusterConfig, target: string, diff: DiffFile | null, own: OwnBinlog, phase: string): Promise<ApplyDiffResult | null> {
  if (!diff || diff.transactions === 0) return null;
  const start = own.binlog;
  if (!start) refuse(`${target} has no binary log (log_bin is off): its diff of ${diff.transactions} transactions cannot be applied exactly once`);
  return step(run, `apply-${target}`, `${phase} apply ${target}'s diff (${diff.transactions} transactions)`,
    () => long.failoverApplyDiff.executeWithOptions({ summary: `${target}: replay ${diff.transactions} transactions of ${diff.path} (binlog on, resumable from ${start.file}:${start.pos})` },
      [{ cfg, server: target, diff: { path: diff.path, sha256: diff.sha256 }, start: { file: start.file, pos: start.pos } }]),
    (a) => `${a.appliedNow} applied${a.alreadyApplied ? `, ${a.alreadyApplied} already there` : ''} in ${a.ms} ms`);
}

function recordOutcome(run: Run, o: ServerOutcome): void {
  const i = run.report.servers.findIndex((s) => s.server === o.server);
  if (i >= 0) run.report.servers[i] = { ...run.report.servers[i], ...o };
  else run.report.servers.push(o);
}

function diffSummary(d: DiffFile | null): ServerOutcome['diff'] {
  return d ? { path: d.path, sha256: d.sha256, bytes: d.bytes, transactions: d.transactions, parts: d.parts } : undefined;
}

interface NewMasterDiff {
  diff: DiffFile | null;
  planText: string;
  /** Its own binlog once drained (or caught up): where the apply starts counting. */
  own: OwnBinlog;
}

async function phase34NewMasterDiff(run: Run, cfg: ClusterConfig, decision: Decision, servers: ServerSnapshot[], tail: SavedTail, drains: Drains): Promise<NewMasterDiff> {
  const nm = decision.newMaster;
  const parts: DiffPartSpec[] = [];
  let planText: string;
  let own: OwnBinlog;
  if (decision.plan.mode === 'filepos') {
    const d = await drainOf(run, cfg, servers, drains, nm, '3.4');
    parts.push(...execPart(d), ...readPart(decision, decision.plan.newMaster), ...tailPart(tail, nm));
    planText = decision.plan.newMaster.summary;
    own = d;
  } else {
    const p = decision.plan.newMaster;
    const source = p.catchUpFrom ?? nm;
    const [mine, latest] = await Promise.all([drainOf(run, cfg, servers, drains, nm, '3.4'), source === nm ? null : drainOf(run, cfg, servers, drains, source, '3.4')]);
    own = mine;
    if (latest) {
      own = await step(run, `catch-up-${nm}`, `3.4 ${nm} catches up from ${source} (GTID)`,
        () => long.failoverCatchUp.executeWithOptions({ summary: `${nm}: replicate from ${source} with MASTER_USE_GTID=slave_pos up to ${latest.gtidBinlogPos}` },
          [{ cfg, target: nm, source, gtid: latest.gtidBinlogPos ?? '' }]),
        (r) => `reached ${r.gtid} in ${r.ms} ms`);
    }
    // What the latest replica received but could not execute (a transaction the dead master cut) comes first.
    const d = latest ?? mine;
    parts.push(...execPart(d, latest ? 'read_diff' : 'exec_diff'), ...tailPart(tail, nm));
    planText = p.summary;
  }
  return { diff: await buildDiff(run, cfg, nm, parts, '3.4'), planText, own };
}

async function phase35ApplyNewMasterDiff(run: Run, cfg: ClusterConfig, decision: Decision, d: NewMasterDiff): Promise<NewMasterState> {
  const nm = decision.newMaster;
  const applied = await applyDiff(run, cfg, nm, d.diff, d.own, '3.5');
  // The replicas start where the new master's binlog stands now: after its diff, before it is writable.
  const end = applied ? { coords: applied.end, gtid: applied.gtidExecuted } : d.own.binlog ? { coords: d.own.binlog, gtid: d.own.gtidExecuted } : null;
  if (!end) refuse(`${nm} has no binary log (log_bin is off): the replicas have nothing to replicate from`);
  recordOutcome(run, { server: nm, role: 'newMaster', plan: d.planText, diff: diffSummary(d.diff), applied: applied?.appliedNow ?? 0, alreadyApplied: applied?.alreadyApplied ?? 0 });
  return end;
}

async function phase35Promote(run: Run, cfg: ClusterConfig, check: FailoverCheckResult, nm: string): Promise<PromoteResult> {
  const r = await step(run, 'promote', `3.5 promote ${nm}: master_ip_failover --command=start, read_only=OFF`,
    () => hook.failoverPromote.executeWithOptions({ summary: `promote ${nm}: master_ip_failover --command=start, SET GLOBAL read_only=OFF` },
      [{ cfg, newMaster: nm, deadMaster: check.deadMaster.name }]),
    (p) => `${nm} writable${p.hook ? `; master_ip_failover exit ${p.hook.code}` : ''}`);
  run.report.timings.newMasterWritableMs = Date.now() - run.t0;
  return r;
}

// ---------------------------------------------------------------------------------------------
// 4. Recover every other replica

interface PreparedReplica { p: ServerDiffPlan; d: DrainOutcome; diff: DiffFile | null; applied: ApplyDiffResult | null }

/**
 * File/position mode: every other replica's diff is generated on its host and applied there while the new
 * master is promoted (nothing here touches the new master). All of them finish before any replica is
 * repointed: CHANGE MASTER discards a replica's relay logs, and the latest replica's are the read_diffs' source.
 */
function prepareReplicas(run: Run, cfg: ClusterConfig, decision: Decision, servers: ServerSnapshot[], tail: SavedTail, drains: Drains): Promise<PreparedReplica[]> {
  if (decision.plan.mode !== 'filepos') return Promise.resolve([]);
  const all = Promise.all(decision.plan.replicas.map(async (p) => {
    const d = await drainOf(run, cfg, servers, drains, p.server, '4');
    const diff = await buildDiff(run, cfg, p.server, [...execPart(d), ...readPart(decision, p), ...tailPart(tail, p.server)], '4');
    const applied = await applyDiff(run, cfg, p.server, diff, d, '4');
    return { p, d, diff, applied };
  }));
  all.catch(() => undefined); // awaited later; a failure of the new master's recovery must not leave it unhandled
  return all;
}

async function phase4RecoverReplicas(run: Run, cfg: ClusterConfig, decision: Decision, servers: ServerSnapshot[], prepared: PreparedReplica[], nm: NewMasterState): Promise<void> {
  if (decision.plan.mode === 'filepos') {
    await Promise.all(prepared.map(async ({ p, d, diff, applied }) => {
      await repointReplica(run, cfg, p.server, decision.newMaster, { coords: nm.coords }, d.delayWas);
      recordOutcome(run, { server: p.server, role: 'replica', plan: p.summary, diff: diffSummary(diff), applied: applied?.appliedNow ?? 0, alreadyApplied: applied?.alreadyApplied ?? 0, repointedTo: `${decision.newMaster} ${nm.coords.file}:${nm.coords.pos}` });
    }));
  } else {
    await Promise.all(decision.plan.replicas.map(async (p) => {
      const delay = snapshotOf(servers, p.server).state?.replica?.sqlDelay ?? 0;
      await repointReplica(run, cfg, p.server, decision.newMaster, { gtid: nm.gtid }, delay);
      recordOutcome(run, { server: p.server, role: 'replica', plan: p.summary, repointedTo: `${decision.newMaster} (GTID, up to ${nm.gtid})` });
    }));
  }
  run.report.timings.allReplicasRepointedMs = Date.now() - run.t0;
}

async function repointReplica(run: Run, cfg: ClusterConfig, server: string, newMaster: string, at: { coords: BinlogCoordinates } | { gtid: string }, delay: number): Promise<void> {
  const where = 'coords' in at ? `${at.coords.file}:${at.coords.pos}` : `GTID slave_pos, wait for ${at.gtid}`;
  await step(run, `repoint-${server}`, `4 ${server}: replicate from ${newMaster}`,
    () => long.failoverRepointReplica.executeWithOptions({ summary: `${server}: CHANGE MASTER TO ${newMaster} (${where}), START SLAVE` },
      [{ cfg, server, newMaster, delay, ...at }]),
    (r) => `${r.changed ? 'repointed' : 'already pointing there'}; IO ${r.ioRunning}, SQL ${r.sqlRunning ? 'Yes' : 'No'} in ${r.ms} ms`);
}

// ---------------------------------------------------------------------------------------------
// 5. Cleanup and report

async function phase5Cleanup(run: Run, cfg: ClusterConfig, decision: Decision): Promise<void> {
  const nm = decision.newMaster;
  const skipReset = cfg.servers.find((s) => s.name === nm)?.skipResetReplica === true;
  if (skipReset) return;
  await step(run, 'cleanup', `5 cleanup: RESET SLAVE ALL on ${nm}`,
    () => quick.failoverCleanup.executeWithOptions({ summary: `${nm}: RESET SLAVE ALL` }, [{ cfg, newMaster: nm }]),
    (r) => (r.reset ? 'replication settings removed' : 'nothing to reset'));
}

async function phase5Report(run: Run, cfg: ClusterConfig, check: FailoverCheckResult, decision: Decision): Promise<void> {
  const nm = decision.newMaster;
  if (!cfg.hooks.report) {
    await step(run, 'report', '5 report: no report hook configured', async () => null, () => 'the report is this workflow\'s result');
    return;
  }
  const replicas = run.report.servers.filter((s) => s.role === 'replica').map((s) => s.server);
  const lost = run.report.unrecoverable.length ? ` Unrecoverable: ${run.report.unrecoverable.join('; ')}` : '';
  await step(run, 'report', '5 report hook',
    () => hook.failoverReport.executeWithOptions({ summary: `report hook: ${check.deadMaster.name} -> ${nm}` }, [{
      cfg, deadMaster: check.deadMaster.name, newMaster: nm, replicas,
      subject: `${cfg.cluster}: MySQL master failover ${check.deadMaster.name} to ${nm} succeeded`,
      body: `Master ${check.deadMaster.name} is down. ${nm} is the new master; ${replicas.join(', ') || 'no replica'} replicate from it.${lost}`,
    }]),
    (r) => (r.hook ? `exit ${r.hook.code}` : 'no report hook configured'));
}
