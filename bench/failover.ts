// The failover benchmark: MHA 0.58 (the reference) and mhaflow on the same lab and the same scenario,
// N runs each, in the same invocation. See bench/README.md.
//
//   npx tsx bench/failover.ts [--runs 3] [--scenario kill-mysqld|replicas-differ|binlog-tail] [--only mha|mhaflow]
//                             [--rate 200] [--write-seconds 5] [--json FILE]
//
// Each run: fresh lab (down, up in filepos mode), a writer at --rate tx/s for --write-seconds, (replicas-differ:
// db3's IO thread stopped 2 s before the kill; binlog-tail: every replica's IO thread stopped 1 s before it), SIGKILL of the master's mariadbd (sshd stays up), then the tool's
// failover command. Measured from the command's start: the first moment a survivor has read_only=0 (polled
// every 20 ms on separate connections), the moment the writer reconnects to it, and the command's exit (all
// replicas repointed, verified afterwards). Then: acknowledged ids missing on the new master (lost), and whether
// the survivors are identical (lab/oracle.ts). The writer keeps running through the failover.
// The work each run had to do is printed with it, so that ratios compare equal work: each survivor's executed and
// received positions, read right after the kill (before the tool starts), and the transactions (XIDs) of the dead
// master's binlog between them: the tail that no survivor received, and per survivor relay log + binlog-only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTable } from '../src/cli/table';
import { loadClusterConfig } from '../src/config/load';
import type { ServerConfig } from '../src/config/schema';
import { connectServer } from '../src/mysql/client';
import { injectFault } from '../lab/faults';
import { labDown, labState, labUp } from '../lab/lab';
import { labHosts, labPaths, repoRoot } from '../lab/layout';
import { verifySurvivors } from '../lab/oracle';
import { waitFor } from '../lab/system';
import { startWorkerProcess, type WorkerProcess } from '../lab/worker-process';
import { parseWriterLog, runWriter } from '../lab/writer';
import { withLabLock } from './lock';
import { checkRepointed, describeWork, median, recoveryWork, secs, serverByRef, survivorsAtKill, waitCaughtUp, WritablePoller, type RecoveryWork } from './measure';
import { measureStepFloor, type StepFloor } from './floor';
import { ensureMhaInstalled, runMhaFailover, writeMhaConf } from './mha';

type Tool = 'mha' | 'mhaflow';
type Scenario = 'kill-mysqld' | 'replicas-differ' | 'binlog-tail';
const SCENARIOS: Scenario[] = ['kill-mysqld', 'replicas-differ', 'binlog-tail'];

/** What a scenario does before the kill: stop these replicas' IO threads this long before it. */
function heldBack(scenario: Scenario, survivors: ServerConfig[]): { replicas: string[]; ms: number } {
  switch (scenario) {
    case 'kill-mysqld': return { replicas: [], ms: 0 };
    // db3 stops receiving 2 s before the kill: it needs the latest replica's relay log (read_diff).
    case 'replicas-differ': return { replicas: ['db3'], ms: 2000 };
    // No replica receives the last second: only the dead master's binlog has it (binlog_diff over SSH).
    case 'binlog-tail': return { replicas: survivors.map((s) => s.name), ms: 1000 };
  }
}

interface Options {
  runs: number; scenario: Scenario; only?: Tool; rate: number; writeSeconds: number; json?: string; report?: string;
  /** A new worker before every run, not only before run 1: every run is a fresh worker's first failover. */
  freshWorkerEachRun?: boolean;
}

