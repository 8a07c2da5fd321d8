// `mhaflow switchover --cluster NAME | --config FILE [--new-master X] [--no-orig-master-as-replica] [--wait-approval] [--dry-run] [--json]`:
// start (or attach to) the switchover workflow of the cluster, follow it step by step, print the outcome.
// `mhaflow switchover approve|reject --cluster NAME`: answer a plan that waits for approval.
// Exit codes: 0 switched (or a dry run), 2 refused, rejected or rolled back (nothing changed), 1 failed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { PROGRESS_QUERY, type StepRecord } from '../contracts/common';
import { switchoverWorkflowId, type SwitchoverInput, type SwitchoverProgress, type SwitchoverReport } from '../contracts/switchover';
import { ConfigError, MhaflowError, RefusedError } from '../errors';
import { followableSwitchover, startSwitchover, startSwitchoverHttp, type StartedSwitchover, type SwitchoverHandle } from '../switchover/start';
import { temporalNamespace, uiLink } from '../temporal/config';
import { failureReason, HttpUnavailableError, TemporalHttp, temporalHttpAddress } from '../temporal/http';
import { exitCodeOf } from './exit-codes';
import { targetCluster, type ClusterOptions } from './cluster';

export interface SwitchoverFollowResult {
  report: SwitchoverReport;
  /** Measured here, from the command's start: the new master writable (its promote step seen done), and the end. */
  cliWritableMs: number | null;
  cliTotalMs: number;
}

const fmt = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

/** Poll the progress query and print each step as it ends, and the plan while it waits for approval. */
export async function followSwitchover(run: StartedSwitchover<SwitchoverHandle>, t0: number, o: { cluster: string; pollMs?: number; write?: (l: string) => void } ): Promise<SwitchoverFollowResult> {
  const write = o.write ?? ((l: string) => process.stderr.write(`${l}\n`));
  const printed = new Set<number>();
  let running = '';
  let askedApproval = false;
  let cliWritableMs: number | null = null;
  let done = false;
  const result = run.handle.result().finally(() => { done = true; });
  result.catch(() => {});
  const show = (steps: StepRecord[]) => steps.forEach((s, i) => {
    if (s.status === 'running' || printed.has(i)) return;
    printed.add(i);
    if (s.id === 'promote' && s.status === 'done' && cliWritableMs === null) cliWritableMs = Date.now() - t0;
    write(`  ${s.status === 'done' ? '✔' : '✖'} ${s.title} (${s.ms ?? 0} ms)${s.detail ? `\n      ${s.detail}` : ''}`);
  });
  const showApproval = (p: SwitchoverProgress) => {
    if (!p.awaitingApproval || askedApproval) return;
    askedApproval = true;
    const plan = p.awaitingApproval.plan;
    write(`  plan: ${plan.origMaster} -> ${plan.newMaster} (${plan.newMasterReason})`);
    for (const s of plan.steps) write(`    - ${s}`);
    for (const w of plan.warnings) write(`    warning: ${w}`);
    write(`  waiting for approval until ${p.awaitingApproval.deadline}:`);
    write(`    mhaflow switchover approve --cluster ${o.cluster}    (or: reject)`);
  };
  while (!done) {
    const p = await run.handle.progress().catch(() => null);
    if (p) {
      show(p.steps);
      showApproval(p);
      if (p.current && p.current !== running) { running = p.current; write(`  … ${p.current}`); }
    }
    await Promise.race([result.catch(() => {}), sleep(o.pollMs ?? 100)]);
  }
  const report = await result;
  show(report.steps);
  if (cliWritableMs === null && report.timings.writableMs !== null) cliWritableMs = Date.now() - t0;
  return { report, cliWritableMs, cliTotalMs: Date.now() - t0 };
}

