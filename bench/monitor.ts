// The monitoring benchmark: mhaflow's monitor and MHA 0.58's masterha_manager (ping_interval=1) on the same lab,
// in the same run, N runs each, alternating. See bench/README.md.
//
//   npx tsx bench/monitor.ts [--runs 3] [--only mha|mhaflow] [--rate 200] [--phase-seconds 60] [--json FILE]
//
// Each run of a tool: a fresh lab (filepos), a writer at --rate tx/s, the tool watching the master; then a
// stall-and-partition phase (--phase-seconds) in which no failover may happen: db1's mariadbd stopped (SIGSTOP)
// for 3 s three times, and the manager cut from db1 (its pings and SSH, through a TCP proxy; the replicas still
// replicate) for 18 s; then kill -9 of db1's mariadbd. Measured from the kill: detection (the tool declares the
// master dead), writable (the first survivor with read_only=0, polled every 20 ms), done (the failover over, every
// replica repointed), acknowledged writes lost (the data oracle on the survivors), and any false failover in the phase.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { injectFault, stallMysqld } from '../lab/faults';
import { labDown, labUp } from '../lab/lab';
import { findHost, labHosts, labPaths } from '../lab/layout';
import { verifySurvivors } from '../lab/oracle';
import { startTcpProxy, type TcpProxy } from '../lab/proxy';
import { startWorkerProcess, type WorkerProcess } from '../lab/worker-process';
import { parseWriterLog, runWriter } from '../lab/writer';
import { formatTable } from '../src/cli/table';
import { loadClusterConfig } from '../src/config/load';
import type { ClusterConfig } from '../src/config/schema';
import { failoverWorkflowId } from '../src/contracts/failover';
import { MONITOR_STATUS_QUERY, monitorWorkflowId, type MonitorStatus } from '../src/contracts/monitor';
import { startMonitor, stopMonitor } from '../src/monitor/control';
import { temporalAddress, temporalNamespace } from '../src/temporal/config';
import { withLabLock } from './lock';
import { checkRepointed, median, secs, serverByRef, waitCaughtUp, WritablePoller } from './measure';
import { ensureMhaInstalled, mhaPaths, writeMhaConf } from './mha';

type Tool = 'mha' | 'mhaflow';
interface Options { runs: number; only?: Tool; rate: number; phaseSeconds: number; json?: string }

interface RunResult {
  run: number;
  tool: Tool;
  status: 'ok' | 'failed';
  note?: string;
  /** Failovers started during the stall-and-partition phase (each one false). */
  falseFailovers?: number;
  partition?: 'simulated' | 'not simulated';
  /** From the kill: the tool declares the master dead; the first survivor turns writable; the failover is over. */
  detectionMs?: number;
  writableMs?: number;
  doneMs?: number;
  newMaster?: string;
  repointed?: boolean;
  acked?: number;
  lost?: number;
  identical?: boolean;
  logDir?: string;
}

