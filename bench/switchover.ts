// The switchover benchmark: MHA 0.58 (`masterha_master_switch --master_state=alive --orig_master_is_new_slave`, with an
// online-change script that sets read_only on the old master) and `mhaflow switchover`, on the same lab, in the same
// invocation, alternating, with a plain and with a SUPER writer. See bench/README.md.
//
//   npx tsx bench/switchover.ts [--runs 3] [--only mha|mhaflow] [--rate 200] [--mode filepos|gtid] [--after-seconds 2] [--json FILE]
//
// Each measurement: a fresh lab (the previous one may have diverged: MHA with a SUPER writer does), the writer at
// --rate tx/s (following whichever server is writable: it asks every server at once, 5 ms between attempts), 2 s of
// writes, then the tool's command
// db1 -> db2, --after-seconds more of writes, the writer stopped, the replicas converged, then:
//   command: the command's time (spawn to exit);
//   gap: the writer's view, from its last acknowledged write on the old master to its first on the new one;
//   old-master rows: acknowledged ids on the old master that the new master lacks (written there after its freeze);
//   oracle: every acknowledged id on all four servers once and the four identical (lab/oracle.ts).
// mhaflow runs with --lag-threshold 30 (its default is 1 s): a loaded lab's replicas lag a few seconds, and MHA goes on.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTable } from '../src/cli/table';
import type { ClusterConfig } from '../src/config/schema';
import { resetLab } from '../lab/lab';
import { labPaths, repoRoot, type LabMode } from '../lab/layout';
import { verifySurvivors } from '../lab/oracle';
import { waitConverged, writableServer } from '../lab/watch';
import { startWorkerProcess, type WorkerProcess } from '../lab/worker-process';
import { startWriter, type WriterAccount } from '../lab/writer';
import { queryRows, withConnection } from '../src/mysql/client';
import { tcpOpen } from '../lab/system';
import { temporalAddress } from '../src/temporal/config';
import { withLabLock } from './lock';
import { ensureMhaInstalled, mhaPaths, runMhaOnlineSwitch, writeMhaConf, writeMhaOnlineChangeScript } from './mha';

type Tool = 'mha' | 'mhaflow';
interface Options { runs: number; only?: Tool; rate: number; mode: LabMode; afterSeconds: number; json?: string }

interface Result {
  run: number;
  tool: Tool;
  account: WriterAccount;
  ok: boolean;
  note?: string;
  commandMs?: number;
  gapMs?: number;
  oldMasterRows?: number;
  acked?: number;
  oracle?: string;
  /** mhaflow's own account: writes stopped / new master writable, ms into the workflow. */
  frozenMs?: number | null;
  writableMs?: number | null;
}

const say = (m: string): void => { process.stderr.write(`${m}\n`); };
const MHAFLOW = resolve(repoRoot(), 'bin', 'mhaflow.js');
/** The replicas' lag mhaflow accepts here (--lag-threshold): a loaded lab lags a few seconds at 200 tx/s. */
const LAG_THRESHOLD_SECONDS = 30;

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, rate: 200, mode: 'filepos', afterSeconds: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => argv[++i] ?? (() => { throw new Error(`${a} needs a value`); })();
    if (a === '--runs') o.runs = Number(val());
    else if (a === '--only') o.only = val() as Tool;
    else if (a === '--rate') o.rate = Number(val());
    else if (a === '--mode') o.mode = val() as LabMode;
    else if (a === '--after-seconds') o.afterSeconds = Number(val());
    else if (a === '--json') o.json = val();
    else throw new Error(`unknown option ${a} (see the head of bench/switchover.ts)`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a whole number >= 1');
  if (o.only && o.only !== 'mha' && o.only !== 'mhaflow') throw new Error('--only must be mha or mhaflow');
  if (o.mode !== 'filepos' && o.mode !== 'gtid') throw new Error('--mode must be filepos or gtid');
  return o;
}

