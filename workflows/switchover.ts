// switchover: a planned change of master while the old one is alive (MHA's masterha_master_switch
// --master_state=alive, docs: switchover-phases.md), improved: a freeze of the old master that holds for every
// account and survives the worker dying (src/mysql/freeze.ts), a rollback when anything fails before the promotion
// (nothing changed), forward only after it, and an optional approval of the plan. Each step is an activity named in
// the UI by its summary, each decision a pure function of activity results (src/switchover/decisions.ts), so a
// crashed worker resumes at the last completed step with the same decisions.
import {
  ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, patched, proxyActivities, proxyLocalActivities, setHandler,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { SwitchoverRepointResult } from '../activities/switchover-replicas';
import type { ClusterRef } from '../src/config/registry';
import { PROGRESS_QUERY } from '../src/contracts/common';
import {
  APPROVE_SIGNAL, CAUGHT_UP_SIGNAL, REJECT_SIGNAL, type ApprovalAnswer, type SwitchoverInput, type SwitchoverPhase, type SwitchoverPlan, type SwitchoverProgress,
  type SwitchoverReport,
} from '../src/contracts/switchover';
import type { FreezeResult } from '../src/mysql/freeze';
import type { CaughtUpClaim } from '../src/switchover/claim';
import {
  afterFailedPromotion, caughtUpProblem, decideSwitchoverStart, describePlan, freezeProblem, invalidSwitchoverInput, startOnNewMaster,
  switchoverSettings, type CaughtUpFacts, type SwitchoverCheckFacts, type SwitchoverStart,
} from '../src/switchover/decisions';
import { SWITCHOVER_STEPS, stepId, type StepArgs, type SwitchoverStepKind } from '../src/switchover/steps';
import { HOOK_STEP, LOCAL_STEP, LONG_STEP, QUICK_STEP, refuse } from './options';
import { StepRun, stepsMarkdown } from './steps';

export const switchoverProgressQuery = defineQuery<SwitchoverProgress>(PROGRESS_QUERY);
export const approveSignal = defineSignal<[ApprovalAnswer?]>(APPROVE_SIGNAL);
export const rejectSignal = defineSignal<[ApprovalAnswer?]>(REJECT_SIGNAL);
export const caughtUpSignal = defineSignal<[CaughtUpClaim]>(CAUGHT_UP_SIGNAL);

const quick = proxyActivities<typeof activities>(QUICK_STEP);
const long = proxyActivities<typeof activities>(LONG_STEP);
const hook = proxyActivities<typeof activities>(HOOK_STEP);
/** The freeze, the wait and the promotion: local activities, one workflow task with no trip through the server while writes stop. */
const local = proxyLocalActivities<typeof activities>({ ...LOCAL_STEP, startToCloseTimeout: '60s' });
/** Histories started before the freeze and the wait became local activities replay with regular ones. */
const FREEZE_WAIT_LOCAL = 'switchover-freeze-wait-local';
/**
 * Histories started before the promotion became a local activity replay with a regular one. A local activity's result
 * reaches the history only when its workflow task completes, after the new master is writable; so the wait signals its
 * result first (src/switchover/claim.ts), and a retry takes the new master's position from that signal, not from the
 * new master, whose position writes may have moved since.
 */
const PROMOTE_LOCAL = 'switchover-promote-local';
/** Histories started before the old master followed the new one beside the replicas in GTID mode replay it after them. */
const GTID_DEMOTE_BESIDE = 'switchover-gtid-demote-beside';

// ---------------------------------------------------------------------------------------------
// The story

export async function switchover(input: SwitchoverInput): Promise<SwitchoverReport> {
  const bad = invalidSwitchoverInput(input);
  if (bad) throw ApplicationFailure.nonRetryable(bad, 'ConfigError');
  const run = new SwitchoverRun(input);
  setHandler(switchoverProgressQuery, () => run.progress, { description: 'the switchover step in progress, the steps done, and the plan while it waits for approval' });
  setHandler(approveSignal, (a) => run.answer(true, a), { description: 'approve the plan shown while it waits: { "by": "name" }' });
  setHandler(rejectSignal, (a) => run.answer(false, a), { description: 'reject the plan shown while it waits: { "by": "name", "reason": "why" }' });
  setHandler(caughtUpSignal, (c) => { run.caughtUpClaim = c; }, { description: 'internal: the wait\'s signed result, sent by the wait itself before the promotion' });
  try {
    // 1. Check: every server answers, the master is the master of every replica, replication runs within the lag
    //    threshold, nothing long runs on the master, the new master is eligible with the same filters and no errant GTID.
    const go = await checkCluster(run);
    // 2. The plan, and its approval when asked.
    const plan = showPlan(run, go);
    if (input.dryRun) return run.end('dry-run');
    if (input.approval && !(await waitForApproval(run, plan))) return run.end('rejected');
    // 3-4. Freeze the old master, wait for the new one: any failure here is rolled back, and nothing changed.
    let caught: Caught;
    try {
      const frozen = await freezeOrigMaster(run, go);
      caught = await waitForNewMaster(run, go, frozen);
    } catch (e) {
      await rollBack(run, go, reasonOf(e));
      return run.end('rolled-back');
    }
    // 5. Promote: from here on, forward only (unless the new master provably never became writable).
    if (!(await promote(run, go))) return run.end('rolled-back');
    await startOnlineChangeHook(run, go);
    // 6. Side by side: every other replica follows the new master, which forgets its old source. As a replica of the
    //    new master, the old master writes what it receives into its own binlog: a file/position replica still reading
    //    from it would get the new master's first transactions twice, so there it follows only after them. With GTIDs
    //    a replica skips what it has (it moves on from its own slave_pos): there it follows beside them.
    const oldMasterBeside = go.mode === 'gtid' && patched(GTID_DEMOTE_BESIDE);
    const moved = await Promise.allSettled([...go.replicas.map((r) => repointReplica(run, go, caught, r)), forgetOldSource(run, go),
      ...(oldMasterBeside ? [demoteOrigMaster(run, go, caught)] : [])]);
    if (!oldMasterBeside) await demoteOrigMaster(run, go, caught);
    const failed = moved.find((m): m is PromiseRejectedResult => m.status === 'rejected');
    if (failed) throw failed.reason;
    await sendReport(run, go);
    return run.end('completed');
  } catch (e) {
    run.finish(e instanceof ApplicationFailure && e.type === 'RefusedError' ? 'refused' : 'failed');
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The run's state: progress (query, UI) and report

class SwitchoverRun extends StepRun {
  readonly report: SwitchoverReport;
  declare readonly progress: SwitchoverProgress;
  readonly settings: ReturnType<typeof switchoverSettings>;
  cluster: ClusterRef = { name: '', digest: '' };
  facts: SwitchoverCheckFacts | null = null;
  /** The approve or reject signal's answer, once one came while the plan waited. */
  approvalAnswer: { approved: boolean; answer: ApprovalAnswer } | null = null;
  /** What the rollback must undo: the hook's stop ran; the wait stopped the new master's replication. */
  readonly undo = { hookStopRan: false, newMasterStopped: false };
  /** The freeze and the wait run as local activities (FREEZE_WAIT_LOCAL); the promotion too (PROMOTE_LOCAL). */
  freezeWaitLocal = false;
  promoteLocal = false;
  /** The last caught-up result the wait signalled (an earlier attempt's, when this workflow task is a retry). */
  caughtUpClaim: CaughtUpClaim | null = null;

  constructor(readonly input: SwitchoverInput) {
    super(Boolean(input.dryRun), (run) => renderDetails(run as SwitchoverRun));
    this.progress.awaitingApproval = null;
    this.settings = switchoverSettings(input);
    this.report = {
      cluster: input.cluster, workflowId: this.workflowId, runId: this.runId, dryRun: Boolean(input.dryRun), outcome: 'completed', reason: '',
      plan: null, approval: null, frozenAt: null, newMasterAt: null, repointed: [], rollback: [], steps: this.progress.steps,
      timings: { frozenMs: null, writableMs: null, totalMs: 0 }, warnings: [],
    };
  }

  /** Run a step of the table: its id, phase, title and activity summary come from SWITCHOVER_STEPS. */
  step<T>(kind: SwitchoverStepKind, a: StepArgs, fn: (summary: string) => Promise<T>, describe?: (r: T) => string): Promise<T> {
    const spec = SWITCHOVER_STEPS[kind];
    return this.run(stepId(kind, a.server), spec.phase, spec.title(a), () => fn(spec.summary(a)), describe);
  }

  /** A step of the table with nothing to run. */
  decided(kind: SwitchoverStepKind, a: StepArgs, detail: string): void {
    const spec = SWITCHOVER_STEPS[kind];
    this.record(stepId(kind, a.server), spec.phase, spec.title(a), detail);
  }

  /** The approve or reject signal: the first answer counts, and only while the plan waits for one. */
  answer(approved: boolean, a: ApprovalAnswer | undefined): void {
    if (this.approvalAnswer || !this.progress.awaitingApproval) return;
    this.approvalAnswer = { approved, answer: a ?? {} };
  }

  end(outcome: SwitchoverReport['outcome']): SwitchoverReport {
    this.report.outcome = outcome;
    this.report.timings.totalMs = this.elapsed();
    this.finish(outcome satisfies SwitchoverPhase);
    return this.report;
  }
}

function renderDetails(run: SwitchoverRun): string {
  const r = run.report;
  const p = r.plan;
  const lines = [
    `**switchover of ${r.cluster}**${r.dryRun ? ' (dry run: nothing is changed)' : ''}`,
    p ? `**${p.origMaster}** -> **${p.newMaster}** (${p.newMasterReason}) · mode ${p.mode}` : 'checking',
  ];
  if (run.progress.awaitingApproval) {
    lines.push('', `**waiting for approval until ${run.progress.awaitingApproval.deadline}**: signal \`approve\` or \`reject\``, ...(p?.steps ?? []).map((s) => `- ${s}`));
  }
  lines.push('', ...stepsMarkdown(run.steps));
  if (r.rollback.length) lines.push('', '**rolled back**', ...r.rollback.map((l) => `- ${l}`));
  return lines.join('\n');
}

type Go = Extract<SwitchoverStart, { ok: true }>;
interface Caught { frozen: FreezeResult; newMasterAt: { file: string; pos: number; gtid: string } }

const reasonOf = (e: unknown): string => {
  let cur: unknown = e;
  while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause;
  return cur instanceof Error ? cur.message : String(cur);
};

// ---------------------------------------------------------------------------------------------
// 1-2. Check, plan, approval

async function checkCluster(run: SwitchoverRun): Promise<Go> {
  const { input, settings } = run;
  const facts = await run.step('check', { newMaster: input.newMaster },
    (summary) => quick.switchoverCheck.executeWithOptions({ summary }, [{ cluster: input.cluster, runningUpdatesLimitSeconds: settings.runningUpdatesLimitSeconds }]),
    (f) => `master ${f.roles.master ?? 'none'}; ${f.servers.map((s) => `${s.name} ${s.state ? (s.state.replica ? `lag ${s.state.replica.secondsBehindSource ?? '?'} s` : 'answers') : 'DOWN'}`).join(', ')}`
      + `; ${f.master ? `${f.master.freeze.bypass.length} accounts able to write under read_only` : ''}; read in ${f.timings.ms} ms`);
  run.facts = facts;
  run.cluster = { name: facts.cluster.name, digest: facts.cluster.digest };
  run.setCluster(facts.cluster.name);
  const go = decideSwitchoverStart(facts, input);
  if (!go.ok) refuse(go.reason);
  run.report.warnings.push(...go.warnings);
  run.progress.newMaster = go.newMaster;
  return go;
}

function showPlan(run: SwitchoverRun, go: Go): SwitchoverPlan {
  const plan = describePlan(go, { origMasterIsNewReplica: run.settings.origMasterIsNewReplica, hook: hasHook(run), waitTimeoutMs: run.settings.waitTimeoutMs });
  run.report.plan = plan;
  run.decided('plan', { origMaster: go.origMaster, newMaster: go.newMaster }, `${go.newMasterReason}; ${plan.steps.join('; ')}`);
  return plan;
}

const hasHook = (run: SwitchoverRun) => Boolean(run.facts?.cluster.hooks.masterIpOnlineChange);

/** Wait for approve or reject until the deadline (then: rejected). True when approved. */
async function waitForApproval(run: SwitchoverRun, plan: SwitchoverPlan): Promise<boolean> {
  const ms = run.settings.approvalTimeoutMs;
  const deadline = new Date(Date.now() + ms).toISOString();
  run.progress.awaitingApproval = { plan, deadline };
  const t0 = run.elapsed();
  const inTime = await run.step('approval', { detail: `until ${deadline}` },
    () => condition(() => run.approvalAnswer !== null, ms),
    (ok) => (ok ? `${run.approvalAnswer!.approved ? 'approved' : 'rejected'}${run.approvalAnswer!.answer.by ? ` by ${run.approvalAnswer!.answer.by}` : ''}` : 'no answer in time: rejected'));
  run.progress.awaitingApproval = null;
  const a = run.approvalAnswer;
  const approved = Boolean(inTime && a?.approved);
  run.report.approval = { approved, by: a?.answer.by ?? null, reason: a?.answer.reason ?? (inTime ? null : `no answer within ${Math.round(ms / 1000)} s`), ms: run.elapsed() - t0 };
  if (!approved) run.report.reason = `the plan was rejected${a?.answer.by ? ` by ${a.answer.by}` : ''}${run.report.approval.reason ? `: ${run.report.approval.reason}` : ''}; nothing was changed`;
  run.redraw();
  return approved;
}

// ---------------------------------------------------------------------------------------------
// 3-4. Freeze, wait

async function freezeOrigMaster(run: SwitchoverRun, go: Go): Promise<FreezeResult> {
  const names = { origMaster: go.origMaster, newMaster: go.newMaster };
  if (hasHook(run)) {
    run.undo.hookStopRan = true; // as soon as it may have run: the rollback runs its start
    const h = await run.step('hook-stop', names,
      (summary) => hook.switchoverOnlineChangeHook.executeWithOptions({ summary }, [{ cluster: run.cluster, command: 'stop', ...names, origMasterIsNewReplica: run.settings.origMasterIsNewReplica }]),
      (r) => `exit ${r.code ?? r.signal} in ${r.ms} ms`);
    if (h.code === 10) run.report.warnings.push('master_ip_online_change --command=stop exited 10: proceeding (MHA semantics)');
    else if (h.code !== 0) throw new Error(`master_ip_online_change --command=stop failed (exit ${h.code ?? h.signal}): ${(h.stderr || h.stdout).trim().split('\n').pop() ?? ''}`);
  }
  const locks = go.freeze.lock.length;
  run.freezeWaitLocal = patched(FREEZE_WAIT_LOCAL);
  run.promoteLocal = run.freezeWaitLocal && patched(PROMOTE_LOCAL);
  const frozen = await run.step('freeze', { ...names, detail: `${locks ? `lock ${locks} account${locks > 1 ? 's' : ''} and kill their sessions, ` : ''}read_only=ON` },
    (summary) => (run.freezeWaitLocal ? local : quick).switchoverFreeze.executeWithOptions({ summary }, [{ cluster: run.cluster, origMaster: go.origMaster, plan: go.freeze, ...(run.promoteLocal ? { newMaster: go.newMaster } : {}) }]),
    (r) => `frozen at ${r.position.file}:${r.position.pos} (${r.gtid || 'no GTID'}); ${r.killed.length} sessions killed; ${r.ms} ms`);
  run.report.timings.frozenMs = run.elapsed();
  run.report.frozenAt = { ...frozen.position, gtid: frozen.gtid };
  const problem = freezeProblem(frozen, go.origMaster);
  if (problem) throw new Error(problem);
  return frozen;
}

async function waitForNewMaster(run: SwitchoverRun, go: Go, frozen: FreezeResult): Promise<Caught> {
  const at = `${frozen.position.file}:${frozen.position.pos}${go.mode === 'gtid' ? ` (${frozen.gtid})` : ''}`;
  const deadline = Date.now() + run.settings.waitTimeoutMs;
  const w: CaughtUpFacts = await run.step('wait', { origMaster: go.origMaster, newMaster: go.newMaster, at },
    (summary) => {
      const args = {
        cluster: run.cluster, origMaster: go.origMaster, newMaster: go.newMaster, mode: go.mode, frozen: { ...frozen.position, gtid: frozen.gtid }, deadline,
        ...(run.promoteLocal ? { signalBeforePromotion: true, ...(run.caughtUpClaim ? { claim: run.caughtUpClaim } : {}) } : {}),
      };
      return run.freezeWaitLocal
        ? local.switchoverWaitCaughtUp.executeWithOptions({ startToCloseTimeout: run.settings.waitTimeoutMs + 60_000, summary }, [args])
        : long.switchoverWaitCaughtUp.executeWithOptions({ summary }, [args]);
    },
    (r) => (r.fromClaim ? `reached in an earlier attempt (its signed result); ${go.newMaster} at ${r.newMaster?.file}:${r.newMaster?.pos}`
      : r.reached ? `reached in ${r.waitedMs} ms; ${go.newMaster} at ${r.newMaster?.file}:${r.newMaster?.pos}` : `not reached: ${r.detail}`));
  if (w.reached) run.undo.newMasterStopped = true;
  const problem = caughtUpProblem(w, frozen.position, go);
  if (problem) throw new Error(problem);
  run.report.newMasterAt = w.newMaster;
  return { frozen, newMasterAt: w.newMaster! };
}

/** Undo the freeze (and what the hook and the wait did), in a scope a cancellation cannot cut short. */
async function rollBack(run: SwitchoverRun, go: Go, reason: string, o: { newMasterStopped?: boolean } = {}): Promise<void> {
  run.report.reason = `${reason}; rolled back: nothing changed`;
  const restartOn = o.newMasterStopped ?? run.undo.newMasterStopped ? go.newMaster : undefined;
  const locks = go.freeze.lock.length;
  await CancellationScope.nonCancellable(async () => {
    const r = await run.step('rollback', { origMaster: go.origMaster, newMaster: restartOn, detail: locks ? `${locks} account${locks > 1 ? 's' : ''} unlocked` : undefined },
      (summary) => quick.switchoverRollback.executeWithOptions({ summary }, [{ cluster: run.cluster, origMaster: go.origMaster, plan: go.freeze, restartReplicationOn: restartOn }]),
      (x) => `${go.origMaster} read_only=${x.origMaster.readOnly ? 'ON' : 'OFF'}${x.origMaster.unlocked.length ? `, unlocked ${x.origMaster.unlocked.map((a) => `'${a.user}'@'${a.host}'`).join(', ')}` : ''}`
        + `${x.newMaster ? `; ${go.newMaster} replication ${x.newMaster.started ? 'started again' : `not started${x.newMaster.error ? `: ${x.newMaster.error}` : ''}`}` : ''}`);
    run.report.rollback.push(`${go.origMaster}: read_only ${r.origMaster.readOnly ? 'ON (as it was before)' : 'OFF'}`);
    if (r.origMaster.unlocked.length) run.report.rollback.push(`${go.origMaster}: unlocked ${r.origMaster.unlocked.map((a) => `'${a.user}'@'${a.host}'`).join(', ')}`);
    if (r.newMaster) run.report.rollback.push(`${go.newMaster}: replication ${r.newMaster.started ? 'started again' : `left as it was${r.newMaster.error ? ` (${r.newMaster.error})` : ''}`}`);
    if (run.undo.hookStopRan) {
      const h = await run.step('rollback-hook', { origMaster: go.origMaster },
        (summary) => hook.switchoverOnlineChangeHook.executeWithOptions({ summary }, [{
          cluster: run.cluster, command: 'start', origMaster: go.origMaster, newMaster: go.origMaster, origMasterIsNewReplica: false,
        }]),
        (x) => `exit ${x.code ?? x.signal}`);
      run.report.rollback.push(`master_ip_online_change --command=start for ${go.origMaster}: exit ${h.code ?? h.signal}`);
      if (h.code !== 0) run.report.warnings.push(`the rollback's master_ip_online_change --command=start failed (exit ${h.code ?? h.signal}): check the writer address points at ${go.origMaster}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 5. Promote

/** True when the new master is writable; false when the promotion failed and was rolled back (it never was). */
async function promote(run: SwitchoverRun, go: Go): Promise<boolean> {
  try {
    await run.step('promote', { newMaster: go.newMaster },
      (summary) => (run.promoteLocal ? local : quick).switchoverPromote.executeWithOptions({ summary }, [{ cluster: run.cluster, newMaster: go.newMaster }]),
      (r) => `${go.newMaster} writable${r.readOnlyWasOn ? '' : ' (read_only was already OFF)'}`);
  } catch (e) {
    const seen = await run.step('read-new-master', { newMaster: go.newMaster },
      (summary) => quick.switchoverReadReadOnly.executeWithOptions({ summary }, [{ cluster: run.cluster, server: go.newMaster }]),
      (r) => (r ? `read_only=${r.readOnly ? 'ON' : 'OFF'}` : 'unreachable'));
    const next = afterFailedPromotion(seen);
    if (next === 'roll-back') {
      await rollBack(run, go, `the promotion of ${go.newMaster} failed (${reasonOf(e)}) and it never became writable`, { newMasterStopped: true });
      return false;
    }
    if (next === 'stuck') {
      throw ApplicationFailure.nonRetryable(`the promotion of ${go.newMaster} failed (${reasonOf(e)}) and ${go.newMaster} cannot be read: ${go.origMaster} stays frozen `
        + `(read-only, accounts locked) rather than risk two writable masters; once ${go.newMaster} answers, make exactly one of them writable by hand`, 'SafetyError');
    }
    run.report.warnings.push(`the promote step failed (${reasonOf(e)}) but ${go.newMaster} is writable: going forward`);
  }
  run.report.timings.writableMs = run.elapsed();
  return true;
}

async function startOnlineChangeHook(run: SwitchoverRun, go: Go): Promise<void> {
  if (!hasHook(run)) return;
  const names = { origMaster: go.origMaster, newMaster: go.newMaster };
  try {
    const h = await run.step('hook-start', names,
      (summary) => hook.switchoverOnlineChangeHook.executeWithOptions({ summary }, [{ cluster: run.cluster, command: 'start', ...names, origMasterIsNewReplica: run.settings.origMasterIsNewReplica }]),
      (r) => `exit ${r.code ?? r.signal} in ${r.ms} ms`);
    if (h.code !== 0) run.report.warnings.push(`master_ip_online_change --command=start exited ${h.code ?? h.signal}: ${go.newMaster} is the master and writable; move the writer address to it by hand`);
  } catch (e) {
    run.report.warnings.push(`master_ip_online_change --command=start failed (${reasonOf(e)}): ${go.newMaster} is the master and writable; move the writer address to it by hand`);
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Replicas, the old master, cleanup, report

async function repointReplica(run: SwitchoverRun, go: Go, c: Caught, server: string): Promise<SwitchoverRepointResult> {
  const start = startOnNewMaster(go.mode, c.newMasterAt, false);
  const at = 'coords' in start ? `${c.frozen.position.file}:${c.frozen.position.pos}` : 'GTID slave_pos';
  const r = await run.step('repoint', { server, newMaster: go.newMaster, at },
    (summary) => long.switchoverRepointReplica.executeWithOptions({ summary }, [{ cluster: run.cluster, server, newMaster: go.newMaster, start, frozen: c.frozen.position }]),
    (x) => `${x.changed ? 'repointed' : 'already pointing there'}${'coords' in start ? ` at ${c.newMasterAt.file}:${c.newMasterAt.pos}` : ''}; IO ${x.ioRunning}, SQL ${x.sqlRunning ? 'Yes' : 'No'} in ${x.ms} ms`);
  run.report.repointed.push(server);
  return r;
}

async function demoteOrigMaster(run: SwitchoverRun, go: Go, c: Caught): Promise<void> {
  const asReplica = run.settings.origMasterIsNewReplica;
  const start = asReplica ? startOnNewMaster(go.mode, c.newMasterAt, true) : null;
  const locks = go.freeze.lock.length;
  const detail = `${asReplica ? `replicate from ${go.newMaster}` : 'stay read-only, out of replication'}${locks ? `; unlock ${locks} account${locks > 1 ? 's' : ''}` : ''}`;
  if (!asReplica && !locks) {
    run.decided('demote', { origMaster: go.origMaster, detail }, 'nothing to do');
    return;
  }
  await run.step('demote', { origMaster: go.origMaster, newMaster: go.newMaster, detail },
    (summary) => long.switchoverDemoteOrigMaster.executeWithOptions({ summary }, [{ cluster: run.cluster, origMaster: go.origMaster, newMaster: go.newMaster, start, plan: go.freeze }]),
    (x) => `${x.replicating ? `replicates from ${go.newMaster}` : 'not a replica'}; read_only=${x.readOnly ? 'ON' : 'OFF'}${x.unlocked.length ? `; unlocked ${x.unlocked.join(', ')}` : ''} in ${x.ms} ms`);
  if (asReplica) run.report.repointed.push(go.origMaster);
}

async function forgetOldSource(run: SwitchoverRun, go: Go): Promise<void> {
  if (run.facts?.cluster.servers.find((s) => s.name === go.newMaster)?.skipResetReplica) return;
  await run.step('cleanup', { newMaster: go.newMaster },
    (summary) => quick.failoverCleanup.executeWithOptions({ summary }, [{ cluster: run.cluster, newMaster: go.newMaster }]),
    (r) => (r.reset ? 'replication settings removed' : 'nothing to reset'));
}

async function sendReport(run: SwitchoverRun, go: Go): Promise<void> {
  if (!run.facts?.cluster.hooks.report) {
    run.decided('report', { detail: 'no report hook configured' }, 'the report is this workflow\'s result');
    return;
  }
  const replicas = run.report.repointed.filter((s) => s !== go.origMaster);
  await run.step('report', { origMaster: go.origMaster, newMaster: go.newMaster },
    (summary) => hook.failoverReport.executeWithOptions({ summary }, [{
      cluster: run.cluster, deadMaster: go.origMaster, newMaster: go.newMaster, replicas,
      subject: `${run.cluster.name}: MySQL master switchover ${go.origMaster} to ${go.newMaster} succeeded`,
      body: `${go.newMaster} is the new master; ${[...replicas, ...(run.settings.origMasterIsNewReplica ? [go.origMaster] : [])].join(', ') || 'no replica'} replicate from it.`,
    }]),
    (r) => (r.hook ? `exit ${r.hook.code}` : 'no report hook configured'));
}