const say = (m: string): void => { process.stderr.write(`${m}\n`); };
const SURVIVORS = ['db2', 'db3', 'db4'];

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: { runs: { type: 'string' }, only: { type: 'string' }, rate: { type: 'string' }, 'phase-seconds': { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (v.help) {
    process.stdout.write('npx tsx bench/monitor.ts [--runs 3] [--only mha|mhaflow] [--rate 200] [--phase-seconds 60] [--json FILE]\n');
    process.exit(0);
  }
  const o: Options = { runs: Number(v.runs ?? 3), rate: Number(v.rate ?? 200), phaseSeconds: Number(v['phase-seconds'] ?? 60), ...(v.json ? { json: v.json } : {}) };
  if (v.only) o.only = v.only as Tool;
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a whole number >= 1');
  if (o.only && !['mha', 'mhaflow'].includes(o.only)) throw new Error('--only must be mha or mhaflow');
  if (!(o.rate > 0)) throw new Error('--rate must be > 0');
  if (!(o.phaseSeconds >= 30)) throw new Error('--phase-seconds must be at least 30 (three stalls and a partition)');
  return o;
}

// ---------------------------------------------------------------------------------------------- the phase

/** What happens in the phase, in seconds from its start: three 3 s stalls, and an 18 s cut between the manager and db1. */
function phasePlan(seconds: number): { stalls: number[]; cut: [number, number] } {
  return { stalls: [2, 12, seconds - 12], cut: [20, Math.min(38, seconds - 15)] };
}

async function runPhase(seconds: number, cut: ((on: boolean) => void) | null, log: (m: string) => void): Promise<void> {
  const plan = phasePlan(seconds);
  const t0 = Date.now();
  const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));
  const db1 = findHost(labHosts(), 'db1');
  const steps: Promise<void>[] = plan.stalls.map(async (s) => { await at(s); log(`   +${s}s SIGSTOP db1 for 3 s`); await stallMysqld(db1, 3000); });
  if (cut) {
    steps.push((async () => {
      await at(plan.cut[0]); log(`   +${plan.cut[0]}s manager cut from db1 (SQL and SSH)`); cut(true);
      await at(plan.cut[1]); log(`   +${plan.cut[1]}s cut healed`); cut(false);
    })());
  }
  await Promise.all(steps);
  await at(seconds);
}

// ---------------------------------------------------------------------------------------------- mhaflow

interface MhaflowSide { worker: WorkerProcess; client: Client; connection: Connection; configDir: string; taskQueue: string }

async function startMhaflow(outDir: string): Promise<MhaflowSide> {
  const configDir = mkdtempSync(join(tmpdir(), 'mhaflow-bench-clusters-'));
  const taskQueue = `mhaflow-bench-monitor-${process.pid}`;
  const worker = await startWorkerProcess({ identity: `bench-monitor-${process.pid}`, log: resolve(outDir, 'worker.log'), configDir, taskQueue });
  const connection = await Connection.connect({ address: temporalAddress() });
  return { worker, connection, client: new Client({ connection, namespace: temporalNamespace() }), configDir, taskQueue };
}

