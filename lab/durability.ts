// Fault-injection cases for the failover's durability (issue 6), shared by the CI test
// (test/integration/failover-durability.test.ts) and the full matrix (bench/durability-matrix.ts).
//
// Every case: a fresh lab in a mode, a writer at ~200 tx/s, every replica's IO thread stopped ~1 s (or more)
// before the master's mysqld is killed (a binlog tail and diffs to apply), then the failover on a private
// task queue served by worker processes, one fault during it, and the data oracle on the survivors.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { startFailover } from '../src/failover/start';
import { queryOne, withConnection } from '../src/mysql/client';
import { temporalAddress, temporalNamespace } from '../src/temporal/config';
import { PROGRESS_QUERY } from '../src/contracts/common';
import type { FailoverProgress, FailoverReport } from '../src/contracts/failover';
import { injectFault } from './faults';
import { resultOf, testConfig, uniqueCluster } from './harness';
import { resetLab } from './lab';
import type { LabMode } from './layout';
import { verifySurvivors } from './oracle';
import { waitFor } from './system';
import type { OwnTemporal } from './temporal-server';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { startWriter } from './writer';

export type DurabilityCase =
  | { kind: 'baseline' }
  /** kill -9 the worker as soon as step `after` is done (the next step is being scheduled or just started). */
  | { kind: 'boundary'; after: string }
  /**
   * kill -9 the worker once the target's binlog shows its diff being applied. The replay runs on the
   * target's host and outlives the worker (the retry finds it done or fences it); with `session`, the
   * apply session on the target is killed too (as when the worker's host dies with the connection), so
   * the retry resumes in the middle of the diff.
   */
  | { kind: 'mid-apply'; target: 'newMaster' | 'replica'; session?: boolean }
  /** kill -9 the Temporal server (own dev server, SQLite file) while a step runs, restart it. */
  | { kind: 'temporal-restart' }
  /** Two workers on the queue: kill -9 the one running the current step. */
  | { kind: 'two-workers' };

export function caseName(c: DurabilityCase): string {
  switch (c.kind) {
    case 'baseline': return 'baseline (no crash)';
    case 'boundary': return `after ${c.after}`;
    case 'mid-apply': return `mid-apply on the ${c.target === 'newMaster' ? 'new master' : 'replica'}${c.session ? ' + its SQL session' : ''}`;
    case 'temporal-restart': return 'Temporal server kill -9 + restart';
    case 'two-workers': return 'two workers, busy one killed';
  }
}

export interface CaseResult {
  case: string;
  mode: LabMode;
  scenario: Scenario;
  passed: boolean;
  /** From the failover's start to its result, as the client saw it. */
  ms: number;
  /** ms minus the baseline's (when known). */
  addedMs?: number;
  /** When the fault was injected, from the failover's start; null: the failover completed first. */
  faultAtMs: number | null;
  note: string;
  problems: string[];
  /** Step keys (stepKey) in the order they first finished. */
  steps: string[];
  newMaster?: string | null;
  acked: number;
  workflowId: string;
}

const SURVIVORS = ['db2', 'db3', 'db4'];
const log = (m: string) => process.stderr.write(`${m}\n`);

async function gtidBinlogPos(cfg: ClusterConfig, server: ServerConfig): Promise<string> {
  return withConnection(cfg, server, async (c) => String((await queryOne(c, 'SELECT @@gtid_binlog_pos AS g'))!.g));
}

async function progressOf(handle: WorkflowHandle): Promise<FailoverProgress | null> {
  return handle.query<FailoverProgress>(PROGRESS_QUERY).catch(() => null);
}

/** Poll the progress query every `everyMs` until `pred` gives a value (or the failover finished: null). */
async function watch<T>(handle: WorkflowHandle, pred: (p: FailoverProgress) => T | undefined, timeoutMs = 90_000, everyMs = 20): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await progressOf(handle);
    if (p) {
      const v = pred(p);
      if (v !== undefined) return v;
      if (p.finished) return null;
    }
    if (Date.now() > deadline) throw new Error(`progress condition not met within ${timeoutMs} ms (last: ${JSON.stringify(p?.steps.map((s) => `${s.id}:${s.status}`))})`);
    await sleep(everyMs);
  }
}

/**
 * A step id with server names replaced by roles (runs choose different new masters): apply-db3 is
 * apply-NM when db3 is the new master, apply-R otherwise.
 */
export function stepKey(id: string, newMaster: string | null | undefined): string {
  if (newMaster && id.endsWith(`-${newMaster}`)) return `${id.slice(0, -newMaster.length)}NM`;
  return id.replace(/-db\d+$/, '-R');
}