interface RunResult {
  run: number;
  tool: Tool;
  status: 'ok' | 'failed' | 'skipped';
  note?: string;
  exitCode?: number;
  newMaster?: string;
  /** From the command's start to the first survivor with read_only=0 (20 ms polling). */
  writableMs?: number;
  /** From the command's start to the writer's reconnection to a writable server. */
  writerWritableMs?: number;
  /** From the command's start to its exit. */
  commandMs?: number;
  /** Every other survivor replicates from the new master (IO and SQL threads running) right after the exit. */
  repointed?: boolean;
  repointProblems?: string[];
  acked?: number;
  inDoubt?: number;
  /** Acknowledged ids missing on the new master. */
  lost?: number;
  /** Survivors hold identical tables (CHECKSUM TABLE) and every acked id once. */
  identical?: boolean;
  oracleOk?: boolean;
  problems?: string[];
  logDir?: string;
  /** Transactions to recover, counted in the dead master's binlog: the tail, and each survivor's relay log and binlog-only part. */
  work?: RecoveryWork;
  /** The tool's own account of its times (mhaflow --json: cliWritableMs, cliTotalMs, timings), for comparison. */
  selfReported?: Record<string, unknown>;
  /** mhaflow: its steps and their durations, from its report. */
  steps?: StepTime[];
}

