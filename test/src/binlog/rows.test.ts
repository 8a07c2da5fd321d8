// Counting the rows of rows events, cross-checked with mariadb-binlog's own "# Number of rows" on every
// fixture: the MariaDB 10.11 set, and types-bin.000001 (a table with a column of nearly every type, NULLs,
// a table without a primary key, binlog_row_image=MINIMAL events, a statement-based update and a DDL).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BinlogReader, EventType, LocalFileSource, rowsEventKind, STMT_END_F, type FormatDescription } from '../../../src/binlog';
import { countRows, decimalBinarySize, decodeTableMapColumns, rowsEventTableId, type RowsCount, type TableColumns } from '../../../src/binlog/rows';
import { allFixtureFiles, fixturePath, haveMariadbBinlog } from '../../fixtures/binlog/fixtures';

const TYPES = join(__dirname, '..', '..', 'fixtures', 'binlog', 'rows', 'types-bin.000001');

/** Every rows event of a file with its count (our decoding), in file order. */
type Counted = RowsCount & { table: string; endLogPos: number; statementEnd: boolean };

async function countsOf(path: string): Promise<Counted[]> {
  const src = new LocalFileSource(path);
  try {
    const r = await BinlogReader.open(src, { decode: 'boundaries', verify: 'all' });
    let fde: FormatDescription = r.fde;
    const tables = new Map<number, TableColumns>();
    const out: Counted[] = [];
    for await (const ev of r.events()) {
      if (ev.body?.kind === 'format_description') fde = ev.body.fde;
      if (ev.typeCode !== EventType.TABLE_MAP && !rowsEventKind(ev.typeCode)) continue;
      const raw = await src.read(ev.pos, ev.size);
      if (ev.typeCode === EventType.TABLE_MAP) {
        const t = decodeTableMapColumns(raw, fde);
        tables.set(t.tableId, t);
        continue;
      }
      const t = tables.get(rowsEventTableId(raw, fde));
      assert.ok(t, `a table map precedes the rows event at ${ev.pos}`);
      const statementEnd = ev.body?.kind === 'rows' && (ev.body.flags & STMT_END_F) !== 0;
      out.push({ ...countRows(raw, fde, t), table: `${t.db}.${t.table}`, endLogPos: ev.endLogPos, statementEnd });
    }
    return out;
  } finally {
    await src.close();
  }
}

/** mariadb-binlog's row count per statement (its rows events printed together), keyed by the last one's end_log_pos. */
function oracleCounts(path: string): Map<number, number> {
  const text = execFileSync('mariadb-binlog', ['-v', '--base64-output=decode-rows', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const out = new Map<number, number>();
  let lastRowsEnd: number | null = null;
  for (const line of text.split('\n')) {
    const h = /end_log_pos (\d+).*\t(Write|Update|Delete)_rows/.exec(line);
    if (h) lastRowsEnd = Number(h[1]);
    const n = /^# Number of rows: (\d+)/.exec(line);
    if (n && lastRowsEnd !== null) out.set(lastRowsEnd, Number(n[1]));
  }
  return out;
}

describe('rows events counted', () => {
  test('every type of types-bin.000001 is sized: counts, tables and image completeness', async () => {
    const counts = await countsOf(TYPES);
    assert.deepEqual(counts.map((c) => [c.table, c.action, c.rows, c.fullImage]), [
      ['rx.types', 'write', 3, true],
      ['rx.types', 'update', 2, true],
      ['rx.types', 'delete', 1, true],
      ['rx.nopk', 'write', 3, true],
      ['rx.types', 'update', 1, false], // binlog_row_image=MINIMAL: the before image is the primary key only
      ['rx.nopk', 'delete', 1, true], // no primary key: MINIMAL logs every column
    ]);
  });

  test('DECIMAL sizes', () => {
    assert.equal(decimalBinarySize(10, 2), 5);
    assert.equal(decimalBinarySize(30, 12), 14);
    assert.equal(decimalBinarySize(65, 30), 30);
  });

  const files = [TYPES, ...allFixtureFiles.filter((f) => f.startsWith('master-bin')).map(fixturePath)];
  for (const path of files) {
    test(`as mariadb-binlog counts them: ${path.split('/').pop()}`, { skip: haveMariadbBinlog() ? false : 'mariadb-binlog missing' }, async () => {
      const oracle = oracleCounts(path);
      const statements: { endLogPos: number; rows: number }[] = [];
      let rows = 0;
      for (const c of await countsOf(path)) {
        rows += c.rows!;
        if (c.statementEnd) { statements.push({ endLogPos: c.endLogPos, rows }); rows = 0; }
      }
      assert.equal(statements.length, oracle.size, 'one count per statement');
      for (const s of statements) assert.equal(s.rows, oracle.get(s.endLogPos), `statement ending at ${s.endLogPos}`);
    });
  }
});
