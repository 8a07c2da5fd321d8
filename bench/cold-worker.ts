// A fresh worker's failover against a warm worker's, with the lab in the same state. See bench/README.md.
//
//   npx tsx bench/cold-worker.ts [--pairs 8] [--scenario binlog-tail|kill-mysqld|replicas-differ] [--runs 3]
//
// Each pair is two invocations of bench/failover.ts --only mhaflow, one right after the other: one starts a new worker
// before every run (--fresh-worker-each-run: every run a worker's first failover), the other keeps its worker (from run 2
// on, a worker that has failed over before). Run N of one is set against run N of the other: same scenario, same place
// in the sequence (a lab's later runs were slower than its first, so run 1 against runs 2+ of one invocation mixes that
// in), minutes apart. Run 1 is fresh in both: their difference shows what the pairing alone leaves.
// The machine's speed varies from run to run by more than the difference sought (±0.25 s on a 2-core lab, every step of a
// run together): hence medians of many pairs, and a bootstrap interval of that median.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from '../src/cli/table';
import { labPaths, repoRoot } from '../lab/layout';
import { median } from './measure';

interface Options { pairs: number; scenario: string; runs: number }

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: { pairs: { type: 'string' }, scenario: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (v.help) {
    process.stdout.write('npx tsx bench/cold-worker.ts [--pairs 8] [--scenario binlog-tail|kill-mysqld|replicas-differ] [--runs 3]\n');
    process.exit(0);
  }
  const o: Options = { pairs: Number(v.pairs ?? 8), scenario: v.scenario ?? 'binlog-tail', runs: Number(v.runs ?? 3) };
  if (!Number.isInteger(o.pairs) || o.pairs < 1) throw new Error('--pairs must be a whole number >= 1');
  if (!Number.isInteger(o.runs) || o.runs < 2) throw new Error('--runs must be a whole number >= 2 (run 1 is fresh in both arms)');
  return o;
}

interface Run { run: number; status: string; writableMs?: number; commandMs?: number; steps?: { id: string; ms: number }[] }
type Arm = 'fresh' | 'warm';
type Metric = 'writable' | 'done' | 'check step';

const METRICS: Record<Metric, (r: Run) => number | undefined> = {
  writable: (r) => r.writableMs,
  done: (r) => r.commandMs,
  'check step': (r) => r.steps?.find((s) => s.id === 'check')?.ms,
};

/** One invocation of bench/failover.ts; its runs by number (ok ones only). */
function invoke(arm: Arm, o: Options, outDir: string, pair: number): Map<number, Run> {
  const json = resolve(outDir, `pair${pair}-${arm}.json`);
  const args = ['--import', 'tsx', resolve(repoRoot(), 'bench/failover.ts'), '--only', 'mhaflow', '--runs', String(o.runs),
    '--scenario', o.scenario, '--json', json, ...(arm === 'fresh' ? ['--fresh-worker-each-run'] : [])];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`bench/failover.ts (${arm}, pair ${pair}) exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const results = (JSON.parse(readFileSync(json, 'utf8')) as { results: (Run & { tool: string })[] }).results;
  return new Map(results.filter((x) => x.tool === 'mhaflow' && x.status === 'ok').map((x) => [x.run, x]));
}

/** A deterministic generator (mulberry32): the same data prints the same interval. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The 95% percentile bootstrap interval of the median of xs. */
export function bootstrapMedianInterval(xs: number[], rounds = 5000, seed = 1): [number, number] {
  const rand = seeded(seed);
  const medians = Array.from({ length: rounds }, () => median(xs.map(() => xs[Math.floor(rand() * xs.length)]!))!).sort((a, b) => a - b);
  return [medians[Math.floor(rounds * 0.025)]!, medians[Math.floor(rounds * 0.975)]!];
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${Math.round(ms)}`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(labPaths().root, 'bench', `${stamp}-cold-worker-${o.scenario}`);
  mkdirSync(outDir, { recursive: true });
  const pairs: Record<Arm, Map<number, Run>>[] = [];
  for (let p = 1; p <= o.pairs; p++) {
    // The arm that goes first alternates, so neither always runs on a machine the other warmed.
    const order: Arm[] = p % 2 ? ['fresh', 'warm'] : ['warm', 'fresh'];
    const got = {} as Record<Arm, Map<number, Run>>;
    for (const arm of order) {
      process.stdout.write(`pair ${p}/${o.pairs}: ${arm} worker (${o.runs} runs of ${o.scenario})\n`);
      got[arm] = invoke(arm, o, outDir, p);
    }
    pairs.push(got);
  }
  const table: (string | number)[][] = [['runs', 'metric', 'pairs', 'fresh median ms', 'warm median ms', 'fresh - warm: median ms', 'mean ms', '95% interval of the median', 'fresh slower in']];
  for (const [label, runs] of [['1 (fresh in both)', [1]], [`2-${o.runs} (fresh against warm)`, Array.from({ length: o.runs - 1 }, (_, i) => i + 2)]] as const) {
    for (const [metric, of] of Object.entries(METRICS) as [Metric, (r: Run) => number | undefined][]) {
      const fresh: number[] = [];
      const warm: number[] = [];
      for (const pair of pairs) {
        for (const n of runs) {
          const f = pair.fresh.get(n);
          const w = pair.warm.get(n);
          const fv = f && of(f);
          const wv = w && of(w);
          if (fv !== undefined && wv !== undefined) { fresh.push(fv); warm.push(wv); }
        }
      }
      if (!fresh.length) continue;
      const diffs = fresh.map((f, i) => f - warm[i]!);
      const [lo, hi] = bootstrapMedianInterval(diffs);
      table.push([label, metric, diffs.length, Math.round(median(fresh)!), Math.round(median(warm)!), signed(median(diffs)!),
        signed(diffs.reduce((a, b) => a + b, 0) / diffs.length), `${signed(lo)} .. ${signed(hi)}`, `${diffs.filter((d) => d > 0).length}/${diffs.length}`]);
    }
  }
  process.stdout.write(`\n${o.scenario}: a fresh worker's failover against a warm worker's, run N against run N of the pair's other invocation\n${formatTable(table)}\n`);
  process.stdout.write(`\nresults: ${outDir}\n`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench/cold-worker: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
