// Where Temporal is: everything that talks to it reads TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.
import { DEFAULT_TASK_QUEUE } from '../contracts/common';

/** The task queue; MHAFLOW_TASK_QUEUE lets a test run use its own, away from any other worker. */
export const TASK_QUEUE = process.env.MHAFLOW_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;

export function temporalAddress(): string {
  return process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
}

export function temporalNamespace(): string {
  return process.env.TEMPORAL_NAMESPACE ?? 'default';
}

export function uiBaseUrl(): string {
  return process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
}

export function uiLink(workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl()}/namespaces/${encodeURIComponent(temporalNamespace())}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}

export { SEARCH_ATTRIBUTES } from '../contracts/common';
