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
import { startClusterRun } from '../temporal/start';

export type RejoinWorkflow = (input: RejoinInput) => Promise<RejoinReport>;

export interface StartedRejoin {
  handle: WorkflowHandle<RejoinWorkflow>;
  workflowId: string;
  /** false: a rejoin of this server was already running and we attached to it. */
  started: boolean;
  progress(): Promise<RejoinProgress>;
}

export async function startRejoin(client: Client, input: RejoinInput, opts: { taskQueue?: string } = {}): Promise<StartedRejoin> {
  const { handle, workflowId, started } = await startClusterRun<RejoinInput, RejoinReport>(client, {
    workflowType: REJOIN_WORKFLOW, workflowId: rejoinWorkflowId(input.cluster, input.server, input.dryRun), cluster: input.cluster, input,
    taskQueue: opts.taskQueue,
    summary: `${input.dryRun ? 'dry run of a ' : ''}rejoin of ${input.server} (cluster ${input.cluster})${input.reapply ? ' with --reapply' : ''}`,
    details: `old master: ${input.server}\nreapply its extra transactions on the master: ${Boolean(input.reapply)}`,
  });
  return { handle, workflowId, started, progress: () => handle.query<RejoinProgress>(PROGRESS_QUERY) };
}
