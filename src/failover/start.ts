// Starting (or attaching to) a failover workflow: one per cluster at a time, id failover:<cluster>.
// A dry run gets an id of its own, so it never blocks or joins a real failover. Two ways in, the same
// workflow: the SDK client (tests, demo, API) and the HTTP API (the failover command: no gRPC start-up cost).
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUE } from '../temporal/config';
import type { TemporalHttp } from '../temporal/http';
import type { FailoverInput, FailoverReport } from '../../workflows/failover';

export function failoverWorkflowId(cluster: string, dryRun = false): string {
  return dryRun ? `failover-dryrun:${cluster}:${Date.now()}` : `failover:${cluster}`;
}

/** What following a failover needs of its workflow, whichever API started it. */
export interface FailoverHandle {
  query<T>(queryType: string): Promise<T>;
  result(): Promise<FailoverReport>;
}

export interface StartedFailover<H extends FailoverHandle = WorkflowHandle<(input: FailoverInput) => Promise<FailoverReport>>> {
  handle: H;
  workflowId: string;
  /** false: a failover of this cluster was already running and we attached to it. */
  started: boolean;
}

/** The start options both ways share. */
function startOptions(cluster: string, input: FailoverInput) {
  return {
    workflowId: failoverWorkflowId(cluster, input.dryRun),
    // A worker killed while it runs a workflow task: another gets the task after this (default 10 s).
    // The failover's tasks take milliseconds (a full replay included).
    workflowTaskTimeout: '3s' as const,
    summary: `${input.dryRun ? 'dry run of a ' : ''}failover of cluster ${cluster}${input.deadMaster ? ` (dead master ${input.deadMaster})` : ''}`,
    details: `dead master: ${input.deadMaster ?? 'detected'}\nnew master: ${input.newMaster ?? 'chosen'}\nignore last failover: ${Boolean(input.ignoreLastFailover)}`,
  };
}

export async function startFailover(client: Client, cluster: string, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover> {
  const { defineSearchAttributeKey } = require('@temporalio/common') as typeof import('@temporalio/common');
  const o = startOptions(cluster, input);
  const running = await client.workflow.getHandle(o.workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
  const handle = await client.workflow.start<(input: FailoverInput) => Promise<FailoverReport>>('failover', {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId: o.workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowTaskTimeout: o.workflowTaskTimeout,
    typedSearchAttributes: [{ key: defineSearchAttributeKey('MhaflowCluster', 'KEYWORD'), value: cluster }],
    staticSummary: o.summary,
    staticDetails: o.details,
  });
  return { handle, workflowId: o.workflowId, started: !running };
}

/** The same start through Temporal's HTTP API (one request; it says itself whether it attached). */
export async function startFailoverHttp(api: TemporalHttp, cluster: string, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover<FailoverHandle>> {
  const o = startOptions(cluster, input);
  const { runId, started } = await api.start({
    workflowId: o.workflowId, workflowType: 'failover', taskQueue: opts.taskQueue ?? TASK_QUEUE, input: [input], requestId: randomUUID(),
    workflowTaskTimeout: o.workflowTaskTimeout, searchAttributes: { MhaflowCluster: cluster }, summary: o.summary, details: o.details,
  });
  return {
    workflowId: o.workflowId, started,
    handle: {
      query: <T>(queryType: string) => api.query<T>(o.workflowId, runId, queryType),
      result: () => api.result<FailoverReport>(o.workflowId, runId),
    },
  };
}
