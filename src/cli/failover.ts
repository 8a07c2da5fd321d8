// `mhaflow failover --cluster NAME | --config FILE [--dead-master HOST[:PORT]] [--new-master HOST[:PORT]] [--ignore-last-failover]
// [--no-fence] [--allow-errant-candidate] [--resume | --resolved RUN] [--dry-run] [--follow] [--json]`: start (or attach to) the failover workflow of the cluster, follow it step by step, print
// the outcome and exit with its code (exit-codes.ts). The workflow takes the cluster's name; the worker reads its own copy
// of the config. With --config, the file names the cluster, and its digest goes along: the worker refuses when its copy
// differs. The command rides out a restart of Temporal (it keeps trying for --reconnect-timeout), else says that the
// failover goes on without it and how to follow it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { TemporalContactLostError, TemporalUnreachableError } from '../errors';
import { targetCluster, type ClusterOptions } from './cluster';
import { CommandError, exitCodeOf, OUTCOMES, outcomeFields, type Outcome } from './exit-codes';
import { findFailover, findFailoverHttp, followable, resumeFailover, startFailover, startFailoverHttp, type FailoverHandle, type StartedFailover } from '../failover/start';
import { describeEndpoint, temporalEndpoint, uiLink } from '../temporal/config';
import { failureReason, HttpUnavailableError, TemporalHttp, temporalHttpAddress } from '../temporal/http';
import { isContactError, throughRestarts } from '../temporal/follow';
import type { FailoverProgress } from '../contracts/failover';
import type { StepRecord } from '../contracts/common';
import type { FailoverInput, FailoverReport } from '../contracts/failover';

export interface FollowOptions {
  pollMs?: number;
  /** Where progress lines go (default stderr). */
  write?: (line: string) => void;
  /** How long to keep trying while Temporal does not answer (default 60 s). */
  reconnectMs?: number;
  /** How to follow the failover again, for the lost-contact message. */
  followHint?: string;
}

export interface FollowResult {
  report: FailoverReport;
  /** Measured here, from the command's start. */
  cliWritableMs: number | null;
  cliTotalMs: number;
}

const fmt = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

/** The outcome of a failover that ended with a report. */
export function failoverOutcome(report: Pick<FailoverReport, 'dryRun' | 'unrecoverable' | 'leftOut' | 'fence'>): Outcome {
  if (report.dryRun) return 'completed';
  if (report.unrecoverable.length > 0) return 'completed-unrecoverable';
  return report.leftOut.length > 0 || (report.fence && !report.fence.verified) ? 'completed-degraded' : 'completed';
}

/** The failover's result, riding out Temporal restarts (src/temporal/follow.ts). */
function resultThroughRestarts(run: StartedFailover<FailoverHandle>, write: (l: string) => void, opts: FollowOptions): Promise<FailoverReport> {
  return throughRestarts(() => run.handle.result(), {
    reconnectMs: opts.reconnectMs ?? 60_000,
    onLost: (e, ms) => write(`  lost contact with Temporal (${e.message}); the failover goes on; retrying for ${fmt(ms)}`),
    onRestored: (ms) => write(`  contact with Temporal restored after ${fmt(ms)}`),
    lostError: (ms) => new TemporalContactLostError(`lost contact with Temporal at ${describeEndpoint()} for ${fmt(ms)}; the failover goes on (${run.workflowId}); ` +
      `follow it with \`${opts.followHint ?? 'mhaflow failover --follow'}\` or in the Temporal UI: ${uiLink(run.workflowId)}`, {
      hint: 'do not act on the cluster by hand while the failover runs: it is not over until its workflow says so',
    }),
  });
}

export interface FollowState {
  /** The last progress the workflow answered with (what was done, if it fails). */
  last: FailoverProgress | null;
}

