// Determinism: the failover workflow replays the committed histories of real failovers on the lab
// (file/position and GTID). A code change that would take another path on replay fails here, in CI,
// instead of in the middle of a production failover. Regenerate with
//   MHAFLOW_SAVE_HISTORIES=test/fixtures/histories bash test/run.sh test/integration/failover*.test.ts
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

describe('failover workflow replay', () => {
  it('has committed histories of both replication modes', () => {
    assert.ok(files.some((f) => f.includes('fo-f-')), 'a file/position history');
    assert.ok(files.some((f) => f.includes('fo-g-')), 'a GTID history');
  });
  for (const f of files) {
    it(`replays ${f}`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, f), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, f);
    });
  }
});
