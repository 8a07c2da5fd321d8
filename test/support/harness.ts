// Helpers of the integration tests: an in-process worker (one bundle per process, its own task queue so no
// other worker on the machine picks up the tasks), failover runs and their reports, the data oracle as an
// assertion. The lab, the writer and worker processes come from lab/ (the benchmarks use them too).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Runtime, type Worker } from '@temporalio/worker';
import type { ClusterConfig } from '../../src/config/schema';
import { showMasterStatus, showReplicaStatus, withConnection } from '../../src/mysql/client';
import { resultOf, scenarioConfigDir, testConfig, uniqueCluster } from '../../lab/harness';
import { injectFault } from '../../lab/faults';
import { resetLab } from '../../lab/lab';
import { startWriter } from '../../lab/writer';
import { verifySurvivors, type OracleReport } from '../../lab/oracle';
import { startWorkerProcess, workflowBundle, type WorkerProcess } from '../../lab/worker-process';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import { createWorker, runUntilShutdown } from '../../worker/worker';
import { failureReason } from '../../src/temporal/http';
import { startFailover } from '../../src/failover/start';
import { PROGRESS_QUERY } from '../../src/contracts/common';
import type { FailoverInput, FailoverProgress, FailoverReport } from '../../src/contracts/failover';
import { workersOfEachTest } from './test-workers';

// ---------------------------------------------------------------------------------------------
// Temporal: one bundle per process, one worker per test file

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
  scenarioConfigDir(); // the worker reads the clusters' configs from there
  const taskQueue = `mhaflow-test-${process.pid}-${Date.now().toString(36)}`;
  const worker = await createWorker({ taskQueue, workflowBundle: await workflowBundle(), identity: opts.identity ?? `test-worker-${process.pid}`, shutdownGraceTime: '1s', maxCachedWorkflows: opts.maxCachedWorkflows });
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
// Assertions

export async function assertSurvivorsHold(cfg: ClusterConfig, survivors: string[], acked: number[]): Promise<OracleReport> {
  const report = await verifySurvivors(cfg, survivors, acked);
  assert.ok(report.ok, `data oracle: ${report.problems.join('; ')}`);
  return report;
}

/**
 * Wait until every replica executed all the master holds now (its binlog position, read once): for a test whose
 * writer went on writing to the new master after the failover, before the oracle compares the survivors.
 */
export async function waitCaughtUp(cfg: ClusterConfig, master: string, replicas: string[], timeoutMs = 60_000): Promise<void> {
  const server = (name: string) => cfg.servers.find((s) => s.name === name)!;
  const at = await withConnection(cfg, server(master), (c) => showMasterStatus(c));
  assert.ok(at, `${master} has a binlog`);
  const deadline = Date.now() + timeoutMs;
  for (const r of replicas) {
    for (;;) {
      const st = await withConnection(cfg, server(r), (c) => showReplicaStatus(c));
      if (st && st.relaySourceLogFile === at.file && st.execSourceLogPos >= at.pos) break;
      if (Date.now() > deadline) assert.fail(`${r} did not execute ${master}'s ${at.file}:${at.pos} within ${timeoutMs} ms (at ${st?.relaySourceLogFile}:${st?.execSourceLogPos})`);
      await sleep(100);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Failover runs

export interface FailoverRun { report: FailoverReport; ms: number; workflowId: string }

/** Start a failover of `cfg` (registered with the test workers: lab/harness.ts testConfig) and wait for its report. */
export async function runFailover(t: TestTemporal, cfg: ClusterConfig, input: Omit<FailoverInput, 'cluster'> = {}): Promise<FailoverRun> {
  const t0 = Date.now();
  const { handle, workflowId } = await startFailover(t.client, { cluster: cfg.cluster, ...input }, { taskQueue: t.taskQueue });
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
export async function failoverFailure(t: TestTemporal, cfg: ClusterConfig, input: Omit<FailoverInput, 'cluster'> = {}): Promise<{ type: string | null; message: string }> {
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
  for (const s of report.servers) say(`    ${s.server}: ${s.applied ?? 0} applied [${s.diff?.parts.map((p) => `${p.purpose} ${p.transactions}${p.skippedHeld ? ` (${p.skippedHeld} held, left out)` : ''}`).join(', ') ?? 'no diff'}]`);
  if (report.unrecoverable.length) say(`    unrecoverable: ${report.unrecoverable.join('; ')}`);
}

/** Poll the failover's progress query until `pred` holds. */
export async function waitProgress(handle: WorkflowHandle, pred: (p: FailoverProgress) => boolean, timeoutMs = 60_000): Promise<FailoverProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query<FailoverProgress>(PROGRESS_QUERY).catch(() => null);
    if (p && pred(p)) return p;
    if (Date.now() > deadline) throw new Error(`progress condition not met within ${timeoutMs} ms (last: ${JSON.stringify(p?.steps.map((s) => `${s.id}:${s.status}`))})`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// Worker processes and a dead master with transactions to recover (the service tests: real processes)

/** Worker processes a test file starts (each on the task queue given, with a prebuilt bundle), killed as each test ends (workersOfEachTest). */
export function workerProcesses(): { spawn(taskQueue: string, env?: NodeJS.ProcessEnv): Promise<WorkerProcess> } {
  const ofThisTest = workersOfEachTest();
  return {
    async spawn(taskQueue, env = {}) {
      const w = await startWorkerProcess({ taskQueue, sharedBundle: true, env });
      ofThisTest.push(w);
      return w;
    },
  };
}

/** A fresh lab in file/position mode: every replica's IO thread stopped, `tail` more acknowledged writes, then `fault` on db1. */
export async function deadMasterWithTail(prefix: string, tail: number, fault: 'kill-mysqld' | 'host-down' = 'kill-mysqld'): Promise<{ cfg: ClusterConfig; acked: number[] }> {
  const lab = await resetLab('filepos');
  const cfg = testConfig(lab.cfg, uniqueCluster(prefix));
  const writer = startWriter(cfg);
  try {
    await writer.waitAcked(150);
    for (const r of ['db2', 'db3', 'db4']) await injectFault('stop-io', r);
    await writer.waitAcked(150 + tail);
    await injectFault(fault, 'db1');
  } finally {
    await writer.stop(); // a writer left running would keep the test process alive
  }
  return { cfg, acked: writer.acked() };
}
