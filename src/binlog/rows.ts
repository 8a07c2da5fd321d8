// Row events, counted: how many rows a Write/Update/Delete_rows event holds, and whether its images carry
// every column (binlog_row_image=FULL: what a flashback needs to invert it). The values themselves are never
// decoded: each one's size follows from its column's type and the Table_map's metadata, which is all it
// takes to step from one row to the next. Works on whole events (header, body, checksum) as read from a file.
import { ChecksumAlg, CHECKSUM_LEN, EventType, HEADER_LEN, rowsEventKind, type RowsAction } from './constants';
import { Cursor } from './cursor';
import { postHeaderLength, type FormatDescription } from './events';

/** Column types as a Table_map writes them (MYSQL_TYPE_*; MariaDB's compressed columns included). */
export const ColumnType = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10,
  TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, TIMESTAMP2: 17, DATETIME2: 18, TIME2: 19,
  VARCHAR_COMPRESSED: 140, BLOB_COMPRESSED: 141, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249,
  MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

const C = ColumnType;

/** What a table's Table_map says of its columns: enough to size every value of a row image. */
export interface TableColumns {
  tableId: number;
  db: string;
  table: string;
  types: number[];
  /** Per column, its metadata (0 when the type has none); STRING keeps both bytes: (first << 8) | second. */
  meta: number[];
}

/** Metadata bytes per column type in a Table_map. */
function metaLength(type: number): number {
  switch (type) {
    case C.FLOAT: case C.DOUBLE: case C.BLOB: case C.TINY_BLOB: case C.MEDIUM_BLOB: case C.LONG_BLOB: case C.GEOMETRY: case C.JSON:
    case C.TIMESTAMP2: case C.DATETIME2: case C.TIME2: case C.BLOB_COMPRESSED:
      return 1;
    case C.VARCHAR: case C.VAR_STRING: case C.BIT: case C.NEWDECIMAL: case C.STRING: case C.ENUM: case C.SET: case C.VARCHAR_COMPRESSED: case C.DECIMAL:
      return 2;
    default:
      return 0;
  }
}

/** A length-encoded integer (the column count, the metadata length). */
function packedInt(c: Cursor): number {
  const first = c.u8();
  if (first < 0xfb) return first;
  if (first === 0xfc) return c.u16();
  if (first === 0xfd) return c.u16() + c.u8() * 0x10000;
  if (first === 0xfe) return c.u64n();
  throw new RangeError(`bad length-encoded integer 0x${first.toString(16)}`);
}

/** The event's body (after the common header), its checksum left out. */
function bodyOf(raw: Buffer, fde: FormatDescription): Buffer {
  return raw.subarray(HEADER_LEN, raw.length - (fde.checksumAlg === ChecksumAlg.CRC32 ? CHECKSUM_LEN : 0));
}

/** A whole Table_map event (header to checksum): the table and what sizes its columns. */
export function decodeTableMapColumns(raw: Buffer, fde: FormatDescription): TableColumns {
  const c = new Cursor(bodyOf(raw, fde));
  const tableId = postHeaderLength(fde, EventType.TABLE_MAP, 8) === 6 ? c.u32() : c.u48();
  c.skip(2);
  const db = c.str(c.u8());
  c.skip(1);
  const table = c.str(c.u8());
  c.skip(1);
  const n = packedInt(c);
  const types = [...c.bytes(n)];
  const metaEnd = packedInt(c) + c.off;
  const meta = types.map((t) => {
    const len = metaLength(t);
    if (len === 0) return 0;
    if (len === 1) return c.u8();
    const a = c.u8();
    const b = c.u8();
    // STRING (and ENUM/SET) keep the real type first: big-endian; the others are little-endian numbers.
    return t === C.STRING || t === C.ENUM || t === C.SET ? (a << 8) | b : a | (b << 8);
  });
  if (c.off !== metaEnd) throw new RangeError(`table map of ${db}.${table}: metadata is ${metaEnd - c.off} bytes off the column types`);
  return { tableId, db, table, types, meta };
}

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** Bytes of a DECIMAL(precision, scale) in its binary form. */
export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9]! + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9]!;
}

/** Read a value's length prefix (1 to 4 bytes): the bytes that follow it. */
const lengthPrefixed = (c: Cursor, prefix: number): number =>
  (prefix === 1 ? c.u8() : prefix === 2 ? c.u16() : prefix === 3 ? c.u16() + c.u8() * 0x10000 : c.u32());

