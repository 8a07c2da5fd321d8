// rejoin: an old master that a failover replaced comes back as a replica of the current master. What only it
// holds (the transactions its binlog has beyond the cluster's copy, which the failover recorded) is counted
// exactly and extracted; then it is repointed (nothing extra), or those transactions are rewound with a
// flashback (all row-based DML), optionally reapplied on the master first, its data verified, and repointed;
// anything else is refused, naming what cannot be rewound and where it is saved. Each step is an activity, each
// decision a pure function of their facts (src/rejoin/decisions.ts), so a crashed worker resumes at the last
// completed step and nothing is extracted, rewound or reapplied twice.
import { ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ExtraScanFacts, RejoinStart } from '../src/rejoin/decisions';
import {
  decideExtra, decideRejoinStart, decideVerified, describeRows, invalidRejoinInput, planConsistency, reapplyDomain, repointTarget, tablesToVerify,
  type ConsistencyPlan,
} from '../src/rejoin/decisions';
import { PROGRESS_QUERY } from '../src/contracts/common';
import type { ExtractedFiles, ExtraTransactions, RejoinInput, RejoinOutcome, RejoinProgress, RejoinReport } from '../src/contracts/rejoin';
import { formatCoordinates } from '../src/binlog/coordinates';
import { REJOIN_STEPS, type RejoinStepArgs, type RejoinStepKind } from '../src/rejoin/steps';
import type { ClusterRef } from '../src/config/registry';
import { LONG_STEP, QUICK_STEP, refuse } from './options';
import { StepRun, stepsMarkdown } from './steps';

export const rejoinProgressQuery = defineQuery<RejoinProgress>(PROGRESS_QUERY);

const quick = proxyActivities<typeof activities>(QUICK_STEP);
const long = proxyActivities<typeof activities>(LONG_STEP);

type Go = Extract<RejoinStart, { kind: 'rejoin' }>;

// ---------------------------------------------------------------------------------------------
// The story