/** KILL the session holding the apply lock on `server` (the replay of a diff); its id, or null. */
export async function killApplySession(cfg: ClusterConfig, server: ServerConfig): Promise<number | null> {
  return withConnection(cfg, server, async (c) => {
    const holder = (await queryOne(c, 'SELECT IS_USED_LOCK(\'mhaflow_apply\') AS h'))?.h;
    if (holder === null || holder === undefined) return null;
    await c.query(`KILL CONNECTION ${Number(holder)}`).catch(() => {});
    return Number(holder);
  });
}

const running = (p: FailoverProgress, prefix: string) => p.steps.find((s) => s.id.startsWith(prefix) && s.status === 'running');

// ---------------------------------------------------------------------------------------------
// One case

/**
 * basic: every replica's IO thread stopped at once (the new master is a latest replica); behind: db3, a
 * candidate_master, stopped ~1.5 s earlier than the others, so it gets a read_diff from the latest replica
 * (file/position) or catches up from it (GTID) before the dead master's tail.
 */
export type Scenario = 'basic' | 'behind';

export interface CaseOptions {
  scenario?: Scenario;
  /** Acknowledged ids after the replicas' IO threads stop, before the master is killed (200: ~1 s at 200 tx/s). */
  tailAcks?: number;
  baselineMs?: number;
  /** For 'temporal-restart': the own server (its address is used for the client and the workers). */
  temporal?: OwnTemporal;
}

