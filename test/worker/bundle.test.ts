// The workflow bundle the worker runs: no zod in it (each new workflow run evaluates every module it holds again)
// and an empty source map (the SDK maps the stack of every promise a workflow creates through it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleWorkflows, PREBUILT_WORKFLOW_BUNDLE, withoutSourceMap } from '../../worker/worker';

const ROOT = join(__dirname, '..', '..');
const { freshBundle } = require(join(ROOT, 'bin', 'fresh-bundle.js')) as { freshBundle: (root: string, name: string) => string | null };

describe('the workflow bundle', () => {
  it('holds no zod and carries an empty source map', async () => {
    const { code } = await bundleWorkflows();
    assert.equal(/node_modules\/zod\//.test(code), false, 'zod is in the workflow bundle: a workflow module imports src/config/schema.ts (use src/config/values.ts)');
    const at = code.lastIndexOf('//# sourceMappingURL=data:application/json;base64,');
    assert.ok(at > 0, 'the SDK needs an inline source map');
    const map = JSON.parse(Buffer.from(code.slice(at).split('base64,')[1]!.trim(), 'base64').toString());
    assert.deepEqual([map.sources, map.mappings], [[], '']);
  });

  it('is prebuilt at npm ci (dist/workflow-bundle.js): what the worker would build, used while none of its sources changed', async () => {
    const prebuilt = freshBundle(ROOT, PREBUILT_WORKFLOW_BUNDLE);
    assert.ok(prebuilt, 'dist/workflow-bundle.js is missing or stale: node scripts/build-cli.mjs builds it');
    assert.equal((await bundleWorkflows()).code, readFileSync(prebuilt, 'utf8'), 'the worker loads the prebuilt bundle');
    assert.equal((await bundleWorkflows({ prebuilt: false })).code, readFileSync(prebuilt, 'utf8'), 'the same code as a bundle built now');
    const { inputs } = JSON.parse(readFileSync(join(ROOT, 'dist', `${PREBUILT_WORKFLOW_BUNDLE}.json`), 'utf8')) as { inputs: string[] };
    for (const f of ['workflows/index.ts', 'workflows/failover.ts', 'workflows/switchover.ts', 'src/switchover/decisions.ts', 'worker/workflow-interceptors.ts']) {
      assert.ok(inputs.includes(f), `its manifest lists ${f}: a change there makes it stale`);
    }
  });

  it('replaces only the inline source map', () => {
    const map = Buffer.from(JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAA' })).toString('base64');
    const out = withoutSourceMap(`var a = 1;\n//# sourceMappingURL=data:application/json;base64,${map}`);
    assert.ok(out.startsWith('var a = 1;\n//# sourceMappingURL=data:application/json;base64,'));
    assert.equal(out.includes(map), false);
    assert.equal(withoutSourceMap('var b;'), 'var b;');
  });
});
