// What each transaction of a binlog range holds, on real MariaDB binlogs: positions, GTIDs, commit times,
// rows per table and action, and what a flashback could not take back (statements, XA, partial images).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalFileSource, inventoryTransactions, type TransactionInventory } from '../../../src/binlog';
import { fixturePath } from '../../fixtures/binlog/fixtures';

const TYPES = join(__dirname, '..', '..', 'fixtures', 'binlog', 'rows', 'types-bin.000001');

async function inventory(path: string, opts: { from?: number; to?: number } = {}): Promise<TransactionInventory[]> {
  const out: TransactionInventory[] = [];
  const src = new LocalFileSource(path);
  try {
    for await (const t of inventoryTransactions(src, opts)) out.push(t);
  } finally {
    await src.close();
  }
  return out;
}

describe('transaction inventory', () => {
  test('types-bin.000001: rows per table and action; what a flashback cannot invert', async () => {
    const ts = await inventory(TYPES);
    assert.deepEqual(ts.map((t) => [t.gtid, t.startPos, t.endPos]), [
      ['0-14-18', 401, 2504], ['0-14-19', 2504, 5338], ['0-14-20', 5338, 5621], ['0-14-21', 5621, 5834], ['0-14-22', 5834, 6008], ['0-14-23', 6008, 6158],
    ]);
    assert.deepEqual(ts[1]!.rows, [
      { table: 'rx.types', action: 'update', rows: 2 }, { table: 'rx.types', action: 'delete', rows: 1 }, { table: 'rx.nopk', action: 'write', rows: 3 },
    ]);
    assert.deepEqual(ts.map((t) => Boolean(t.notRewindable)), [false, false, true, false, true, true]);
    assert.match(ts[2]!.notRewindable!, /without full row images \(rx\.types/);
    assert.match(ts[4]!.notRewindable!, /statement `UPDATE rx\.nopk SET b = 'q' WHERE a = 3` at 5876/);
    assert.match(ts[5]!.notRewindable!, /statement `ALTER TABLE rx\.nopk ADD COLUMN c INT` at 6050/);
    assert.ok(ts.every((t) => t.commitTime > 1_700_000_000 && !t.continuation));
  });

  test('a range that starts inside a transaction: its end comes first, marked as a continuation', async () => {
    const ts = await inventory(TYPES, { from: 443 });
    assert.equal(ts[0]!.continuation, true);
    assert.equal(ts[0]!.endPos, 2504);
    assert.deepEqual(ts.slice(1).map((t) => t.gtid), ['0-14-19', '0-14-20', '0-14-21', '0-14-22', '0-14-23']);
  });

  test('a range that ends inside a transaction: the unfinished one is not a transaction', async () => {
    const ts = await inventory(TYPES, { to: 5400 });
    assert.deepEqual(ts.map((t) => t.gtid), ['0-14-18', '0-14-19']);
  });

  test('statement-based transactions and XA in the fixture master\'s binlog', async () => {
    const ts = await inventory(fixturePath('master-bin.000003'));
    assert.ok(ts.slice(0, 20).every((t) => /statement-based logging/.test(t.notRewindable ?? '')), 'the STATEMENT-format inserts');
    const xa = ts.filter((t) => /XA/.test(t.notRewindable ?? ''));
    assert.deepEqual(xa.map((t) => t.gtid), ['0-91-81', '0-91-82'], 'XA PREPARE and XA COMMIT');
    assert.deepEqual(ts.filter((t) => t.gtid?.startsWith('1-')).map((t) => [t.gtid, t.rows, t.notRewindable]), [
      ['1-91-1', [{ table: 'fx.t', action: 'write', rows: 1 }], undefined], ['1-91-2', [{ table: 'fx.t', action: 'write', rows: 1 }], undefined],
    ]);
  });
});
