// Running a workflow against mocked activities on a real Temporal server (the dev server `temporal up` runs),
// without a lab: one bundle per test file, a worker on a task queue of its own per run, the workflow's result
// or the ApplicationFailure it ended with.
import { after, before } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type * as activities from '../../activities';
import { bundleWorkflows } from '../../worker/worker';
import { testEnvironment } from './temporal-env';

export interface MockedRun<R> { report?: R; failure?: { type: string | null; message: string } }

/** Call at a test file's top level: sets up its environment (before/after) and returns the runner. */
export function mockedWorkflows(prefix: string): <R>(workflowType: string, acts: Partial<typeof activities>, input: object) => Promise<MockedRun<R>> {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundle;
  let n = 0;
  before(async () => {
    env = await testEnvironment();
    bundle = await bundleWorkflows();
  });
  after(async () => { await env?.teardown(); });
  return async <R>(workflowType: string, acts: Partial<typeof activities>, input: object): Promise<MockedRun<R>> => {
    const taskQueue = `${prefix}-${process.pid}-${++n}`;
    const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, workflowBundle: bundle, activities: acts });
    return worker.runUntil(async () => {
      try {
        return { report: await env.client.workflow.execute(workflowType, { taskQueue, workflowId: `${prefix}-${process.pid}-${n}`, args: [input] }) as R };
      } catch (e) {
        if (!(e instanceof WorkflowFailedError)) throw e;
        let cause: unknown = e.cause;
        while (cause instanceof Error && cause.cause && cause.name !== 'ApplicationFailure') cause = cause.cause;
        return { failure: { type: (cause as { type?: string }).type ?? null, message: (cause as Error).message } };
      }
    });
  };
}
