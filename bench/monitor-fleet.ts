// The many-clusters measurement of the monitor (issue 13): one worker process watching N clusters, each a config
// of its own (fleet-001...) pointing at the lab's four servers. See bench/README.md.
//
//   npx tsx bench/monitor-fleet.ts [--clusters 100] [--seconds 300] [--warmup 60] [--json FILE]
//
// The monitors start paused (maintenance: they ping and read every server as usual but never fail over), the lab
// is never faulted. After the warm-up, over --seconds: the worker's CPU (its whole process tree, /proc/<pid>/stat)
// and memory (VmRSS, VmHWM), the Temporal server's and the lab's mariadbds' CPU, and the history events each
// monitor added (across continue-as-new). Then the monitors are stopped, the worker too, the configs removed.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { testConfig } from '../lab/harness';
import { labUp } from '../lab/lab';
import { labHosts, labPaths } from '../lab/layout';
import { mysqldPid, rootSql } from '../lab/mariadb';
import { procStat, sh, waitFor } from '../lab/system';
import { startWorkerProcess } from '../lab/worker-process';
import { formatTable } from '../src/cli/table';
import { loadClusterConfig } from '../src/config/load';
import { MONITOR_STATUS_QUERY, monitorWorkflowId, type MonitorStatus } from '../src/contracts/monitor';
import { monitorStatus, startMonitor, stopMonitor, type MonitorView } from '../src/monitor/control';
import { temporalAddress, temporalNamespace } from '../src/temporal/config';
import { withLabLock } from './lock';
import { median } from './measure';

interface Options { clusters: number; seconds: number; warmup: number; json?: string }

const say = (m: string): void => { process.stderr.write(`${m}\n`); };

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: { clusters: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (v.help) {
    process.stdout.write('npx tsx bench/monitor-fleet.ts [--clusters 100] [--seconds 300] [--warmup 60] [--json FILE]\n');
    process.exit(0);
  }
  const o: Options = { clusters: Number(v.clusters ?? 100), seconds: Number(v.seconds ?? 300), warmup: Number(v.warmup ?? 60), ...(v.json ? { json: v.json } : {}) };
  if (!Number.isInteger(o.clusters) || o.clusters < 1 || o.clusters > 999) throw new Error('--clusters must be a whole number from 1 to 999');
  if (!(o.seconds >= 10)) throw new Error('--seconds must be at least 10');
  if (!(o.warmup >= 0)) throw new Error('--warmup must be >= 0');
  return o;
}

// ---------------------------------------------------------------------------------------------- /proc

const CLK_TCK = Number(sh('getconf', ['CLK_TCK']).stdout.trim()) || 100;

/** A process's parent and its CPU seconds (utime + stime, plus cutime + cstime: its children that exited). */
function procCpu(pid: number): { ppid: number; cpu: number } | null {
  const f = procStat(pid);
  return f ? { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK } : null;
}

/** CPU seconds of a process and every live descendant (descendants that exited are in their parents' cutime). */
function treeCpuSeconds(root: number): number {
  const all = new Map<number, { ppid: number; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const p = procCpu(Number(d));
    if (p) all.set(Number(d), p);
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    total += all.get(pid)?.cpu ?? 0;
    for (const [child, p] of all) if (p.ppid === pid) todo.push(child);
  }
  return total;
}

/** VmRSS and VmHWM (peak RSS) in MB. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The process listening on the Temporal frontend's port (its dev server), when it runs on this machine. */
function temporalServerPid(): number | null {
  const port = temporalAddress().split(':').pop();
  const out = sh('ss', ['-Hltnp', `sport = :${port}`], { allowFail: true }).stdout;
  const pid = /pid=(\d+)/.exec(out)?.[1];
  return pid ? Number(pid) : null;
}

// ---------------------------------------------------------------------------------------------- the monitors

/** How long the idle worker is measured before the monitors start. */
const IDLE_SECONDS = 20;

const clusterName = (i: number) => `fleet-${String(i).padStart(3, '0')}`;

