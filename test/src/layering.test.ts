// The product's code (src/) stands on its own: it imports nothing of the development lab, the benchmarks or
// the tests, and (once the Temporal contracts live in src/contracts) nothing of workflows/ or activities/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const OUTSIDE_SRC = ['lab', 'bench', 'test', 'workflows', 'activities'];
/** Imports of workflows/ and activities/ that predate src/contracts; each goes when its contract moves there. */
const NOT_YET = [
  'src/cli/check.ts -> activities/check',
  'src/cli/failover.ts -> workflows/failover',
  'src/cli/topology.ts -> activities/topology',
  'src/failover/start.ts -> workflows/failover',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** "file -> target" for every relative import, require or import() of a file under src/ that leaves src/. */
function importsLeavingSrc(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(ROOT, resolve(dirname(file), m[1]!));
      if (!target.startsWith('src/')) found.push(`${relative(ROOT, file)} -> ${target}`);
    }
  }
  return found;
}

describe('layering', () => {
  const leaving = importsLeavingSrc();

  it('src/ imports nothing of lab/, bench/, test/, workflows/ or activities/', () => {
    const wrong = leaving.filter((i) => OUTSIDE_SRC.includes(i.split(' -> ')[1]!.split('/')[0]!) && !NOT_YET.includes(i));
    assert.deepEqual(wrong, []);
  });

  it('each import still waiting for src/contracts is still there (remove it from NOT_YET once it is gone)', () => {
    assert.deepEqual(NOT_YET.filter((i) => !leaving.includes(i)), []);
  });
});
