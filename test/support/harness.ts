// Shared helpers for integration tests: an in-process worker (one bundle per test file, its own task
// queue so no other worker on the machine picks up the tasks), a lab reset per test, the writer
// running in-process, and the data oracle as an assertion.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Runtime, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { loadClusterConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';
import { labDown, labUp } from '../../lab/lab';
import { labAddresses, labHosts, labPaths, type LabMode } from '../../lab/layout';
import { rootSql } from '../../lab/mariadb';
import { verifySurvivors, type OracleReport } from '../../lab/oracle';
import { parseWriterLog, runWriter, type WriterSummary } from '../../lab/writer';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import { bundleWorkflows, createWorker, runUntilShutdown } from '../../worker/worker';
import { failureReason } from '../../src/cli/failover';
import { startFailover } from '../../src/failover/start';
import type { FailoverInput, FailoverProgress, FailoverReport } from '../../workflows/failover';

// ---------------------------------------------------------------------------------------------
// Temporal: one bundle per process, one worker per test file

let bundle: Promise<WorkflowBundle> | undefined;
let runtimeInstalled = false;

function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const quiet = process.env.MHAFLOW_TEST_VERBOSE ? undefined : () => {};
  const log = (level: string) => (msg: string, meta?: unknown) => {
    if (quiet && level !== 'ERROR' && level !== 'WARN') return;
    process.stderr.write(`[worker ${level}] ${msg}${meta ? ` ${JSON.stringify(meta).slice(0, 500)}` : ''}\n`);
  };
  try {
    Runtime.install({
      logger: { log: (l, m, meta) => log(l)(m, meta), trace: log('TRACE'), debug: log('DEBUG'), info: log('INFO'), warn: log('WARN'), error: log('ERROR') },
    });
  } catch { /* already installed by someone else in this process */ }
}

export interface TestTemporal {
  client: Client;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** Bundle once, start an in-process worker on a unique task queue, and a client. */
export async function startTemporal(opts: { identity?: string; maxCachedWorkflows?: number } = {}): Promise<TestTemporal> {
  quietRuntime();
  bundle ??= bundleWorkflows();
  const taskQueue = `mhaflow-test-${process.pid}-${Date.now().toString(36)}`;
  const worker = await createWorker({ taskQueue, workflowBundle: await bundle, identity: opts.identity ?? `test-worker-${process.pid}`, shutdownGraceTime: '1s', maxCachedWorkflows: opts.maxCachedWorkflows });
  const running = runUntilShutdown(worker);
  running.catch((e) => process.stderr.write(`worker stopped with ${e}\n`));
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: temporalNamespace() });
  return {
    client, taskQueue, worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => {});
      await connection.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The lab

/** labDown + labUp in a mode, then wait until the replicas have the writer's tables. */
export async function resetLab(mode: LabMode): Promise<{ configPath: string; cfg: ClusterConfig }> {
  await labDown({ keepAliases: true });
  const r = await labUp({ mode });
  const cfg = loadClusterConfig(r.configPath);
  await waitReplicating(cfg);
  return { configPath: r.configPath, cfg };
}

