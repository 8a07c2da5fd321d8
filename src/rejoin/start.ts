// Starting (or attaching to) a rejoin: one per server at a time, id rejoin:<cluster>:<server>; a dry run gets an id
// of its own. The CLI (src/cli/rejoin.ts), the HTTP API and tests start it here.
//
// HTTP API (to be served with the API of issue 12): POST /v1/clusters/{cluster}/servers/{server}/rejoin with an
// optional body { "reapply": boolean, "dryRun": boolean } calls startRejoin(client, { cluster, server, ...body });
// 202 { workflowId, started } (started false: a rejoin of that server was running and the request attached to it);
// GET /v1/workflows/{workflowId}/progress answers the PROGRESS_QUERY, and the result is the RejoinReport.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { PROGRESS_QUERY } from '../contracts/common';
import { REJOIN_WORKFLOW, rejoinWorkflowId, type RejoinInput, type RejoinProgress, type RejoinReport } from '../contracts/rejoin';
import { TASK_QUEUE } from '../temporal/config';

export type RejoinWorkflow = (input: RejoinInput) => Promise<RejoinReport>;

export interface StartedRejoin {
  handle: WorkflowHandle<RejoinWorkflow>;
  workflowId: string;
  /** false: a rejoin of this server was already running and we attached to it. */
  started: boolean;
  progress(): Promise<RejoinProgress>;
}

export async function startRejoin(client: Client, input: RejoinInput, opts: { taskQueue?: string } = {}): Promise<StartedRejoin> {
  const { defineSearchAttributeKey } = require('@temporalio/common') as typeof import('@temporalio/common');
  const workflowId = rejoinWorkflowId(input.cluster, input.server, input.dryRun);
  const running = await client.workflow.getHandle(workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
  const handle = await client.workflow.start<RejoinWorkflow>(REJOIN_WORKFLOW, {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A worker killed while it runs a workflow task: another gets the task after this (default 10 s).
    workflowTaskTimeout: '3s',
    typedSearchAttributes: [{ key: defineSearchAttributeKey('MhaflowCluster', 'KEYWORD'), value: input.cluster }],
    staticSummary: `${input.dryRun ? 'dry run of a ' : ''}rejoin of ${input.server} (cluster ${input.cluster})${input.reapply ? ' with --reapply' : ''}`,
    staticDetails: `old master: ${input.server}\nreapply its extra transactions on the master: ${Boolean(input.reapply)}`,
  });
  return { handle, workflowId, started: !running, progress: () => handle.query<RejoinProgress>(PROGRESS_QUERY) };
}
