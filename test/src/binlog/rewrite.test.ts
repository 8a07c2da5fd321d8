// One diff from several tails (src/binlog/rewrite): a transaction split between two sources is joined,
// events outside transactions are left out, and the file is one mysqlbinlog reads (header normalised,
// CRC32 recomputed) and replays without a ROLLBACK inside a transaction.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BinlogReader } from '../../../src/binlog/reader';
import { filteredLayout, reoriginedChunks, summarizeTails } from '../../../src/binlog/rewrite';
import { BufferSource, LocalFileSource } from '../../../src/binlog/source';
import { binlogTail } from '../../../src/binlog/tail';
import { iterateTransactions } from '../../../src/binlog/transactions';
import { binlogText, diffBytes as build, FIX, M4, M4_GTIDS, M4_SPLIT, replay, splitDiff, tempDir } from '../../support/local-remote-host';

const M3 = join(FIX, 'master-bin.000003'); // 27 transactions (0-91-59..83, 1-91-1..2), CRC32, a Binlog_checkpoint at 610

async function transactionsOf(diff: Buffer): Promise<{ gtids: string[]; complete: number }> {
  const reader = await BinlogReader.open(new BufferSource('diff', diff), { decode: 'boundaries', verify: 'all', layout: 'relay' });
  const gtids: string[] = [];
  let complete = 0;
  for await (const t of iterateTransactions(reader)) if (t.complete) { complete++; if (t.gtid) gtids.push(t.gtid); }
  return { gtids, complete };
}

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
      assert.equal(summarizeTails([head, rest]).transactions, wholePlan.transactions);
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

describe('a diff with another origin', () => {
  it('every event carries the new server id, every Gtid event the new domain; checksums hold; same sequence numbers', async () => {
    const src = new LocalFileSource(M3);
    try {
      const plan = await binlogTail(src, 343);
      const parts = [{ source: src, plan, layout: 'binlog' as const }];
      const layout = await filteredLayout(parts);
      const chunks: Buffer[] = [];
      for await (const c of reoriginedChunks(layout, [src], { serverId: 12, domain: 1000 })) chunks.push(c);
      const diff = Buffer.concat(chunks);
      assert.equal(diff.length, layout.size, 'same size as the diff itself');
      const t = await transactionsOf(diff); // verify: 'all' checks every CRC32
      assert.equal(t.complete, 27);
      assert.deepEqual(t.gtids.slice(0, 2), ['1000-12-59', '1000-12-60']);
      assert.ok(t.gtids.includes('1000-12-1') && t.gtids.includes('1000-12-83'), 'both domains of the source now one: 1-91-1 and 0-91-83 kept their seq');
      const reader = await BinlogReader.open(new BufferSource('diff', diff), { decode: 'none', verify: 'all', layout: 'relay' });
      for await (const ev of reader.events()) if (ev.pos > 4 + layout.header.length - 4) assert.equal(ev.serverId, 12, `event at ${ev.pos}`);
    } finally {
      await src.close();
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
