// failover: a dead master is replaced by the best replica, and every survivor ends up with everything any
// of them (or the dead master's binlog) still holds. The story below follows MHA's phases
// (docs: failover-phases.md); each step is an activity named in the UI by its summary, each decision a pure
// function of activity results (src/failover/decisions.ts, src/topology), so a crashed worker resumes at
// the last completed step with the same decisions. Steps that run side by side are joined where they start.
import { ActivityFailure, ApplicationFailure, defineQuery, isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ApplyDiffResult, DrainOutcome, OwnBinlog } from '../activities/failover-apply';
import type { PromoteResult } from '../activities/failover-promote';
import type { ClusterRef } from '../src/config/registry';
import { PROGRESS_QUERY } from '../src/contracts/common';
import type { FailoverInput, FailoverProgress, FailoverReport, ServerOutcome } from '../src/contracts/failover';
import type { SavedTail } from '../src/failover/deadmaster';
import {
  catchUpGtid, catchUpReadPart, decideFailoverStart, decideFence, decideFencePlan, fenceBesideIoStop, deadMasterBinlogOf, identitiesOf, missingOnNewMaster, withoutTailCopy, execPart, invalidFailoverInput,
  newMasterStart, readPart, replicaTailSource, tailFindings, tailPart, type ClusterFacts, type DrainFacts, type FencePlan, type RelayPositionFact, type StartDecision,
} from '../src/failover/decisions';
import type { DiffFile, DiffPartSpec } from '../src/failover/diff';
import { FAILOVER_STEPS, stepId, type FailoverStepKind, type StepArgs } from '../src/failover/steps';
import { formatCoordinates, sameCoordinates } from '../src/binlog/coordinates';
import { mariaGtidText } from '../src/binlog/gtid';
import type { BinlogCoordinates } from '../src/mysql/client';
import type { ServerIdentity } from '../src/mysql/identity';
import type { Flavor } from '../src/mysql/status';
import {
  assessCandidates, chooseNewMaster, identifyLatestAndOldest, pickLatestBaseReplica, planDiffs, recoveryReplicas, relayLogChecksNeeded,
  type FileposDiffPlan, type GtidDiffPlan, type LatestAndOldest, type LatestBaseDecision, type ServerDiffPlan, type ServerSnapshot,
} from '../src/topology';
import { HOOK_STEP, LONG_STEP, QUICK_STEP, refuse } from './options';
import { StepRun, stepsMarkdown } from './steps';

export const progressQuery = defineQuery<FailoverProgress>(PROGRESS_QUERY);

const quick = proxyActivities<typeof activities>(QUICK_STEP);
const long = proxyActivities<typeof activities>(LONG_STEP);
const hook = proxyActivities<typeof activities>(HOOK_STEP);

/** How long a replica's SQL thread may take to apply its relay log before what is left becomes its exec_diff. */
const DRAIN_PATIENCE_MS = 5000;

// ---------------------------------------------------------------------------------------------
// The story

