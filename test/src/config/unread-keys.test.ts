// The config keys the schema accepts but no code reads yet (UNREAD_KEYS) are a list kept honest: each names
// a real schema key, and no code outside src/config reads it. When code starts reading one (the monitor,
// the switchover), this fails: delete the key from UNREAD_KEYS so the import stops calling it unread.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { clusterSchema, serverSchema, UNREAD_KEYS } from '../../../src/config/schema';

const ROOT = resolve(__dirname, '..', '..', '..');
/** The code that could read a config key: the product and the workflows' side, not the config itself nor the lab. */
const CODE_DIRS = ['src', 'workflows', 'activities', 'worker'];
const NOT_READERS = ['src/config/'];

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return codeFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** "monitor.pingInterval" -> a read such as cfg.monitor.pingInterval; "servers[].x" -> any read of .x. */
function readPattern(key: string): RegExp {
  const m = /^servers\[\]\.(\w+)$/.exec(key);
  if (m) return new RegExp(`\\??\\.${m[1]}\\b`);
  const [section, name] = key.split('.');
  return new RegExp(`\\b${section}\\??\\.${name}\\b`);
}

function schemaHas(key: string): boolean {
  const m = /^servers\[\]\.(\w+)$/.exec(key);
  if (m) return m[1]! in serverSchema.shape;
  const [section, name] = key.split('.') as [keyof typeof clusterSchema.shape, string];
  const s = clusterSchema.shape[section] as unknown as { unwrap?: () => z.ZodObject; shape?: Record<string, unknown> } | undefined;
  const obj = s?.unwrap ? s.unwrap() : s;
  return Boolean(obj?.shape && name in obj.shape);
}

describe('config keys parsed but not read yet (UNREAD_KEYS)', () => {
  const files = CODE_DIRS.flatMap((d) => codeFiles(join(ROOT, d)))
    .map((p) => ({ path: relative(ROOT, p), text: withoutComments(readFileSync(p, 'utf8')) }))
    .filter((f) => !NOT_READERS.some((d) => f.path.startsWith(d)));

  it('reads the code it should (the check is not vacuous)', () => {
    assert.ok(files.some((f) => f.path === 'workflows/failover.ts'));
    assert.ok(files.length > 50, `${files.length} files`);
    // The pattern finds a key that is read: maxDelayBytes is.
    assert.ok(files.some((f) => readPattern('failover.maxDelayBytes').test(f.text)));
  });

  for (const { key, why } of UNREAD_KEYS) {
    it(`${key}: a schema key, read by no code (${why.slice(0, 40)}...)`, () => {
      assert.ok(schemaHas(key), `${key} is not a key of the schema`);
      const readers = files.filter((f) => readPattern(key).test(f.text)).map((f) => f.path);
      assert.deepEqual(readers, [], `${key} is read now: remove it from UNREAD_KEYS in src/config/schema.ts`);
    });
  }
});
