// Diff files: a transaction split between two sources is joined, events outside transactions are left
// out, and the file is one mysqlbinlog reads (header normalised, CRC32 recomputed) and replays without a
// ROLLBACK inside a transaction. Writing it on the target: a temporary name renamed into place, mode 0600,
// its sha256 computed on the way; a retry writes the same bytes again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BinlogReader } from '../../../src/binlog/reader';
import { BufferSource, LocalFileSource } from '../../../src/binlog/source';
import { binlogTail } from '../../../src/binlog/tail';
import { iterateTransactions } from '../../../src/binlog/transactions';
import type { ClusterConfig } from '../../../src/config/schema';
import { buildDiff, countTransactions, filteredLayout } from '../../../src/failover/diff';
import { remoteFileDigest, writeRemoteFiles, type SshPool } from '../../../src/failover/remote';
import { binlogText, diffBytes as build, FIX, localSession, M4, M4_GTIDS, M4_SPLIT, replay, splitDiff, tempDir, tempFiles } from '../../support/local-remote-host';

const M3 = join(FIX, 'master-bin.000003'); // 27 transactions (0-91-59..83, 1-91-1..2), CRC32, a Binlog_checkpoint at 610

async function transactionsOf(diff: Buffer): Promise<{ gtids: string[]; complete: number }> {
  const reader = await BinlogReader.open(new BufferSource('diff', diff), { decode: 'boundaries', verify: 'all', layout: 'relay' });
  const gtids: string[] = [];
  let complete = 0;
  for await (const t of iterateTransactions(reader)) if (t.complete) { complete++; if (t.gtid) gtids.push(t.gtid); }
  return { gtids, complete };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('diff files', () => {
  it('a tail cut inside a transaction and its continuation join into the same diff as the whole tail', async () => {
    const whole = new LocalFileSource(M3);
    const a = new LocalFileSource(M3);
    const b = new LocalFileSource(M3);
    try {
      const wholePlan = await binlogTail(whole, 343);
      // 654: GTID 0-91-60; 728: inside it (after its Intvar).
      const head = await binlogTail(a, 343, { to: 728, keepIncompleteTail: true });
      const rest = await binlogTail(b, 728);
      assert.ok(head.incompleteTail && rest.startsMidTransaction);
      assert.equal(countTransactions([head, rest]), wholePlan.transactions);
      const joined = await build([{ source: a, plan: head, layout: 'binlog' }, { source: b, plan: rest, layout: 'binlog' }]);
      const single = await build([{ source: whole, plan: wholePlan, layout: 'binlog' }]);
      assert.ok(joined.equals(single), 'same bytes');
      const t = await transactionsOf(joined);
      assert.equal(t.complete, 27);
      assert.equal(t.gtids[0], '0-91-59');
      assert.equal(t.gtids[26], '0-91-83');
    } finally {
      await Promise.all([whole.close(), a.close(), b.close()]);
    }
  });

  it('leaves out events that belong to no transaction, and mysqlbinlog reads the result', async () => {
    const src = new LocalFileSource(M3);
    try {
      const plan = await binlogTail(src, 343);
      const diff = await build([{ source: src, plan, layout: 'binlog' }]);
      const file = join(tempDir(), 'diff.binlog');
      writeFileSync(file, diff);
      const text = execFileSync('mariadb-binlog', ['--verify-binlog-checksum', file], { encoding: 'utf8' });
      assert.equal((text.match(/GTID \d+-91-\d+/g) ?? []).length, 27);
      assert.doesNotMatch(text, /Binlog checkpoint|Gtid list/);
      // The header is a binlog's first event: end_log_pos 256 at 4.
      assert.match(text, /# at 4\n#\d+ +\d+:\d+:\d+ server id 91 +end_log_pos 256 /);
    } finally {
      await src.close();
    }
  });

  it('refuses to join parts whose events have different formats', async () => {
    const crc = new LocalFileSource(M3);
    const none = new LocalFileSource(join(FIX, 'master-bin.000005')); // written with binlog_checksum=NONE
    try {
      const p1 = await binlogTail(crc, 343);
      const p2 = await binlogTail(none, 4);
      await assert.rejects(filteredLayout([{ source: crc, plan: p1, layout: 'binlog' }, { source: none, plan: p2, layout: 'binlog' }]), /different event formats/);
    } finally {
      await Promise.all([crc.close(), none.close()]);
    }
  });
});

describe('a diff split between parts', () => {
  it('replays whole: no Format_description between the halves of a split transaction, so no ROLLBACK inside it', async () => {
    // M4's Format_description was written at server startup: at such an event mariadb-binlog prints a
    // ROLLBACK (and a server rolls back the open transaction). A diff that kept the second part's
    // Format_description would lose the first half of 0-91-88, the transaction split at M4_SPLIT.
    const diff = await splitDiff(M4, 4, M4_SPLIT);
    const file = join(tempDir(), 'diff.binlog');
    writeFileSync(file, diff);
    const r = replay(binlogText(file));
    assert.deepEqual(r.rolledBack, []);
    assert.deepEqual(r.committed, M4_GTIDS);
  });
});

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

  it('buildDiff writes <run dir>/diff-<target>.binlog; a retry writes the identical file over it', async () => {
    const workdir = tempDir();
    // The dead master's tail saved on the target (what saveDeadMasterBinlog writes): itself a diff.
    const tail = await splitDiff(M4, 4, M4_SPLIT);
    const saved = join(workdir, 'saved-tail.binlog');
    writeFileSync(saved, tail);
    const cfg = { cluster: 'c', servers: [{ name: 'db2', host: 'db2', port: 3306, remoteWorkdir: workdir }], workdirs: { remote: '/nowhere' } } as unknown as ClusterConfig;
    const session = localSession('db2');
    const pool = { get: async () => session } as unknown as SshPool;
    const build1 = () => buildDiff(pool, cfg, 'db2', 'run-1', [{ kind: 'savedTail', purpose: 'binlog_diff', path: saved, sha256: sha256(tail) }]);
    const first = await build1();
    const runDir = join(workdir, 'run-1');
    assert.equal(first.path, join(runDir, 'diff-db2.binlog'));
    const bytes = readFileSync(first.path);
    assert.deepEqual({ sha256: first.sha256, bytes: first.bytes }, { sha256: sha256(bytes), bytes: bytes.length });
    assert.ok(bytes.equals(tail), 'a diff cut from a diff is the same bytes');
    assert.deepEqual([first.transactions, first.firstGtid, first.lastGtid], [15, M4_GTIDS[0], M4_GTIDS[14]]);
    assert.equal(statSync(runDir).mode & 0o777, 0o700);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    const again = await build1();
    assert.equal(again.sha256, first.sha256);
    assert.deepEqual(tempFiles(runDir), []);
  });
});