async function waitReplicating(cfg: ClusterConfig, timeoutMs = 20_000): Promise<void> {
  const hosts = labHosts();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(hosts.slice(1).map((h) => rootSql(h, 'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=\'mhaflow_test\'', { allowFail: true })));
    if (states.every((s) => Number(s.trim()) >= 2)) return;
    if (Date.now() > deadline) throw new Error(`lab replicas did not replicate the writer tables within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  void cfg;
}

/** A config object for a test: the lab's, with a cluster name of its own (workflow ids and anti-flapping are per cluster). */
export function testConfig(cfg: ClusterConfig, cluster: string, patch: (servers: ClusterConfig['servers']) => ClusterConfig['servers'] = (s) => s): ClusterConfig {
  return { ...cfg, cluster, servers: patch(cfg.servers.map((s) => ({ ...s }))) };
}

export function uniqueCluster(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;
}

// ---------------------------------------------------------------------------------------------
// The writer

export interface RunningWriter {
  logFile: string;
  /** Stop it; resolves with its summary. */
  stop(): Promise<WriterSummary>;
  acked(): number[];
  /** Resolves once this many ids are acknowledged. */
  waitAcked(n: number, timeoutMs?: number): Promise<void>;
}

export function startWriter(cfg: ClusterConfig, opts: { rate?: number } = {}): RunningWriter {
  const logFile = join(mkdtempSync(join(tmpdir(), 'mhaflow-writer-')), 'writer.log');
  const ac = new AbortController();
  const password = readFileSync(resolve(labPaths().secretsDir, 'app.pw'), 'utf8').trim();
  let summary: WriterSummary | undefined;
  const done = runWriter({ cfg, user: 'app', password, rate: opts.rate ?? 200, logFile, signal: ac.signal }).then((s) => (summary = s));
  const acked = () => parseWriterLog(readFileSync(logFile, 'utf8')).acked;
  return {
    logFile,
    acked,
    async stop() { ac.abort(); await done; return summary!; },
    async waitAcked(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (acked().length < n) {
        if (Date.now() > deadline) throw new Error(`writer acknowledged only ${acked().length} of ${n} ids`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Assertions

export async function assertSurvivorsHold(cfg: ClusterConfig, survivors: string[], acked: number[]): Promise<OracleReport> {
  const report = await verifySurvivors(cfg, survivors, acked);
  assert.ok(report.ok, `data oracle: ${report.problems.join('; ')}`);
  return report;
}

/** Wait for a workflow's result, printing its id on failure. */
export async function resultOf<T>(handle: WorkflowHandle, timeoutMs = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handle.result() as Promise<T>,
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`workflow ${handle.workflowId} did not finish within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Failover runs

export interface FailoverRun { report: FailoverReport; ms: number; workflowId: string }

/** Start a failover of `cfg` (passed as an object) on the test worker and wait for its report. */
export async function runFailover(t: TestTemporal, cfg: ClusterConfig, input: Omit<FailoverInput, 'config'> = {}): Promise<FailoverRun> {
  const t0 = Date.now();
  const { handle, workflowId } = await startFailover(t.client, cfg.cluster, { config: cfg as unknown as Record<string, unknown>, ...input }, { taskQueue: t.taskQueue });
  const report = await resultOf<FailoverReport>(handle);
  await saveHistory(handle, cfg.cluster);
  return { report, ms: Date.now() - t0, workflowId };
}

/** With MHAFLOW_SAVE_HISTORIES=DIR, keep each failover's history (replay-test fixtures: test/fixtures/histories). */
export async function saveHistory(handle: WorkflowHandle, cluster: string): Promise<void> {
  const dir = process.env.MHAFLOW_SAVE_HISTORIES;
  if (!dir) return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${cluster.replace(/-[a-z0-9]+-\d+$/, '')}.json`), historyToJSON(await handle.fetchHistory()));
}

/** The refusal or failure a failover ended with: its ApplicationFailure type and message. */
export async function failoverFailure(t: TestTemporal, cfg: ClusterConfig, input: Omit<FailoverInput, 'config'> = {}): Promise<{ type: string | null; message: string }> {
  try {
    const r = await runFailover(t, cfg, input);
    throw new Error(`expected the failover to fail, it completed: new master ${r.report.newMaster}`);
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    return failureReason(e);
  }
}

export function logFailover(run: FailoverRun): void {
  const { report } = run;
  const say = (l: string) => process.stderr.write(`${l}\n`);
  say(`  failover ${report.cluster} (${report.mode}): ${report.deadMaster} -> ${report.newMaster} (${report.newMasterReason})`);
  say(`  new master writable at ${report.timings.newMasterWritableMs} ms, replicas repointed at ${report.timings.allReplicasRepointedMs} ms, total ${report.timings.totalMs} ms (client ${run.ms} ms)`);
  if (process.env.MHAFLOW_TEST_VERBOSE) for (const s of report.steps) say(`    ${String(s.ms ?? '').padStart(5)} ms  ${s.title}${s.detail ? `: ${s.detail.slice(0, 200)}` : ''}`);
  for (const s of report.servers) say(`    ${s.server}: ${s.applied ?? 0} applied [${s.diff?.parts.map((p) => `${p.purpose} ${p.transactions}`).join(', ') ?? 'no diff'}]`);
  if (report.unrecoverable.length) say(`    unrecoverable: ${report.unrecoverable.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------
// Workers in child processes (to kill -9 them)

export interface WorkerProcess { pid: number; kill(): void; exited: Promise<number | null> }

let bundlePath: string | undefined;

/** Start a worker process on `taskQueue` (sharing this process's workflow bundle); resolves once it polls. */
export async function spawnWorker(taskQueue: string): Promise<WorkerProcess> {
  bundle ??= bundleWorkflows();
  if (!bundlePath) {
    bundlePath = join(mkdtempSync(join(tmpdir(), 'mhaflow-bundle-')), 'workflows.js');
    writeFileSync(bundlePath, (await bundle).code);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '..', '..', 'lab', 'worker-main.ts')], {
    env: { ...process.env, MHAFLOW_TASK_QUEUE: taskQueue, MHAFLOW_BUNDLE_PATH: bundlePath }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.stderr.on('data', (d: Buffer) => { if (process.env.MHAFLOW_TEST_VERBOSE) process.stderr.write(`[worker ${child.pid}] ${d}`); });
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('worker ready')) res(); });
    void exited.then((code) => rej(new Error(`worker process exited with ${code} before it was ready`)));
  });
  return { pid: child.pid!, kill: () => child.kill('SIGKILL'), exited };
}

/** Poll the failover's progress query until `pred` holds. */
export async function waitProgress(handle: WorkflowHandle, pred: (p: FailoverProgress) => boolean, timeoutMs = 60_000): Promise<FailoverProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query<FailoverProgress>('progress').catch(() => null);
    if (p && pred(p)) return p;
    if (Date.now() > deadline) throw new Error(`progress condition not met within ${timeoutMs} ms (last: ${JSON.stringify(p?.steps.map((s) => `${s.id}:${s.status}`))})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
