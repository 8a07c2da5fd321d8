// `mhaflow check --config FILE [--json]`: the pre-flight replication + SSH check. Runs as the Temporal
// workflow checkReplication when a Temporal server with a worker is reachable (visible in the UI), else
// in this process (--local forces that). Outcome (exit-codes.ts): completed (0) safe to fail over (warnings
// allowed), refused (2) not safe, bad-input (4) the config is invalid, failed (1) the check itself could not run.
// A script may run it before every change, so it starts fast: through Temporal's HTTP API when there is one
// (src/temporal/http.ts: no gRPC client to load, ~0.3 s), else the gRPC client; the drivers load only for --local.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckReport } from '../check';
import type { ClusterConfig } from '../config/schema';
import { localConfig, targetCluster, type ClusterOptions } from './cluster';
import { TASK_QUEUE, temporalAddress, temporalEndpoint, uiLink } from '../temporal/config';
import { failureReason, HttpUnavailableError, isWorkflowEnd, TemporalHttp, temporalHttpAddress, WorkflowEndedError } from '../temporal/http';
import { ConfigError, MhaflowError, RefusedError, SafetyError, TemporalUnreachableError } from '../errors';
import { formatCheckReport } from './check-render';
import { exitCodeOf, outcomeFields, type Outcome } from './exit-codes';

export const EXIT_NOT_SAFE = exitCodeOf('refused');

/** The check in this process: what the workflow's activities run, and the same pure decision. */
export async function runCheckLocally(cfg: ClusterConfig, opts: { ssh?: boolean } = {}): Promise<CheckReport> {
  const { buildCheckReport, sshCheckTargets } = require('../check') as typeof import('../check');
  const { discoverServers } = require('../mysql/discover') as typeof import('../mysql/discover');
  const { checkSshHosts } = require('../ssh/check') as typeof import('../ssh/check');
  const servers = await discoverServers(cfg);
  const ssh = opts.ssh === false ? null : await checkSshHosts(cfg, sshCheckTargets(cfg, servers));
  return buildCheckReport({ config: cfg, servers, ssh });
}

/** The typed error an activity threw, from its failure's message and type (the message carries server and fix). */
function typedFailure(message: string, type: string | null): MhaflowError {
  const Cls = ({ ConfigError, SafetyError, RefusedError } as Record<string, typeof MhaflowError>)[type ?? ''] ?? MhaflowError;
  return new Cls(message);
}

/** One way to run the workflow: Temporal's HTTP API, or the gRPC client. */
interface CheckTransport {
  /** A worker polls the task queue (else a started workflow would wait for one). */
  workerPolling(): Promise<boolean>;
  start(workflowId: string, input: { cluster: string; ssh: boolean }): Promise<CheckRun>;
}
interface CheckRun {
  runId: string;
  /** The report; rejects as the transport's client does when the run ended without one (runCheckInTemporal reads why). */
  result(): Promise<CheckReport>;
  /** Why a workflow task failed, if one did (null: none so far). */
  failedTask(): Promise<string | null>;
  terminate(reason: string): Promise<void>;
}

function httpTransport(api: TemporalHttp, taskQueue: string): CheckTransport {
  return {
    workerPolling: async () => (await api.workflowPollers(taskQueue)) > 0,
    async start(workflowId, input) {
      const { runId } = await api.start({
        workflowId, workflowType: 'checkReplication', taskQueue, input: [input], requestId: workflowId,
        executionTimeout: '180s', summary: `replication check of cluster ${input.cluster}`,
      });
      return {
        runId,
        result: () => api.result<CheckReport>(workflowId, runId),
        failedTask: async () => {
          const failed = (await api.history(workflowId, runId)).find((e) => e.workflowTaskFailedEventAttributes);
          return failed ? ((failed.workflowTaskFailedEventAttributes as { failure?: { message?: string } }).failure?.message ?? 'the workflow task failed') : null;
        },
        terminate: (reason) => api.terminate(workflowId, runId, reason),
      };
    },
  };
}

async function grpcTransport(taskQueue: string): Promise<CheckTransport> {
  const { getClient } = require('../temporal/client') as typeof import('../temporal/client');
  const client = await getClient();
  return {
    async workerPolling() {
      const res = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      return (res.pollers ?? []).length > 0;
    },
    async start(workflowId, input) {
      const handle = await client.workflow.start('checkReplication', {
        taskQueue, workflowId, args: [input], staticSummary: `replication check of cluster ${input.cluster}`, workflowExecutionTimeout: '3m',
      });
      return {
        runId: handle.firstExecutionRunId,
        result: () => handle.result() as Promise<CheckReport>,
        failedTask: async () => {
          const history = await handle.fetchHistory();
          const failed = history?.events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
          return failed ? (failed.failure?.message ?? 'the workflow task failed') : null;
        },
        terminate: async (reason) => { await handle.terminate(reason); },
      };
    },
  };
}