export async function rejoin(input: RejoinInput): Promise<RejoinReport> {
  const bad = invalidRejoinInput(input);
  if (bad) throw ApplicationFailure.nonRetryable(bad, 'ConfigError');
  const run = new RejoinRun(input);
  setHandler(rejoinProgressQuery, () => run.progress, { description: 'the rejoin step in progress and the steps done, with their durations' });
  try {
    // 1. Check: not the master, no replica of its own, fenced; the failover that replaced it and what it recorded.
    const start = await check(run);
    if (start.kind === 'already') return run.end('already-rejoined', start.note);
    // 2. What only it holds: its binlog after the cluster's copy, cross-checked with the GTID states.
    const scan = await findExtra(run, start);
    // 3. Extracted to the manager's workdir (raw events, readable SQL) and to the hosts that replay them.
    const domain = input.reapply && scan.extra.count ? reapplyDomain(scan.extra.gtids, run.reapplyGtidDomain) : null;
    const files = scan.extra.count && !input.dryRun ? await extract(run, start, scan.extra, domain?.ok ? domain.domain : null) : null;
    // 4. Repoint, rewind or refuse.
    const plan = decidePlan(run, start, scan.extra, files, domain);
    if (input.dryRun) return run.end('dry-run');
    if (plan.kind === 'rewind') {
      // 5. The extra transactions on the master first (they then replicate everywhere, to it too), ...
      if (plan.reapply) await reapply(run, start, files!, domain as { ok: true; domain: number });
      // ... then taken back on it, and its binlog (which still holds them) reset.
      await rewind(run, files!, scan);
      await resetBinlog(run, start);
    }
    // 4. It replicates from the master where the cluster's copy of it ends; after a rewind, once its data matched.
    await repointAndStart(run, start, plan, scan.extra);
    return run.end(plan.kind === 'rewind' ? 'rewound' : 'repointed');
  } catch (e) {
    run.finish('failed');
    if (e instanceof ApplicationFailure && e.type === 'RefusedError' && run.changes.length) {
      throw ApplicationFailure.nonRetryable(`${e.message} (already done: ${run.changes.join('; ')})`, 'RefusedError');
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The run's state: progress (query, UI) and report

class RejoinRun extends StepRun {
  /** What this run changed so far, for a refusal's message. */
  readonly changes: string[] = [];
  readonly report: RejoinReport;
  cluster: ClusterRef = { name: '', digest: '' };
  reapplyGtidDomain = 0;

  constructor(readonly input: RejoinInput) {
    super(Boolean(input.dryRun), (run) => renderDetails(run as RejoinRun));
    this.report = {
      cluster: input.cluster, server: input.server, workflowId: this.workflowId, runId: this.runId, dryRun: Boolean(input.dryRun), reapply: Boolean(input.reapply),
      outcome: null, note: '', mode: null, failover: null, currentMaster: null, clusterHolds: null, extraTransactions: null, files: null,
      reapplied: null, rewound: null, verified: null, repointedTo: null, steps: this.progress.steps, warnings: [], timings: { totalMs: 0 },
    };
  }

  get runKey(): string {
    return `rejoin-${this.input.server}-${this.runId.slice(0, 8)}`;
  }

  args(a: Omit<RejoinStepArgs, 'server'> = {}): RejoinStepArgs {
    return { server: this.input.server, master: this.report.currentMaster ?? undefined, ...a };
  }

  step<T>(kind: RejoinStepKind, a: RejoinStepArgs, fn: (summary: string) => Promise<T>, describe?: (r: T) => string): Promise<T> {
    const spec = REJOIN_STEPS[kind];
    return this.run(kind, spec.phase, spec.title(a), () => fn(spec.summary(a)), describe);
  }

  decided(kind: RejoinStepKind, a: RejoinStepArgs, detail: string): void {
    const spec = REJOIN_STEPS[kind];
    this.record(kind, spec.phase, spec.title(a), detail);
  }

  end(outcome: RejoinOutcome, note = ''): RejoinReport {
    this.report.outcome = outcome;
    this.report.note = note;
    this.report.timings.totalMs = this.elapsed();
    this.finish(outcome === 'rewound' || outcome === 'repointed' ? 'completed' : outcome);
    return this.report;
  }
}

function describeExtra(x: ExtraTransactions): string[] {
  if (!x.count) return ['nothing: the cluster holds every transaction it has'];
  return [
    `**${x.count} transactions** only it holds, committed ${x.firstCommit} to ${x.lastCommit}`,
    `GTIDs: ${x.gtids.slice(0, 6).join(', ')}${x.gtids.length > 6 ? `, ... (${x.gtids.length} ranges)` : ''}`,
    `positions: ${x.positions.map((p) => `${p.file}:${p.from}..${p.to} (${p.transactions})`).join(', ')}`,
    ...x.tables.map((t) => `rows: ${describeRows(t)}`),
    ...(x.notRewindableCount ? [`cannot be rewound: ${x.notRewindableCount} (${x.notRewindable.slice(0, 3).map((t) => `${t.gtid ?? t.at}: ${t.what}`).join('; ')})`] : []),
  ];
}

function renderDetails(run: RejoinRun): string {
  const r = run.report;
  const lines = [
    `**rejoin of ${r.server}** (cluster ${r.cluster})${r.dryRun ? ' (dry run: nothing is changed)' : ''}${r.reapply ? ' with --reapply' : ''}`,
    `master **${r.currentMaster ?? '?'}**${r.failover ? ` · replaced by failover ${r.failover.workflowId} at ${r.failover.closeTime}` : ''}${r.mode ? ` · mode ${r.mode}` : ''}`,
  ];
  if (r.clusterHolds) lines.push(`the cluster holds its binlog up to ${formatCoordinates(r.clusterHolds.upTo)}: ${r.clusterHolds.how}`);
  if (r.extraTransactions) lines.push('', '**what only it holds**', ...describeExtra(r.extraTransactions).map((l) => `- ${l}`));
  if (r.files) lines.push(`- saved: ${r.files.binlog} and ${r.files.sql} (on ${r.files.worker})`);
  if (r.repointedTo) lines.push('', `**replicates from ${r.repointedTo.master} at ${r.repointedTo.at}**: ${r.repointedTo.derivation}`);
  lines.push('', ...stepsMarkdown(run.steps));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// 1. Check

async function check(run: RejoinRun): Promise<Go | Extract<RejoinStart, { kind: 'already' }>> {
  const { input, report } = run;
  const facts = await run.step('check', run.args(),
    (summary) => quick.rejoinCheck.executeWithOptions({ summary }, [{ cluster: input.cluster, server: input.server }]),
    (f) => [
      `master: ${f.master ?? 'none'}`,
      f.fence ? `read_only=${f.fence.readOnly ? 'ON' : 'OFF'}, ${f.fence.writingTransactions.length} writing transactions, ${f.fence.clientSessions.length} client sessions` : `${input.server} not readable`,
      f.lastFailover ? `last failover ${f.lastFailover.workflowId} at ${f.lastFailover.closeTime}: ${f.lastFailover.report.deadMaster} -> ${f.lastFailover.report.newMaster}` : 'no failover recorded',
    ].join('; '));
  run.cluster = { name: facts.cluster.name, digest: facts.cluster.digest };
  run.setCluster(facts.cluster.name);
  run.reapplyGtidDomain = facts.reapplyGtidDomain;
  const start = decideRejoinStart(facts, input);
  if (!start.ok) refuse(start.reason);
  report.currentMaster = start.master;
  if (start.kind === 'already') return start;
  report.mode = start.mode;
  report.failover = { workflowId: start.failover.workflowId, runId: start.failover.runId, closeTime: start.failover.closeTime, newMaster: start.master };
  report.clusterHolds = start.clusterCopy;
  const sessions = facts.fence?.clientSessions ?? [];
  if (sessions.length) report.warnings.push(`client sessions on ${input.server} (read_only keeps them from writing): ${sessions.slice(0, 5).map((s) => `${s.user}@${s.host} ${s.command}`).join(', ')}`);
  return start;
}

// ---------------------------------------------------------------------------------------------
// 2-3. What only it holds, extracted

async function findExtra(run: RejoinRun, start: Go): Promise<ExtraScanFacts> {
  const from = start.clusterCopy.upTo;
  const scan = await run.step('find', run.args({ at: formatCoordinates(from) }),
    (summary) => long.rejoinFindExtra.executeWithOptions({ summary }, [{ cluster: run.cluster, server: run.input.server, master: start.master, from }]),
    (f) => `${f.extra.count} transactions${f.extra.count ? ` (${f.extra.gtids.slice(0, 3).join(', ')}${f.extra.gtids.length > 3 ? ', ...' : ''})` : ''}; GTID states: ${f.server} ${f.serverGtidState || '(none)'}, ${start.master} ${f.masterGtidState || '(none)'}`);
  const d = decideExtra(scan);
  if (!d.ok) refuse(d.reason);
  run.report.extraTransactions = d.extra;
  run.redraw();
  return scan;
}

async function extract(run: RejoinRun, start: Go, extra: ExtraTransactions, domain: number | null): Promise<ExtractedFiles> {
  const files = await run.step('extract', run.args({ detail: `${extra.count} transactions` }),
    (summary) => long.rejoinExtract.executeWithOptions({ summary }, [{
      cluster: run.cluster, server: run.input.server, ranges: extra.positions, runKey: run.runKey,
      reapply: domain === null ? null : { master: start.master, domain },
    }]),
    (f) => `${f.bytes} bytes: ${f.binlog}, ${f.sql} (on ${f.worker}); ${f.onServer.path} on ${run.input.server}${f.forReapply ? `; ${f.forReapply.path} on ${f.forReapply.server}` : ''}`);
  run.report.files = files;
  return files;
}

// ---------------------------------------------------------------------------------------------
// 4-5. Consistent: plan, reapply, rewind, repoint

function decidePlan(run: RejoinRun, start: Go, extra: ExtraTransactions, files: ExtractedFiles | null, domain: ReturnType<typeof reapplyDomain> | null): ConsistencyPlan {
  const server = run.input.server;
  let plan = planConsistency(extra, { server, flavor: start.flavor, reapply: Boolean(run.input.reapply), saved: files ? `${files.binlog} (${files.sql})` : null });
  if (plan.kind === 'rewind' && plan.reapply && domain && !domain.ok) {
    plan = { kind: 'refuse', reason: `--reapply: ${domain.reason}; ${server}'s ${extra.count} extra transactions are saved in ${files?.binlog ?? '(not extracted)'}` };
  }
  const detail = plan.kind === 'repoint' ? `nothing only ${server} holds: repoint it`
    : plan.kind === 'rewind' ? `${plan.reapply ? `reapply ${extra.count} transactions on ${start.master}, then ` : ''}rewind ${extra.count} transactions (all row-based DML), verify, repoint`
      : `refuse: ${plan.reason}`;
  run.decided('plan', run.args({ detail: plan.kind === 'refuse' ? 'refuse' : detail }), detail);
  if (plan.kind === 'refuse' && !run.input.dryRun) refuse(plan.reason);
  if (plan.kind === 'refuse') run.report.warnings.push(plan.reason);
  return plan;
}

async function reapply(run: RejoinRun, start: Go, files: ExtractedFiles, domain: { ok: true; domain: number }): Promise<void> {
  const copy = files.forReapply!;
  const r = await run.step('reapply', run.args({ detail: `${run.report.extraTransactions!.count} transactions`, at: String(domain.domain) }),
    (summary) => long.rejoinReapply.executeWithOptions({ summary }, [{ cluster: run.cluster, server: start.master, diff: { path: copy.path, sha256: copy.sha256 }, domain: domain.domain }]),
    (x) => (x.conflict ? `stopped at transaction ${x.conflict.ordinal} of ${x.total}: ${x.conflict.error}` : `${x.applied} applied${x.alreadyApplied ? `, ${x.alreadyApplied} already there` : ''} in ${x.ms} ms`));
  if (r.applied) run.changes.push(`${r.applied} transactions reapplied on ${start.master} (GTID domain ${domain.domain})`);
  run.report.reapplied = { applied: r.applied, alreadyApplied: r.alreadyApplied, domain: domain.domain };
  if (r.conflict) {
    refuse(`reapplying on ${start.master} stopped at transaction ${r.conflict.ordinal} of ${r.total} (${r.conflict.gtid ?? 'no GTID'} as replayed): ${r.conflict.error}; `
      + `the ${r.conflict.ordinal - 1} before it are on ${start.master}; ${run.input.server} is left as it is (not rewound); resolve the conflict on ${start.master}, then run the rejoin again `
      + `(with --reapply it resumes at that transaction; without, the rest is rewound and lost); the transactions are saved in ${files.binlog}`);
  }
}

async function rewind(run: RejoinRun, files: ExtractedFiles, scan: ExtraScanFacts): Promise<void> {
  const server = run.input.server;
  const at = scan.binlogEnd;
  if (!at) refuse(`${server} has no binary log (log_bin is off): its rewind could not be counted, so it is not done`);
  const r = await run.step('rewind', run.args({ detail: `${scan.extra.count} transactions`, at: formatCoordinates(at) }),
    (summary) => long.rejoinRewind.executeWithOptions({ summary }, [{ cluster: run.cluster, server, diff: files.onServer, start: at }]),
    (x) => `${x.undone} undone${x.alreadyUndone ? `, ${x.alreadyUndone} already undone` : ''} in ${x.ms} ms`);
  run.changes.push(`${scan.extra.count} transactions rewound on ${server}`);
  run.report.rewound = { undone: r.undone, alreadyUndone: r.alreadyUndone };
}

async function resetBinlog(run: RejoinRun, start: Go): Promise<void> {
  const gtid = start.mode === 'gtid' ? start.newMasterStart.gtid : null;
  await run.step('reset-binlog', run.args({ at: gtid ?? undefined }),
    (summary) => quick.rejoinResetBinlog.executeWithOptions({ summary }, [{ cluster: run.cluster, server: run.input.server, gtidSlavePos: gtid }]),
    (x) => `binlog reset; gtid_binlog_pos now '${x.gtidBinlogPos}'`);
  run.changes.push(`${run.input.server}'s binlog reset`);
}

async function repointAndStart(run: RejoinRun, start: Go, plan: ConsistencyPlan, extra: ExtraTransactions): Promise<void> {
  const server = run.input.server;
  const target = repointTarget(start, server);
  if (!target.ok) refuse(target.reason);
  const verify = plan.kind === 'rewind';
  await run.step('repoint', run.args({ at: target.where, detail: verify ? 'not started yet: its data is verified first' : undefined }),
    (summary) => quick.rejoinRepoint.executeWithOptions({ summary }, [{ cluster: run.cluster, server, master: start.master, ...target.at }]),
    (x) => `${x.changed ? 'repointed' : 'already pointing there'}; ${target.derivation}`);
  run.changes.push(`${server} points at ${start.master}`);
  run.report.repointedTo = { master: start.master, at: target.where, derivation: target.derivation };
  if (verify) {
    const tables = tablesToVerify(extra);
    const v = await run.step('verify', run.args({ detail: tables.join(', ') }),
      (summary) => long.rejoinVerify.executeWithOptions({ summary }, [{ cluster: run.cluster, server, master: start.master, tables }]),
      (x) => `at ${formatCoordinates(x.at)} of ${start.master}'s binlog: ${x.tables.map((t) => `${t.table} ${t.server === t.master ? 'same' : 'DIFFERS'} (${t.server})`).join(', ')}`);
    const ok = decideVerified(v, server, start.master);
    if (!ok.ok) refuse(ok.reason);
    run.report.verified = { at: v.at, tables: v.tables };
  }
  await run.step('start', run.args(),
    (summary) => quick.rejoinStartReplication.executeWithOptions({ summary }, [{ cluster: run.cluster, server }]),
    (x) => `IO ${x.ioRunning}, SQL ${x.sqlRunning ? 'Yes' : 'No'} in ${x.ms} ms`);
}
