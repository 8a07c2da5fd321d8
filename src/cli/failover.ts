// `mhaflow failover --cluster NAME | --config FILE [--dead-master HOST[:PORT]] [--new-master HOST[:PORT]] [--ignore-last-failover]
// [--dry-run] [--json]`: start (or attach to) the failover workflow of the cluster, follow it step by step, print the outcome.
// The workflow takes the cluster's name; the worker reads its own copy of the config. With --config, the file
// names the cluster, and its digest goes along: the worker refuses when its copy differs.
import type { Client } from '@temporalio/client';
import { MhaflowError, RefusedError } from '../errors';
import { targetCluster, type ClusterOptions } from './cluster';
import { followSteps } from './follow';
import { followable, startFailover, startFailoverHttp, type FailoverHandle, type StartedFailover } from '../failover/start';
import { temporalNamespace, uiLink } from '../temporal/config';
import { failureOfJson, HttpUnavailableError, TemporalHttp, temporalHttpAddress, WorkflowEndedError } from '../temporal/http';
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

/** Print each step as it completes (src/cli/follow.ts), until the workflow ends; time when the new master became writable. */
export async function followFailover(run: StartedFailover<FailoverHandle>, t0: number, opts: FollowOptions = {}): Promise<FollowResult> {
  let cliWritableMs: number | null = null;
  const report = await followSteps(run.handle, {
    ...opts, onStep: (s) => { if (s.id === 'promote' && s.status === 'done' && cliWritableMs === null) cliWritableMs = Date.now() - t0; },
  });
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
  opts: { json?: boolean; taskQueue?: string } = {}): Promise<FollowResult> {
  const t0 = Date.now();
  const cluster = targetCluster(target);
  const full: FailoverInput = { cluster: cluster.name, ...(cluster.digest ? { configDigest: cluster.digest } : {}), ...input };
  let run: StartedFailover;
  if (client instanceof TemporalHttp) run = await startFailoverHttp(client, full, { taskQueue: opts.taskQueue });
  else {
    const sdk = await startFailover(client, full, { taskQueue: opts.taskQueue });
    run = { ...sdk, handle: followable(sdk.handle) };
  }
  process.stderr.write(`${run.started ? 'started' : 'attached to the running'} ${input.dryRun ? 'dry run' : 'failover'} ${run.workflowId}\n`);
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

export interface FailoverOptions extends ClusterOptions { deadMaster?: string; newMaster?: string; ignoreLastFailover?: boolean; dryRun?: boolean; json?: boolean }

/**
 * `mhaflow failover`: through Temporal's HTTP API when it answers (no gRPC client to load: ~0.2 s sooner),
 * else through the gRPC client. Either stays open: the command exits the process right after.
 */
export async function failoverCommand(o: FailoverOptions): Promise<void> {
  const input = {
    ...(o.deadMaster ? { deadMaster: o.deadMaster } : {}), ...(o.newMaster ? { newMaster: o.newMaster } : {}),
    ignoreLastFailover: Boolean(o.ignoreLastFailover), dryRun: Boolean(o.dryRun),
  };
  const opts = { json: o.json, taskQueue: process.env.MHAFLOW_TASK_QUEUE };
  const target = { cluster: o.cluster, config: o.config };
  const address = temporalHttpAddress();
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