function runMhaflowSwitchover(configPath: string, newMaster: string, logFile: string): Promise<{ exitCode: number; ms: number; report?: Record<string, unknown> }> {
  return new Promise((resolvePromise, reject) => {
    // MHA's limit on Seconds_Behind_Master in an online switch is far above our 1 s default: the same for both tools here.
    const args = [MHAFLOW, 'switchover', '--config', configPath, '--new-master', newMaster, '--lag-threshold', String(LAG_THRESHOLD_SECONDS), '--json'];
    const t0 = Date.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Date.now() - t0;
      writeFileSync(logFile, `$ node ${args.join(' ')}\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n--- exit ${code} after ${ms} ms\n`);
      let report: Record<string, unknown> | undefined;
      try { report = JSON.parse(stdout); } catch { report = undefined; }
      resolvePromise({ exitCode: code ?? 1, ms, report });
    });
  });
}

/** Acknowledged ids on `server` that `other` lacks. */
async function idsOnlyOn(cfg: ClusterConfig, server: string, other: string): Promise<number> {
  const ids = (name: string) => withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => new Set((await queryRows(c, 'SELECT id FROM mhaflow_test.writes')).map((r) => Number(r.id))));
  const [a, b] = await Promise.all([ids(server), ids(other)]);
  return [...a].filter((id) => !b.has(id)).length;
}

