// The floor under one failover step on this machine: what a step that does nothing costs through the same Temporal
// server (an activity scheduled by a workflow, its result back in the workflow), measured the way the failover measures
// its steps. A step's own SQL statements and SSH commands add little to it on loopback (a statement well under 1 ms,
// a command through the worker's kept shell 5-9 ms); the rest of a step's time is its work, or waiting.
import { NativeConnection, Worker } from '@temporalio/worker';
import { connectionOptions, temporalEndpoint } from '../src/temporal/config';
import { median } from './measure';

export interface StepFloor { medianMs: number; samples: number[] }

/** Run `n` empty steps on a worker of our own (its own task queue), after a first workflow that warms it. */
export async function measureStepFloor(n = 20): Promise<StepFloor> {
  const ep = temporalEndpoint();
  const connection = await NativeConnection.connect(connectionOptions(ep));
  try {
    const taskQueue = `bench-floor-${process.pid}`;
    const worker = await Worker.create({
      connection, namespace: ep.namespace, taskQueue, workflowsPath: require.resolve('./floor-workflow'),
      activities: { nothing: async () => undefined },
    });
    const client = worker.client!;
    const samples = await worker.runUntil(async () => {
      const run = (count: number) => client.workflow.execute('stepFloor', { taskQueue, workflowId: `bench-floor-${process.pid}-${Date.now()}`, args: [count] });
      await run(2); // the worker's first workflow pays for its sandbox: not a step's cost
      return run(n);
    });
    return { medianMs: median(samples)!, samples };
  } finally {
    await connection.close().catch(() => {});
  }
}
