// monitor: watch a cluster's master and fail over when it dies (MHA's masterha_manager), then keep watching
// the new master. One per cluster (id monitor:<cluster>). The cheap shape: one long-running, heartbeating
// activity pings the master and reads the replicas, and returns only when something changed; a failed ping
// starts a confirmation from every view (docs: detection.md), whose rounds and verdicts are in the history;
// a dead master starts the failover:<cluster> workflow as a child (exactly once, even across worker
// crashes). Warnings about the cluster (threads, lag, writable replicas, errant GTIDs) are reported, never
// failed over. Pause, resume, reload and stop are signals; `status` is a query. Continue-as-new keeps the
// history short; the state it needs travels in the input.
import {
  ApplicationFailure, CancellationScope, ChildWorkflowFailure, condition, continueAsNew, defineQuery, defineSignal, ParentClosePolicy,
  proxyActivities, setCurrentDetails, setHandler, sleep, startChild, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type ActivityOptions, type RetryPolicy } from '@temporalio/common';
import type * as activities from '../activities';
import type { MonitorLoadFacts, WatchResult } from '../activities/monitor';
import type { ClusterRef } from '../src/config/registry';
import { FAILOVER_WORKFLOW, failoverWorkflowId, type FailoverInput, type FailoverReport } from '../src/contracts/failover';
import {
  MONITOR_SIGNALS, MONITOR_STATUS_QUERY, type AutomaticFailover, type MonitorCarry, type MonitorEvidence, type MonitorInput, type MonitorSettings,
  type MonitorState, type MonitorStatus, type MonitorVerdict, type MonitorWarning, type PauseRequest, type PingResult,
} from '../src/contracts/monitor';
import {
  continueAsNewDue, decideAutomaticFailover, event, evidenceLines, heartbeatChanges, MAX_EVENTS, MAX_FAILOVERS, pushBounded, slowHeartbeatWarnings,
  statusMarkdown, verdictWarnings,
} from '../src/monitor/decisions';
import { judgeMaster } from '../src/monitor/detection';
import { warningChanges, warningsKey } from '../src/monitor/report';
import type { ReplicaMarks } from '../src/monitor/silence';
import { MONITOR_SUMMARIES } from '../src/monitor/steps';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/errors';
import { requireCluster } from './options';
import { MhaflowCluster, MhaflowPhase } from './steps';

export const statusQuery = defineQuery<MonitorStatus>(MONITOR_STATUS_QUERY);
export const pauseSignal = defineSignal<[PauseRequest?]>(MONITOR_SIGNALS.pause);
export const resumeSignal = defineSignal<[]>(MONITOR_SIGNALS.resume);
export const reloadSignal = defineSignal<[]>(MONITOR_SIGNALS.reload);
export const stopSignal = defineSignal<[]>(MONITOR_SIGNALS.stop);

/** The monitor never gives up on a step: a worker that dies or a network that blinks costs a retry, not the monitor. */
const foreverRetry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] };
const quick = proxyActivities<typeof activities>({ startToCloseTimeout: '2m', heartbeatTimeout: '4s', retry: foreverRetry });
/** A confirmation round that keeps failing is given up (the monitor goes back to watching and says so). */
const confirming = proxyActivities<typeof activities>({ startToCloseTimeout: '2m', heartbeatTimeout: '4s', retry: { ...foreverRetry, maximumAttempts: 3 } });
const hook = proxyActivities<typeof activities>({ startToCloseTimeout: '15m', heartbeatTimeout: '4s', retry: { ...foreverRetry, maximumAttempts: 3 } });

/** A watch returns at least this often (a renewal costs a few history events an hour), and heartbeats every 2 s. */
const WATCH_SESSION_MS = 3_600_000;
const WATCH: ActivityOptions = { startToCloseTimeout: WATCH_SESSION_MS + 600_000, heartbeatTimeout: '6s', retry: foreverRetry };
const watching = proxyActivities<typeof activities>(WATCH);

/** Continue as new past this many history events (a replay after a worker crash stays quick). */
const DEFAULT_HISTORY_LIMIT = 2000;

// ---------------------------------------------------------------------------------------------
// The story

