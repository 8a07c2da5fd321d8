// Workers in processes of their own: the demo's (a daemon that outlives the command), the benchmark's, and the
// durability tests' (killed with -9 in the middle of a failover). Each runs lab/worker-main.ts, the code of
// `mhaflow worker`, its output appended to a log file; it is ready once it has connected and said so there.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkflowBundle } from '@temporalio/worker';
import { labSnapshot } from './status';
import { LabError, pidAlive, readPid, spawnDaemon, stopPid, waitFor } from './system';

/** What lab/worker-main.ts writes once its worker has connected. */
export const WORKER_READY = 'worker ready';

export interface WorkerProcessOptions {
  /** Shown in the Temporal UI, and as a pending activity's lastWorkerIdentity; default lab-worker-<our pid>-<n>. */
  identity?: string;
  /** The worker's output is appended here; default <identity>.log in a temporary directory. */
  log?: string;
  /** Its task queue; default MHAFLOW_TASK_QUEUE or mhaflow, as for `mhaflow worker`. */
  taskQueue?: string;
  /** Run this process's workflow bundle (built once) instead of bundling at start: a test's workers start in ~1 s. */
  sharedBundle?: boolean;
  /** A daemon that outlives the caller, its pid kept in this file; without it, a child of the caller. */
  pidFile?: string;
  /** Where it reads the clusters' configs (MHAFLOW_CONFIG_DIR); default: this process's. */
  configDir?: string;
  /** How long it may take to connect (it bundles the workflows first unless sharedBundle). */
  timeoutMs?: number;
  /** More environment (MHAFLOW_SHUTDOWN_GRACE, MHAFLOW_METRICS_ADDRESS...). */
  env?: NodeJS.ProcessEnv;
}

/** How a worker process that is our child ended. */
export interface WorkerExit { code: number | null; signal: NodeJS.Signals | null; at: number }

export interface WorkerProcess {
  pid: number;
  identity: string;
  log: string;
  /** SIGTERM (a running activity finishes within the worker's shutdown grace time), SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9, as when its host dies; resolves once it is gone. */
  kill(): Promise<void>;
  /** Its exit (a child of ours only; a daemon: null). */
  exited: Promise<WorkerExit> | null;
}

const WORKER_MAIN = resolve(__dirname, 'worker-main.ts');

let started = 0;
let logDir: string | undefined;

/** Start a worker process and wait until it has connected to Temporal. */
export async function startWorkerProcess(o: WorkerProcessOptions = {}): Promise<WorkerProcess> {
  const identity = o.identity ?? `lab-worker-${process.pid}-${++started}`;
  const log = o.log ?? join((logDir ??= mkdtempSync(join(tmpdir(), 'mhaflow-workers-'))), `${identity}.log`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MHAFLOW_WORKER_IDENTITY: identity,
    ...(o.taskQueue ? { MHAFLOW_TASK_QUEUE: o.taskQueue } : {}),
    ...(o.configDir ? { MHAFLOW_CONFIG_DIR: o.configDir } : {}),
    ...(o.sharedBundle ? { MHAFLOW_BUNDLE_PATH: await sharedBundlePath() } : {}),
    ...o.env,
  };
  // tsx resolved here, not from the working directory the command was started in.
  const argv = ['--import', pathToFileURL(require.resolve('tsx')).href, WORKER_MAIN];
  const from = existsSync(log) ? statSync(log).size : 0; // the log may hold an earlier run's lines
  let pid: number;
  let exited: Promise<WorkerExit> | null = null;
  if (o.pidFile) {
    spawnDaemon(process.execPath, argv, { log, pidFile: o.pidFile, env });
    await waitFor(`the worker's pid in ${o.pidFile}`, () => readPid(o.pidFile!) !== null, 5_000, 50);
    pid = readPid(o.pidFile)!;
  } else {
    const out = openSync(log, 'a');
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', out, out] });
    closeSync(out);
    pid = child.pid!;
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }
  await waitFor(`the worker ${identity} to connect (log: ${log})`, () => {
    if (!pidAlive(pid)) throw new LabError(`the worker ${identity} exited before it was ready; see ${log}`);
    return readFileSync(log, 'utf8').slice(from).includes(WORKER_READY);
  }, o.timeoutMs ?? 120_000, 50).catch(async (e: Error) => {
    // What it said so far, and what the machine was doing: a worker that does not connect leaves why, and goes.
    const said = readFileSync(log, 'utf8').slice(from).split('\n').slice(-15).join('\n');
    const machine = await labSnapshot();
    await stopPid(pid, { signal: 'SIGKILL', pollMs: 10 });
    throw new LabError(`${e.message}; its log so far:\n${said}\nthe machine then:\n${machine}`);
  });
  return workerProcess(pid, identity, log, exited);
}

/** The worker daemon whose pid is in pidFile, while it runs. */
export function runningWorkerProcess(pidFile: string, identity: string, log: string): WorkerProcess | null {
  const pid = readPid(pidFile);
  return pid ? workerProcess(pid, identity, log) : null;
}

function workerProcess(pid: number, identity: string, log: string, exited: Promise<WorkerExit> | null = null): WorkerProcess {
  return {
    pid, identity, log, exited,
    stop: (graceMs = 15_000) => stopPid(pid, { killAfterMs: graceMs }),
    kill: () => stopPid(pid, { signal: 'SIGKILL', pollMs: 10 }),
  };
}

let bundle: Promise<WorkflowBundle> | undefined;
let bundleFile: Promise<string> | undefined;

/** The workflow bundle, built once per process: for in-process test workers and, through a file, worker processes. */
export function workflowBundle(): Promise<WorkflowBundle> {
  // Loaded on demand: the demo's and the benchmark's workers bundle for themselves.
  const { bundleWorkflows } = require('../worker/worker') as typeof import('../worker/worker');
  bundle ??= bundleWorkflows();
  return bundle;
}

function sharedBundlePath(): Promise<string> {
  bundleFile ??= workflowBundle().then((b) => {
    const file = join(mkdtempSync(join(tmpdir(), 'mhaflow-bundle-')), 'workflows.js');
    writeFileSync(file, b.code);
    process.once('exit', () => rmSync(dirname(file), { recursive: true, force: true }));
    return file;
  });
  return bundleFile;
}
