// `mhaflow check --config FILE [--json]`: the pre-flight replication + SSH check. Runs as the Temporal
// workflow checkReplication when a Temporal server with a worker is reachable (visible in the UI), else
// in this process (--local forces that). Outcome (exit-codes.ts): completed (0) safe to fail over (warnings
// allowed), refused (2) not safe, bad-input (4) the config is invalid, failed (1) the check itself could not run.
import { setTimeout as sleep } from 'node:timers/promises';
import { buildCheckReport, sshCheckTargets, type CheckReport } from '../check';
import type { ClusterConfig } from '../config/schema';
import { discoverServers } from '../mysql/discover';
import { checkSshHosts } from '../ssh/check';
import { localConfig, targetCluster, type ClusterOptions } from './cluster';
import { getClient } from '../temporal/client';
import { TASK_QUEUE, temporalAddress, uiLink } from '../temporal/config';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ConfigError, ConnectionError, MhaflowError, RefusedError, SafetyError } from '../errors';
import { formatCheckReport } from './check-render';
import { exitCodeOf, outcomeFields, type Outcome } from './exit-codes';

export const EXIT_NOT_SAFE = exitCodeOf('refused');

/** The check in this process: what the workflow's activities run, and the same pure decision. */
export async function runCheckLocally(cfg: ClusterConfig, opts: { ssh?: boolean } = {}): Promise<CheckReport> {
  const servers = await discoverServers(cfg);
  const ssh = opts.ssh === false ? null : await checkSshHosts(cfg, sshCheckTargets(cfg, servers));
  return buildCheckReport({ config: cfg, servers, ssh });
}

/** A failed workflow as the typed error its activity threw (message with server and fix, no stack). */
function fromWorkflowFailure(e: unknown): unknown {
  if (!(e instanceof WorkflowFailedError)) return e;
  let cause: unknown = e.cause;
  while (cause instanceof Error && cause.cause && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const Cls = ({ ConfigError, SafetyError, RefusedError } as Record<string, typeof MhaflowError>)[cause.type ?? ''] ?? MhaflowError;
    // The message already carries "[server] problem\n  fix: ..." (MhaflowError.describe()).
    return new Cls(cause.message);
  }
  return new MhaflowError(`the checkReplication workflow failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
    hint: 'see the workflow in the Temporal UI',
  });
}

/** A worker polls the task queue (else a started workflow would wait for one). */
async function workerPolling(): Promise<boolean> {
  const client = await getClient();
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: TASK_QUEUE },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (res.pollers ?? []).length > 0;
}

async function runCheckInTemporal(cluster: string, opts: { ssh?: boolean }): Promise<{ report: CheckReport; link: string }> {
  const client = await getClient();
  const workflowId = `check:${cluster}:${Date.now()}`;
  const handle = await client.workflow.start('checkReplication', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ cluster, ssh: opts.ssh !== false }],
    staticSummary: `replication check of cluster ${cluster}`,
    workflowExecutionTimeout: '3m',
  });
  const link = uiLink(workflowId, handle.firstExecutionRunId);
  const stop = new AbortController();
  try {
    const report = (await Promise.race([handle.result(), watchWorkflowTasks(handle, link, stop.signal)])) as CheckReport;
    return { report, link };
  } finally {
    stop.abort();
  }
}

/**
 * A worker that cannot run the workflow (an old worker without checkReplication, a bundle error) fails
 * its workflow task again and again while the workflow waits: notice it, stop the workflow, say why.
 */
async function watchWorkflowTasks(handle: WorkflowHandle, link: string, signal: AbortSignal): Promise<never> {
  for (;;) {
    await sleep(1000, undefined, { ref: false });
    if (signal.aborted) return new Promise<never>(() => {});
    const history = await handle.fetchHistory().catch(() => null);
    const failed = history?.events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
    if (failed) {
      const why = failed.failure?.message ?? 'the workflow task failed';
      await handle.terminate(`workflow task failed: ${why}`).catch(() => {});
      throw new MhaflowError(`a worker could not run the checkReplication workflow: ${why} (terminated it: ${link})`, {
        hint: 'restart the workers so they load the current code (`npx mhaflow worker`), or run the check with --local',
      });
    }
  }
}

export interface CheckOptions extends ClusterOptions { json?: boolean; ssh: boolean; local?: boolean }

/** `mhaflow check`: its outcome. The Temporal client stays open: the command exits the process right after. */
export async function checkCommand(o: CheckOptions): Promise<Outcome> {
  const target = targetCluster(o); // clear config errors before anything starts
  let report: CheckReport | undefined;
  let link: string | undefined;
  if (!o.local) {
    try {
      let polling = false;
      try {
        polling = await workerPolling();
      } catch (e) {
        // Temporal unreachable: the check still runs, here.
        if (!(e instanceof ConnectionError)) throw e;
        process.stderr.write(`${e.message}: checking in this process\n`);
      }
      if (polling) ({ report, link } = await runCheckInTemporal(target.name, { ssh: o.ssh }));
      else if (!report) {
        process.stderr.write(`no mhaflow worker polls task queue ${TASK_QUEUE} at ${temporalAddress()}: checking in this process ` +
          '(start one with `npx mhaflow worker`)\n');
      }
    } catch (e) {
      throw fromWorkflowFailure(e);
    }
  }
  report ??= await runCheckLocally(localConfig(target), { ssh: o.ssh });
  const outcome: Outcome = report.safe ? 'completed' : 'refused';
  if (o.json) process.stdout.write(`${JSON.stringify({ ...outcomeFields(outcome), ...report }, null, 2)}\n`);
  else process.stdout.write(`${formatCheckReport(report)}\n`);
  if (link) process.stderr.write(`Temporal UI: ${link}\n`);
  return outcome;
}