const workflowFailed = (why: string) => new MhaflowError(`the checkReplication workflow failed: ${why}`, { hint: 'see the workflow in the Temporal UI' });

/** The report through Temporal; null when no worker polls the task queue. */
async function runCheckInTemporal(t: CheckTransport, cluster: string, opts: { ssh?: boolean }): Promise<{ report: CheckReport; link: string } | null> {
  if (!(await t.workerPolling())) return null;
  const workflowId = `check:${cluster}:${Date.now()}`;
  const run = await t.start(workflowId, { cluster, ssh: opts.ssh !== false });
  const link = uiLink(workflowId, run.runId);
  const stop = new AbortController();
  try {
    const report = await Promise.race([run.result(), watchWorkflowTasks(run, link, stop.signal)]);
    return { report, link };
  } catch (e) {
    // The run ended without a report, over either transport: the typed error its activity threw (no stack).
    if (!isWorkflowEnd(e)) throw e;
    const { message, type } = failureReason(e);
    if (type) throw typedFailure(message, type);
    // Over HTTP a run terminated or timed out carries no failure: its status ("workflow timed_out") says what happened.
    throw workflowFailed(e instanceof WorkflowEndedError && !e.failure ? e.message : message);
  } finally {
    stop.abort();
  }
}

/**
 * A worker that cannot run the workflow (an old worker without checkReplication, a bundle error) fails
 * its workflow task again and again while the workflow waits: notice it, stop the workflow, say why.
 */
async function watchWorkflowTasks(run: CheckRun, link: string, signal: AbortSignal): Promise<never> {
  for (;;) {
    await sleep(1000, undefined, { ref: false });
    if (signal.aborted) return new Promise<never>(() => {});
    const why = await run.failedTask().catch(() => null);
    if (why) {
      await run.terminate(`workflow task failed: ${why}`).catch(() => {});
      throw new MhaflowError(`a worker could not run the checkReplication workflow: ${why} (terminated it: ${link})`, {
        hint: 'restart the workers so they load the current code (`npx mhaflow worker`), or run the check with --local',
      });
    }
  }
}

/** Through the HTTP API when Temporal has one, else the gRPC client; null (said on stderr): Temporal unreachable, or no worker. */
async function checkThroughTemporal(cluster: string, opts: { ssh?: boolean }): Promise<{ report: CheckReport; link: string } | null> {
  const ep = temporalEndpoint();
  const address = temporalHttpAddress(ep);
  try {
    if (address) {
      const api = new TemporalHttp(address, ep.namespace, ep);
      try {
        return noWorkerSaid(await runCheckInTemporal(httpTransport(api, TASK_QUEUE), cluster, opts));
      } catch (e) {
        if (!(e instanceof HttpUnavailableError)) throw e;
        if (process.env.TEMPORAL_HTTP_ADDRESS) throw new TemporalUnreachableError(e.message, { hint: e.hint }); // set on purpose: say so
      } finally {
        api.close();
      }
    }
    return noWorkerSaid(await runCheckInTemporal(await grpcTransport(TASK_QUEUE), cluster, opts));
  } catch (e) {
    // Temporal unreachable: the check still runs, here.
    if (!(e instanceof TemporalUnreachableError || e instanceof HttpUnavailableError)) throw e;
    process.stderr.write(`${e.message}: checking in this process\n`);
    return null;
  }
}

function noWorkerSaid<T>(run: T | null): T | null {
  if (!run) {
    process.stderr.write(`no mhaflow worker polls task queue ${TASK_QUEUE} at ${temporalAddress()}: checking in this process `
      + '(start one with `npx mhaflow worker`)\n');
  }
  return run;
}

export interface CheckOptions extends ClusterOptions { json?: boolean; ssh: boolean; local?: boolean }

/** `mhaflow check`: its outcome. The Temporal client stays open: the command exits the process right after. */
export async function checkCommand(o: CheckOptions): Promise<Outcome> {
  const target = targetCluster(o); // clear config errors before anything starts
  let run: { report: CheckReport; link: string } | null = null;
  if (!o.local) run = await checkThroughTemporal(target.name, { ssh: o.ssh });
  const report = run?.report ?? await runCheckLocally(localConfig(target), { ssh: o.ssh });
  const outcome: Outcome = report.safe ? 'completed' : 'refused';
  if (o.json) process.stdout.write(`${JSON.stringify({ ...outcomeFields(outcome), ...report }, null, 2)}\n`);
  else process.stdout.write(`${formatCheckReport(report)}\n`);
  if (run) process.stderr.write(`Temporal UI: ${run.link}\n`);
  return outcome;
}