export async function failover(input: FailoverInput): Promise<FailoverReport> {
  const bad = invalidFailoverInput(input);
  if (bad) throw ApplicationFailure.nonRetryable(bad, 'ConfigError');
  const run = new FailoverRun(input);
  setHandler(progressQuery, () => run.progress, { description: 'the failover step in progress and the steps done, with their durations' });
  try {
    // 1. Check: every server read, the dead master confirmed dead by a second, different check, no recent failover.
    const start = await checkCluster(run);
    //    How the dead master will be fenced: decided now, so that a master nothing can fence is refused
    //    before anything changes.
    const fencing = planFencing(run, start);
    //    Replicas whose SQL thread stopped without an error apply their relay logs again.
    await startStoppedSqlThreads(run, start);
    // 2. Fence: each replica receives what was still in flight, then its IO thread stops (the final
    //    positions); then the dead master is fenced, and seen so. When its own host saw its port refuse
    //    connections nothing is in flight: it is fenced meanwhile.
    const [servers, sshReachable] = await stopIoThreadsAndFence(run, start, fencing);
    // 3.1 The latest and oldest replicas.
    const latest = identifyLatest(run, start, servers);
    // 3.2-3.3 Side by side: the dead master's binlog tail is saved; the latest replicas' relay logs are searched
    //     for the others' read positions; every replica applies its relay log (file/position mode).
    const [tail, relayFacts, drains] = await Promise.all([
      saveDeadMasterBinlog(run, start, latest, sshReachable),
      findRelayPositions(run, latest),
      drainReplicas(run, start, servers),
    ]);
    // 3.3 The new master, and every server's diff plan.
    const decision = chooseTheNewMaster(run, start, servers, latest, tail, relayFacts);
    if (input.dryRun) return run.end('dry-run');
    // 3.4-3.5 The new master's diff is generated on its host and applied. Beside it, only the replicas that will take
    //     the dead master's tail from the new master by replication (file/position: replicaTailSource) apply what they
    //     lack of the latest replica's relay log; the others' diffs (the tail in them) wait: on shared hardware they
    //     would slow the new master's apply down.
    const tailFrom = tailByReplication(decision, drains);
    const early = new Map(decision.replicas.filter((p) => tailFrom.has(p.server))
      .map((p) => [p.server, settledLater(prepareReplica(run, start, decision, servers, p, tail, drains, tailFrom.get(p.server)))]));
    const nm = await recoverNewMaster(run, decision, servers, tail, drains);
    //     It holds everything every survivor holds, or it is not promoted.
    requireNewMasterHoldsAll(run, decision, servers, drains, nm);
    run.report.newMasterStart = nm;
    // 3.6 + 4 side by side: the new master is promoted while every other replica's diff is generated on its
    //     host and applied there (nothing of that touches the new master), or the one begun beside its apply ends.
    //     A replica whose recovery fails is left out and reported: it does not stop the others.
    const [, prepared] = await Promise.all([
      promote(run, start, decision.newMaster),
      Promise.all(decision.replicas.map((p) => orLeaveOut(run, p.server, nm,
        () => early.get(p.server) ?? prepareReplica(run, start, decision, servers, p, tail, drains)))),
    ]);
    // 4-5 Side by side, once every diff is applied (a CHANGE MASTER or a RESET SLAVE ALL deletes the relay logs
    //     the read_diffs came from): every replica replicates from the new master, which forgets its old source;
    //     one that takes the tail by replication (as every GTID replica does) is waited for until it executed it.
    await Promise.all([
      Promise.all(prepared.filter((r): r is PreparedReplica => r !== null).map((r) => orLeaveOut(run, r.plan.server, nm, () => repointReplica(run, decision, r, nm)))),
      forgetOldSource(run, start, decision.newMaster),
    ]);
    run.report.timings.allReplicasRepointedMs = run.elapsed();
    // 5. Report.
    await sendReport(run, start, decision.newMaster);
    return run.end('completed');
  } catch (e) {
    // refused: nothing was changed; aborted: something was, and a later failover must not start afresh over it.
    run.finish(run.changes.length ? 'aborted' : 'refused');
    const done = run.changes.length ? ` (already done: ${run.changes.join('; ')})` : '';
    if (!isCancellation(e)) await reportFailure(run, `${e instanceof Error ? e.message : String(e)}${done}`);
    if (e instanceof ApplicationFailure && e.type === 'RefusedError' && done) throw ApplicationFailure.nonRetryable(`${e.message}${done}`, 'RefusedError');
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The run's state: progress (query, UI) and report

class FailoverRun extends StepRun {
  /** What this run changed so far on the servers, for a refusal's message: nothing is left unreported. */
  readonly changes: string[] = [];
  readonly report: FailoverReport;
  cluster: ClusterRef = { name: '', digest: '' };
  identities: Record<string, ServerIdentity> = {};
  /** failover.deadline: how long a step may wait for a worker before what it acts on counts as stale. */
  deadlineMs = 0;
  /** When the last step ended (or the run began): a step starting much later resumes on stale facts. */
  private lastProgressAt = Date.now();
  /** A run reset to before a failed step (mhaflow failover --resume) resumes once, whatever the wait. */
  private resumeAllowed = workflowInfo().runId !== workflowInfo().firstExecutionRunId;

  /** What every step after the check is given: the cluster, the servers as the check found them, its deadline. */
  get scope(): { cluster: ClusterRef; identities: Record<string, ServerIdentity>; deadline?: number } {
    return { cluster: this.cluster, identities: this.identities, ...(this.deadlineMs ? { deadline: Date.now() + this.deadlineMs } : {}) };
  }

  /** No progress for longer than failover.deadline (no worker ran it): the facts are stale, nothing more is done. */
  private checkNotStale(title: string): void {
    const idle = Date.now() - this.lastProgressAt;
    if (this.deadlineMs && idle > this.deadlineMs) {
      if (this.resumeAllowed) this.resumeAllowed = false;
      else {
        refuse(`this failover made no progress for ${Math.round(idle / 1000)} s (more than failover.deadline) before "${title}": `
          + 'it would act on positions and states read long before; run a new failover (or --resume, which checks each server again)');
      }
    }
    this.lastProgressAt = Date.now();
  }
  /** Which hooks the cluster has (known once the check read its config). */
  hooks: ClusterFacts['hooks'] | null = null;

  constructor(readonly input: FailoverInput) {
    super(Boolean(input.dryRun), (run) => renderDetails(run as FailoverRun));
    this.report = {
      cluster: input.cluster, workflowId: this.workflowId, runId: this.runId, dryRun: Boolean(input.dryRun), mode: 'filepos', modeReason: '',
      deadMaster: '', deadCheck: { alive: false, sshReachable: false, verdict: 'down', sql: 'refused', ownHost: null, evidence: [] }, fence: null,
      newMaster: null, newMasterReason: '', latest: null,
      candidates: [], planSummary: [], binlogTail: null, unrecoverable: [], leftOut: [], servers: [], steps: this.progress.steps,
      timings: { newMasterWritableMs: null, allReplicasRepointedMs: null, totalMs: 0 }, warnings: [],
    };
  }

  /** Run a step of the table: its id, phase, title and activity summary come from FAILOVER_STEPS. */
  step<T>(kind: FailoverStepKind, a: StepArgs, fn: (summary: string) => Promise<T>, describe?: (r: T) => string): Promise<T> {
    const spec = FAILOVER_STEPS[kind];
    this.checkNotStale(spec.title(a));
    return this.run(stepId(kind, a.server), spec.phase, spec.title(a), () => fn(spec.summary(a)), describe)
      .finally(() => { this.lastProgressAt = Date.now(); });
  }

  /** A step of the table with nothing to run. */
  decided(kind: FailoverStepKind, a: StepArgs, detail: string): void {
    const spec = FAILOVER_STEPS[kind];
    this.record(stepId(kind, a.server), spec.phase, spec.title(a), detail);
  }

  /** A replica this failover does not recover, and why: reported, with what to do. */
  leaveOut(server: string, reason: string, hint: string): void {
    if (this.report.leftOut.some((l) => l.server === server)) return;
    this.report.leftOut.push({ server, reason, hint });
    this.report.warnings.push(`${server} left out: ${reason}`);
  }

  recordOutcome(o: ServerOutcome): void {
    const i = this.report.servers.findIndex((s) => s.server === o.server);
    if (i >= 0) this.report.servers[i] = { ...this.report.servers[i], ...o };
    else this.report.servers.push(o);
  }

  end(phase: 'completed' | 'dry-run'): FailoverReport {
    this.report.timings.totalMs = this.elapsed();
    this.finish(phase);
    return this.report;
  }
}

function renderDetails(run: FailoverRun): string {
  const r = run.report;
  const lines = [
    `**failover of ${r.cluster}**${r.dryRun ? ' (dry run: nothing is changed)' : ''}`,
    `dead master **${r.deadMaster || '?'}** · new master **${r.newMaster ?? '?'}**${r.newMasterReason ? ` (${r.newMasterReason})` : ''} · mode ${r.mode}`,
    '', ...stepsMarkdown(run.steps),
  ];
  if (r.planSummary.length) lines.push('', '**plan**', ...r.planSummary.map((l) => `- ${l}`));
  if (r.unrecoverable.length) lines.push('', '**unrecoverable**', ...r.unrecoverable.map((l) => `- ${l}`));
  if (r.leftOut?.length) lines.push('', '**left out**', ...r.leftOut.map((l) => `- ${l.server}: ${l.reason}; ${l.hint}`));
  return lines.join('\n');
}

type Go = Extract<StartDecision, { ok: true }> & {
  facts: ClusterFacts;
  /** Each server's relay_log_purge before this failover changed anything (given back when it is repointed). */
  relayLogPurge: Record<string, boolean>;
};

// ---------------------------------------------------------------------------------------------
// 1. Check

async function checkCluster(run: FailoverRun): Promise<Go> {
  const { input, report } = run;
  const facts = await run.step('check', { deadMaster: input.deadMaster, dryRun: input.dryRun },
    (summary) => quick.failoverCheck.executeWithOptions({ summary }, [{ cluster: input.cluster, deadMaster: input.deadMaster, lookupLastFailover: !input.dryRun }]),
    (f) => [
      f.examined ? `${f.examined}: ${[...(f.deadCheck?.evidence ?? ['answers SQL']), ...(f.secondaryCheck ? [f.secondaryCheck.output] : [])].join('; ')}` : 'no master found',
      f.lastFailover ? `last failover: ${f.lastFailover.last ? `${f.lastFailover.last.closeTime}${input.ignoreLastFailover ? ' (ignored: --ignore-last-failover)' : ''}` : 'none within the window'}` : '',
      `servers probed in ${f.timings.probesMs} ms${f.timings.deadCheckMs !== null ? `, dead check ${f.timings.deadCheckMs} ms` : ''}`
        + `${f.timings.lastFailoverMs !== null ? `, last-failover lookup ${f.timings.lastFailoverMs} ms` : ''}`,
    ].filter(Boolean).join('; '));
  run.cluster = { name: facts.cluster.name, digest: facts.cluster.digest };
  run.identities = identitiesOf(facts.servers);
  run.deadlineMs = facts.cluster.failover.deadlineMs;
  run.hooks = facts.cluster.hooks;
  run.setCluster(facts.cluster.name);
  const start = decideFailoverStart(facts, input);
  if (!start.ok) refuse(start.reason);
  report.deadMaster = start.deadMaster.name;
  report.deadCheck = start.deadCheck;
  report.mode = start.mode;
  report.modeReason = start.modeReason;
  const relayLogPurge = Object.fromEntries(facts.servers.filter((x) => x.state).map((x) => [x.name, x.state!.relayLogPurge]));
  return { ...start, facts: facts.cluster, relayLogPurge };
}

async function startStoppedSqlThreads(run: FailoverRun, start: Go): Promise<void> {
  if (!start.sqlToStart.length) return;
  await run.step('start-sql', { servers: start.sqlToStart },
    (summary) => quick.failoverStartSqlThreads.executeWithOptions({ summary }, [{ ...run.scope, servers: start.sqlToStart }]),
    (r) => `started on ${r.started.join(', ') || 'none'}`);
}

// ---------------------------------------------------------------------------------------------
// 2. Fence

async function stopIoThreads(run: FailoverRun, start: Go): Promise<ServerSnapshot[]> {
  const replicas = start.replicas;
  if (run.input.dryRun) {
    return run.step('read-replicas', { servers: replicas },
      (summary) => quick.failoverReadServers.executeWithOptions({ summary }, [{ ...run.scope, replicas }]),
      describePositions);
  }
  const keepRelayLogs = start.mode === 'filepos';
  const stopped = await run.step('stop-io', { servers: replicas },
    (summary) => quick.failoverStopIoThreads.executeWithOptions({ summary }, [{ ...run.scope, replicas, keepRelayLogs }]),
    (r) => `${r.servers.map((s) => `${s.name}: ${s.wasRunning ? `stopped (${s.settled})` : 'already stopped'}`).join(', ')}; ${describePositions(r.snapshots)}`);
  const nowStopped = stopped.servers.filter((x) => x.wasRunning).map((x) => x.name);
  if (nowStopped.length) run.changes.push(`IO threads stopped on ${nowStopped.join(', ')}`);
  if (keepRelayLogs) run.changes.push(`relay_log_purge off on ${replicas.join(', ')}`);
  return stopped.snapshots;
}

/**
 * The dead master fenced, and seen so (its mysqld killed over SSH, or the shutdown hook), or the failover
 * refuses: no replica becomes writable while the old master could wake up writable. Returns whether its host
 * still answers SSH (its binlog can then be read).
 */
function planFencing(run: FailoverRun, start: Go): Extract<FencePlan, { ok: true }> {
  const dead = start.deadMaster.name;
  const allowUnfenced = start.facts.failover.allowUnfenced || Boolean(run.input.noFence);
  const plan = decideFencePlan({ name: dead, verdict: start.deadCheck.verdict, sshReachable: start.deadCheck.sshReachable }, start.facts.hooks, allowUnfenced);
  if (!plan.ok) refuse(plan.reason);
  run.report.fence = { method: plan.method, why: plan.why, verified: false };
  return plan;
}

async function fenceDeadMaster(run: FailoverRun, start: Go, plan: Extract<FencePlan, { ok: true }>): Promise<boolean> {
  const dead = start.deadMaster.name;
  const { hooks } = start.facts;
  const sshReachable = start.deadCheck.sshReachable;
  if (run.input.dryRun) {
    run.decided('fence', { deadMaster: dead, detail: `dry run: would fence by ${plan.method}` }, plan.why);
    return sshReachable;
  }
  const how = [hooks.masterIpFailover ? 'master_ip_failover' : null, plan.method === 'shutdown-hook' ? 'shutdown hook' : null,
    plan.method === 'stop-mysqld' ? 'stop its mysqld over SSH' : null].filter((x): x is string => x !== null);
  const facts = await run.step('fence', { deadMaster: dead, detail: how.length ? how.join(', then ') : 'nothing can fence it (--no-fence)' },
    (summary) => hook.failoverFenceDeadMaster.executeWithOptions({ summary }, [{ ...run.scope, deadMaster: dead, sshReachable, method: plan.method }]),
    (f) => [...f.runs.map((h) => `${h.hook}: exit ${h.code ?? h.signal}`), ...f.stopNotes, ...f.evidence].join('; '));
  const fence = decideFence(dead, hooks, facts, sshReachable);
  if (!fence.ok) refuse(fence.reason);
  run.changes.push(`${dead} fenced (${plan.method})`);
  run.report.fence = { method: plan.method, why: plan.why, verified: fence.verified };
  run.report.warnings.push(...fence.notes.filter((n) => !n.startsWith(`${dead} fenced`)));
  return fence.sshReachable;
}

/** A run that began before fencing beside the IO threads' stop replays them one after the other. */
const FENCE_BESIDE_IO_STOP = 'failover-fence-beside-io-stop';

/**
 * The IO threads stopped, then the dead master fenced; side by side when nothing is in flight (fenceBesideIoStop).
 * Either way both have ended before a failure of one is thrown, so that what the other changed is reported.
 */
async function stopIoThreadsAndFence(run: FailoverRun, start: Go, plan: Extract<FencePlan, { ok: true }>): Promise<[ServerSnapshot[], boolean]> {
  if (run.input.dryRun || !fenceBesideIoStop(start.deadCheck) || !patched(FENCE_BESIDE_IO_STOP)) {
    const servers = await stopIoThreads(run, start);
    return [servers, await fenceDeadMaster(run, start, plan)];
  }
  const io = settledLater(stopIoThreads(run, start));
  const fenced = settledLater(fenceDeadMaster(run, start, plan));
  await Promise.allSettled([io, fenced]);
  return [await io, await fenced];
}

function describePositions(ss: ServerSnapshot[]): string {
  return ss.filter((s) => s.state?.replica).map((s) => `${s.name} read ${s.state!.replica!.sourceLogFile}:${s.state!.replica!.readSourceLogPos} exec ${s.state!.replica!.execSourceLogPos}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// 3.1-3.3 The latest replicas, the dead master's tail, the relay logs, the new master

function identifyLatest(run: FailoverRun, start: Go, servers: ServerSnapshot[]): LatestAndOldest {
  const lo = identifyLatestAndOldest(recoveryReplicas(servers, start.classification), { mode: start.mode });
  if (!lo.ok) refuse(lo.reason);
  run.decided('latest', { detail: `${lo.latest.join(', ')}; oldest: ${lo.oldest.join(', ')}` },
    `latest at ${lo.latestPosition.file}:${lo.latestPosition.pos}, oldest at ${lo.oldestPosition.file}:${lo.oldestPosition.pos}${lo.reasons.length ? `; ${lo.reasons.join('; ')}` : ''}`);
  run.report.latest = { latest: lo.latest, oldest: lo.oldest, latestPosition: lo.latestPosition, oldestPosition: lo.oldestPosition, reasons: lo.reasons, warnings: lo.warnings };
  run.report.warnings.push(...lo.warnings);
  return lo;
}

async function saveDeadMasterBinlog(run: FailoverRun, start: Go, lo: LatestAndOldest, sshReachable: boolean): Promise<SavedTail> {
  const from = lo.latestPosition;
  const dead = start.deadMaster.name;
  const targets = start.classification.replicas;
  const tail = await run.step('save-binlog', { deadMaster: dead, at: `${from.file}:${from.pos}`, servers: targets, dryRun: run.input.dryRun },
    (summary) => long.failoverSaveDeadMasterBinlog.executeWithOptions({ summary },
      [{ ...run.scope, deadMaster: dead, from, targets, runKey: runKeyOf(run), dryRun: Boolean(run.input.dryRun), sshReachable }]),
    describeTail);
  run.report.binlogTail = tail;
  const found = tailFindings(tail, dead);
  run.report.unrecoverable.push(...found.unrecoverable);
  run.report.warnings.push(...found.warnings);
  return tail;
}

function describeTail(t: SavedTail): string {
  if (t.status === 'saved') return `${t.transactions} transactions, ${t.bytes} bytes, up to ${t.endsAt.file}:${t.endsAt.pos}${t.cutBytes ? `; ${t.cutBytes} bytes cut (${t.cutReason})` : ''}`;
  if (t.status === 'nothing-new') return `nothing after the latest replica's position${t.note ? `; ${t.note}` : ''}`;
  return `unavailable: ${t.reason}`;
}

/** Where the other replicas' read positions are in the latest replicas' relay logs (file/position mode). */
async function findRelayPositions(run: FailoverRun, lo: LatestAndOldest): Promise<RelayPositionFact[]> {
  const checks = relayLogChecksNeeded(lo);
  if (!checks.length) return [];
  const where = [...new Set(checks.map((c) => c.replica))];
  return run.step('find-relay', { servers: where, at: checks.map((c) => `${c.from.file}:${c.from.pos}`).join(', ') },
    (summary) => quick.failoverFindRelayPositions.executeWithOptions({ summary }, [{ ...run.scope, checks }]),
    (fs) => fs.map((f) => `${f.replica} ${f.from.file}:${f.from.pos}: ${f.found ? `${f.relayFile}:${f.relayPos}` : `not found (${f.detail})`}`).join('; '));
}

type Drained = Map<string, DrainOutcome>;

/**
 * Apply a server's relay log, then stop its SQL thread and record its own binlog position: the start an
 * exactly-once apply counts from (and the new master's coordinates for the replicas when it has no diff).
 */
async function drain(run: FailoverRun, servers: ServerSnapshot[], server: string): Promise<DrainOutcome> {
  const delayWas = servers.find((s) => s.name === server)?.state?.replica?.sqlDelay ?? 0;
  return run.step('drain', { server, detail: delayWas ? `stop the SQL thread (MASTER_DELAY ${delayWas}: its relay log becomes its exec_diff)` : undefined },
    (summary) => long.failoverDrainRelayLog.executeWithOptions({ summary }, [{ ...run.scope, server, delayWas, patienceMs: DRAIN_PATIENCE_MS }]),
    (d) => `exec ${d.exec.file}:${d.exec.pos} read ${d.read.file}:${d.read.pos}${d.caughtUp ? ' (all applied)' : ` (exec_diff from relay ${d.relay.file}:${d.relay.pos})`}`
      + ` in ${d.waitedMs} ms; own binlog ${d.binlog ? `${d.binlog.file}:${d.binlog.pos}` : 'off'}`);
}

/** File/position mode: every recovered replica drains (3.2 and 3.3 only read relay logs). GTID mode: the new master's recovery drains what it needs. */
async function drainReplicas(run: FailoverRun, start: Go, servers: ServerSnapshot[]): Promise<Drained> {
  const drained: Drained = new Map();
  if (run.input.dryRun || start.mode !== 'filepos') return drained;
  const names = start.classification.replicas;
  if (names.length) run.changes.push(`SQL threads stopped on ${names.join(', ')} once their relay logs were applied`);
  for (const d of await Promise.all(names.map((n) => drain(run, servers, n)))) drained.set(d.server, d);
  return drained;
}

async function drainedOf(run: FailoverRun, servers: ServerSnapshot[], drained: Drained, server: string): Promise<DrainOutcome> {
  const d = drained.get(server) ?? await drain(run, servers, server);
  drained.set(server, d);
  return d;
}

interface Decision {
  newMaster: string;
  base: Extract<LatestBaseDecision, { ok: true }>;
  plan: FileposDiffPlan | GtidDiffPlan;
  /** The other replicas' plans. */
  replicas: ServerDiffPlan[];
  facts: RelayPositionFact[];
}

function chooseTheNewMaster(run: FailoverRun, start: Go, servers: ServerSnapshot[], lo: LatestAndOldest, tail: SavedTail, facts: RelayPositionFact[]): Decision {
  const base = pickLatestBaseReplica(lo, servers, facts);
  if (!base.ok) refuse(base.reason);
  const candidates = withoutTailCopy(assessCandidates({
    servers, deadMaster: start.deadMaster, latest: lo, base, maxDelayBytes: start.facts.failover.maxDelayBytes, classification: start.classification,
    allowErrant: run.input.allowErrantCandidate,
  }), tail);
  run.report.candidates = candidates.servers;
  const choice = chooseNewMaster({ candidates, latest: lo, servers, requested: run.input.newMaster ?? null });
  if (!choice.ok) refuse(choice.reason);
  const plan = planDiffs({ latest: lo, base, newMaster: choice.newMaster, binlog: deadMasterBinlogOf(tail) });
  if (!plan.ok) refuse(plan.reason);
  for (const l of plan.leftOut) run.leaveOut(l.name, l.reason, l.todo);
  Object.assign(run.report, { newMaster: choice.newMaster, newMasterReason: choice.reason, planSummary: [...base.reasons, ...plan.summary] });
  run.progress.newMaster = choice.newMaster;
  run.report.unrecoverable.push(...base.unrecoverable.map((u) => `${u.name}: ${u.reason}`));
  run.decided('choose', { newMaster: choice.newMaster }, choice.reason);
  let replicas: ServerDiffPlan[] = plan.mode === 'filepos' ? plan.replicas : plan.replicas.map((r) => ({ server: r.server, summary: r.summary } as ServerDiffPlan));
  if (plan.mode === 'filepos' && tail.status === 'saved') {
    // Without its copy of the tail a replica would miss the dead master's last transactions for good: left out.
    for (const f of tail.failedCopies.filter((x) => replicas.some((r) => r.server === x.server))) {
      run.leaveOut(f.server, `could not receive the dead master's binlog tail (${f.error})`, `${f.server} lacks the dead master's last ${tail.transactions} `
        + `transactions: copy ${tail.fileName} from ${choice.newMaster}'s run directory, apply it from its own binlog position, then point it at ${choice.newMaster}; or rebuild it`);
    }
    replicas = replicas.filter((r) => !tail.failedCopies.some((f) => f.server === r.server));
  }
  return { newMaster: choice.newMaster, base, plan, replicas, facts };
}

// ---------------------------------------------------------------------------------------------
// 3.4-3.6 The new master

interface NewMasterStart {
  /** Where replicas start in the new master's binlog (file/position): after its diff, before it became writable. */
  coords: BinlogCoordinates;
  /** Its executed GTIDs then (GTID mode: what replicas wait for). */
  gtid: string;
  /** Every GTID it held then. */
  held: string;
}

const runKeyOf = (run: FailoverRun) => `failover-${run.runId.slice(0, 8)}`;

async function buildDiff(run: FailoverRun, newMaster: string, target: string, parts: DiffPartSpec[]): Promise<DiffFile | null> {
  if (parts.length === 0) return null;
  const what = parts.map((p) => `${p.purpose}${p.kind === 'relay' ? ` from ${p.server}'s relay log ${p.relayFile}:${p.relayPos}` : ' from the saved dead master tail'}`).join(' + ');
  return run.step('diff', { server: target, newMaster, detail: what },
    (summary) => long.failoverBuildDiff.executeWithOptions({ summary }, [{ ...run.scope, target, runKey: runKeyOf(run), parts }]),
    (d) => `${d.transactions} transactions, ${d.bytes} bytes (${d.parts.map((p) => `${p.purpose} ${p.transactions}`).join(', ')})`);
}

async function applyDiff(run: FailoverRun, newMaster: string, target: string, diff: DiffFile | null, own: OwnBinlog): Promise<ApplyDiffResult | null> {
  if (!diff || diff.transactions === 0) return null;
  const start = own.binlog;
  if (!start) refuse(`${target} has no binary log (log_bin is off): its diff of ${diff.transactions} transactions cannot be applied exactly once`);
  return run.step('apply', { server: target, newMaster, detail: `${diff.transactions} transactions`, at: `${start.file}:${start.pos}` },
    (summary) => long.failoverApplyDiff.executeWithOptions({ summary },
      [{ ...run.scope, server: target, diff: { path: diff.path, sha256: diff.sha256 }, start: { file: start.file, pos: start.pos } }]),
    (a) => `${a.appliedNow} applied${a.alreadyApplied ? `, ${a.alreadyApplied} already there` : ''} in ${a.ms} ms`);
}

function diffSummary(d: DiffFile | null): ServerOutcome['diff'] {
  return d ? { path: d.path, sha256: d.sha256, bytes: d.bytes, transactions: d.transactions, parts: d.parts } : undefined;
}

function partsOrRefuse(r: ReturnType<typeof readPart>): DiffPartSpec[] {
  if (!r.ok) refuse(r.reason);
  return r.parts;
}

/** Its diff (file/position: exec + read + binlog; GTID: after catching up from the latest replica, its tail), applied. */
async function recoverNewMaster(run: FailoverRun, d: Decision, servers: ServerSnapshot[], tail: SavedTail, drained: Drained): Promise<NewMasterStart> {
  const nm = d.newMaster;
  const parts: DiffPartSpec[] = [];
  let own: OwnBinlog;
  if (d.plan.mode === 'filepos') {
    const mine = await drainedOf(run, servers, drained, nm);
    parts.push(...execPart(mine as DrainFacts), ...partsOrRefuse(readPart(d.plan.newMaster, d.facts)), ...tailPart(tail, nm));
    own = mine;
  } else {
    const source = d.plan.newMaster.catchUpFrom ?? nm;
    const [mine, latest] = await Promise.all([drainedOf(run, servers, drained, nm), source === nm ? null : drainedOf(run, servers, drained, source)]);
    own = mine;
    if (latest) {
      own = await run.step('catch-up', { server: nm, source, at: catchUpGtid(latest) },
        (summary) => long.failoverCatchUp.executeWithOptions({ summary }, [{ ...run.scope, target: nm, source, gtid: catchUpGtid(latest) }]),
        (r) => `reached ${r.gtid} in ${r.ms} ms`);
    }
    // What the latest replica received but could not execute (a transaction the dead master cut) comes first.
    parts.push(...(latest ? catchUpReadPart(latest, flavorOf(servers, nm), own.gtidHeld) : execPart(mine)), ...tailPart(tail, nm));
  }
  const diff = await buildDiff(run, nm, nm, parts);
  const applied = await applyDiff(run, nm, nm, diff, own);
  const at = newMasterStart(applied, own);
  if (!at) refuse(`${nm} has no binary log (log_bin is off): the replicas have nothing to replicate from`);
  run.recordOutcome({ server: nm, role: 'newMaster', plan: d.plan.newMaster.summary, diff: diffSummary(diff), applied: applied?.appliedNow ?? 0, alreadyApplied: applied?.alreadyApplied ?? 0 });
  return at;
}

/** A server's flavor as the check read it (MariaDB when it could not be read). */
function flavorOf(servers: ServerSnapshot[], name: string): Flavor {
  return servers.find((s) => s.name === name)?.state?.flavor ?? 'mariadb';
}

/** What a server held as read (MariaDB: its binlog and slave positions merged; MySQL: gtid_executed). */
function heldOf(st: ServerSnapshot['state'] | undefined): string {
  if (!st) return '';
  const m = st.gtid.mariadb;
  return m ? mariaGtidText.union(m.binlogPos, m.slavePos) : st.gtid.executed;
}

function requireNewMasterHoldsAll(run: FailoverRun, d: Decision, servers: ServerSnapshot[], drained: Drained, nm: NewMasterStart): void {
  const state = (name: string) => servers.find((s) => s.name === name)?.state;
  const flavor = flavorOf(servers, d.newMaster);
  // What each held once its positions were final: after its drain, else as read when its IO thread stopped.
  const held = d.replicas.map((p) => ({
    server: p.server, held: drained.get(p.server)?.gtidHeld ?? heldOf(state(p.server)),
  }));
  const missing = missingOnNewMaster(flavor, nm.held, held);
  if (missing.length) {
    refuse(`${d.newMaster} does not hold everything the other survivors hold (${missing.map((m) => `${m.server} has ${m.missing}`).join('; ')}): `
      + `promoting it would lose those transactions; it was not made writable`);
  }
}

async function promote(run: FailoverRun, start: Go, nm: string): Promise<PromoteResult> {
  const r = await run.step('promote', { newMaster: nm },
    (summary) => hook.failoverPromote.executeWithOptions({ summary }, [{ ...run.scope, newMaster: nm, deadMaster: start.deadMaster.name }]),
    (p) => `${nm} writable${p.hook ? `; master_ip_failover exit ${p.hook.code}` : ''}`);
  run.report.timings.newMasterWritableMs = run.elapsed();
  return r;
}

// ---------------------------------------------------------------------------------------------
// 4. Every other replica

/**
 * Replicas take the dead master's tail by replication from the new master (replicaTailSource). A run that began
 * before, replayed, keeps applying its copy: its history already holds the replicas' diffs with the tail in them.
 */
const TAIL_BY_REPLICATION = 'failover-replica-tail-by-replication';

interface PreparedReplica {
  plan: ServerDiffPlan;
  diff: DiffFile | null;
  applied: ApplyDiffResult | null;
  /** Its MASTER_DELAY before the failover, given back when it is repointed. */
  delay: number;
  /** Its relay_log_purge as the check read it, given back when it is repointed (file/position mode turned it off). */
  relayLogPurge?: boolean;
  /** File/position: it takes the dead master's tail by replication, repointed at the new master's drained position. */
  tailByReplicationFrom?: BinlogCoordinates;
}

/** File/position mode: the replicas that take the dead master's tail by replication, and where they are repointed. */
function tailByReplication(d: Decision, drained: Drained): Map<string, BinlogCoordinates> {
  const out = new Map<string, BinlogCoordinates>();
  if (d.plan.mode !== 'filepos' || !patched(TAIL_BY_REPLICATION)) return out;
  const nm = drained.get(d.newMaster);
  if (!nm) return out;
  for (const p of d.replicas) {
    const own = drained.get(p.server);
    if (!own) continue;
    const source = replicaTailSource({ newMasterPlan: d.plan.newMaster, newMasterDrain: nm, replicaDelay: own.delayWas });
    if (source.by === 'replication') out.set(p.server, source.repointAt);
  }
  return out;
}

/** A promise whose rejection is handled later (by whoever awaits it), never reported as unhandled meanwhile. */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * File/position mode: its diff generated on its host and applied (with `tailFrom`, without the dead master's tail:
 * it takes that by replication). GTID mode: nothing to prepare (it catches up by GTID).
 */
async function prepareReplica(run: FailoverRun, start: Go, d: Decision, servers: ServerSnapshot[], p: ServerDiffPlan, tail: SavedTail, drained: Drained,
  tailFrom?: BinlogCoordinates): Promise<PreparedReplica> {
  if (d.plan.mode !== 'filepos') return { plan: p, diff: null, applied: null, delay: servers.find((s) => s.name === p.server)?.state?.replica?.sqlDelay ?? 0 };
  const own = drained.get(p.server)!;
  const diff = await buildDiff(run, d.newMaster, p.server, [...execPart(own), ...partsOrRefuse(readPart(p, d.facts)), ...(tailFrom ? [] : tailPart(tail, p.server))]);
  const applied = await applyDiff(run, d.newMaster, p.server, diff, own);
  return { plan: p, diff, applied, delay: own.delayWas, relayLogPurge: start.relayLogPurge[p.server], ...(tailFrom ? { tailByReplicationFrom: tailFrom } : {}) };
}

async function repointReplica(run: FailoverRun, d: Decision, r: PreparedReplica, nm: NewMasterStart): Promise<void> {
  const server = r.plan.server;
  // File/position: at the new master's end; or at its drained position, then the tail by replication (waited for).
  const from = r.tailByReplicationFrom;
  const tailed = from !== undefined && !sameCoordinates(from, nm.coords);
  const at: { coords: BinlogCoordinates; waitFor?: BinlogCoordinates } | { gtid: string } = d.plan.mode !== 'filepos' ? { gtid: nm.gtid }
    : tailed ? { coords: from, waitFor: nm.coords } : { coords: nm.coords };
  const where = 'gtid' in at ? `GTID slave_pos, wait for ${at.gtid}`
    : `${formatCoordinates(at.coords)}${at.waitFor ? `, the dead master's tail by replication up to ${formatCoordinates(at.waitFor)}` : ''}`;
  await run.step('repoint', { server, newMaster: d.newMaster, at: where },
    (summary) => long.failoverRepointReplica.executeWithOptions({ summary },
      [{ ...run.scope, server, newMaster: d.newMaster, delay: r.delay, ...at, ...(r.relayLogPurge !== undefined ? { relayLogPurge: r.relayLogPurge } : {}) }]),
    (x) => `${x.changed ? 'repointed' : 'already pointing there'}; IO ${x.ioRunning}, SQL ${x.sqlRunning ? 'Yes' : 'No'} in ${x.ms} ms`
      + `${x.caughtUpMs !== undefined ? `; the tail executed by replication in ${x.caughtUpMs} ms` : ''}`);
  run.recordOutcome({
    server, role: 'replica', plan: r.plan.summary, diff: diffSummary(r.diff), applied: r.applied?.appliedNow ?? 0, alreadyApplied: r.applied?.alreadyApplied ?? 0,
    repointedTo: 'coords' in at ? `${d.newMaster} ${formatCoordinates(at.coords)}` : `${d.newMaster} (GTID, up to ${nm.gtid})`,
  });
}

/**
 * One replica's recovery step: when it fails (its diff cannot be applied, it cannot be repointed), that replica is
 * left out, with what to do, and the failover goes on with the others. A cancellation is not a replica's failure.
 */
async function orLeaveOut<T>(run: FailoverRun, server: string, nm: NewMasterStart, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (isCancellation(e) || !(e instanceof ActivityFailure || e instanceof ApplicationFailure)) throw e;
    const why = (e instanceof ActivityFailure && e.cause instanceof Error ? e.cause.message : e.message).split('\n')[0]!;
    const diff = run.report.servers.find((s) => s.server === server)?.diff?.path ?? run.steps.find((x) => x.id === stepId('diff', server))?.detail;
    run.leaveOut(server, why, `${server} is not replicating from ${run.report.newMaster}: fix the cause${diff ? ` (its diff: ${diff})` : ''}, bring it to the new master's `
      + `state (${nm.coords.file}:${nm.coords.pos}, GTID ${nm.gtid || 'n/a'}), then point it there; or rebuild it from ${run.report.newMaster}`);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Cleanup and report

async function forgetOldSource(run: FailoverRun, start: Go, nm: string): Promise<void> {
  if (start.facts.servers.find((s) => s.name === nm)?.skipResetReplica) return;
  await run.step('cleanup', { newMaster: nm },
    (summary) => quick.failoverCleanup.executeWithOptions({ summary }, [{ ...run.scope, newMaster: nm }]),
    (r) => (r.reset ? 'replication settings removed' : 'nothing to reset'));
}

/** The report hook on a failed or refused failover too (MHA's arguments, a "failed" subject); its own failure is only recorded. */
async function reportFailure(run: FailoverRun, why: string): Promise<void> {
  if (!run.hooks?.report || !run.report.deadMaster) return;
  const dead = run.report.deadMaster;
  const replicas = run.report.servers.filter((s) => s.role === 'replica' && s.repointedTo).map((s) => s.server);
  await run.step('report', { deadMaster: dead, newMaster: run.report.newMaster ?? 'none' },
    (summary) => hook.failoverReport.executeWithOptions({ summary }, [{
      cluster: run.cluster, deadMaster: dead, newMaster: run.report.newMaster, replicas,
      subject: `${run.cluster.name}: MySQL master failover from ${dead} failed`,
      body: `The failover of ${run.cluster.name} (dead master ${dead}) did not complete: ${why}`,
    }]),
    (r) => (r.hook ? `exit ${r.hook.code}` : 'no report hook configured')).catch(() => undefined);
}

async function sendReport(run: FailoverRun, start: Go, nm: string): Promise<void> {
  if (!start.facts.hooks.report) {
    run.decided('report', { detail: 'no report hook configured' }, 'the report is this workflow\'s result');
    return;
  }
  const dead = start.deadMaster.name;
  const replicas = run.report.servers.filter((s) => s.role === 'replica').map((s) => s.server);
  const lost = run.report.unrecoverable.length ? ` Unrecoverable: ${run.report.unrecoverable.join('; ')}` : '';
  await run.step('report', { deadMaster: dead, newMaster: nm },
    (summary) => hook.failoverReport.executeWithOptions({ summary }, [{
      cluster: run.cluster, deadMaster: dead, newMaster: nm, replicas,
      subject: `${run.cluster.name}: MySQL master failover ${dead} to ${nm} succeeded`,
      body: `Master ${dead} is down. ${nm} is the new master; ${replicas.join(', ') || 'no replica'} replicate from it.${lost}`,
    }]),
    (r) => (r.hook ? `exit ${r.hook.code}` : 'no report hook configured'));
}
