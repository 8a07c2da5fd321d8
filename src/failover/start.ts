// Starting (or attaching to) a failover workflow: one per cluster at a time, id failover:<cluster>.
// A dry run gets an id of its own, so it never blocks or joins a real failover.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TASK_QUEUE } from '../temporal/config';
import type { FailoverInput, FailoverReport } from '../../workflows/failover';

export const failoverClusterKey = defineSearchAttributeKey('MhaflowCluster', 'KEYWORD');

export function failoverWorkflowId(cluster: string, dryRun = false): string {
  return dryRun ? `failover-dryrun:${cluster}:${Date.now()}` : `failover:${cluster}`;
}

export interface StartedFailover {
  handle: WorkflowHandle<(input: FailoverInput) => Promise<FailoverReport>>;
  workflowId: string;
  /** false: a failover of this cluster was already running and we attached to it. */
  started: boolean;
}

export async function startFailover(client: Client, cluster: string, input: FailoverInput, opts: { taskQueue?: string } = {}): Promise<StartedFailover> {
  const workflowId = failoverWorkflowId(cluster, input.dryRun);
  const running = await client.workflow.getHandle(workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
  const handle = await client.workflow.start<(input: FailoverInput) => Promise<FailoverReport>>('failover', {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A worker killed while it runs a workflow task: another gets the task after this (default 10 s).
    // The failover's tasks take milliseconds (a full replay included).
    workflowTaskTimeout: '3s',
    typedSearchAttributes: [{ key: failoverClusterKey, value: cluster }],
    staticSummary: `${input.dryRun ? 'dry run of a ' : ''}failover of cluster ${cluster}${input.deadMaster ? ` (dead master ${input.deadMaster})` : ''}`,
    staticDetails: `dead master: ${input.deadMaster ?? 'detected'}\nnew master: ${input.newMaster ?? 'chosen'}\nignore last failover: ${Boolean(input.ignoreLastFailover)}`,
  });
  return { handle, workflowId, started: !running };
}
