// The durability matrix (issue 6): the failover survives a crash of the manager at any point, exactly once.
//
//   MHAFLOW_LAB_DIR=/tmp/somelab npx tsx bench/durability-matrix.ts [--mode filepos|gtid|both] [--repeat N]
//                                    [--scenario basic|behind|both] [--boundaries all|none|LIST]
//                                    [--extras all|none|LIST] [--json FILE]
//
// Scenarios (lab/durability.ts): basic (the new master is a latest replica) and behind (the
// candidate_master db3 is behind: read_diff from the latest replica, or a GTID catch-up from it).
// Per scenario and mode: a baseline failover without a crash (its duration is what a crash adds to, and its finished
// steps are the boundaries), then one run per boundary: kill -9 the worker process as soon as the progress
// query (polled every 20 ms) shows that step done, start another worker, wait for the result. Extras:
// mid-apply-nm, mid-apply-replica (kill -9 while the target's binlog shows its diff being applied; GTID mode
// has no replica diff: during the replica's catch-up from the new master), the same +session (the apply's
// SQL session on the target killed too, so the retry resumes in the middle of the diff), temporal-restart (kill -9 and
// restart an own Temporal dev server on 127.0.0.1:7333 during a step), two-workers (kill the busy one).
// Every run: fresh lab, writer at ~200 tx/s, every replica's IO thread stopped ~1 s before the master's
// mysqld is killed; the data oracle on the survivors (every acknowledged id once, CHECKSUM TABLE identical).
// Prints the matrix; writes JSON to <lab dir>/matrix-<time>.json (or --json FILE).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../src/cli/table';
import type { LabMode } from '../lab/layout';
import { labPaths } from '../lab/layout';
import { caseName, runCase, type CaseResult, type DurabilityCase, type Scenario } from '../lab/durability';
import { ownTemporal, type OwnTemporal } from '../lab/temporal-server';

const EXTRAS = ['mid-apply-nm', 'mid-apply-nm+session', 'mid-apply-replica', 'mid-apply-replica+session', 'temporal-restart', 'two-workers'] as const;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

function extraCase(e: (typeof EXTRAS)[number]): DurabilityCase {
  switch (e) {
    case 'mid-apply-nm': return { kind: 'mid-apply', target: 'newMaster' };
    case 'mid-apply-replica': return { kind: 'mid-apply', target: 'replica' };
    case 'mid-apply-nm+session': return { kind: 'mid-apply', target: 'newMaster', session: true };
    case 'mid-apply-replica+session': return { kind: 'mid-apply', target: 'replica', session: true };
    case 'temporal-restart': return { kind: 'temporal-restart' };
    case 'two-workers': return { kind: 'two-workers' };
  }
}

async function main(): Promise<void> {
  if (!process.env.MHAFLOW_LAB_DIR) process.stderr.write('note: MHAFLOW_LAB_DIR is not set: using the default lab\n');
  const modeArg = arg('mode', 'both');
  const modes: LabMode[] = modeArg === 'both' ? ['filepos', 'gtid'] : [modeArg as LabMode];
  const repeat = Number(arg('repeat', '1'));
  const scenarioArg = arg('scenario', 'both');
  const scenarios: Scenario[] = scenarioArg === 'both' ? ['basic', 'behind'] : [scenarioArg as Scenario];
  const boundaries = arg('boundaries', 'all');
  const extrasArg = arg('extras', 'all');
  const extras = extrasArg === 'all' ? [...EXTRAS] : extrasArg === 'none' ? [] : extrasArg.split(',') as (typeof EXTRAS)[number][];
  const results: CaseResult[] = [];
  let temporal: OwnTemporal | undefined;
  const started = new Date();
  const out = arg('json', join(labPaths().root, `matrix-${started.toISOString().replace(/[:.]/g, '-')}.json`));
  const save = () => writeFileSync(out, JSON.stringify({ started: started.toISOString(), modes, repeat, results }, null, 2));
  try {
    for (let round = 1; round <= repeat; round++) {
      for (const scenario of scenarios) for (const mode of modes) {
        process.stderr.write(`== round ${round}/${repeat}, ${mode}, scenario ${scenario}\n`);
        const base = await runCase(mode, { kind: 'baseline' }, { scenario });
        results.push(base);
        save();
        const baselineMs = base.passed ? base.ms : undefined;
        const list = boundaries === 'all' ? base.steps : boundaries === 'none' ? [] : boundaries.split(',');
        for (const after of list) {
          results.push(await runCase(mode, { kind: 'boundary', after }, { baselineMs, scenario }));
          save();
        }
        for (const e of extras) {
          if (e === 'temporal-restart' && !temporal) {
            temporal = ownTemporal();
            await temporal.start();
          }
          results.push(await runCase(mode, extraCase(e), { baselineMs, temporal, scenario }));
          save();
        }
      }
    }
  } finally {
    await temporal?.stop();
    save();
  }
  const rows = results.map((r) => [r.mode, r.scenario, r.case, r.passed ? 'passed' : 'FAILED', String(r.ms), r.addedMs === undefined ? '' : `${r.addedMs >= 0 ? '+' : ''}${r.addedMs}`,
    r.faultAtMs === null ? '' : String(r.faultAtMs), (r.problems.length ? r.problems.join('; ') : r.note).slice(0, 110)]);
  process.stdout.write(`${formatTable([['mode', 'scenario', 'case', 'result', 'total ms', 'added ms', 'fault at ms', 'note'], ...rows])}\n`);
  const failed = results.filter((r) => !r.passed);
  process.stdout.write(`${results.length - failed.length}/${results.length} passed; JSON: ${out}\n`);
  void caseName;
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => { process.stderr.write(`${e instanceof Error ? e.stack : e}\n`); process.exit(2); });