/** Poll the progress query and print each step as it completes, until the workflow ends. */
export async function followFailover(run: StartedFailover<FailoverHandle>, t0: number, opts: FollowOptions = {}, state: FollowState = { last: null }): Promise<FollowResult> {
  const write = opts.write ?? ((l: string) => process.stderr.write(`${l}\n`));
  const printed = new Set<number>();
  let running = '';
  let cliWritableMs: number | null = null;
  let done = false;
  const result = resultThroughRestarts(run, write, opts).finally(() => { done = true; });
  result.catch(() => {});
  const show = (steps: StepRecord[]) => {
    steps.forEach((s, i) => {
      if (s.status === 'running' || printed.has(i)) return;
      printed.add(i);
      if (s.id === 'promote' && s.status === 'done' && cliWritableMs === null) cliWritableMs = Date.now() - t0;
      write(`  ${s.status === 'done' ? '✔' : '✖'} ${s.title} (${s.ms ?? 0} ms)${s.detail ? `\n      ${s.detail}` : ''}`);
    });
  };
  while (!done) {
    const p = await run.handle.progress().catch(() => null);
    if (p) {
      state.last = p;
      show(p.steps);
      if (p.current && p.current !== running) { running = p.current; write(`  … ${p.current}`); }
    }
    await Promise.race([result.catch(() => {}), sleep(opts.pollMs ?? 200)]);
  }
  const report = await result;
  show(report.steps);
  if (cliWritableMs === null && report.timings.newMasterWritableMs !== null) cliWritableMs = Date.now() - t0;
  return { report, cliWritableMs, cliTotalMs: Date.now() - t0 };
}

export function formatOutcome(r: FollowResult): string {
  const rep = r.report;
  const lines: string[] = [];
  lines.push(rep.dryRun
    ? `dry run of a failover of ${rep.cluster}: nothing was changed`
    : `failover of ${rep.cluster}: ${rep.deadMaster} -> ${rep.newMaster} (${rep.mode === 'gtid' ? 'GTID' : 'file/position'} mode)`);
  lines.push(`  new master: ${rep.newMaster ?? 'none'}${rep.newMasterReason ? ` — ${rep.newMasterReason}` : ''}`);
  if (rep.latest) lines.push(`  latest: ${rep.latest.latest.join(', ')} at ${rep.latest.latestPosition.file}:${rep.latest.latestPosition.pos}; oldest: ${rep.latest.oldest.join(', ')} at ${rep.latest.oldestPosition.file}:${rep.latest.oldestPosition.pos}`);
  if (rep.dryRun || rep.candidates.some((c) => !c.eligible)) {
    lines.push('  candidates:');
    for (const c of rep.candidates) lines.push(`    ${c.name}: ${c.eligible ? 'eligible' : `not eligible: ${c.reasons.join('; ')}`}${c.candidateMaster ? ' [candidate_master]' : ''}${c.latest ? ' [latest]' : ''}`);
  }
  if (rep.planSummary.length) {
    lines.push('  plan:');
    for (const l of rep.planSummary) lines.push(`    ${l}`);
  }
  const tail = rep.binlogTail;
  if (tail) lines.push(`  dead master binlog tail: ${tail.status === 'saved' ? `${tail.transactions} transactions (${tail.bytes} bytes) saved` : tail.status === 'nothing-new' ? 'nothing beyond the latest replica' : `UNRECOVERABLE (${tail.reason})`}`);
  if (!rep.dryRun) {
    lines.push('  per server:');
    for (const s of rep.servers) {
      const parts = s.diff?.parts.map((p) => `${p.purpose} ${p.transactions}`).join(', ');
      lines.push(`    ${s.server}${s.role === 'newMaster' ? ' (new master)' : ''}: ${s.applied ?? 0} transactions applied${s.alreadyApplied ? ` (+${s.alreadyApplied} applied before a retry)` : ''}${parts ? ` [${parts}]` : ''}${s.repointedTo ? `; replicates from ${s.repointedTo}` : ''}`);
    }
    lines.push(`  new master writable: ${fmt(r.cliWritableMs)} after the command started (${fmt(rep.timings.newMasterWritableMs)} into the workflow)`);
    lines.push(`  all replicas repointed: ${fmt(rep.timings.allReplicasRepointedMs)} into the workflow; total ${fmt(rep.timings.totalMs)} (command: ${fmt(r.cliTotalMs)})`);
  }
  if (rep.fence) lines.push(`  fence of ${rep.deadMaster}: ${rep.fence.method}${rep.fence.verified ? ' (seen to hold)' : rep.dryRun ? ' (planned)' : ' (NOT fenced)'} — ${rep.fence.why}`);
  for (const l of rep.leftOut) lines.push(`  LEFT OUT ${l.server}: ${l.reason}\n      what to do: ${l.hint}`);
  lines.push(`  unrecoverable: ${rep.unrecoverable.length ? rep.unrecoverable.join('; ') : 'nothing'}`);
  for (const w of rep.warnings) lines.push(`  warning: ${w}`);
  const outcome = failoverOutcome(rep);
  lines.push(`outcome: ${outcome} (exit ${exitCodeOf(outcome)})${outcome === 'completed' ? '' : `: ${OUTCOMES[outcome].meaning}`}`);
  return lines.join('\n');
}

