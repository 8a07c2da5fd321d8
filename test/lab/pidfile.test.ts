// A daemon's pid file, read once: a file the starting shell has only created is not a daemon that exited.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pidFileState } from '../../lab/system';

describe('pidFileState', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pidfile-'));
  const file = (name: string, text?: string) => { const f = join(dir, name); if (text !== undefined) writeFileSync(f, text); return f; };
  const cases: [string, string | undefined, ReturnType<typeof pidFileState>][] = [
    ['absent: not written yet', undefined, { written: false }],
    ['created, still empty (the shell between its open and its echo): not written yet', '', { written: false }],
    ['this process: written, alive', `${process.pid}\n`, { written: true, pid: process.pid, alive: true }],
    ['a pid that cannot exist: written, not alive', '4194305\n', { written: true, pid: 4194305, alive: false }],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(pidFileState(file(name.replace(/\W+/g, '-'), text)), want));
});