async function measure(tool: Tool, account: WriterAccount, run: number, opts: Options, outDir: string): Promise<Result> {
  const base: Result = { run, tool, account, ok: false };
  const { cfg, configPath } = await resetLab(opts.mode);
  const [oldMaster, newMaster] = [cfg.servers[0]!, cfg.servers[1]!];
  const dir = resolve(outDir, `run${run}-${tool}-${account}`);
  mkdirSync(dir, { recursive: true });
  // The writer's acknowledgements, with the server that took each: the gap and where rows landed.
  const acks: { id: number; host: string; at: number }[] = [];
  const writer = startWriter(cfg, { account, rate: opts.rate, retryMs: 5, onAck: (id, host, at) => acks.push({ id, host, at }) });
  try {
    await writer.waitAcked(Math.round(opts.rate * 2), 30_000);
    let commandMs: number;
    let note: string | undefined;
    let self: Pick<Result, 'frozenMs' | 'writableMs'> = {};
    if (tool === 'mha') {
      const conf = writeMhaConf(cfg, { onlineChangeScript: writeMhaOnlineChangeScript() });
      const r = await runMhaOnlineSwitch({ conf, newMaster, logFile: resolve(dir, 'mha.log') });
      commandMs = r.elapsedMs;
      if (r.exitCode !== 0) note = `MHA exit ${r.exitCode}: ${r.errors.slice(-1)[0] ?? ''}`;
    } else {
      const r = await runMhaflowSwitchover(configPath, newMaster.name, resolve(dir, 'mhaflow.log'));
      commandMs = r.ms;
      if (r.exitCode !== 0) note = `mhaflow exit ${r.exitCode}`;
      const t = r.report?.timings as { frozenMs?: number; writableMs?: number } | undefined;
      self = { frozenMs: t?.frozenMs ?? null, writableMs: t?.writableMs ?? null };
    }
    await sleep(opts.afterSeconds * 1000);
    const summary = await writer.stop();
    // A refused or rolled-back switch leaves the old master the master: the oracle runs against whoever is.
    const master = await writableServer(cfg).catch(() => newMaster.name);
    const switched = master === newMaster.name;
    await waitConverged(cfg, master, 120_000).catch((e: Error) => { note = `${note ? `${note}; ` : ''}${e.message}`; });
    const lastOld = acks.filter((a) => a.host === oldMaster.host).at(-1);
    const firstNew = acks.find((a) => a.host === newMaster.host);
    const oracle = await verifySurvivors(cfg, cfg.servers.map((s) => s.name), writer.acked());
    const result: Result = {
      ...base, ...self, ok: !note && oracle.ok && switched, note, commandMs,
      gapMs: lastOld && firstNew ? Math.max(0, firstNew.at - lastOld.at) : undefined,
      oldMasterRows: switched ? await idsOnlyOn(cfg, oldMaster.name, newMaster.name) : undefined,
      acked: summary.acknowledged,
      oracle: oracle.ok ? `ok (${oracle.acknowledged} ids)` : `FAILED: ${oracle.problems.join('; ').slice(0, 200)}`,
    };
    writeFileSync(resolve(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await writer.stop();
  }
}

const median = (xs: (number | undefined | null)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2) : undefined;
};
const s = (ms: number | undefined | null) => (typeof ms === 'number' ? (ms / 1000).toFixed(3) : '-');

function table(rows: Result[]): string {
  return formatTable([
    ['run', 'tool', 'writer', 'command s', 'gap ms', 'old-master rows', 'acked', 'oracle', 'note'],
    ...rows.map((r) => [r.run, r.tool, r.account, s(r.commandMs), r.gapMs, r.oldMasterRows, r.acked, r.oracle, r.note]),
  ]);
}

function summary(rows: Result[]): string {
  const out: (string | number | undefined)[][] = [['tool', 'writer', 'runs', 'command s (median)', 'gap ms (median)', 'old-master rows (max)', 'oracle ok']];
  for (const tool of ['mha', 'mhaflow'] as Tool[]) {
    for (const account of ['app', 'appSuper'] as WriterAccount[]) {
      const rs = rows.filter((r) => r.tool === tool && r.account === account);
      if (!rs.length) continue;
      out.push([tool, account, rs.length, s(median(rs.map((r) => r.commandMs))), median(rs.map((r) => r.gapMs)),
        Math.max(...rs.map((r) => r.oldMasterRows ?? 0)), `${rs.filter((r) => r.oracle?.startsWith('ok')).length}/${rs.length}`]);
    }
  }
  return formatTable(out);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const outDir = resolve(labPaths().root, 'bench', `${new Date().toISOString().replace(/[:.]/g, '-')}-switchover`);
  mkdirSync(outDir, { recursive: true });
  const tools: Tool[] = opts.only ? [opts.only] : ['mha', 'mhaflow'];
  if (tools.includes('mha')) ensureMhaInstalled(say);
  let worker: WorkerProcess | undefined;
  if (tools.includes('mhaflow')) {
    // The worker and the commands share a task queue of their own; the worker serves the lab's cluster.yml.
    process.env.MHAFLOW_TASK_QUEUE ??= `mhaflow-bench-${process.pid}`;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void worker?.kill(); process.exit(130); });
    const [host, port] = temporalAddress().split(':') as [string, string];
    if (!(await tcpOpen(host, Number(port)))) {
      const up = spawnSync(process.execPath, [MHAFLOW, 'temporal', 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (up.status !== 0) throw new Error('`mhaflow temporal up` failed');
    }
    worker = await startWorkerProcess({ identity: `bench-switchover-${process.pid}`, log: resolve(outDir, 'worker.log'), configDir: labPaths().root });
  }
  const results: Result[] = [];
  try {
    for (let run = 1; run <= opts.runs; run++) {
      for (const account of ['app', 'appSuper'] as WriterAccount[]) {
        const order = (run + (account === 'app' ? 0 : 1)) % 2 ? tools : [...tools].reverse();
        for (const tool of order) {
          say(`== run ${run}: ${tool}, ${account} writer`);
          let r: Result;
          try {
            r = await withLabLock(() => measure(tool, account, run, opts, outDir), { log: say });
          } catch (e) {
            r = { run, tool, account, ok: false, note: `harness error: ${(e as Error).message}` };
          }
          results.push(r);
          say(`   command ${s(r.commandMs)} s, gap ${r.gapMs ?? '-'} ms, old-master rows ${r.oldMasterRows ?? '-'}, oracle ${r.oracle ?? '-'}${r.note ? ` (${r.note})` : ''}`);
        }
      }
    }
  } finally {
    await worker?.stop();
  }
  process.stdout.write(`\nall measurements (${opts.mode}, writer ${opts.rate} tx/s)\n${table(results)}\n\nmedians\n${summary(results)}\n`);
  const json = opts.json ?? resolve(outDir, 'results.json');
  writeFileSync(json, `${JSON.stringify({ opts, results }, null, 2)}\n`);
  process.stdout.write(`\nlogs and results: ${outDir}; MHA's files: ${mhaPaths().dir}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench/switchover: ${(e as Error).message}\n`);
  process.exit(1);
});
