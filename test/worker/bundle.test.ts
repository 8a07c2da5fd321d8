// The workflow bundle the worker runs: no zod in it (each new workflow run evaluates every module it holds again)
// and an empty source map (the SDK maps the stack of every promise a workflow creates through it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleWorkflows, withoutSourceMap } from '../../worker/worker';

describe('the workflow bundle', () => {
  it('holds no zod and carries an empty source map', async () => {
    const { code } = await bundleWorkflows();
    assert.equal(/node_modules\/zod\//.test(code), false, 'zod is in the workflow bundle: a workflow module imports src/config/schema.ts (use src/config/values.ts)');
    const at = code.lastIndexOf('//# sourceMappingURL=data:application/json;base64,');
    assert.ok(at > 0, 'the SDK needs an inline source map');
    const map = JSON.parse(Buffer.from(code.slice(at).split('base64,')[1]!.trim(), 'base64').toString());
    assert.deepEqual([map.sources, map.mappings], [[], '']);
  });

  it('replaces only the inline source map', () => {
    const map = Buffer.from(JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAA' })).toString('base64');
    const out = withoutSourceMap(`var a = 1;\n//# sourceMappingURL=data:application/json;base64,${map}`);
    assert.ok(out.startsWith('var a = 1;\n//# sourceMappingURL=data:application/json;base64,'));
    assert.equal(out.includes(map), false);
    assert.equal(withoutSourceMap('var b;'), 'var b;');
  });
});