export function formatSwitchoverOutcome(r: SwitchoverFollowResult): string {
  const rep = r.report;
  const p = rep.plan;
  const lines: string[] = [];
  const what = p ? `${p.origMaster} -> ${p.newMaster}` : '';
  switch (rep.outcome) {
    case 'completed': lines.push(`switchover of ${rep.cluster}: ${what} (${p?.mode === 'gtid' ? 'GTID' : 'file/position'} mode)`); break;
    case 'dry-run': lines.push(`dry run of a switchover of ${rep.cluster}: ${what}; nothing was changed`); break;
    case 'rejected': lines.push(`switchover of ${rep.cluster} rejected: ${rep.reason}`); break;
    case 'rolled-back': lines.push(`switchover of ${rep.cluster} ROLLED BACK: ${rep.reason}`); break;
  }
  if (p) {
    lines.push(`  new master: ${p.newMaster} — ${p.newMasterReason}`);
    if (rep.outcome === 'dry-run') for (const s of p.steps) lines.push(`    - ${s}`);
    if (p.lockAccounts.length) lines.push(`  freeze locks: ${p.lockAccounts.join(', ')}`);
    if (p.leftAccounts.length) lines.push(`  left alone: ${p.leftAccounts.join('; ')}`);
  }
  if (rep.frozenAt) lines.push(`  frozen at ${rep.frozenAt.file}:${rep.frozenAt.pos}${rep.frozenAt.gtid ? ` (${rep.frozenAt.gtid})` : ''}`);
  if (rep.outcome === 'completed') {
    lines.push(`  replicate from ${p?.newMaster}: ${rep.repointed.join(', ') || 'none'}`);
    lines.push(`  writes stopped ${fmt(rep.timings.frozenMs)}, new master writable ${fmt(rep.timings.writableMs)} into the workflow (writable ${fmt(r.cliWritableMs)} after the command started)`);
    lines.push(`  total ${fmt(rep.timings.totalMs)} (command: ${fmt(r.cliTotalMs)})`);
  }
  for (const l of rep.rollback) lines.push(`  undone: ${l}`);
  for (const w of rep.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** Exit code of an outcome: 0 switched or planned, 2 nothing changed (rejected, rolled back). */
/** Exit codes from the one table (exit-codes.ts): switched (or a dry run) 0; rolled back or rejected, nothing changed, 2. */
export const outcomeExitCode = (r: SwitchoverReport) => exitCodeOf(r.outcome === 'completed' || r.outcome === 'dry-run' ? 'completed' : 'refused');

export async function runSwitchoverCommand(client: Client | TemporalHttp, target: ClusterOptions, input: Omit<SwitchoverInput, 'cluster' | 'configDigest'>,
  opts: { json?: boolean; taskQueue?: string } = {}): Promise<SwitchoverFollowResult> {
  const t0 = Date.now();
  const cluster = targetCluster(target);
  const full: SwitchoverInput = { cluster: cluster.name, ...(cluster.digest ? { configDigest: cluster.digest } : {}), ...input };
  let run: StartedSwitchover;
  if (client instanceof TemporalHttp) run = await startSwitchoverHttp(client, full, { taskQueue: opts.taskQueue });
  else {
    const sdk = await startSwitchover(client, full, { taskQueue: opts.taskQueue });
    run = { ...sdk, handle: followableSwitchover(sdk.handle) };
  }
  process.stderr.write(`${run.started ? 'started' : 'attached to the running'} ${input.dryRun ? 'dry run' : 'switchover'} ${run.workflowId}\n`);
  process.stderr.write(`Temporal UI: ${uiLink(run.workflowId)}\n`);
  try {
    const r = await followSwitchover(run, t0, { cluster: cluster.name });
    process.stdout.write(opts.json ? `${JSON.stringify({ ...r.report, cliWritableMs: r.cliWritableMs, cliTotalMs: r.cliTotalMs }, null, 2)}\n` : `${formatSwitchoverOutcome(r)}\n`);
    process.exitCode = outcomeExitCode(r.report);
    return r;
  } catch (e) {
    const { message, type } = failureReason(e);
    const Err = type === 'RefusedError' || type === 'ConfigError' ? RefusedError : MhaflowError;
    throw new Err(`switchover ${run.workflowId} ${type === 'RefusedError' ? 'refused' : 'failed'}: ${message}\n  details: ${uiLink(run.workflowId)}`);
  }
}

export interface SwitchoverOptions extends ClusterOptions {
  newMaster?: string;
  origMasterAsReplica?: boolean;
  waitApproval?: boolean;
  approvalTimeout?: string;
  waitTimeout?: string;
  lagThreshold?: string;
  runningUpdatesLimit?: string;
  dryRun?: boolean;
  json?: boolean;
  by?: string;
  reason?: string;
}

function seconds(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${flag} must be a number of seconds >= 0, not ${v}`);
  return n;
}

/** `mhaflow switchover`: through Temporal's HTTP API when it answers (no gRPC client to load), else gRPC. */
export async function switchoverCommand(o: SwitchoverOptions): Promise<void> {
  const input: Omit<SwitchoverInput, 'cluster' | 'configDigest'> = {
    ...(o.newMaster ? { newMaster: o.newMaster } : {}),
    origMasterIsNewReplica: o.origMasterAsReplica !== false,
    approval: Boolean(o.waitApproval),
    ...(o.approvalTimeout ? { approvalTimeout: o.approvalTimeout } : {}),
    ...(o.waitTimeout ? { waitTimeout: o.waitTimeout } : {}),
    ...(o.lagThreshold !== undefined ? { lagThresholdSeconds: seconds(o.lagThreshold, '--lag-threshold') } : {}),
    ...(o.runningUpdatesLimit !== undefined ? { runningUpdatesLimitSeconds: seconds(o.runningUpdatesLimit, '--running-updates-limit') } : {}),
    dryRun: Boolean(o.dryRun),
  };
  const opts = { json: o.json, taskQueue: process.env.MHAFLOW_TASK_QUEUE };
  const target = { cluster: o.cluster, config: o.config };
  const address = temporalHttpAddress();
  if (address) {
    try {
      await runSwitchoverCommand(new TemporalHttp(address, temporalNamespace()), target, input, opts);
      return;
    } catch (e) {
      if (!(e instanceof HttpUnavailableError)) throw e;
      if (process.env.TEMPORAL_HTTP_ADDRESS) throw e;
    }
  }
  const { getClient } = require('../temporal/client') as typeof import('../temporal/client');
  await runSwitchoverCommand(await getClient(), target, input, opts);
}

/** `mhaflow switchover approve|reject`: the signal to the cluster's switchover, which must be waiting for an answer. */
export async function answerCommand(approved: boolean, o: SwitchoverOptions): Promise<void> {
  const cluster = targetCluster({ cluster: o.cluster, config: o.config }).name;
  const { getClient } = require('../temporal/client') as typeof import('../temporal/client');
  const { answerSwitchover } = require('../switchover/start') as typeof import('../switchover/start');
  const client = await getClient();
  const workflowId = switchoverWorkflowId(cluster);
  const h = client.workflow.getHandle(workflowId);
  const p = await h.query<SwitchoverProgress>(PROGRESS_QUERY).catch((e: Error) => {
    throw new RefusedError(`no switchover of cluster ${cluster} to answer (${workflowId}: ${e.message})`, { hint: 'start one with --wait-approval' });
  });
  if (!p.awaitingApproval) {
    throw new RefusedError(`the switchover ${workflowId} is not waiting for approval (${p.finished ? 'it ended' : `now: ${p.current ?? 'between steps'}`})`, { hint: uiLink(workflowId) });
  }
  await answerSwitchover(client, workflowId, approved, { ...(o.by ? { by: o.by } : {}), ...(o.reason ? { reason: o.reason } : {}) });
  process.stdout.write(`${approved ? 'approved' : 'rejected'}: ${p.awaitingApproval.plan.origMaster} -> ${p.awaitingApproval.plan.newMaster} (${workflowId})\n`);
}
