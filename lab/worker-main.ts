// The program of every lab worker process (lab/worker-process.ts): `mhaflow worker`'s code, with a prebuilt
// workflow bundle when the parent passes one. Env: MHAFLOW_WORKER_IDENTITY, MHAFLOW_TASK_QUEUE (optional),
// MHAFLOW_BUNDLE_PATH (optional: a bundle's code, written by the parent), MHAFLOW_LAB_KILL_AFTER (optional: an
// activity type; the worker kills itself with SIGKILL as soon as one ends, before its result leaves the process: a
// crash at an exact instant that no outside kill can hit, such as inside one workflow task of local activities).
import { readFileSync } from 'node:fs';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { runWorker } from '../worker/main';
import { WORKER_READY } from './worker-process';

const codePath = process.env.MHAFLOW_BUNDLE_PATH;
const killAfter = process.env.MHAFLOW_LAB_KILL_AFTER;

const killAfterActivity = (type: string): ActivityInterceptorsFactory => (ctx) => ({
  inbound: {
    execute: async (input, next) => {
      const result = await next(input);
      if (ctx.info.activityType === type) {
        process.stdout.write(`killing myself after ${type} (MHAFLOW_LAB_KILL_AFTER)\n`);
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {}); // the result never leaves
      }
      return result;
    },
  },
});

runWorker({
  identity: process.env.MHAFLOW_WORKER_IDENTITY,
  ...(codePath ? { workflowBundle: { code: readFileSync(codePath, 'utf8') } } : {}),
  ...(killAfter ? { activityInterceptors: [killAfterActivity(killAfter)] } : {}),
  onStarted: () => process.stdout.write(`${WORKER_READY}\n`),
}).catch((e) => { process.stderr.write(`${e}\n`); process.exit(1); });