/** "Someone else's failover": which run, started when, at which step now. */
export async function describeAttached(run: StartedFailover<FailoverHandle>, now = Date.now()): Promise<{ line: string; runId: string | null; startTime: string | null; step: string | null }> {
  const info = await run.handle.describe().catch(() => null);
  // A failover started a moment ago may not have run its first step yet: give it a few seconds to say where it is.
  let progress: FailoverProgress | null = null;
  for (const deadline = Date.now() + 3000; ;) {
    progress = await run.handle.progress().catch(() => null);
    if (progress?.current || progress?.finished || progress?.steps.length || Date.now() > deadline) break;
    await sleep(200);
  }
  const step = progress ? progress.current ?? [...progress.steps].reverse().find((s) => s.status === 'done')?.title ?? null : null;
  const at = info?.startTime ? new Date(info.startTime) : null;
  const when = at ? `started ${at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${fmt(now - at.getTime())} ago` : 'start time unknown';
  const where = progress?.finished ? 'it has just finished' : step ? `now at: ${step}` : 'no step reported yet';
  return {
    line: `attached to a failover already running: ${run.workflowId} (run ${info?.runId ?? '?'}, ${when}), ${where}. ` +
      'Someone else started it; this command follows it and starts nothing',
    runId: info?.runId ?? null, startTime: info?.startTime ?? null, step,
  };
}

function stepsDone(p: FailoverProgress | null): string[] {
  return (p?.steps ?? []).filter((s) => s.status === 'done').map((s) => s.title);
}

export interface FailoverCommandOptions {
  json?: boolean;
  taskQueue?: string;
  /** Only follow the cluster's latest failover; never start one. */
  follow?: boolean;
  /** Resume the cluster's failover that stopped midway (a Temporal reset: the gRPC client only). */
  resume?: boolean;
  reconnectMs?: number;
  write?: (line: string) => void;
}

export type FailoverRun = FollowResult & { outcome: Outcome; attached: boolean };

/** Start (or attach to, or with `follow` only find) the failover through `client`: the SDK client, or the HTTP API. */
export async function runFailoverCommand(client: Client | TemporalHttp, target: ClusterOptions, input: Omit<FailoverInput, 'cluster' | 'configDigest'>,
  opts: FailoverCommandOptions = {}): Promise<FailoverRun> {
  const t0 = Date.now();
  const write = opts.write ?? ((l: string) => process.stderr.write(`${l}\n`));
  const cluster = targetCluster(target);
  const full: FailoverInput = { cluster: cluster.name, ...(cluster.digest ? { configDigest: cluster.digest } : {}), ...input };
  let run: StartedFailover | null;
  try {
    if (opts.follow) {
      run = client instanceof TemporalHttp ? await findFailoverHttp(client, cluster.name) : await findFailover(client, cluster.name);
      if (!run) throw new CommandError('bad-input', `no failover of cluster ${cluster.name} to follow`, { hint: 'start one without --follow' });
    } else if (opts.resume) {
      if (client instanceof TemporalHttp) throw new CommandError('bad-input', 'resuming a failover needs the gRPC client (a Temporal reset)', { hint: 'unset TEMPORAL_HTTP_ADDRESS' });
      const sdk = await resumeFailover(client, cluster.name);
      run = { ...sdk, handle: followable(sdk.handle) };
    } else if (client instanceof TemporalHttp) {
      run = await startFailoverHttp(client, full, { taskQueue: opts.taskQueue });
    } else {
      const sdk = await startFailover(client, full, { taskQueue: opts.taskQueue });
      run = { ...sdk, handle: followable(sdk.handle) };
    }
  } catch (e) {
    if (e instanceof HttpUnavailableError || !isContactError(e)) throw e;
    throw new TemporalUnreachableError(`cannot reach Temporal at ${describeEndpoint()}: ${(e as Error).message}; nothing was started`, {
      hint: 'start it (`npx mhaflow temporal up` on a development machine), or set TEMPORAL_ADDRESS / TEMPORAL_HTTP_ADDRESS', cause: e,
    });
  }
  const what = input.dryRun ? 'dry run' : 'failover';
  let attached: Awaited<ReturnType<typeof describeAttached>> | null = null;
  if (run.started) write(`${opts.resume ? 'resumed' : 'started'} ${what} ${run.workflowId}`);
  else if (opts.follow) write(`following ${run.workflowId}`);
  else {
    attached = await describeAttached(run);
    write(attached.line);
  }
  write(`Temporal UI: ${uiLink(run.workflowId)}`);
  const followHint = `mhaflow failover --cluster ${cluster.name} --follow`;
  const state: FollowState = { last: null };
  let r: FollowResult;
  try {
    r = await followFailover(run, t0, { reconnectMs: opts.reconnectMs, followHint, write }, state);
  } catch (e) {
    if (e instanceof TemporalContactLostError) {
      throw new CommandError('temporal-lost', e.message, { hint: e.hint, data: { workflowId: run.workflowId, follow: followHint, done: stepsDone(state.last) } });
    }
    const { message, type } = failureReason(e);
    const refused = type === 'RefusedError' || type === 'SafetyError' || type === 'ConfigError';
    const last = state.last ?? await run.handle.progress().catch(() => null);
    const done = stepsDone(last);
    const doneLine = refused ? 'nothing was changed' : done.length ? `done before it stopped: ${done.join('; ')}` : 'no step had completed';
    throw new CommandError(refused ? 'refused' : 'failed', `${what} ${run.workflowId} ${refused ? 'refused' : 'failed'}: ${message}\n  ${doneLine}\n  details: ${uiLink(run.workflowId)}`, {
      data: { workflowId: run.workflowId, reason: message, failureType: type, done },
    });
  }
  const outcome = failoverOutcome(r.report);
  if (opts.json) {
    const extra = { attached: !run.started, ...(attached ? { attachedTo: { runId: attached.runId, startTime: attached.startTime, stepWhenAttached: attached.step } } : {}) };
    process.stdout.write(`${JSON.stringify({ ...outcomeFields(outcome), ...extra, ...r.report, cliWritableMs: r.cliWritableMs, cliTotalMs: r.cliTotalMs }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatOutcome(r)}\n`);
  }
  return { ...r, outcome, attached: !run.started };
}

