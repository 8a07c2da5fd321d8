// What each transaction of a binlog range holds: where it is, its GTID, when it committed, the rows it
// changed per table, and what in it is not row-based DML (a statement: DDL, or DML logged as SQL). That is
// what an operator must know of transactions only one server holds, and what decides whether a flashback
// (mariadb-binlog --flashback: row events inverted) can take them back.
import { EventType, rowsEventKind, type RowsAction } from './constants';
import type { FormatDescription } from './events';
import { BinlogReader, type BinlogEvent } from './reader';
import { countRows, decodeTableMapColumns, rowsEventTableId, type TableColumns } from './rows';
import { BlockCache, type ByteSource } from './source';
import { TransactionTracker, eventRole, writesGtidEvents } from './transactions';

export interface TableRows { table: string; action: RowsAction; rows: number | null }

export interface TransactionInventory {
  /** Group start (its Gtid or BEGIN event) and end (after its commit event) in the file. */
  startPos: number;
  endPos: number;
  gtid?: string;
  /** Seconds since the epoch of its last event (the commit). */
  commitTime: number;
  /** Rows per table and action (null: a compressed rows event, not counted). */
  rows: TableRows[];
  /** What a flashback cannot invert in it, described; absent when it is all row-based DML with full images. */
  notRewindable?: string;
  /** It began before the range (the range starts inside it): only its end is in the range. */
  continuation?: true;
}

/** Per-event facts kept while a group is open (the tracker says where groups end). */
interface Seen { pos: number; timestamp: number; rows?: TableRows & { fullImage: boolean | null }; statement?: string; xa?: string }

const STATEMENT_TYPES = new Set<number>([
  EventType.QUERY, EventType.QUERY_COMPRESSED, EventType.INTVAR, EventType.RAND, EventType.USER_VAR, EventType.BEGIN_LOAD_QUERY,
  EventType.EXECUTE_LOAD_QUERY, EventType.XA_PREPARE, EventType.LOAD, EventType.NEW_LOAD, EventType.CREATE_FILE, EventType.APPEND_BLOCK,
]);

function describeStatement(ev: BinlogEvent): string {
  const b = ev.body;
  if (b?.kind === 'query') return `${b.compressed ? 'a compressed statement' : `statement \`${b.sql.replace(/\s+/g, ' ').slice(0, 120)}\``}${b.db ? ` in ${b.db}` : ''}`;
  if (ev.typeCode === EventType.XA_PREPARE) return 'XA PREPARE';
  return `${ev.type} event (statement-based logging)`;
}

function merge(seen: Seen[]): Pick<TransactionInventory, 'rows' | 'notRewindable'> {
  const rows: TableRows[] = [];
  const why: string[] = [];
  for (const s of seen) {
    if (s.statement) why.push(`${s.statement} at ${s.pos}`);
    if (s.xa) why.push(`${s.xa} at ${s.pos}`);
    if (!s.rows) continue;
    if (s.rows.rows === null) why.push(`compressed rows event at ${s.pos} (${s.rows.table})`);
    else if (s.rows.fullImage === false) why.push(`rows event at ${s.pos} without full row images (${s.rows.table}: binlog_row_image is not FULL)`);
    const same = rows.find((r) => r.table === s.rows!.table && r.action === s.rows!.action);
    if (!same) rows.push({ table: s.rows.table, action: s.rows.action, rows: s.rows.rows });
    else same.rows = same.rows === null || s.rows.rows === null ? null : same.rows + s.rows.rows;
  }
  return { rows, ...(why.length ? { notRewindable: why.join('; ') } : {}) };
}

/**
 * The complete transactions of [from, to) in one binlog (groups left unfinished, at a crash, are not
 * transactions). `from` must be a group start; the Table_map and rows events are read whole to count rows.
 */
export async function* inventoryTransactions(source: ByteSource, opts: { from?: number; to?: number } = {}): AsyncGenerator<TransactionInventory> {
  const reader = await BinlogReader.open(source, { decode: 'boundaries', verify: 'all', layout: 'binlog' });
  let fde: FormatDescription = opts.from && opts.from > 4 ? await reader.governingFde(opts.from) : reader.fde;
  const tracker = new TransactionTracker(opts.from ?? 4, writesGtidEvents(fde));
  const tables = new Map<number, TableColumns>();
  const raw = new BlockCache(source);
  let seen: Seen[] = [];
  for await (const ev of reader.events({ from: opts.from, to: opts.to, fde })) {
    if (ev.body?.kind === 'format_description') {
      fde = ev.body.fde;
      tracker.setExpectGtids(writesGtidEvents(fde));
    }
    const s: Seen = { pos: ev.pos, timestamp: ev.timestamp };
    if (ev.typeCode === EventType.TABLE_MAP) {
      const t = decodeTableMapColumns(await raw.read(ev.pos, ev.size), fde);
      tables.set(t.tableId, t);
    } else if (rowsEventKind(ev.typeCode)) {
      const bytes = await raw.read(ev.pos, ev.size);
      const t = tables.get(rowsEventTableId(bytes, fde));
      const c = t ? countRows(bytes, fde, t) : null;
      s.rows = { table: t ? `${t.db}.${t.table}` : '(no table map)', action: rowsEventKind(ev.typeCode)!.action, rows: c?.rows ?? null, fullImage: c?.fullImage ?? null };
    } else if (STATEMENT_TYPES.has(ev.typeCode)) {
      const role = eventRole(ev);
      if (role !== 'begin' && role !== 'end') s.statement = describeStatement(ev);
      // An XA transaction's PREPARE and COMMIT are groups of their own: a flashback cannot take one back.
      else if (ev.typeCode === EventType.XA_PREPARE || (ev.body?.kind === 'query' && /^\s*XA\b/i.test(ev.body.sql))) s.xa = describeStatement(ev);
    }
    seen.push(s);
    for (const t of tracker.push(ev)) {
      const mine = seen.filter((x) => x.pos >= t.startPos && x.pos < t.endPos);
      seen = seen.filter((x) => x.pos >= t.endPos);
      if (!t.complete) continue;
      yield {
        startPos: t.startPos, endPos: t.endPos, ...(t.gtid ? { gtid: t.gtid } : {}), commitTime: mine[mine.length - 1]?.timestamp ?? t.timestamp,
        ...merge(mine), ...(t.kind === 'continuation' ? { continuation: true as const } : {}),
      };
    }
    // Events outside any group (Rotate, Gtid_list...) are of no transaction.
    if (!tracker.openGroup) seen = seen.filter((x) => x.pos > ev.pos);
  }
}
