// Names every way into mhaflow shares: the workflows, the CLI, the HTTP API and the temporal CLI.
// Plain strings and types only (no SDK at run time): the failover command must start without loading it.

/** The task queue the workers poll; MHAFLOW_TASK_QUEUE overrides it (a test run uses its own). */
export const DEFAULT_TASK_QUEUE = 'mhaflow';

/** Search attributes the workflows set, registered on the server (temporal up, docker-compose) with these types. */
export const SEARCH_ATTRIBUTES = { MhaflowCluster: 'Keyword', MhaflowPhase: 'Keyword' } as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** The query every mhaflow workflow with steps answers: its WorkflowProgress. */
export const PROGRESS_QUERY = 'progress';

export type StepStatus = 'running' | 'done' | 'failed';

/** One step of a workflow as the UI, the CLI and the report show it. */
export interface StepRecord {
  /** Stable id: the step's kind, with the server it acts on (apply-db2). */
  id: string;
  title: string;
  status: StepStatus;
  /** ms from the workflow's start. */
  startedAt: number;
  ms?: number;
  detail?: string;
}

export interface WorkflowProgress {
  cluster: string | null;
  dryRun: boolean;
  /** The title of the step in progress, if any. */
  current: string | null;
  steps: StepRecord[];
  newMaster: string | null;
  finished: boolean;
}

/** A workflow run that is going on (a failover or a switchover of a cluster): what a refusal names. */
export interface RunningRun {
  workflowId: string;
  runId: string;
  startTime: string | null;
}