/** The lab's config, its monitor reaching db1 (pings and SSH) through the two proxies, under a cluster name of its own. */
function proxiedConfig(lab: ClusterConfig, cluster: string, sql: TcpProxy, ssh: TcpProxy, dir: string): ClusterConfig {
  const db1 = lab.servers.find((s) => s.name === 'db1')!;
  const key = readFileSync(lab.ssh.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${db1.host} `))!.split(' ').slice(1).join(' ');
  const knownHosts = join(dir, `${cluster}.known_hosts`);
  writeFileSync(knownHosts, `${readFileSync(lab.ssh.knownHosts, 'utf8')}[${ssh.host}]:${ssh.port} ${key}\n`);
  return {
    ...lab, cluster, ssh: { ...lab.ssh, knownHosts },
    servers: lab.servers.map((s) => (s.name === 'db1' ? { ...s, monitorAddress: `${sql.host}:${sql.port}`, ssh: { ...s.ssh, host: ssh.host, port: ssh.port } } : s)),
  };
}

async function statusOf(side: MhaflowSide, cluster: string): Promise<MonitorStatus | null> {
  return side.client.workflow.getHandle(monitorWorkflowId(cluster)).query<MonitorStatus>(MONITOR_STATUS_QUERY).catch(() => null);
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fn();
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------- MHA

interface MhaManager { child: ChildProcess; lines: { at: number; text: string }[]; exited: Promise<number> }

/** masterha_manager in the foreground, every line timestamped as it arrives (Perl's output unbuffered through PERL5OPT). */
function startMhaManager(conf: string, logFile: string): MhaManager {
  const lib = mkdtempSync(join(tmpdir(), 'mha-autoflush-'));
  writeFileSync(join(lib, 'MhaflowAutoflush.pm'), 'package MhaflowAutoflush; use IO::Handle; STDOUT->autoflush(1); STDERR->autoflush(1); 1;\n');
  const child = spawn('masterha_manager', [`--conf=${conf}`, '--ignore_last_failover'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PERL5LIB: lib, PERL5OPT: '-MMhaflowAutoflush' },
  });
  const out = createWriteStream(logFile);
  const lines: MhaManager['lines'] = [];
  let partial = '';
  const take = (d: Buffer) => {
    const at = Date.now();
    out.write(d);
    const text = partial + d.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) lines.push({ at, text: p });
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number>((r) => child.on('close', (code) => { out.end(); r(code ?? 1); }));
  return { child, lines, exited };
}

const firstLine = (m: MhaManager, re: RegExp, since = 0) => m.lines.find((l) => l.at >= since && re.test(l.text));

// ---------------------------------------------------------------------------------------------- one run

async function runOnce(tool: Tool, run: number, opts: Options, outDir: string, side: MhaflowSide | null): Promise<RunResult> {
  const logDir = resolve(outDir, `run${run}-${tool}`);
  mkdirSync(logDir, { recursive: true });
  const res: RunResult = { run, tool, status: 'failed', logDir, partition: tool === 'mhaflow' ? 'simulated' : 'not simulated' };
  say(`\n== run ${run} ${tool}: fresh lab (filepos)`);
  await labDown();
  await labUp({ mode: 'filepos' });
  const lab = loadClusterConfig(labPaths().clusterConfig);
  const db1 = lab.servers.find((s) => s.name === 'db1')!;
  const writerLog = resolve(logDir, 'writer.log');
  const ac = new AbortController();
  const writer = runWriter({ cfg: lab, user: 'app', password: readFileSync(resolve(labPaths().secretsDir, 'app.pw'), 'utf8').trim(), rate: opts.rate, logFile: writerLog, signal: ac.signal });
  const proxies: TcpProxy[] = [];
  let mha: MhaManager | null = null;
  let cluster = '';
  try {
    // 1. The tool watches the master.
    if (tool === 'mhaflow') {
      proxies.push(await startTcpProxy({ host: db1.host, port: db1.port }), await startTcpProxy({ host: db1.host, port: lab.ssh.port }));
      cluster = `bench-mon-${run}-${Date.now().toString(36)}`;
      writeFileSync(join(side!.configDir, `${cluster}.yml`), stringify(proxiedConfig(lab, cluster, proxies[0]!, proxies[1]!, side!.configDir)));
      await startMonitor(side!.client, { cluster }, { taskQueue: side!.taskQueue });
      await until('the monitor watching db1', async () => { const s = await statusOf(side!, cluster); return s?.state === 'watching' && s.master === 'db1'; }, 120_000, 200);
    } else {
      mha = startMhaManager(writeMhaConf(lab, { pingInterval: 1 }), resolve(logDir, 'mha.log'));
      await until('masterha_manager to start pinging db1', async () => firstLine(mha!, /Ping\(SELECT\) succeeded/) ?? (mha!.child.exitCode !== null ? (() => { throw new Error('masterha_manager exited at start; see mha.log'); })() : null), 120_000, 100);
    }
    say(`   ${tool} watches db1; the ${opts.phaseSeconds} s stall-and-partition phase`);
    // 2. The phase: no failover may happen.
    const phaseStart = Date.now();
    await runPhase(opts.phaseSeconds, tool === 'mhaflow' ? (on) => proxies.forEach((p) => p.cut(on)) : null, say);
    if (tool === 'mhaflow') {
      const s = await statusOf(side!, cluster);
      res.falseFailovers = s?.failovers.length ?? 0;
      say(`   phase over: state ${s?.state}, events: ${s?.events.slice(-6).map((e) => e.kind).join(' ')}`);
    } else {
      res.falseFailovers = mha!.lines.filter((l) => l.at >= phaseStart && /is not reachable!/.test(l.text)).length + (mha!.child.exitCode !== null ? 1 : 0);
    }
    if (res.falseFailovers) {
      res.note = `false failover during the phase (${res.falseFailovers})`;
      return res;
    }
    await sleep(3000); // every view settled after the last stall
    // 3. The kill.
    const poller = new WritablePoller(lab, lab.servers.filter((s) => s !== db1));
    await poller.open();
    const t0 = Date.now();
    poller.start(t0);
    say(`   ${await injectFault('kill-mysqld', 'db1')} (${Date.now() - t0} ms)`);
    if (tool === 'mhaflow') {
      const s = await until('the automatic failover to end', async () => {
        const x = await statusOf(side!, cluster);
        return x && x.failovers[0] && x.failovers[0].outcome !== 'running' ? x : null;
      }, 300_000, 50);
      const verdict = s.events.find((e) => e.kind === 'verdict-dead');
      res.detectionMs = verdict ? Date.parse(verdict.at) - t0 : undefined;
      const fo = await side!.client.workflow.getHandle(failoverWorkflowId(cluster)).describe();
      res.doneMs = fo.closeTime ? fo.closeTime.getTime() - t0 : undefined;
      res.newMaster = s.failovers[0]!.newMaster ?? undefined;
      if (s.failovers[0]!.outcome !== 'completed') res.note = `failover ${s.failovers[0]!.outcome}: ${s.failovers[0]!.message}`;
    } else {
      const code = await Promise.race([mha!.exited, sleep(300_000).then(() => -1)]);
      const detected = firstLine(mha!, /is not reachable!/, t0);
      const done = firstLine(mha!, /Master failover to .* completed successfully/, t0);
      res.detectionMs = detected ? detected.at - t0 : undefined;
      res.doneMs = done ? done.at - t0 : undefined;
      const nm = done && /Master failover to \S+?\((\S+?)\)/.exec(done.text)?.[1];
      res.newMaster = nm ? serverByRef(lab, nm)?.name : undefined;
      if (code !== 0 || !done) res.note = `masterha_manager exit ${code}${done ? '' : ', no completed failover in its log'}`;
    }
    await poller.finish(3000);
    res.writableMs = poller.first ? poller.first.at - t0 : undefined;
    res.newMaster ??= poller.first?.server;
    await sleep(1000); // the writer keeps writing to the new master for a moment
    ac.abort();
    await writer;
    const nm = lab.servers.find((s) => s.name === res.newMaster);
    if (!nm) { res.note ??= 'no new master'; return res; }
    const replicas = lab.servers.filter((s) => s !== db1 && s !== nm);
    res.repointed = (await checkRepointed(lab, nm, replicas)).length === 0;
    await waitCaughtUp(lab, nm, replicas);
    const { acked } = parseWriterLog(readFileSync(writerLog, 'utf8'));
    const oracle = await verifySurvivors(lab, SURVIVORS, acked);
    res.acked = acked.length;
    res.lost = oracle.servers.find((v) => v.server === nm.name)?.missing.length;
    res.identical = oracle.checksumMismatches.length === 0;
    res.status = !res.note && res.repointed && oracle.ok ? 'ok' : 'failed';
    if (!oracle.ok) res.note = oracle.problems.join('; ');
    writeFileSync(resolve(logDir, 'result.json'), `${JSON.stringify({ ...res, oracle }, null, 2)}\n`);
    return res;
  } finally {
    // For a look afterwards: each host's mariadbd error log, and the monitor's last status.
    for (const h of labHosts()) { try { copyFileSync(h.errorLog, resolve(logDir, `${h.name}-mysqld.err`)); } catch { /* gone */ } }
    if (cluster) { const st = await statusOf(side!, cluster); if (st) writeFileSync(resolve(logDir, 'monitor-status.json'), `${JSON.stringify(st, null, 2)}\n`); }
    if (!ac.signal.aborted) { ac.abort(); await writer.catch(() => undefined); }
    if (mha && mha.child.exitCode === null) { mha.child.kill('SIGTERM'); await Promise.race([mha.exited, sleep(5000)]); mha.child.kill('SIGKILL'); }
    if (cluster) await stopMonitor(side!.client, cluster, 5000).catch(() => null);
    await Promise.all(proxies.map((p) => p.close()));
  }
}

// ---------------------------------------------------------------------------------------------- report

function runTable(rows: RunResult[]): string {
  const t: (string | number | undefined)[][] = [['run', 'tool', 'status', 'false failovers (phase)', 'partition', 'detection s', 'writable s', 'done s', 'new master', 'lost', 'identical', 'note']];
  for (const r of rows) {
    t.push([r.run, r.tool, r.status, r.falseFailovers, r.partition, secs(r.detectionMs), secs(r.writableMs), secs(r.doneMs), r.newMaster, r.lost,
      r.identical === undefined ? undefined : r.identical ? 'yes' : 'no', r.note]);
  }
  return formatTable(t);
}

function summaryTable(all: RunResult[]): string {
  const t: (string | number | undefined)[][] = [['tool', 'ok runs', 'median detection s', 'median writable s', 'median done s', 'lost (max)', 'false failovers (total)']];
  for (const tool of ['mha', 'mhaflow'] as Tool[]) {
    const rs = all.filter((r) => r.tool === tool);
    if (!rs.length) continue;
    const ok = rs.filter((r) => r.status === 'ok');
    const med = (k: 'detectionMs' | 'writableMs' | 'doneMs') => secs(median(ok.filter((r) => r[k] !== undefined).map((r) => r[k]!)));
    const lost = rs.filter((r) => r.lost !== undefined).map((r) => r.lost!);
    t.push([tool, `${ok.length}/${rs.length}`, med('detectionMs'), med('writableMs'), med('doneMs'), lost.length ? Math.max(...lost) : undefined,
      rs.reduce((n, r) => n + (r.falseFailovers ?? 0), 0)]);
  }
  return formatTable(t);
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(labPaths().root, 'bench', `${stamp}-monitor`);
  mkdirSync(outDir, { recursive: true });
  const tools: Tool[] = opts.only ? [opts.only] : ['mha', 'mhaflow'];
  if (tools.includes('mha')) { ensureMhaInstalled(say); mkdirSync(mhaPaths().dir, { recursive: true }); }
  const side = tools.includes('mhaflow') ? await startMhaflow(outDir) : null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void side?.worker.kill(); process.exit(130); });
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= opts.runs; run++) {
      const order = run % 2 ? tools : [...tools].reverse();
      for (const tool of order) {
        let r: RunResult;
        try {
          r = await withLabLock(() => runOnce(tool, run, opts, outDir, side), { log: say });
        } catch (e) {
          r = { run, tool, status: 'failed', note: `harness error: ${(e as Error).message}` };
        }
        results.push(r);
        say(`   -> ${r.status}: detection ${secs(r.detectionMs) ?? '-'} s, writable ${secs(r.writableMs) ?? '-'} s, done ${secs(r.doneMs) ?? '-'} s, `
          + `lost ${r.lost ?? '-'}, false failovers ${r.falseFailovers ?? '-'}${r.note ? ` (${r.note})` : ''}`);
      }
    }
  } finally {
    await side?.worker.kill();
    await side?.connection.close();
    say('\n== leaving a fresh lab up (filepos)');
    await withLabLock(async () => { await labDown(); await labUp({ mode: 'filepos' }); }, { log: say }).catch((e) => say(`could not restore the lab: ${(e as Error).message}`));
  }
  process.stdout.write(`\nall runs (writer ${opts.rate} tx/s, ${opts.phaseSeconds} s stall-and-partition phase, then kill -9 of the master's mysqld)\n${runTable(results)}\n`);
  process.stdout.write(`\nmedians over ok runs (seconds from the kill)\n${summaryTable(results)}\n`);
  const jsonPath = opts.json ?? resolve(outDir, 'results.json');
  writeFileSync(jsonPath, `${JSON.stringify({ options: opts, results }, null, 2)}\n`);
  process.stdout.write(`\nlogs and results: ${outDir}\n`);
}

// Exits once the results are out: twice the process stayed alive after printing them (a handle from the harness,
// not found), and a script waiting for it hung.
main().then(() => process.exit(0), (e) => {
  process.stderr.write(`bench/monitor: ${(e as Error).message}\n`);
  process.exit(1);
});
