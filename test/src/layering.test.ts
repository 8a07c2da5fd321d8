// The product's code (src/) stands on its own: it imports nothing of the development lab, the benchmarks, the
// tests, the worker, the workflows or the activities (their contracts are in src/contracts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const OUTSIDE_SRC = ['lab', 'bench', 'test', 'workflows', 'activities', 'worker'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** "file -> target" for every relative import, require or import() in `text` (of `file`) that leaves src/. */
function importsLeavingSrcOf(text: string, file: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]!));
    if (!target.startsWith('src/')) found.push(`${file} -> ${target}`);
  }
  return found;
}

function importsLeavingSrc(): string[] {
  return sourceFiles(join(ROOT, 'src')).flatMap((f) => importsLeavingSrcOf(readFileSync(f, 'utf8'), relative(ROOT, f)));
}

describe('layering', () => {
  const leaving = importsLeavingSrc();

  it('src/ imports nothing of lab/, bench/, test/, worker/, workflows/ or activities/', () => {
    assert.deepEqual(leaving.filter((i) => OUTSIDE_SRC.includes(i.split(' -> ')[1]!.split('/')[0]!)), []);
  });

  it('sees the imports that leave src/ (the check is not vacuous)', () => {
    assert.ok(leaving.length === 0 || leaving.every((i) => / -> /.test(i)));
    assert.ok(importsLeavingSrcOf("import { x } from '../../worker/main';", 'src/cli/x.ts').length === 1);
  });
});