/** Bytes of one non-NULL value of a column still to skip, the cursor at its start (a length prefix is read first). */
function valueSize(c: Cursor, type: number, meta: number): number {
  const at = c.off;
  const fsp = (m: number) => Math.floor((m + 1) / 2);
  switch (type) {
    case C.TINY: case C.YEAR: return 1;
    case C.SHORT: return 2;
    case C.INT24: case C.DATE: case C.NEWDATE: case C.TIME: return 3;
    case C.LONG: case C.TIMESTAMP: return 4;
    case C.LONGLONG: case C.DATETIME: return 8;
    case C.FLOAT: return meta || 4;
    case C.DOUBLE: return meta || 8;
    case C.NULL: return 0;
    case C.TIMESTAMP2: return 4 + fsp(meta);
    case C.DATETIME2: return 5 + fsp(meta);
    case C.TIME2: return 3 + fsp(meta);
    case C.NEWDECIMAL: return decimalBinarySize(meta & 0xff, meta >> 8);
    case C.BIT: return (meta >> 8) + ((meta & 0xff) > 0 ? 1 : 0);
    case C.VARCHAR: case C.VAR_STRING: case C.VARCHAR_COMPRESSED: return lengthPrefixed(c, meta > 255 ? 2 : 1);
    case C.BLOB: case C.TINY_BLOB: case C.MEDIUM_BLOB: case C.LONG_BLOB: case C.GEOMETRY: case C.JSON: case C.BLOB_COMPRESSED:
      return lengthPrefixed(c, meta);
    case C.ENUM: case C.SET: return meta & 0xff;
    case C.STRING: {
      const first = meta >> 8;
      const real = (first & 0x30) === 0x30 ? first : first | 0x30;
      if (real === C.ENUM || real === C.SET) return meta & 0xff;
      // CHAR: the declared byte length (its two high bits folded into the type byte) decides the prefix.
      const maxLen = (((first & 0x30) ^ 0x30) << 4) | (meta & 0xff);
      return lengthPrefixed(c, maxLen > 255 ? 2 : 1);
    }
    default:
      throw new RangeError(`column type ${type} at offset ${at} cannot be sized`);
  }
}

const bitSet = (bits: Buffer, i: number) => ((bits[i >> 3]! >> (i & 7)) & 1) === 1;

/** Step over one row image: its NULL bitmap over the present columns, then each non-NULL value. */
function skipImage(c: Cursor, t: TableColumns, present: Buffer): void {
  const cols = t.types.map((_, i) => i).filter((i) => bitSet(present, i));
  const nulls = c.bytes(Math.ceil(cols.length / 8));
  cols.forEach((col, k) => {
    if (bitSet(nulls, k)) return;
    c.skip(valueSize(c, t.types[col]!, t.meta[col]!));
  });
}

export interface RowsCount {
  action: RowsAction;
  tableId: number;
  /** Rows in the event; null when they cannot be counted here (a compressed event). */
  rows: number | null;
  /** Every column is in its images (binlog_row_image=FULL); null when unknown. */
  fullImage: boolean | null;
}

/** The table id of a whole rows event (to find its Table_map). */
export function rowsEventTableId(raw: Buffer, fde: FormatDescription): number {
  const c = new Cursor(bodyOf(raw, fde));
  return postHeaderLength(fde, raw[4]!, 8) === 6 ? c.u32() : c.u48();
}

/** Count the rows of a whole rows event (header to checksum) with its table's columns. */
export function countRows(raw: Buffer, fde: FormatDescription, table: TableColumns): RowsCount {
  const type = raw[4]!;
  const kind = rowsEventKind(type);
  if (!kind) throw new RangeError(`event type ${type} is not a rows event`);
  const c = new Cursor(bodyOf(raw, fde));
  const tableId = postHeaderLength(fde, type, 8) === 6 ? c.u32() : c.u48();
  c.skip(2);
  if (kind.version === 2) c.skip(c.u16() - 2);
  if (kind.compressed) return { action: kind.action, tableId, rows: null, fullImage: null };
  const n = packedInt(c);
  if (n !== table.types.length) throw new RangeError(`rows event for ${table.db}.${table.table} has ${n} columns, its table map ${table.types.length}`);
  const width = Math.ceil(n / 8);
  const before = c.bytes(width);
  const after = kind.action === 'update' ? c.bytes(width) : before;
  const all = (bits: Buffer) => table.types.every((_, i) => bitSet(bits, i));
  let rows = 0;
  while (c.remaining > 0) {
    skipImage(c, table, before);
    if (kind.action === 'update') skipImage(c, table, after);
    rows++;
  }
  return { action: kind.action, tableId, rows, fullImage: all(before) && all(after) };
}