/** One monitor at one moment: the status query, the watch's last heartbeat, and the run and attempt of the watch. */
interface Snapshot { at: number; view: MonitorView; runId: string; watchAttempt: number | null }

async function snapshot(client: Client, cluster: string): Promise<Snapshot> {
  const at = Date.now();
  const view = await monitorStatus(client, cluster);
  const d = await client.workflow.getHandle(monitorWorkflowId(cluster)).describe();
  const watch = (d.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'monitorWatch');
  return { at, view, runId: d.runId, watchAttempt: watch?.attempt ?? null };
}

/**
 * History events a monitor added between two snapshots. Continue-as-new starts a new run under the same id
 * (status.generation counts them): then the first run's events after `a`, every run in between, and the last run's.
 */
async function eventsAdded(client: Client, cluster: string, a: Snapshot, b: Snapshot): Promise<number> {
  if (a.runId === b.runId) return b.view.historyLength - a.view.historyLength;
  let n = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId = '${monitorWorkflowId(cluster)}'` })) {
    if (w.runId === a.runId) n += w.historyLength - a.view.historyLength;
    else if (w.runId === b.runId) n += b.view.historyLength;
    else if (w.startTime.getTime() > a.at && w.startTime.getTime() < b.at) n += w.historyLength;
  }
  return n;
}

/** Run fn over items, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...await Promise.all(items.slice(i, i + width).map(fn)));
  return out;
}

// ---------------------------------------------------------------------------------------------- one measurement

interface Health {
  /** Monitors not in state watching, or not watching db1, at the end. */
  notWatching: string[];
  /** Automatic failovers the monitors ever recorded (must be 0). */
  failovers: number;
  /** Events the monitors recorded in the window (suspect, verdicts, warnings...: 0 when all is quiet), by kind. */
  events: Record<string, number>;
  /** Watches on a second or later attempt at the end (a heartbeat missed: the worker too slow, or died). */
  watchRestarts: number;
  /** At the end: the oldest last ping the watches' heartbeats show, the slowest, and the failed ones. */
  maxPingAgeS: number;
  maxPingMs: number;
  failedPings: number;
}

interface Result {
  clusters: number;
  windowS: number;
  workerCpuS: number;
  workerCpuPct: number;
  cpuSPerClusterHour: number;
  clustersPerCore: number;
  rssMb: { start: number; end: number; peak: number };
  /** The worker before the monitors started: its CPU (% of a core) and RSS. */
  idle: { cpuPct: number; rssMb: number };
  historyPerClusterHour: { median: number; max: number; total: number };
  continueAsNew: number;
  temporalCpuPct: number | null;
  mariadbCpuPct: number;
  health: Health;
  logDir: string;
}

async function measure(opts: Options, outDir: string): Promise<Result> {
  await labUp({ log: say });
  const lab = loadClusterConfig(labPaths().clusterConfig);
  // Each monitor keeps two connections to the master (ping, reads) and one to each replica: N clusters need about 2N.
  const hosts = labHosts();
  const maxConnections = await Promise.all(hosts.map(async (h) => Number((await rootSql(h, 'SELECT @@max_connections')).trim())));
  const wanted = 2 * opts.clusters + 50;
  await Promise.all(hosts.map((h, i) => (maxConnections[i]! < wanted ? rootSql(h, `SET GLOBAL max_connections = ${wanted}`) : null)));
  const configDir = mkdtempSync(join(tmpdir(), 'mhaflow-fleet-'));
  process.env.MHAFLOW_CONFIG_DIR = configDir; // where testConfig registers the clusters
  const clusters = Array.from({ length: opts.clusters }, (_, i) => clusterName(i + 1));
  const taskQueue = `mhaflow-bench-fleet-${process.pid}`;
  try {
    for (const c of clusters) testConfig(lab, c);
    say(`starting a worker (task queue ${taskQueue}) for ${opts.clusters} clusters`);
    const worker = await startWorkerProcess({ identity: `bench-fleet-${process.pid}`, log: resolve(outDir, 'worker.log'), configDir, taskQueue, sharedBundle: true });
    const onSignal = () => { void worker.kill(); rmSync(configDir, { recursive: true, force: true }); process.exit(130); };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const connection = await Connection.connect({ address: temporalAddress() });
    const client = new Client({ connection, namespace: temporalNamespace() });
    try {
      // The idle worker (no monitor yet): its own cost, after its start-up has settled.
      await sleep(10_000);
      const idleCpu0 = treeCpuSeconds(worker.pid);
      await sleep(IDLE_SECONDS * 1000);
      const idle = { cpuPct: (100 * (treeCpuSeconds(worker.pid) - idleCpu0)) / IDLE_SECONDS, rssMb: memoryMb(worker.pid).rss };
      // Paused: every ping and read as usual, never a failover.
      await inBatches(clusters, 10, (cluster) => startMonitor(client, { cluster, paused: { reason: 'fleet benchmark: watch only' } }, { taskQueue }));
      await waitFor(`all ${opts.clusters} monitors watching db1`, async () => {
        const states = await inBatches(clusters, 20, (c) => client.workflow.getHandle(monitorWorkflowId(c)).query<MonitorStatus>(MONITOR_STATUS_QUERY).catch(() => null));
        return states.every((s) => s?.state === 'watching' && s.master === 'db1');
      }, 300_000, 2000);
      say(`${opts.clusters} monitors watch db1; warm-up ${opts.warmup} s`);
      await sleep(opts.warmup * 1000);
      return { ...await measureWindow(opts, client, clusters, worker.pid), idle, logDir: outDir };
    } finally {
      say('stopping the monitors and the worker');
      await inBatches(clusters, 20, (c) => stopMonitor(client, c, 15_000).catch((e: Error) => say(`  ${c}: ${e.message}`)));
      await connection.close();
      await worker.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    rmSync(configDir, { recursive: true, force: true });
    await Promise.all(hosts.map((h, i) => rootSql(h, `SET GLOBAL max_connections = ${maxConnections[i]}`, { allowFail: true })));
  }
}

/** The window: snapshots of every monitor just before and just after it (their queries are outside it), CPU and memory at its ends. */
async function measureWindow(opts: Options, client: Client, clusters: string[], workerPid: number): Promise<Omit<Result, 'idle' | 'logDir'>> {
  const before = await inBatches(clusters, 20, (c) => snapshot(client, c));
  const temporalPid = temporalServerPid();
  const dbPids = labHosts().map(mysqldPid).filter((p): p is number => p !== null);
  const cpu = () => ({ worker: treeCpuSeconds(workerPid), temporal: temporalPid ? treeCpuSeconds(temporalPid) : 0, db: dbPids.reduce((s, p) => s + treeCpuSeconds(p), 0) });
  const t0 = Date.now();
  const cpu0 = cpu();
  const mem0 = memoryMb(workerPid);
  say(`measuring for ${opts.seconds} s`);
  await sleep(opts.seconds * 1000);
  const cpu1 = cpu();
  const mem1 = memoryMb(workerPid);
  const windowS = (Date.now() - t0) / 1000;
  const after = await inBatches(clusters, 20, (c) => snapshot(client, c));

  const perHour = (n: number) => (n * 3600) / windowS;
  const added = await inBatches([...clusters.keys()], 10, (i) => eventsAdded(client, clusters[i]!, before[i]!, after[i]!));
  const health: Health = { notWatching: [], failovers: 0, events: {}, watchRestarts: 0, maxPingAgeS: 0, maxPingMs: 0, failedPings: 0 };
  after.forEach((s, i) => {
    const st = s.view.status;
    if (st?.state !== 'watching' || st.master !== 'db1') health.notWatching.push(`${clusters[i]}: ${st?.state ?? s.view.execution}`);
    health.failovers += st?.failovers.length ?? 0;
    for (const e of st?.events ?? []) if (Date.parse(e.at) >= t0) health.events[e.kind] = (health.events[e.kind] ?? 0) + 1;
    if ((s.watchAttempt ?? 1) > 1) health.watchRestarts++;
    const ping = s.view.watch?.lastPing;
    if (ping) {
      health.maxPingAgeS = Math.max(health.maxPingAgeS, (s.at - Date.parse(ping.at)) / 1000);
      health.maxPingMs = Math.max(health.maxPingMs, ping.ms);
      if (!ping.ok) health.failedPings++;
    }
  });
  const workerCpuS = cpu1.worker - cpu0.worker;
  const cpuSPerClusterHour = perHour(workerCpuS) / clusters.length;
  return {
    clusters: clusters.length, windowS, workerCpuS, workerCpuPct: (100 * workerCpuS) / windowS, cpuSPerClusterHour, clustersPerCore: 3600 / cpuSPerClusterHour,
    rssMb: { start: mem0.rss, end: mem1.rss, peak: mem1.peak },
    historyPerClusterHour: { median: perHour(median(added) ?? 0), max: perHour(Math.max(...added)), total: added.reduce((a, b) => a + b, 0) },
    continueAsNew: after.reduce((n, s, i) => n + ((s.view.status?.generation ?? 0) - (before[i]!.view.status?.generation ?? 0)), 0),
    temporalCpuPct: temporalPid ? (100 * (cpu1.temporal - cpu0.temporal)) / windowS : null,
    mariadbCpuPct: (100 * (cpu1.db - cpu0.db)) / windowS,
    health,
  };
}

// ---------------------------------------------------------------------------------------------- report

const f = (x: number | null, digits = 1) => (x === null ? undefined : x.toFixed(digits));

function resultTable(r: Result): string {
  return formatTable([
    ['clusters', 'window s', 'worker CPU s', 'CPU % of a core', 'CPU-s per cluster-hour', 'clusters per core', 'RSS MB start/end/peak', 'MB per cluster',
      'history events per cluster-hour median/max', 'Temporal server CPU %', 'lab mariadbd CPU %'],
    [r.clusters, f(r.windowS, 0), f(r.workerCpuS, 2), f(r.workerCpuPct), f(r.cpuSPerClusterHour, 2), f(r.clustersPerCore, 0),
      `${f(r.rssMb.start, 0)}/${f(r.rssMb.end, 0)}/${f(r.rssMb.peak, 0)}`, f((r.rssMb.end - r.idle.rssMb) / r.clusters, 2),
      `${f(r.historyPerClusterHour.median)}/${f(r.historyPerClusterHour.max)}`, f(r.temporalCpuPct), f(r.mariadbCpuPct)],
  ]);
}

function healthTable(h: Health): string {
  const events = Object.entries(h.events).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return formatTable([
    ['not watching db1', 'failovers', 'monitor events in window', 'watch restarts', 'last ping: max age s / max ms / failed'],
    [h.notWatching.length ? h.notWatching.join(' ') : 0, h.failovers, events, h.watchRestarts, `${f(h.maxPingAgeS)} / ${h.maxPingMs} / ${h.failedPings}`],
  ]);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(labPaths().root, 'bench', `${stamp}-fleet`);
  mkdirSync(outDir, { recursive: true });
  const r = await withLabLock(() => measure(opts, outDir), { log: say });
  process.stdout.write(`\none worker monitoring ${r.clusters} clusters (paused: watch only) on the lab's 4 servers; ${f(r.windowS, 0)} s after a ${opts.warmup} s warm-up\n`);
  process.stdout.write(`${resultTable(r)}\n`);
  process.stdout.write(`\nhealth (must be: 0 not watching, 0 failovers, no suspect/verdict events, 0 watch restarts)\n${healthTable(r.health)}\n`);
  process.stdout.write(`\nthe idle worker before the monitors: CPU ${f(r.idle.cpuPct)} % of a core, RSS ${f(r.idle.rssMb, 0)} MB; history events in the window ${r.historyPerClusterHour.total} in all, ${r.continueAsNew} continue-as-new\n`);
  const json = `${JSON.stringify({ options: opts, result: r }, null, 2)}\n`;
  writeFileSync(resolve(outDir, 'results.json'), json);
  if (opts.json) writeFileSync(opts.json, json);
  process.stdout.write(`logs and results: ${outDir}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench/monitor-fleet: ${(e as Error).message}\n`);
  process.exit(1);
});
