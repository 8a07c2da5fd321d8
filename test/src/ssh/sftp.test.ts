// Writing a file on a host over SFTP (src/ssh/sftp): a temporary name renamed into place, mode 0600, its
// sha256 computed on the way; a failed write leaves the file at the path as it was.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { remoteFileDigest, writeRemoteFiles } from '../../../src/ssh/sftp';
import { localSession, sha256, tempDir, tempFiles } from '../../support/local-remote-host';

describe('writing a file on the target', () => {
  it('streams it under a temporary name, then renames: the path never holds a partial file; sha256, size, mode 0600', async () => {
    const dir = tempDir();
    const s = localSession('db2');
    const path = join(dir, 'diff-db2.binlog');
    const copy = join(dir, 'copy.binlog');
    writeFileSync(path, 'an earlier attempt');
    // Large enough to wait for the write to drain: the temporary files exist by the second chunk.
    const parts = [Buffer.alloc(300_000, 1), Buffer.alloc(5, 2)];
    async function* chunks(): AsyncGenerator<Buffer> {
      yield parts[0]!;
      assert.equal(readFileSync(path, 'utf8'), 'an earlier attempt', 'mid-write, the earlier file is still whole at the path');
      assert.throws(() => statSync(copy), /ENOENT/);
      assert.equal(tempFiles(dir).length, 2);
      yield parts[1]!;
    }
    const all = Buffer.concat(parts);
    const written = await writeRemoteFiles([{ session: s, path }, { session: s, path: copy }], chunks());
    assert.deepEqual(written, [path, copy].map((p) => ({ path: p, sha256: sha256(all), bytes: all.length })));
    for (const p of [path, copy]) {
      assert.ok(readFileSync(p).equals(all));
      assert.equal(statSync(p).mode & 0o777, 0o600);
    }
    assert.deepEqual(tempFiles(dir), []);
    assert.deepEqual(await remoteFileDigest(s, path), { sha256: sha256(all), bytes: all.length });
    assert.equal(await remoteFileDigest(s, join(dir, 'missing')), null);
  });

  it('a write that fails midway leaves the file at the path as it was', async () => {
    const dir = tempDir();
    const path = join(dir, 'tail.binlog');
    writeFileSync(path, 'whole');
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(300_000);
      throw new Error('the source host went away');
    }
    await assert.rejects(writeRemoteFiles([{ session: localSession('db2'), path }], failing()), /source host went away/);
    assert.equal(readFileSync(path, 'utf8'), 'whole');
    assert.deepEqual(readdirSync(dir), ['tail.binlog'], 'no temporary file left behind');
  });
});