const say = (m: string): void => { process.stderr.write(`${m}\n`); };
const MHAFLOW = resolve(repoRoot(), 'bin', 'mhaflow.js');
const FAILOVER_TIMEOUT_MS = 300_000;

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, scenario: 'kill-mysqld', rate: 200, writeSeconds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const key = a.replace(/=.*$/, '');
    if (key === '--runs') o.runs = Number(val());
    else if (key === '--scenario') o.scenario = val() as Scenario;
    else if (key === '--only') o.only = val() as Tool;
    else if (key === '--rate') o.rate = Number(val());
    else if (key === '--write-seconds') o.writeSeconds = Number(val());
    else if (key === '--json') o.json = val();
    else if (key === '--report') o.report = val();
    else if (key === '--fresh-worker-each-run') o.freshWorkerEachRun = true;
    else if (key === '-h' || key === '--help') {
      process.stdout.write('npx tsx bench/failover.ts [--runs 3] [--scenario kill-mysqld|replicas-differ|binlog-tail] [--only mha|mhaflow] [--rate 200] [--write-seconds 5] [--json FILE] [--fresh-worker-each-run]\n'
        + '  --fresh-worker-each-run: start a new worker before every run (each run a fresh worker\'s first failover), to set\n'
        + '    against the same runs of a worker that stays (a fresh worker against a warm one, with the lab in the same state)\n'
        + '  --report FILE: print the tables of an earlier run from its results.json, and run nothing\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a whole number >= 1');
  if (!SCENARIOS.includes(o.scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  if (o.only && !['mha', 'mhaflow'].includes(o.only)) throw new Error('--only must be mha or mhaflow');
  if (!(o.rate > 0)) throw new Error('--rate must be > 0');
  if (!(o.writeSeconds >= 3)) throw new Error('--write-seconds must be at least 3');
  return o;
}

// ---------------------------------------------------------------------------------------------- mhaflow side

/** Does this checkout have `mhaflow failover`? (commander prints general help for an unknown command's --help.) */
function mhaflowFailoverAvailable(): boolean {
  const r = spawnSync(process.execPath, [MHAFLOW, '--help'], { encoding: 'utf8' });
  return /^\s+failover\b/m.test(`${r.stdout}${r.stderr}`);
}

/** The benchmark's worker: the prebuilt failover command (as `npm ci` leaves it), the dev server, then the worker. */
async function startBenchWorker(log: string, run = 1): Promise<WorkerProcess> {
  // The failover command as `npm ci` leaves it: from its prebuilt bundle (rebuilt here if a source changed).
  const { freshBundle } = require('../bin/fresh-bundle') as { freshBundle: (root: string, name: string) => string | null };
  if (!freshBundle(repoRoot(), 'failover-cli')) {
    say('mhaflow: building the failover command bundle (scripts/build-cli.mjs)');
    const b = spawnSync(process.execPath, [resolve(repoRoot(), 'scripts/build-cli.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) throw new Error('scripts/build-cli.mjs failed');
  }
  say('mhaflow: temporal up');
  const up = spawnSync(process.execPath, [MHAFLOW, 'temporal', 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (up.status !== 0) throw new Error(`\`mhaflow temporal up\` failed (exit ${up.status})`);
  // The lab's cluster config (cluster.yml) is in the lab directory: the worker serves it from there.
  const worker = await startWorkerProcess({ identity: `bench-${process.pid}${run > 1 ? `-run${run}` : ''}`, log, configDir: labPaths().root });
  say(`mhaflow: worker ${worker.pid} started (log ${log})`);
  return worker;
}

/** What the worker's warm-up logs last (worker/warm.ts warmWorkflows), whether its workflow completed or not. */
const WARM_UP_ENDED = /warm-up: (a first workflow ran|the first workflow did not complete)/;

/**
 * Run 1 measures a fresh worker that knows its cluster, as in production, where a worker starts long before a failure.
 * On a machine with no lab yet (a fresh clone), the worker starts before run 1 builds the lab, finds its config within
 * 5 s, and its warm-up (4-5 s on a slow day) was seen still running at the kill. Wait for its end, at most a minute;
 * later runs, and a worker that found a lab up, find it ended.
 */
async function waitForWarmUp(log: string): Promise<void> {
  const ended = () => existsSync(log) && WARM_UP_ENDED.test(readFileSync(log, 'utf8'));
  if (ended()) return;
  const t0 = Date.now();
  await waitFor('the worker\'s warm-up to end', ended, 60_000, 200).then(
    () => say(`   waited ${secs(Date.now() - t0)} s for the worker's warm-up to end (worker/warm.ts)`),
    () => say('   the worker\'s warm-up has not ended after 60 s: the run goes on'));
}

interface CommandOutcome { exitCode: number; newMaster?: string; unavailable?: boolean; note?: string; selfReported?: Record<string, unknown>; steps?: StepTime[] }

/** One step of mhaflow's report that ran an activity (a decision, recorded with 0 ms, is left out). */
interface StepTime { id: string; ms: number }

function jsonObjects(stdout: string): unknown[] {
  const candidates: unknown[] = [];
  try { candidates.push(JSON.parse(stdout)); } catch { /* maybe JSON lines */ }
  for (const line of stdout.split('\n').reverse()) {
    const t = line.trim();
    if (t.startsWith('{')) { try { candidates.push(JSON.parse(t)); } catch { /* not JSON */ } }
  }
  return candidates;
}

/** What mhaflow says of its own times (cliWritableMs, cliTotalMs, timings), kept in the results for comparison. */
function selfReportedTimes(stdout: string): Record<string, unknown> | undefined {
  for (const c of jsonObjects(stdout)) {
    if (!c || typeof c !== 'object') continue;
    const o = c as Record<string, unknown>;
    const picked = Object.fromEntries(Object.entries(o).filter(([k]) => /ms$|^timings$/i.test(k)));
    if (Object.keys(picked).length) return picked;
  }
  return undefined;
}

/** The steps mhaflow's report lists, with their durations (workflow time). */
function stepTimes(stdout: string): StepTime[] | undefined {
  for (const c of jsonObjects(stdout)) {
    const steps = (c as { steps?: unknown } | null)?.steps;
    if (Array.isArray(steps)) return steps.filter((x): x is StepTime => typeof x?.id === 'string' && typeof x?.ms === 'number' && x.ms > 0).map((x) => ({ id: x.id, ms: x.ms }));
  }
  return undefined;
}

/** `mhaflow failover ... --json`: its last JSON object on stdout should name the new master. */
function findNewMasterInJson(stdout: string): string | undefined {
  for (const c of jsonObjects(stdout)) {
    if (!c || typeof c !== 'object') continue;
    const o = c as Record<string, unknown>;
    const nm = o.newMaster ?? (o.result as Record<string, unknown> | undefined)?.newMaster ?? (o.outcome as Record<string, unknown> | undefined)?.newMaster;
    if (typeof nm === 'string') return nm;
    if (nm && typeof nm === 'object') {
      const s = nm as Record<string, unknown>;
      if (typeof s.host === 'string') return `${s.host}:${s.port ?? 3306}`;
      if (typeof s.name === 'string') return s.name;
    }
  }
  return undefined;
}

function runMhaflowFailover(configPath: string, dead: ServerConfig, logFile: string): Promise<CommandOutcome> {
  return new Promise((resolvePromise, reject) => {
    const args = [MHAFLOW, 'failover', '--config', configPath, '--dead-master', `${dead.host}:${dead.port}`, '--ignore-last-failover', '--json'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), FAILOVER_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      writeFileSync(logFile, `$ node ${args.join(' ')}\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n--- exit ${code}\n`);
      const exitCode = code ?? 1;
      if (exitCode !== 0 && /unknown command/i.test(stderr)) return resolvePromise({ exitCode, unavailable: true });
      resolvePromise({ exitCode, newMaster: findNewMasterInJson(stdout), selfReported: selfReportedTimes(stdout), steps: stepTimes(stdout), note: exitCode === 0 ? undefined : (stderr.trim().split('\n').pop() ?? '') });
    });
  });
}

// ---------------------------------------------------------------------------------------------- one run

async function runOnce(tool: Tool, run: number, opts: Options, outDir: string, worker: WorkerProcess | undefined): Promise<RunResult> {
  const logDir = resolve(outDir, `run${run}-${tool}`);
  mkdirSync(logDir, { recursive: true });
  const base: RunResult = { run, tool, status: 'failed', logDir };
  if (tool === 'mhaflow' && !worker) return { ...base, status: 'skipped', note: 'mhaflow failover not available yet' };

  say(`\n== run ${run} ${tool} (${opts.scenario}): fresh lab (filepos)`);
  await labDown();
  await labUp({ mode: 'filepos' });
  if (tool === 'mhaflow' && worker) await waitForWarmUp(worker.log);
  const createdAt = labState()?.createdAt;
  const configPath = labPaths().clusterConfig;
  const cfg = loadClusterConfig(configPath);
  const masterName = labState()?.master ?? cfg.servers[0]!.name;
  const dead = cfg.servers.find((s) => s.name === masterName)!;
  const survivors = cfg.servers.filter((s) => s !== dead);
  const mhaConf = tool === 'mha' ? writeMhaConf(cfg) : undefined;

  // The writer runs from here until a second after the failover command exits.
  const writerLog = resolve(logDir, 'writer.log');
  const ac = new AbortController();
  const connects: { host: string; at: number }[] = [];
  const writer = runWriter({
    cfg, user: 'app', password: readFileSync(resolve(labPaths().secretsDir, 'app.pw'), 'utf8').trim(), rate: opts.rate, logFile: writerLog,
    name: `bench-${tool}-${run}`, signal: ac.signal,
    onEvent: (e) => { const m = /^connected to (\S+)/.exec(e); if (m) connects.push({ host: m[1]!, at: Date.now() }); },
  });
  try {
    const held = heldBack(opts.scenario, survivors);
    await sleep(opts.writeSeconds * 1000 - held.ms);
    for (const r of held.replicas) say(`   ${await injectFault('stop-io', r)}`);
    await sleep(held.ms);
    const poller = new WritablePoller(cfg, survivors);
    await poller.open();
    const statusConns = new Map(await Promise.all(survivors.map(async (s) => [s.name, await connectServer(cfg, s)] as const)));
    say(`   ${await injectFault('kill-mysqld', dead.name)}`);
    // Where each survivor stood at the kill (a few ms before either tool starts): what this run had to recover.
    const atKill = await survivorsAtKill(statusConns).finally(() => { for (const c of statusConns.values()) c.destroy(); });
    const t0 = Date.now();
    poller.start(t0);
    let outcome: CommandOutcome;
    if (tool === 'mha') {
      say('   masterha_master_switch --master_state=dead ...');
      const r = await runMhaFailover({ conf: mhaConf!, deadMaster: dead, logFile: resolve(logDir, 'mha.log'), timeoutMs: FAILOVER_TIMEOUT_MS });
      outcome = { exitCode: r.exitCode, newMaster: r.newMaster, note: r.exitCode ? r.errors.slice(-2).join(' | ') : undefined };
    } else {
      say('   mhaflow failover ...');
      outcome = await runMhaflowFailover(configPath, dead, resolve(logDir, 'mhaflow.log'));
    }
    const commandMs = Date.now() - t0;
    await poller.finish(outcome.exitCode === 0 ? 2000 : 0);
    await sleep(1000); // the writer keeps writing to the new master for a moment
    ac.abort();
    const summary = await writer;
    if (outcome.unavailable) return { ...base, status: 'skipped', note: 'mhaflow failover not available yet (unknown command)' };

    const newMaster = serverByRef(cfg, outcome.newMaster) ?? serverByRef(cfg, poller.first?.server);
    const writerConnect = connects.find((c) => c.at >= t0 && (!newMaster || c.host === newMaster.host));
    const res: RunResult = {
      ...base, exitCode: outcome.exitCode, newMaster: newMaster?.name, commandMs,
      writableMs: poller.first ? poller.first.at - t0 : undefined, writerWritableMs: writerConnect ? writerConnect.at - t0 : undefined,
      acked: summary.acknowledged, inDoubt: summary.inDoubt.length, note: outcome.note, selfReported: outcome.selfReported, steps: outcome.steps,
      work: recoveryWork(resolve(labHosts().find((h) => h.name === dead.name)!.dataDir, atKill[0]?.readFile ?? ''), atKill),
    };
    say(`   work: ${describeWork(res.work) ?? 'not counted (the binlog rotated)'}`);
    if (poller.first && newMaster && poller.first.server !== newMaster.name) {
      res.note = `${res.note ? `${res.note}; ` : ''}first writable was ${poller.first.server}, the command names ${newMaster.name}`;
    }
    if (!newMaster) return { ...res, note: res.note ?? 'no new master (nothing writable, none reported)' };

    const replicas = survivors.filter((s) => s !== newMaster);
    res.repointProblems = await checkRepointed(cfg, newMaster, replicas);
    res.repointed = res.repointProblems.length === 0;
    await waitCaughtUp(cfg, newMaster, replicas);
    const { acked } = parseWriterLog(readFileSync(writerLog, 'utf8'));
    const oracle = await verifySurvivors(cfg, survivors.map((s) => s.name), acked);
    res.lost = oracle.servers.find((v) => v.server === newMaster.name)?.missing.length;
    res.identical = oracle.checksumMismatches.length === 0;
    res.oracleOk = oracle.ok;
    res.problems = oracle.problems;
    if (labState()?.createdAt !== createdAt) {
      res.note = `${res.note ? `${res.note}; ` : ''}DISTURBED: someone else rebuilt the lab during this run (not using ${process.env.MHAFLOW_LAB_LOCK ?? '/tmp/mhaflow-lab.lock'})`;
      return res;
    }
    res.status = outcome.exitCode === 0 && res.repointed && oracle.ok ? 'ok' : 'failed';
    writeFileSync(resolve(logDir, 'result.json'), `${JSON.stringify({ ...res, oracle }, null, 2)}\n`);
    return res;
  } finally {
    if (!ac.signal.aborted) { ac.abort(); await writer.catch(() => undefined); }
  }
}

// ---------------------------------------------------------------------------------------------- report

const yn = (b?: boolean) => (b === undefined ? undefined : b ? 'yes' : 'no');

function runTable(rows: RunResult[]): string {
  const t: (string | number | undefined)[][] = [['run', 'tool', 'status', 'new master', 'writable s', 'writer back s', 'repointed s (exit)', 'repointed', 'acked', 'in doubt', 'lost', 'identical',
    'work (tx): tail; relay+binlog-only per survivor', 'note']];
  for (const r of rows) {
    t.push([r.run, r.tool, r.status, r.newMaster, secs(r.writableMs), secs(r.writerWritableMs), secs(r.commandMs), yn(r.repointed), r.acked, r.inDoubt, r.lost, yn(r.identical), describeWork(r.work),
      [r.note, ...(r.repointProblems ?? []), ...(r.problems ?? [])].filter(Boolean).join('; ') || undefined]);
  }
  return formatTable(t);
}

/** MHA's median over mhaflow's, as the tables print it. */
function ratioOf(mha: number | undefined, mhaflow: number | undefined): string {
  return mha !== undefined && mhaflow !== undefined && mhaflow > 0 ? `${(mha / mhaflow).toFixed(1)}x` : 'n/a';
}

function summaryTable(all: RunResult[]): string {
  const tools: Tool[] = ['mha', 'mhaflow'];
  const med = (tool: Tool, k: 'writableMs' | 'commandMs' | 'writerWritableMs') =>
    median(all.filter((r) => r.tool === tool && r.status === 'ok' && r[k] !== undefined).map((r) => r[k]!));
  const t: (string | number | undefined)[][] = [['tool', 'ok runs', 'median writable s', 'median writer back s', 'median repointed s', 'lost (max)', 'all identical']];
  for (const tool of tools) {
    const rs = all.filter((r) => r.tool === tool);
    if (!rs.length) continue;
    const ok = rs.filter((r) => r.status === 'ok');
    if (rs.every((r) => r.status === 'skipped')) { t.push([tool, '0', undefined, undefined, undefined, undefined, rs[0]!.note]); continue; }
    const lost = rs.filter((r) => r.lost !== undefined).map((r) => r.lost!);
    t.push([tool, `${ok.length}/${rs.length}`, secs(med(tool, 'writableMs')), secs(med(tool, 'writerWritableMs')), secs(med(tool, 'commandMs')),
      lost.length ? Math.max(...lost) : undefined, yn(rs.every((r) => r.identical))]);
  }
  const ratio = (k: 'writableMs' | 'commandMs') => ratioOf(med('mha', k), med('mhaflow', k));
  t.push(['MHA/mhaflow', undefined, ratio('writableMs'), undefined, ratio('commandMs'), undefined, undefined]);
  return formatTable(t);
}

/** Whether a run had anything to recover: the kill can land between a commit and its sending, so runs of one scenario differ. */
function workClass(r: RunResult): 'nothing to recover' | 'transactions to recover' | undefined {
  if (!r.work) return undefined;
  return r.work.tail === 0 && r.work.survivors.every((s) => s.relay + s.binlogOnly === 0) ? 'nothing to recover' : 'transactions to recover';
}

/**
 * The medians again, for each kind of work, when the runs did not all have the same: a ratio of medians over runs of
 * unequal work says little (MHA recovering one transaction against mhaflow recovering none, or the reverse).
 */
function byWorkTable(all: RunResult[]): string | null {
  const ok = all.filter((r) => r.status === 'ok' && workClass(r));
  const classes = [...new Set(ok.map(workClass))];
  if (classes.length < 2) return null;
  const t: (string | number | undefined)[][] = [['work', 'MHA runs', 'MHA writable / repointed s', 'mhaflow runs', 'mhaflow writable / repointed s', 'MHA/mhaflow']];
  for (const c of classes) {
    const of = (tool: Tool) => ok.filter((r) => r.tool === tool && workClass(r) === c);
    const med = (tool: Tool, k: 'writableMs' | 'commandMs') => median(of(tool).filter((r) => r[k] !== undefined).map((r) => r[k]!));
    const pair = (tool: Tool) => (of(tool).length ? `${secs(med(tool, 'writableMs')) ?? '-'} / ${secs(med(tool, 'commandMs')) ?? '-'}` : '-');
    const ratio = (k: 'writableMs' | 'commandMs') => ratioOf(med('mha', k), med('mhaflow', k));
    t.push([c, of('mha').length, pair('mha'), of('mhaflow').length, pair('mhaflow'), `${ratio('writableMs')} / ${ratio('commandMs')}`]);
  }
  return formatTable(t);
}

/**
 * mhaflow's steps, each kind's median over its ok runs (a step run on several servers counts each), next to the floor:
 * what an empty step costs through the same Temporal server (bench/floor.ts).
 */
function stepsTable(results: RunResult[], floor: StepFloor | undefined): string | null {
  const byKind = new Map<string, number[]>();
  for (const r of results.filter((x) => x.tool === 'mhaflow' && x.status === 'ok')) {
    for (const s of r.steps ?? []) {
      const kind = s.id.replace(/-db\d+$/, '');
      byKind.set(kind, [...(byKind.get(kind) ?? []), s.ms]);
    }
  }
  if (!byKind.size) return null;
  const t: (string | number | undefined)[][] = [['step', 'times run', 'median ms', 'min ms', 'above the floor ms']];
  for (const [kind, ms] of byKind) {
    const m = median(ms)!;
    t.push([kind, ms.length, Math.round(m), Math.min(...ms), floor ? Math.round(m - floor.medianMs) : undefined]);
  }
  return formatTable(t);
}

/**
 * The bench starts its worker just before run 1, so run 1 is a fresh worker's first failover: set against the
 * worker's later runs (one invocation's difference varies by ±0.2 s on a 2-core lab; repeat the bench for a median).
 */
function freshWorkerLine(results: RunResult[]): string | null {
  const ok = results.filter((r) => r.tool === 'mhaflow' && r.status === 'ok' && r.writableMs !== undefined);
  const first = ok.find((r) => r.run === 1);
  const later = ok.filter((r) => r.run > 1);
  if (!first || !later.length) return null;
  const check = (r: RunResult) => r.steps?.find((s) => s.id === 'check')?.ms;
  const laterWritable = median(later.map((r) => r.writableMs!))!;
  const laterCheck = median(later.map(check).filter((ms): ms is number => ms !== undefined));
  const checkMs = laterCheck === undefined ? '-' : Math.round(laterCheck);
  const diff = Math.round(first.writableMs! - laterWritable);
  return `mhaflow's worker, fresh at run 1: writable ${secs(first.writableMs)} s, check step ${check(first) ?? '-'} ms; `
    + `runs ${later.map((r) => r.run).join(', ')} (medians): ${secs(laterWritable)} s, ${checkMs} ms; `
    + `run 1 ${diff >= 0 ? '+' : ''}${diff} ms to writable (the dead master's tail: run 1 ${first.work?.tail ?? '-'} tx, `
    + `the others ${later.map((r) => r.work?.tail ?? '-').join(', ')})`;
}

function printTables(scenario: Scenario, results: RunResult[], floor?: StepFloor, freshWorkerEachRun = false): void {
  process.stdout.write(`\nall runs (${scenario})\n${runTable(results)}\n\nmedians over ok runs (times from the start of the failover command)\n${summaryTable(results)}\n`);
  const byWork = byWorkTable(results);
  if (byWork) process.stdout.write(`\nthe same medians for each kind of work (the runs did not all have the same)\n${byWork}\n`);
  const fresh = freshWorkerEachRun ? 'mhaflow\'s worker: a fresh one at every run (--fresh-worker-each-run)' : freshWorkerLine(results);
  if (fresh) process.stdout.write(`\n${fresh}\n`);
  const steps = stepsTable(results, floor);
  if (steps) {
    process.stdout.write(`\nmhaflow's steps (workflow time, from the activation that schedules each to the one that sees its result); the floor, `
      + `an empty step through the same Temporal server: ${floor ? `${floor.medianMs} ms (median of ${floor.samples.length}, ${Math.min(...floor.samples)}-${Math.max(...floor.samples)})` : 'not measured'}\n${steps}\n`);
  }
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.report) {
    const earlier = JSON.parse(readFileSync(opts.report, 'utf8')) as { scenario: Scenario; results: RunResult[]; stepFloor?: StepFloor; freshWorkerEachRun?: boolean };
    printTables(earlier.scenario, earlier.results, earlier.stepFloor, earlier.freshWorkerEachRun);
    return;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(labPaths().root, 'bench', `${stamp}-${opts.scenario}`);
  mkdirSync(outDir, { recursive: true });
  const tools: Tool[] = opts.only ? [opts.only] : ['mha', 'mhaflow'];
  if (tools.includes('mha')) ensureMhaInstalled(say);

  let stepFloor: StepFloor | undefined;
  let worker: WorkerProcess | undefined;
  if (tools.includes('mhaflow')) {
    if (mhaflowFailoverAvailable()) {
      // Our worker and our failover commands share a task queue of their own: a stray worker elsewhere on this
      // machine (running other code) must not take the benchmark's tasks.
      process.env.MHAFLOW_TASK_QUEUE ??= `mhaflow-bench-${process.pid}`;
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void worker?.kill(); process.exit(130); });
      worker = await startBenchWorker(resolve(outDir, 'worker.log'));
      stepFloor = await measureStepFloor().catch((e: Error) => { say(`mhaflow: the step floor could not be measured: ${e.message}`); return undefined; });
      if (stepFloor) say(`mhaflow: an empty step through this Temporal server takes ${stepFloor.medianMs} ms (median of ${stepFloor.samples.length})`);
    } else say('mhaflow: `mhaflow failover` is not available yet: its rows are skipped');
  }

  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= opts.runs; run++) {
      if (run > 1 && opts.freshWorkerEachRun && worker) {
        await worker.stop();
        worker = await startBenchWorker(resolve(outDir, `worker-run${run}.log`), run);
      }
      // Alternate the order so neither tool always runs on a machine warmed by the other.
      const order = run % 2 ? tools : [...tools].reverse();
      for (const tool of order) {
        let r: RunResult | undefined;
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            r = await withLabLock(() => runOnce(tool, run, opts, outDir, worker), { log: say });
          } catch (e) {
            r = { run, tool, status: 'failed', note: `harness error: ${(e as Error).message}` };
          }
          if (!r.note?.includes('DISTURBED')) break;
          say(`   run disturbed by another lab user; retrying (${attempt}/3)`);
        }
        results.push(r!);
        say(`   -> ${r!.status}: writable ${secs(r!.writableMs) ?? '-'} s, exit ${secs(r!.commandMs) ?? '-'} s, lost ${r!.lost ?? '-'}${r!.note ? ` (${r!.note})` : ''}`);
      }
      process.stdout.write(`\nrun ${run} (${opts.scenario}, writer ${opts.rate} tx/s)\n${runTable(results.filter((r) => r.run === run))}\n`);
    }
  } finally {
    await worker?.stop();
    say('\n== leaving a fresh lab up (filepos)');
    await withLabLock(async () => { await labDown(); await labUp({ mode: 'filepos' }); }, { log: say }).catch((e) => say(`could not restore the lab: ${(e as Error).message}`));
  }

  printTables(opts.scenario, results, stepFloor, opts.freshWorkerEachRun);
  const jsonPath = opts.json ?? resolve(outDir, 'results.json');
  writeFileSync(jsonPath, `${JSON.stringify({ scenario: opts.scenario, rate: opts.rate, writeSeconds: opts.writeSeconds, freshWorkerEachRun: Boolean(opts.freshWorkerEachRun), stepFloor, results }, null, 2)}\n`);
  process.stdout.write(`\nlogs and results: ${outDir}${opts.json ? ` (results also in ${jsonPath})` : ''}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench/failover: ${(e as Error).message}\n`);
  process.exit(1);
});