export async function runCase(mode: LabMode, c: DurabilityCase, opts: CaseOptions = {}): Promise<CaseResult> {
  const name = caseName(c);
  const lab = await resetLab(mode);
  const behind = opts.scenario === 'behind';
  const cfg = testConfig(lab.cfg, uniqueCluster(`dur-${mode === 'gtid' ? 'g' : 'f'}${behind ? 'b' : ''}`),
    (ss) => (behind ? ss.map((s) => (s.name === 'db3' ? { ...s, candidateMaster: true } : s)) : ss));
  const writer = startWriter(cfg);
  await writer.waitAcked(150);
  if (behind) {
    await injectFault('stop-io', 'db3');
    await writer.waitAcked(writer.acked().length + 300);
  }
  for (const r of SURVIVORS) if (!(behind && r === 'db3')) await injectFault('stop-io', r);
  const tail = opts.tailAcks ?? (c.kind === 'mid-apply' ? 700 : 200);
  await writer.waitAcked(writer.acked().length + tail);
  await injectFault('kill-mysqld', 'db1');
  await writer.stop();
  const acked = writer.acked();

  const address = c.kind === 'temporal-restart' ? opts.temporal!.address : temporalAddress();
  const prevAddress = process.env.TEMPORAL_ADDRESS;
  process.env.TEMPORAL_ADDRESS = address; // the worker processes inherit it
  const workers: WorkerProcess[] = [];
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: temporalNamespace() });
  const taskQueue = `mhaflow-dur-${process.pid}-${Date.now().toString(36)}`;
  const problems: string[] = [];
  let note = '';
  let faultAtMs: number | null = null;
  let report: FailoverReport | undefined;
  let t0 = 0;
  let workflowId = '';
  try {
    const spawnWorker = () => startWorkerProcess({ taskQueue, sharedBundle: true });
    const a = await spawnWorker();
    workers.push(a);
    const b = c.kind === 'two-workers' ? await spawnWorker() : null;
    if (b) workers.push(b);
    t0 = Date.now();
    const { handle } = await startFailover(client, { cluster: cfg.cluster }, { taskQueue });
    workflowId = handle.workflowId;
    const killA = async () => {
      await a.kill();
      faultAtMs = Date.now() - t0;
      workers.push(await spawnWorker());
    };

    if (c.kind === 'boundary') {
      const hit = await watch(handle, (p) => (p.steps.some((s) => stepKey(s.id, p.newMaster) === c.after && s.status === 'done') ? true : undefined));
      if (hit) { await killA(); note = `killed ${faultAtMs} ms in`; } else note = `step ${c.after} not reached before the end: no crash`;
    } else if (c.kind === 'mid-apply') {
      const prefix = c.target === 'newMaster' ? 'apply-' : mode === 'gtid' ? 'repoint-' : 'apply-';
      const step = await watch(handle, (p) => {
        const r = running(p, prefix);
        if (!r) return undefined;
        if (c.target === 'newMaster' ? r.id === `apply-${p.newMaster}` : r.id !== `apply-${p.newMaster}`) return r.id;
        return undefined;
      }, 90_000, 10);
      if (step) {
        const target = cfg.servers.find((s) => step.endsWith(`-${s.name}`))!;
        const before = await gtidBinlogPos(cfg, target);
        const moved = await waitFor(`${target.name} to apply its first diff transactions`, async () => (await gtidBinlogPos(cfg, target)) !== before, 30_000, 5).then(() => true, () => false);
        const aGone = a.kill();
        const killed = c.session ? await killApplySession(cfg, target) : null;
        await aGone;
        await killA();
        note = `killed during ${step} ${moved ? 'after its binlog moved' : '(binlog had not moved)'} at ${faultAtMs} ms${c.session ? `; apply session ${killed ?? '(none: already done)'} killed` : ''}`;
      } else note = 'no apply step seen: no crash';
    } else if (c.kind === 'temporal-restart') {
      const step = await watch(handle, (p) => running(p, 'apply-')?.id ?? running(p, 'repoint-')?.id);
      if (step) {
        await opts.temporal!.kill();
        faultAtMs = Date.now() - t0;
        await sleep(1000);
        await opts.temporal!.start();
        note = `server killed during ${step} at ${faultAtMs} ms, back after ${Date.now() - t0 - faultAtMs} ms`;
      } else note = 'no apply or repoint step seen: no crash';
    } else if (c.kind === 'two-workers') {
      // Kill the worker running the current activity (found by its identity), during the new master's apply.
      const deadline = Date.now() + 90_000;
      let victim: WorkerProcess | undefined;
      let stepId = '';
      while (!victim && Date.now() < deadline) {
        const p = await progressOf(handle);
        if (p?.finished) break;
        const r = p ? running(p, 'apply-') ?? running(p, 'drain-') : undefined;
        if (r) {
          const d = await handle.describe();
          const pend = (d.raw.pendingActivities ?? []).find((x) => x.lastWorkerIdentity);
          victim = workers.find((w) => w.identity === pend?.lastWorkerIdentity);
          stepId = `${r.id} (${pend?.activityType?.name ?? '?'})`;
        }
        if (!victim) await sleep(20);
      }
      if (victim) {
        await victim.kill();
        faultAtMs = Date.now() - t0;
        note = `killed the busy worker ${victim.pid} during ${stepId} at ${faultAtMs} ms; the other finished`;
      } else note = 'no busy worker found: no crash';
    }
    report = await resultOf<FailoverReport>(handle, 180_000);
  } catch (e) {
    problems.push(`failover: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
    await connection.close().catch(() => {});
    if (prevAddress === undefined) delete process.env.TEMPORAL_ADDRESS; else process.env.TEMPORAL_ADDRESS = prevAddress;
  }
  const ms = Date.now() - t0;
  if (report) {
    const oracle = await verifySurvivors(cfg, SURVIVORS, acked);
    if (!oracle.ok) problems.push(...oracle.problems.map((p) => `oracle: ${p}`));
    for (const s of report.servers) {
      if (s.diff && (s.applied ?? 0) + (s.alreadyApplied ?? 0) !== s.diff.transactions) {
        problems.push(`${s.server}: ${s.applied} applied + ${s.alreadyApplied} already there != ${s.diff.transactions} in its diff`);
      }
    }
    const resumed = report.servers.filter((s) => s.alreadyApplied).map((s) => `${s.server} resumed with ${s.alreadyApplied}/${s.diff?.transactions} already applied`);
    if (resumed.length) note += `; ${resumed.join(', ')}`;
  }
  const steps = report ? [...report.steps].filter((s) => s.status === 'done').sort((x, y) => (x.startedAt + (x.ms ?? 0)) - (y.startedAt + (y.ms ?? 0))).map((s) => stepKey(s.id, report!.newMaster)).filter((k, i, a) => a.indexOf(k) === i) : [];
  const result: CaseResult = {
    case: name, mode, scenario: opts.scenario ?? 'basic', passed: problems.length === 0 && Boolean(report), ms, faultAtMs, note, problems, steps,
    newMaster: report?.newMaster, acked: acked.length, workflowId,
    ...(opts.baselineMs !== undefined ? { addedMs: ms - opts.baselineMs } : {}),
  };
  log(`  ${mode} ${opts.scenario ?? 'basic'} ${name}: ${result.passed ? 'passed' : 'FAILED'} in ${ms} ms${result.addedMs !== undefined ? ` (+${result.addedMs} ms)` : ''}; ${note}${problems.length ? `; ${problems.join('; ')}` : ''}`);
  return result;
}