export async function monitor(input: MonitorInput): Promise<MonitorStatus> {
  const cluster = requireCluster(input, 'monitor');
  const run = new MonitorRun(cluster, input);
  setHandler(statusQuery, () => run.status(), { description: 'the master, the last ping, the state, the warnings, the last verdict and failovers' });
  setHandler(pauseSignal, (p) => run.pause(p?.reason ?? 'paused'), { description: 'maintenance: keep watching, never fail over' });
  setHandler(resumeSignal, () => run.resume(), { description: 'fail over again when the master is dead (and retry after a refused failover)' });
  setHandler(reloadSignal, () => run.requestReload(), { description: 're-read the cluster config from the worker\'s directory now' });
  setHandler(stopSignal, () => run.requestStop(), { description: 'stop monitoring (a failover in progress finishes first)' });
  upsertSearchAttributes([{ key: MhaflowCluster, value: cluster }]);
  run.event('start', input.carry ? `continued (run ${run.generation + 1})` : `monitoring cluster ${cluster}`);

  // 1. The worker's config of the cluster, its master, its warnings; the replicas' heartbeat set as configured.
  if (!(await load(run, input.configDigest))) return run.stopped();
  for (;;) {
    if (run.stopRequested) return run.stopped();
    if (continueAsNewDue(workflowInfo(), input.historyLimit ?? DEFAULT_HISTORY_LIMIT)) {
      await continueAsNew<typeof monitor>({ cluster, carry: run.carry(), ...(input.historyLimit ? { historyLimit: input.historyLimit } : {}) });
    }
    if (run.reloadRequested) {
      if (!(await load(run))) return run.stopped();
      continue;
    }
    // 2. Watch until something differs from what the workflow knows (or a signal interrupts).
    const seen = await watch(run);
    if (!seen) {
      // Woken by resume with a dead master: judge it again, now.
      if (run.wakeRequested && run.master) await confirmAndAct(run);
      run.wakeRequested = false;
      continue;
    }
    // 3. What changed.
    switch (seen.change) {
      case 'ping-failed': case 'witnesses-lost': case 'recheck':
        await confirmAndAct(run, seen);
        break;
      case 'ping-recovered':
        run.masterAnswers(seen.lastPing);
        break;
      case 'warnings-changed':
        await reportWarnings(run, seen.warnings);
        break;
      case 'master-changed':
        run.event('master-changed', seen.detail);
        if (!(await load(run))) return run.stopped();
        break;
      case 'config-changed':
        run.event('config-changed', seen.detail);
        if (!(await load(run))) return run.stopped();
        break;
      case 'renew':
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Load

/** Read the cluster (again); false when stopped while the config could not be read. */
async function load(run: MonitorRun, callerDigest?: string): Promise<boolean> {
  run.reloadRequested = false;
  let facts: MonitorLoadFacts;
  for (;;) {
    try {
      facts = await quick.monitorLoad.executeWithOptions({ summary: MONITOR_SUMMARIES.load(run.cluster) }, [{ cluster: run.cluster }]);
      break;
    } catch (e) {
      if (failureType(e) !== 'ConfigError') throw e;
      run.configError(failureMessage(e));
      // A config that cannot be read is waited for: fixed on the worker, then `mhaflow monitor reload` (or a minute).
      await condition(() => run.reloadRequested || run.stopRequested, '60s');
      if (run.stopRequested) return false;
      run.reloadRequested = false;
    }
  }
  if (callerDigest && callerDigest !== facts.cluster.digest) {
    throw ApplicationFailure.nonRetryable(`the config you passed for cluster ${run.cluster} (digest ${callerDigest}) is not the worker's (digest ${facts.cluster.digest}): `
      + 'the monitor watches with the worker\'s copy; make them the same first', 'RefusedError');
  }
  run.loaded(facts);
  const wanted = facts.settings.replicaHeartbeatPeriodSec;
  const changes = heartbeatChanges(facts.heartbeats, wanted);
  if (wanted !== null && changes.length) {
    const servers = changes.map((c) => c.server);
    const r = await quick.monitorSetHeartbeat.executeWithOptions({ summary: MONITOR_SUMMARIES.heartbeat(servers, wanted) }, [{ cluster: run.ref, servers, periodSec: wanted }]);
    run.event('heartbeat', `MASTER_HEARTBEAT_PERIOD=${wanted} set on ${r.set.join(', ') || 'none'}${r.failed.length ? `; failed on ${r.failed.map((f) => `${f.server} (${f.error})`).join(', ')}` : ''}`);
    run.heartbeats = facts.heartbeats.map((h) => (r.set.includes(h.server) ? { ...h, periodSec: wanted } : h));
  }
  run.redraw();
  return true;
}

// ---------------------------------------------------------------------------------------------
// 2. Watch

async function watch(run: MonitorRun): Promise<WatchResult | null> {
  const st = run.settings!;
  const scope = new CancellationScope();
  const outcome = await scope.run(() => Promise.race([
    watching.monitorWatch.executeWithOptions({ summary: MONITOR_SUMMARIES.watch(run.master, st, run.reachable) }, [{
      cluster: run.ref, master: run.master, marks: run.marks, sessionMs: WATCH_SESSION_MS,
      known: { reachable: run.reachable, warningsKey: warningsKey(run.clusterWarnings), witnesses: run.witnesses },
      recheckMs: run.recheck ? Math.max(st.stallTimeoutMs, 5000) : null,
    }]).then((r) => ({ r }), (e: unknown) => ({ e })),
    condition(() => run.stopRequested || run.reloadRequested || run.wakeRequested).then(() => null),
  ]));
  scope.cancel();
  if (!outcome) return null;
  if ('e' in outcome) {
    // The config changed between the load and this watch: read it again.
    if (failureType(outcome.e) === 'ConfigError') {
      run.event('config-changed', failureMessage(outcome.e));
      run.reloadRequested = true;
      return null;
    }
    throw outcome.e;
  }
  run.watched(outcome.r);
  return outcome.r;
}

// ---------------------------------------------------------------------------------------------
// 3. Confirm, then fail over

/** Gather every view until they agree (dead), disagree (alive) or no more can be learnt now; fail over a dead master. */
async function confirmAndAct(run: MonitorRun, from?: WatchResult): Promise<void> {
  const master = run.master!;
  const st = run.settings!;
  if (from) run.failing(from);
  run.setState('suspect');
  let withSecondary = false;
  let verdict: MonitorVerdict;
  for (let round = 1; ; round++) {
    let e: MonitorEvidence;
    try {
      const f = await confirming.monitorConfirm.executeWithOptions({ summary: MONITOR_SUMMARIES.confirm(master, round) }, [{
        cluster: run.ref, master, marks: run.marks, failures: run.failures, failingSince: run.failingSince, secondaryCheck: withSecondary,
      }]);
      run.marks = f.marks;
      e = f.evidence;
    } catch (err) {
      run.event('confirm-failed', `the confirmation could not run: ${failureMessage(err)}; back to watching`);
      run.reachable = false;
      run.recheck = true;
      run.setState('watching');
      return;
    }
    verdict = judgeMaster(e, { failuresBeforeDead: st.failuresBeforeDead, stallTimeoutMs: st.stallTimeoutMs, secondaryCheck: st.secondaryCheck });
    run.judged(e, verdict);
    if (verdict.kind === 'suspect' && verdict.needSecondaryCheck) { withSecondary = true; continue; }
    if (verdict.kind !== 'suspect' || verdict.next === 'watch' || run.stopRequested || run.reloadRequested) break;
    await sleep(Math.max(200, st.pingIntervalMs / 2));
  }
  if (verdict.kind === 'dead') await failOver(run, master);
}

async function failOver(run: MonitorRun, master: string): Promise<void> {
  const go = decideAutomaticFailover(run, master);
  if (!go.go) {
    run.setState(go.state);
    run.event('no-failover', go.reason);
    return;
  }
  run.setState('failing-over');
  const workflowId = failoverWorkflowId(run.cluster);
  const record: AutomaticFailover = {
    workflowId, runId: null, startedAt: new Date().toISOString(), deadMaster: master, outcome: 'running', newMaster: null, message: '', external: false,
  };
  run.failoverStarted(record);
  const args: FailoverInput = { cluster: run.cluster, deadMaster: master };
  try {
    const child = await startChild(FAILOVER_WORKFLOW, {
      workflowId, args: [args],
      // The failover goes on if the monitor is stopped or terminated meanwhile.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowTaskTimeout: '3s',
      typedSearchAttributes: [{ key: MhaflowCluster, value: run.cluster }],
      staticSummary: MONITOR_SUMMARIES.failover(run.cluster, master),
      staticDetails: [`started by ${workflowInfo().workflowId}: ${run.lastVerdict?.reasons[0] ?? ''}`, ...(run.lastEvidence ? evidenceLines(run.lastEvidence) : [])].join('\n'),
    });
    record.runId = child.firstExecutionRunId;
    run.redraw();
    const report = (await child.result()) as FailoverReport;
    Object.assign(record, { outcome: 'completed', newMaster: report.newMaster, message: `${master} -> ${report.newMaster}` });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) {
      // Someone started one (`mhaflow failover`): one failover per cluster, so wait for theirs.
      record.external = true;
      run.redraw();
      const r = await quick.monitorAwaitFailover.executeWithOptions({ summary: MONITOR_SUMMARIES.awaitFailover(workflowId) }, [{ workflowId }]);
      Object.assign(record, { runId: r.runId, outcome: r.status === 'completed' ? 'completed' : 'failed', newMaster: r.report?.newMaster ?? null, message: r.message });
    } else if (e instanceof ChildWorkflowFailure) {
      Object.assign(record, { outcome: failureType(e) === 'RefusedError' ? 'refused' : 'failed', message: failureMessage(e) });
    } else throw e;
  }
  await afterFailover(run, record);
}

async function afterFailover(run: MonitorRun, record: AutomaticFailover): Promise<void> {
  run.failoverEnded(record);
  if (record.outcome === 'completed') {
    run.heldFor = null;
    run.event('failover', `${record.deadMaster} -> ${record.newMaster}: now watching ${record.newMaster}`);
    // The new master, as the replicas now say (and a fresh look at the warnings).
    await load(run);
    return;
  }
  run.heldFor = record.deadMaster;
  run.setState('failover-refused');
  run.event('failover-' + record.outcome, record.message);
  await sendReport(run, `${run.cluster}: automatic failover of ${record.deadMaster} ${record.outcome}`,
    `The monitor found ${record.deadMaster} dead and started ${record.workflowId}; it ${record.outcome}: ${record.message}. `
      + 'No other automatic failover of it will start until `mhaflow monitor resume`.');
}

// ---------------------------------------------------------------------------------------------
// Reports

async function reportWarnings(run: MonitorRun, next: MonitorWarning[]): Promise<void> {
  const { added, cleared } = warningChanges(run.clusterWarnings, next);
  run.clusterWarnings = next;
  run.event('warnings', [...added.map((w) => `+ ${w.what}`), ...cleared.map((w) => `- cleared: ${w.what}`)].join(' | ') || 'unchanged');
  if (!added.length && !cleared.length) return;
  const subject = `${run.cluster}: ${added.length ? `${added.length} new warning(s)` : ''}${added.length && cleared.length ? ', ' : ''}${cleared.length ? `${cleared.length} cleared` : ''}`;
  await sendReport(run, subject, [...added.map((w) => `NEW: ${w.what} Fix: ${w.fix}`), ...cleared.map((w) => `CLEARED: ${w.what}`)].join('\n'));
}

async function sendReport(run: MonitorRun, subject: string, body: string): Promise<void> {
  if (!run.settings?.report) return;
  try {
    const r = await hook.monitorReport.executeWithOptions({ summary: MONITOR_SUMMARIES.report(subject) }, [{ cluster: run.ref, master: run.master, subject, body }]);
    if (r.hook && r.hook.code !== 0) run.event('report-hook', `the report hook exited ${r.hook.code ?? r.hook.signal}`);
  } catch (e) {
    run.event('report-hook', `the report hook failed: ${failureMessage(e)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The state (query, UI, continue-as-new)

class MonitorRun {
  state: MonitorState = 'starting';
  ref: ClusterRef = { name: '', digest: '' };
  settings: MonitorSettings | null = null;
  master: string | null;
  paused: MonitorStatus['paused'];
  heldFor: string | null;
  events: MonitorStatus['events'];
  failovers: AutomaticFailover[];
  readonly since: string;
  readonly generation: number;
  clusterWarnings: MonitorWarning[];
  heartbeats: { server: string; periodSec: number | null }[] = [];
  lastPing: PingResult | null = null;
  lastEvidence: MonitorEvidence | null = null;
  lastVerdict: MonitorVerdict | null = null;
  marks: ReplicaMarks = {};
  /** What the watch compares with: the manager's pings succeed; the replicas vouch for a master it cannot reach; confirm again periodically. */
  reachable = true;
  witnesses = false;
  recheck = false;
  failures = 0;
  failingSince: string | null = null;
  stopRequested = false;
  reloadRequested = false;
  wakeRequested = false;
  private phase = '';

  constructor(readonly cluster: string, input: MonitorInput) {
    const c = input.carry;
    this.since = c?.since ?? new Date().toISOString();
    this.generation = c ? c.generation + 1 : 0;
    this.paused = c ? c.paused : input.paused ? { since: this.since, reason: input.paused.reason ?? 'started paused' } : null;
    this.master = c?.master ?? null;
    this.clusterWarnings = c?.warnings ?? [];
    this.events = c?.events ?? [];
    this.failovers = c?.failovers ?? [];
    this.heldFor = c?.heldFor ?? null;
  }

  carry(): MonitorCarry {
    return {
      since: this.since, generation: this.generation, paused: this.paused, master: this.master, warnings: this.clusterWarnings,
      events: this.events, failovers: this.failovers, heldFor: this.heldFor,
    };
  }

  get warnings(): MonitorWarning[] {
    const own = this.master && this.state !== 'failing-over' ? verdictWarnings(this.master, this.reachable ? null : this.lastVerdict) : [];
    const dead: MonitorWarning[] = this.master && (this.state === 'master-dead' || this.state === 'failover-refused')
      ? [{ code: 'master-dead', severity: 'problem', server: this.master, what: `${this.master} is dead and no automatic failover is running`, fix: this.events.at(-1)?.message ?? '' }]
      : [];
    const slow = this.settings ? slowHeartbeatWarnings(this.heartbeats, this.settings.stallTimeoutMs) : [];
    return [...dead, ...own, ...this.clusterWarnings, ...slow];
  }

  status(): MonitorStatus {
    return {
      cluster: this.cluster, workflowId: workflowInfo().workflowId, state: this.state, paused: this.paused, master: this.master, lastPing: this.lastPing,
      warnings: this.warnings, lastEvidence: this.lastEvidence, lastVerdict: this.lastVerdict, failovers: this.failovers, events: this.events,
      configDigest: this.ref.digest || null, settings: this.settings, since: this.since, generation: this.generation,
    };
  }

  event(kind: string, message: string): void {
    this.events = pushBounded(this.events, event(new Date().toISOString(), kind, message), MAX_EVENTS);
    this.redraw();
  }

  setState(state: MonitorState): void {
    this.state = state;
    if (state !== this.phase) {
      this.phase = state;
      upsertSearchAttributes([{ key: MhaflowPhase, value: state }]);
    }
    this.redraw();
  }

  redraw(): void {
    setCurrentDetails(statusMarkdown(this.status(), Date.now()));
  }

  loaded(f: MonitorLoadFacts): void {
    const before = this.ref.digest;
    this.ref = f.cluster;
    this.settings = f.settings;
    if (this.master !== f.master) {
      this.heldFor = null;
      this.event('master', f.master ? `watching ${f.master}` : 'no master found: the replicas point at no server of the cluster');
    }
    this.master = f.master;
    this.clusterWarnings = f.warnings;
    this.heartbeats = f.heartbeats;
    this.marks = f.marks;
    this.reachable = true;
    this.witnesses = false;
    this.recheck = false;
    this.failures = 0;
    this.failingSince = null;
    if (before && before !== f.cluster.digest) this.event('config', `config reloaded (digest ${before} -> ${f.cluster.digest})`);
    // A known-dead master stays dead to the state until a ping says otherwise.
    this.setState(!f.master ? 'no-master' : this.heldFor === f.master ? 'failover-refused' : 'watching');
  }

  configError(message: string): void {
    this.setState('config-error');
    this.event('config-error', message);
  }

  watched(r: WatchResult): void {
    if (r.lastPing) this.lastPing = r.lastPing;
    this.marks = r.marks;
  }

  failing(r: WatchResult): void {
    this.failures = Math.max(this.failures, r.failures);
    this.failingSince ??= r.failingSince;
    if (this.reachable) this.event('suspect', r.detail);
  }

  masterAnswers(ping: PingResult | null): void {
    const since = this.failingSince;
    this.reachable = true;
    this.witnesses = false;
    this.recheck = false;
    this.failures = 0;
    this.failingSince = null;
    this.heldFor = null;
    this.event('recovered', `${this.master} answers the manager again${since ? ` (unreachable since ${since})` : ''}${ping ? `: ping ${ping.ms} ms` : ''}`);
    this.setState('watching');
  }

  judged(e: MonitorEvidence, v: MonitorVerdict): void {
    const first = !this.lastVerdict || this.lastVerdict.kind !== v.kind;
    this.lastEvidence = e;
    this.lastVerdict = v;
    this.lastPing = e.manager.last;
    this.failures = e.manager.consecutiveFailures;
    this.failingSince = e.manager.failingSince;
    const answered = e.manager.last.ok || e.manager.last.error?.kind === 'answered';
    if (v.kind === 'alive') {
      if (answered) {
        this.masterAnswers(e.manager.last);
        return;
      }
      this.reachable = false;
      this.witnesses = Boolean(v.hearing?.length);
      this.recheck = !this.witnesses;
      this.setState('watching');
    } else if (v.kind === 'suspect' && v.next === 'watch') {
      this.reachable = false;
      this.witnesses = false;
      this.recheck = true;
      this.setState('watching');
    } else if (v.kind === 'dead') {
      this.reachable = false;
      this.witnesses = false;
      this.recheck = false;
      this.setState('master-dead');
    }
    if (first || v.kind !== 'suspect') this.event(`verdict-${v.kind}`, v.reasons[0]!);
    else this.redraw();
  }

  failoverStarted(f: AutomaticFailover): void {
    this.failovers = pushBounded(this.failovers, f, MAX_FAILOVERS);
    this.event('failover-start', `${f.workflowId}: ${f.deadMaster} is dead`);
  }

  failoverEnded(f: AutomaticFailover): void {
    this.failovers = this.failovers.map((x) => (x === f || (x.workflowId === f.workflowId && x.startedAt === f.startedAt) ? { ...f } : x));
  }

  pause(reason: string): void {
    this.paused = { since: new Date().toISOString(), reason };
    this.event('pause', reason);
  }

  resume(): void {
    const was = this.paused;
    this.paused = null;
    this.heldFor = null;
    if (this.state === 'master-dead' || this.state === 'failover-refused') this.wakeRequested = true;
    this.event('resume', was ? `resumed (paused since ${was.since})` : 'resumed');
  }

  requestReload(): void {
    this.reloadRequested = true;
    this.event('reload', 'reload requested');
  }

  requestStop(): void {
    this.stopRequested = true;
    this.event('stop', 'stop requested');
  }

  stopped(): MonitorStatus {
    this.setState('stopped');
    return this.status();
  }
}

// ---------------------------------------------------------------------------------------------
// Failures of activities and children: their innermost ApplicationFailure's type and message

function innermost(e: unknown): unknown {
  let cur = e;
  while (cur instanceof Error && cur.cause instanceof Error && !(cur instanceof ApplicationFailure)) cur = cur.cause;
  return cur;
}

function failureType(e: unknown): string | null {
  const f = innermost(e);
  return f instanceof ApplicationFailure ? f.type ?? null : null;
}

function failureMessage(e: unknown): string {
  const f = innermost(e);
  return f instanceof Error ? f.message : String(f);
}
