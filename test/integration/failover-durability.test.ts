// Durability of the failover (issue 6), a representative subset of bench/durability-matrix.ts: kill -9 of
// the worker at activity boundaries (file/position and GTID) and of the busy one of two workers; each run
// passes the data oracle (every acknowledged id once on every survivor, survivors identical) and every
// diff is applied exactly once. The full matrix (every boundary, mid-apply, Temporal server restart):
// npx tsx bench/durability-matrix.ts
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabMode } from '../../lab/layout';
import { caseName, runCase, type DurabilityCase } from '../../lab/durability';

const CASES: [LabMode, DurabilityCase][] = [
  // The worker dies as the diffs start being generated, with the drains in flight (several activities at once).
  ['filepos', { kind: 'boundary', after: 'save-binlog' }],
  // ... just after the new master became writable, as the replicas are repointed (their diffs are applied by then or being applied).
  ['filepos', { kind: 'boundary', after: 'promote' }],
  // GTID: as the new master's diff (the dead master's tail) is about to be applied.
  ['gtid', { kind: 'boundary', after: 'diff-NM' }],
  ['filepos', { kind: 'two-workers' }],
  // The worker and its SQL session on the target die mid-replay: the retry resumes in the middle of the diff.
  ['filepos', { kind: 'mid-apply', target: 'newMaster', session: true }],
];

describe('failover durability: kill -9 of the manager mid-failover', () => {
  for (const [mode, c] of CASES) {
    it(`${mode}: ${caseName(c)}`, async () => {
      const r = await runCase(mode, c);
      assert.notEqual(r.faultAtMs, null, `the fault was injected (${r.note})`);
      assert.ok(r.passed, r.problems.join('; '));
    });
  }
});
