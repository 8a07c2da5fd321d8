// Starting and steering a cluster's monitor through the SDK client: what `mhaflow monitor` and the HTTP API
// call. One monitor per cluster (id monitor:<cluster>): a second start attaches to the running one.
import type { Client } from '@temporalio/client';
import {
  MONITOR_SIGNALS, MONITOR_STATUS_QUERY, MONITOR_WORKFLOW, monitorWorkflowId, type MonitorInput, type MonitorStatus, type PauseRequest, type WatchHeartbeat,
} from '../contracts/monitor';
import { RefusedError } from '../errors';
import { startClusterRun } from '../temporal/start';

export interface StartedMonitor { workflowId: string; runId: string; started: boolean }

/** Start the monitor of a cluster, or find the one running. */
export async function startMonitor(client: Client, input: MonitorInput, opts: { taskQueue?: string } = {}): Promise<StartedMonitor> {
  const { workflowId, runId, started } = await startClusterRun<MonitorInput, unknown>(client, {
    workflowType: MONITOR_WORKFLOW, workflowId: monitorWorkflowId(input.cluster), cluster: input.cluster, input, taskQueue: opts.taskQueue,
    summary: `monitor of cluster ${input.cluster}${input.paused ? ' (started paused)' : ''}`,
    details: `paused at start: ${input.paused ? input.paused.reason ?? 'yes' : 'no'}`,
  });
  return { workflowId, runId, started };
}

export type MonitorSignal = keyof typeof MONITOR_SIGNALS;

/** pause (with a reason), resume, reload, stop. Refused when no monitor of the cluster runs. */
export async function signalMonitor(client: Client, cluster: string, signal: MonitorSignal, pause?: PauseRequest): Promise<void> {
  const handle = client.workflow.getHandle(monitorWorkflowId(cluster));
  // Only "no such workflow" means no monitor: Temporal not answering is an error of its own, not a refusal.
  const d = await handle.describe().catch((e: unknown) => {
    if ((e as Error).name === 'WorkflowNotFoundError') return null;
    throw e;
  });
  if (!d || d.status.name !== 'RUNNING') {
    throw new RefusedError(`no monitor of cluster ${cluster} is running${d ? ` (${monitorWorkflowId(cluster)} is ${d.status.name.toLowerCase()})` : ''}`, {
      hint: `start it: mhaflow monitor start --cluster ${cluster}`,
    });
  }
  if (signal === 'pause') await handle.signal(MONITOR_SIGNALS.pause, pause ?? {});
  else await handle.signal(MONITOR_SIGNALS[signal]);
}

/** Stop the monitor and wait (up to waitMs) for its last status. */
export async function stopMonitor(client: Client, cluster: string, waitMs = 15_000): Promise<MonitorStatus | null> {
  await signalMonitor(client, cluster, 'stop');
  const handle = client.workflow.getHandle(monitorWorkflowId(cluster));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handle.result() as Promise<MonitorStatus>,
      new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), waitMs); }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface MonitorView {
  running: boolean;
  /** Workflow execution status (RUNNING, COMPLETED, TERMINATED...). */
  execution: string;
  status: MonitorStatus | null;
  /** The running watch's last heartbeat: its last ping and warnings, fresher than the query's. */
  watch: WatchHeartbeat | null;
  historyLength: number;
}

/** The status query, with the watch's latest heartbeat (its last ping) from the workflow's pending activities. */
export async function monitorStatus(client: Client, cluster: string): Promise<MonitorView> {
  const handle = client.workflow.getHandle(monitorWorkflowId(cluster));
  const d = await handle.describe();
  const running = d.status.name === 'RUNNING';
  const status = running ? await handle.query<MonitorStatus>(MONITOR_STATUS_QUERY) : await handle.result().then((r) => r as MonitorStatus, () => null);
  const watch = (d.raw.pendingActivities ?? [])
    .filter((a) => a.activityType?.name === 'monitorWatch')
    .map((a) => decodeJson<WatchHeartbeat>(a.heartbeatDetails?.payloads?.[0]))
    .find((x) => x !== null) ?? null;
  return { running, execution: d.status.name, status, watch, historyLength: d.historyLength };
}

/** A json/plain payload (the default data converter's), decoded. */
function decodeJson<T>(p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null } | undefined): T | null {
  if (!p?.data) return null;
  const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString() : '';
  if (encoding !== 'json/plain') return null;
  try {
    return JSON.parse(Buffer.from(p.data).toString()) as T;
  } catch {
    return null;
  }
}
