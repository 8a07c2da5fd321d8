// `mhaflow failover --cluster NAME | --config FILE [--dead-master HOST[:PORT]] [--new-master HOST[:PORT]] [--ignore-last-failover] [--no-fence]
// [--dry-run] [--json]`: start (or attach to) the failover workflow of the cluster, follow it step by step, print the outcome.
// The workflow takes the cluster's name; the worker reads its own copy of the config. With --config, the file
// names the cluster, and its digest goes along: the worker refuses when its copy differs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { MhaflowError, RefusedError } from '../errors';
import { targetCluster, type ClusterOptions } from './cluster';
import { followable, resumeFailover, startFailover, startFailoverHttp, type FailoverHandle, type StartedFailover } from '../failover/start';
import { temporalNamespace, uiLink } from '../temporal/config';
import { failureOfJson, HttpUnavailableError, TemporalHttp, temporalHttpAddress, WorkflowEndedError } from '../temporal/http';
import type { StepRecord } from '../contracts/common';
import type { FailoverInput, FailoverReport } from '../contracts/failover';

export interface FollowOptions {
  pollMs?: number;
  /** Where progress lines go (default stderr). */
  write?: (line: string) => void;
}

export interface FollowResult {
  report: FailoverReport;
  /** Measured here, from the command's start. */
  cliWritableMs: number | null;
  cliTotalMs: number;
}

const fmt = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

/** Poll the progress query and print each step as it completes, until the workflow ends. */
export async function followFailover(run: StartedFailover<FailoverHandle>, t0: number, opts: FollowOptions = {}): Promise<FollowResult> {
  const write = opts.write ?? ((l: string) => process.stderr.write(`${l}\n`));
  const printed = new Set<number>();
  let running = '';
  let cliWritableMs: number | null = null;
  let done = false;
  const result = run.handle.result().finally(() => { done = true; });
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
    for (const c of rep.candidates) {
      lines.push(`    ${c.name}: ${c.eligible ? 'eligible' : `not eligible: ${c.reasons.join('; ')}`}${c.candidateMaster ? ' [candidate_master]' : ''}${c.latest ? ' [latest]' : ''}`
        + `${c.eligible && c.errantGtids ? ` [errant transactions ${c.errantGtids}]` : ''}`);
    }
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
  return lines.join('\n');
}

/**
 * The failure's innermost message and type (refusals come from the workflow or an activity). Duck-typed on
 * the SDK's error names, so that this module does not load the SDK (the HTTP path never needs it).
 */
export function failureReason(e: unknown): { message: string; type: string | null } {
  if (e instanceof WorkflowEndedError) return failureOfJson(e.failure);
  let cur: unknown = e instanceof Error && e.name === 'WorkflowFailedError' ? e.cause : e;
  let message = cur instanceof Error ? cur.message : String(cur);
  let type: string | null = null;
  while (cur instanceof Error && /Failure$/.test(cur.name)) {
    if (cur.name === 'ApplicationFailure') { message = cur.message; type = (cur as Error & { type?: string }).type ?? null; }
    cur = cur.cause;
  }
  return { message, type };
}

/** Start (or attach to) the failover through `client`: the SDK client, or the HTTP API. */
export async function runFailoverCommand(client: Client | TemporalHttp, target: ClusterOptions, input: Omit<FailoverInput, 'cluster' | 'configDigest'>,
  opts: { json?: boolean; taskQueue?: string; resume?: boolean } = {}): Promise<FollowResult> {
  const t0 = Date.now();
  const cluster = targetCluster(target);
  const full: FailoverInput = { cluster: cluster.name, ...(cluster.digest ? { configDigest: cluster.digest } : {}), ...input };
  let run: StartedFailover;
  if (opts.resume) {
    if (client instanceof TemporalHttp) throw new MhaflowError('resuming a failover needs the gRPC client');
    const sdk = await resumeFailover(client, cluster.name);
    run = { ...sdk, handle: followable(sdk.handle) };
  } else if (client instanceof TemporalHttp) run = await startFailoverHttp(client, full, { taskQueue: opts.taskQueue });
  else {
    const sdk = await startFailover(client, full, { taskQueue: opts.taskQueue });
    run = { ...sdk, handle: followable(sdk.handle) };
  }
  const verb = opts.resume ? (run.started ? 'resumed' : 'attached to the running') : run.started ? 'started' : 'attached to the running';
  process.stderr.write(`${verb} ${input.dryRun ? 'dry run' : 'failover'} ${run.workflowId}\n`);
  process.stderr.write(`Temporal UI: ${uiLink(run.workflowId)}\n`);
  try {
    const r = await followFailover(run, t0);
    process.stdout.write(opts.json ? `${JSON.stringify({ ...r.report, cliWritableMs: r.cliWritableMs, cliTotalMs: r.cliTotalMs }, null, 2)}\n` : `${formatOutcome(r)}\n`);
    return r;
  } catch (e) {
    const { message, type } = failureReason(e);
    const Err = type === 'RefusedError' || type === 'SafetyError' || type === 'ConfigError' ? RefusedError : MhaflowError;
    throw new Err(`failover ${run.workflowId} ${type === 'RefusedError' ? 'refused' : 'failed'}: ${message}\n  details: ${uiLink(run.workflowId)}`);
  }
}

export interface FailoverOptions extends ClusterOptions {
  deadMaster?: string; newMaster?: string; ignoreLastFailover?: boolean; dryRun?: boolean; json?: boolean; allowErrantCandidate?: boolean;
  resume?: boolean; resolved?: string;
  /** commander's --no-fence: false when given. */
  fence?: boolean;
}

/**
 * `mhaflow failover`: through Temporal's HTTP API when it answers (no gRPC client to load: ~0.2 s sooner),
 * else through the gRPC client. Either stays open: the command exits the process right after.
 */
export async function failoverCommand(o: FailoverOptions): Promise<void> {
  const input = {
    ...(o.deadMaster ? { deadMaster: o.deadMaster } : {}), ...(o.newMaster ? { newMaster: o.newMaster } : {}),
    ignoreLastFailover: Boolean(o.ignoreLastFailover), dryRun: Boolean(o.dryRun), ...(o.fence === false ? { noFence: true } : {}),
    ...(o.resolved ? { resolvedRun: o.resolved } : {}),
    ...(o.allowErrantCandidate ? { allowErrantCandidate: true } : {}),
  };
  const opts = { json: o.json, taskQueue: process.env.MHAFLOW_TASK_QUEUE, resume: Boolean(o.resume) };
  const target = { cluster: o.cluster, config: o.config };
  const address = o.resume ? null : temporalHttpAddress(); // a resume needs the gRPC client (a Temporal reset)
  if (address) {
    try {
      await runFailoverCommand(new TemporalHttp(address, temporalNamespace()), target, input, opts);
      return;
    } catch (e) {
      if (!(e instanceof HttpUnavailableError)) throw e;
      if (process.env.TEMPORAL_HTTP_ADDRESS) throw e; // set on purpose: say so rather than go around it
    }
  }
  const { getClient } = require('../temporal/client') as typeof import('../temporal/client');
  await runFailoverCommand(await getClient(), target, input, opts);
}
