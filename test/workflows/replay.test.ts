// Determinism: the failover and switchover workflows replay the committed histories of real runs on the lab
// (fo-*: failovers, file/position and GTID; sw-*: switchovers, completed and rolled back). A code change that would
// take another path on replay fails here, in CI, instead of in the middle of a production failover or switchover.
// sw-*-regular: switchovers from before the freeze and the wait became local activities (workflows/switchover.ts
// FREEZE_WAIT_LOCAL): a run in flight across that upgrade goes on the way it started. sw-f-app, sw-g-app, sw-f-rollback:
// from before the promotion joined them (PROMOTE_LOCAL). sw-*-promote-*: the freeze, the wait and the promotion in one
// workflow task; *-promote-crash: its worker killed itself right after the promotion (test/integration/
// switchover-crash.test.ts), and the retried task took the wait's signalled result. sw-g-demote-beside: GTID mode, the
// old master following the new one beside the replicas (GTID_DEMOTE_BESIDE); the other sw-g-* from before, after them.
// Regenerate the failovers' with
//   MHAFLOW_SAVE_HISTORIES=test/fixtures/histories bash test/run.sh test/integration/failover*.test.ts
// and a switchover's with `temporal workflow show -w switchover:<cluster> -o json`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/worker';

const DIR = resolve(__dirname, '..', 'fixtures', 'histories');
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];
let bundle: WorkflowBundle;

before(async () => {
  try {
    Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  } catch { /* installed already */ }
  bundle = await bundleWorkflows();
});

describe('workflow replay', () => {
  it('has committed histories of both workflows, both replication modes, and switchovers from before local activities', () => {
    for (const prefix of ['fo-f-', 'fo-g-', 'sw-f-', 'sw-g-']) assert.ok(files.some((f) => f.startsWith(prefix)), `a ${prefix}* history`);
    assert.ok(files.some((f) => f.startsWith('sw-') && f.endsWith('-regular.json')), 'a switchover with regular activities only');
    assert.ok(files.some((f) => f.startsWith('sw-') && !f.endsWith('-regular.json')), 'a switchover with local activities');
  });
  for (const f of files) {
    it(`replays ${f}`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, f), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, f);
    });
  }
});