export interface FailoverOptions extends ClusterOptions {
  deadMaster?: string; newMaster?: string; ignoreLastFailover?: boolean; dryRun?: boolean; json?: boolean; follow?: boolean; reconnectTimeout?: number;
  allowErrantCandidate?: boolean; resume?: boolean; resolved?: string;
  /** commander's --no-fence: false when given. */
  fence?: boolean;
}

/**
 * `mhaflow failover`: through Temporal's HTTP API when it answers (no gRPC client to load: ~0.2 s sooner),
 * else through the gRPC client. Either stays open: the command exits the process right after.
 */
export async function failoverCommand(o: FailoverOptions): Promise<Outcome> {
  const input = {
    ...(o.deadMaster ? { deadMaster: o.deadMaster } : {}), ...(o.newMaster ? { newMaster: o.newMaster } : {}),
    ignoreLastFailover: Boolean(o.ignoreLastFailover), dryRun: Boolean(o.dryRun), ...(o.fence === false ? { noFence: true } : {}),
    ...(o.resolved ? { resolvedRun: o.resolved } : {}), ...(o.allowErrantCandidate ? { allowErrantCandidate: true } : {}),
  };
  const opts: FailoverCommandOptions = {
    json: o.json, taskQueue: process.env.MHAFLOW_TASK_QUEUE, follow: o.follow, resume: Boolean(o.resume), ...(o.reconnectTimeout !== undefined ? { reconnectMs: o.reconnectTimeout * 1000 } : {}),
  };
  const target = { cluster: o.cluster, config: o.config };
  // Ctrl-C stops following, not the failover: say so (and how to follow it again).
  process.once('SIGINT', () => {
    process.stderr.write('\nstopped following; the failover (if it started) goes on: follow it with `mhaflow failover --cluster NAME --follow`\n');
    process.exit(130);
  });
  const ep = temporalEndpoint();
  const address = o.resume ? null : temporalHttpAddress(ep); // a resume needs the gRPC client (a Temporal reset)
  if (address) {
    try {
      return (await runFailoverCommand(new TemporalHttp(address, ep.namespace, ep), target, input, opts)).outcome;
    } catch (e) {
      if (!(e instanceof HttpUnavailableError)) throw e;
      if (process.env.TEMPORAL_HTTP_ADDRESS) throw new TemporalUnreachableError(e.message, { hint: e.hint }); // set on purpose: say so rather than go around it
    }
  }
  const { getClient } = require('../temporal/client') as typeof import('../temporal/client');
  return (await runFailoverCommand(await getClient(), target, input, opts)).outcome;
}
