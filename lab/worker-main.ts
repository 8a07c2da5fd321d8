// The program of every lab worker process (lab/worker-process.ts): `mhaflow worker`'s code, with a prebuilt
// workflow bundle when the parent passes one. Env: MHAFLOW_WORKER_IDENTITY, MHAFLOW_TASK_QUEUE (optional),
// MHAFLOW_BUNDLE_PATH (optional: a bundle's code, written by the parent).
import { readFileSync } from 'node:fs';
import { runWorker } from '../worker/main';
import { WORKER_READY } from './worker-process';

const codePath = process.env.MHAFLOW_BUNDLE_PATH;
runWorker({
  identity: process.env.MHAFLOW_WORKER_IDENTITY,
  ...(codePath ? { workflowBundle: { code: readFileSync(codePath, 'utf8') } } : {}),
  onStarted: () => process.stdout.write(`${WORKER_READY}\n`),
}).catch((e) => { process.stderr.write(`${e}\n`); process.exit(1); });
