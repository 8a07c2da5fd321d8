// A worker in its own process, for tests that kill -9 it: node --import tsx test/integration/worker-process.ts
// Env: MHAFLOW_TASK_QUEUE (required), MHAFLOW_BUNDLE_PATH (a prebuilt workflow bundle, optional).
import { readFileSync } from 'node:fs';
import { createWorker, runUntilShutdown } from '../worker/worker';

async function main(): Promise<void> {
  const taskQueue = process.env.MHAFLOW_TASK_QUEUE;
  if (!taskQueue) throw new Error('MHAFLOW_TASK_QUEUE is not set');
  const codePath = process.env.MHAFLOW_BUNDLE_PATH;
  const worker = await createWorker({ taskQueue, identity: `test-worker-process-${process.pid}`, ...(codePath ? { workflowBundle: { code: readFileSync(codePath, 'utf8') } } : {}) });
  process.stdout.write('worker ready\n');
  await runUntilShutdown(worker);
}

main().catch((e) => { process.stderr.write(`${e}\n`); process.exit(1); });
