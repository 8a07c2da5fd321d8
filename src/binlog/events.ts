// Event header and body decoders for the events a failover needs. Row images are never decoded: only
// what locates, delimits and identifies transactions (positions, GTIDs, BEGIN/COMMIT/XA, table ids).
import { ChecksumAlg, EventType, HEADER_LEN, MariaGtidFlag, rowsEventKind, type RowsAction } from './constants';
import { Cursor } from './cursor';

export interface EventHeader {
  /** Byte offset of the event in its file (what mysqlbinlog prints as "# at N"). */
  pos: number;
  timestamp: number;
  typeCode: number;
  serverId: number;
  /** Whole event, header and checksum included. */
  size: number;
  /** log_pos: the end of the event in the binlog that first wrote it (the master's, in a relay log). */
  endLogPos: number;
  flags: number;
}

export function parseHeader(buf: Buffer, pos: number): EventHeader {
  return {
    pos,
    timestamp: buf.readUInt32LE(0),
    typeCode: buf[4]!,
    serverId: buf.readUInt32LE(5),
    size: buf.readUInt32LE(9),
    endLogPos: buf.readUInt32LE(13),
    flags: buf.readUInt16LE(17),
  };
}

export type Flavor = 'mysql' | 'mariadb';

export interface FormatDescription {
  /** Position of this Format_description event in its file. */
  pos: number;
  serverId: number;
  binlogVersion: number;
  serverVersion: string;
  flavor: Flavor;
  createTimestamp: number;
  headerLength: number;
  /** Post-header length per event type: index = type code - 1. */
  postHeaderLengths: number[];
  /** 0 = none, 1 = CRC32 (applies to every event this FDE governs, itself included). */
  checksumAlg: number;
  /** The whole event as written: a diff file starts with magic + these bytes. */
  raw: Buffer;
}

/** Whether this server version writes the checksum-algorithm byte (MySQL 5.6.1+, MariaDB 5.3+). */
export function versionHasChecksumAlg(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const v = maj * 10000 + min * 100 + pat;
  return /mariadb/i.test(version) ? v >= 50300 : v >= 50601;
}

export function flavorOfVersion(version: string): Flavor {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

export class FdeError extends Error {}

/** Decode a Format_description event from its full bytes (header included). */
export function parseFormatDescription(raw: Buffer, header: EventHeader): FormatDescription {
  const c = new Cursor(raw, HEADER_LEN);
  const binlogVersion = c.u16();
  if (binlogVersion !== 4) throw new FdeError(`binlog format version ${binlogVersion} (only version 4, MySQL 5.0+ / MariaDB, is read)`);
  const serverVersion = c.bytes(50).toString('latin1').replace(/\0.*$/s, '');
  const createTimestamp = c.u32();
  const headerLength = c.u8();
  if (headerLength < HEADER_LEN) throw new FdeError(`common header length ${headerLength} < ${HEADER_LEN}`);
  const hasAlg = versionHasChecksumAlg(serverVersion);
  // With the algorithm byte, the event ends with alg(1) + checksum(4); the FDE always carries both.
  const tableEnd = raw.length - (hasAlg ? 5 : 0);
  if (tableEnd < c.off) throw new FdeError('Format_description event too short');
  const postHeaderLengths = [...raw.subarray(c.off, tableEnd)];
  let checksumAlg: number = ChecksumAlg.OFF;
  if (hasAlg) {
    checksumAlg = raw[tableEnd]!;
    if (checksumAlg === ChecksumAlg.UNDEF) checksumAlg = ChecksumAlg.OFF;
    if (checksumAlg !== ChecksumAlg.OFF && checksumAlg !== ChecksumAlg.CRC32) {
      throw new FdeError(`unknown binlog checksum algorithm ${checksumAlg}`);
    }
  }
  return {
    pos: header.pos, serverId: header.serverId, binlogVersion, serverVersion,
    flavor: flavorOfVersion(serverVersion), createTimestamp, headerLength, postHeaderLengths, checksumAlg,
    raw: Buffer.from(raw),
  };
}

export function postHeaderLength(fde: FormatDescription, typeCode: number, fallback: number): number {
  return fde.postHeaderLengths[typeCode - 1] ?? fallback;
}

// ---- bodies ----------------------------------------------------------------------------------------

export interface RotateBody { kind: 'rotate'; position: number; nextFile: string }
export interface QueryBody {
  kind: 'query';
  threadId: number;
  execTime: number;
  errorCode: number;
  db: string;
  /** The statement text, or its first bytes when sqlTruncated. */
  sql: string;
  sqlTruncated: boolean;
  /** Status variables we read: MariaDB Q_XID / MySQL Q_DDL_LOGGED_WITH_XID (a DDL's xid), flags2. */
  xid?: bigint;
  flags2?: number;
  /** Compressed query (MariaDB Query_compressed): the text is not readable. */
  compressed: boolean;
}
export interface XidBody { kind: 'xid'; xid: bigint }
export interface XaPrepareBody { kind: 'xa_prepare'; onePhase: boolean; formatId: number; gtrid: Buffer; bqual: Buffer }
export interface TableMapBody { kind: 'table_map'; tableId: number; db: string; table: string }
export interface RowsBody { kind: 'rows'; action: RowsAction; version: 1 | 2; compressed: boolean; tableId: number; flags: number }
export interface MysqlGtidBody {
  kind: 'mysql_gtid';
  anonymous: boolean;
  /** Canonical "uuid:gno"; undefined for anonymous transactions. */
  gtid?: string;
  uuid: string;
  gno: bigint;
  flags: number;
  lastCommitted?: bigint;
  sequenceNumber?: bigint;
}
export interface PreviousGtidsBody { kind: 'previous_gtids'; gtidSet: string }
export interface MariaGtidBody {
  kind: 'mariadb_gtid';
  /** "domain-server-seq". */
  gtid: string;
  domain: number;
  server: number;
  seq: bigint;
  flags: number;
  standalone: boolean;
  ddl: boolean;
  transactional: boolean;
  commitId?: bigint;
  /** XA PREPARE (prepared) or XA COMMIT/ROLLBACK of a prepared one (completed). */
  xa?: 'prepared' | 'completed';
}
export interface GtidListBody { kind: 'gtid_list'; gtids: { domain: number; server: number; seq: bigint }[]; flags: number }
export interface BinlogCheckpointBody { kind: 'binlog_checkpoint'; file: string }
export interface AnnotateRowsBody { kind: 'annotate_rows'; sql: string; sqlTruncated: boolean }
export interface HeartbeatBody { kind: 'heartbeat'; file: string }
export interface IncidentBody { kind: 'incident'; code: number; message: string }
export interface StopBody { kind: 'stop' }
export interface FormatDescriptionBody { kind: 'format_description'; fde: FormatDescription }

export type EventBody =
  | FormatDescriptionBody | RotateBody | QueryBody | XidBody | XaPrepareBody | TableMapBody | RowsBody
  | MysqlGtidBody | PreviousGtidsBody | MariaGtidBody | GtidListBody | BinlogCheckpointBody
  | AnnotateRowsBody | HeartbeatBody | IncidentBody | StopBody;

/** What to read of each body: whole, a prefix (statements), or nothing. */
export function bodyReadLimit(typeCode: number, sqlPrefix: number): number | 'all' | 0 {
  switch (typeCode) {
    case EventType.QUERY: case EventType.QUERY_COMPRESSED:
      // post-header + status vars (<= 64 KiB) + db + a prefix of the statement
      return 13 + 65535 + 256 + sqlPrefix;
    case EventType.ANNOTATE_ROWS: return sqlPrefix;
    case EventType.TABLE_MAP: return 8 + 2 * 257;
    case EventType.ROTATE: case EventType.XID: case EventType.XA_PREPARE: case EventType.GTID:
    case EventType.ANONYMOUS_GTID: case EventType.PREVIOUS_GTIDS: case EventType.MARIADB_GTID:
    case EventType.GTID_LIST: case EventType.BINLOG_CHECKPOINT: case EventType.HEARTBEAT:
    case EventType.INCIDENT: case EventType.STOP:
      return 'all';
    default:
      return rowsEventKind(typeCode) ? 10 : 0;
  }
}

export function isDecodable(typeCode: number): boolean {
  return typeCode === EventType.FORMAT_DESCRIPTION || bodyReadLimit(typeCode, 1) !== 0;
}

/**
 * Decode `data` (the body after the common header, checksum excluded; possibly only a prefix of it when
 * `truncated`) of an event. Returns undefined for types we keep opaque.
 */
export function decodeBody(h: EventHeader, data: Buffer, fde: FormatDescription, truncated: boolean): EventBody | undefined {
  const c = new Cursor(data);
  switch (h.typeCode) {
    case EventType.ROTATE: return decodeRotate(c, fde);
    case EventType.QUERY: case EventType.QUERY_COMPRESSED: return decodeQuery(c, fde, h.typeCode, truncated);
    case EventType.XID: return { kind: 'xid', xid: c.u64() };
    case EventType.XA_PREPARE: return decodeXaPrepare(c);
    case EventType.TABLE_MAP: return decodeTableMap(c, fde);
    case EventType.GTID: case EventType.ANONYMOUS_GTID: return decodeMysqlGtid(c, h.typeCode === EventType.ANONYMOUS_GTID);
    case EventType.PREVIOUS_GTIDS: return decodePreviousGtids(c);
    case EventType.MARIADB_GTID: return decodeMariaGtid(c, h.serverId);
    case EventType.GTID_LIST: return decodeGtidList(c);
    case EventType.BINLOG_CHECKPOINT: { const n = c.u32(); return { kind: 'binlog_checkpoint', file: c.str(n) }; }
    case EventType.ANNOTATE_ROWS: return { kind: 'annotate_rows', sql: c.rest().toString('utf8'), sqlTruncated: truncated };
    case EventType.HEARTBEAT: return { kind: 'heartbeat', file: c.rest().toString('utf8') };
    case EventType.INCIDENT: return decodeIncident(c);
    case EventType.STOP: return { kind: 'stop' };
    default: {
      const rk = rowsEventKind(h.typeCode);
      if (!rk) return undefined;
      const idLen = postHeaderLength(fde, h.typeCode, 8) === 6 ? 4 : 6;
      const tableId = idLen === 6 ? c.u48() : c.u32();
      return { kind: 'rows', ...rk, tableId, flags: c.u16() };
    }
  }
}

function decodeRotate(c: Cursor, fde: FormatDescription): RotateBody {
  const position = postHeaderLength(fde, EventType.ROTATE, 8) >= 8 ? c.u64n() : 4;
  return { kind: 'rotate', position, nextFile: c.rest().toString('utf8') };
}

const Q_FLAGS2_CODE = 0;
const Q_DDL_LOGGED_WITH_XID = 17; // MySQL 8
const Q_XID = 129; // MariaDB

function decodeQuery(c: Cursor, fde: FormatDescription, typeCode: number, truncated: boolean): QueryBody {
  const phl = postHeaderLength(fde, EventType.QUERY, 13);
  const start = c.off;
  const threadId = c.u32();
  const execTime = c.u32();
  const dbLen = c.u8();
  const errorCode = c.u16();
  const statusLen = phl >= 13 ? c.u16() : 0;
  c.off = start + phl;
  const status = readQueryStatus(c.bytes(statusLen));
  const db = c.str(dbLen);
  c.skip(1); // NUL after the db name
  const compressed = typeCode === EventType.QUERY_COMPRESSED;
  const sql = compressed ? '' : c.rest().toString('utf8');
  return { kind: 'query', threadId, execTime, errorCode, db, sql, sqlTruncated: truncated, compressed, ...status };
}

/**
 * Status variables, read until the first code we cannot size (their lengths are per-code, so an unknown
 * code ends the walk; what we need, flags2 and the xid, comes first in practice).
 */
function readQueryStatus(buf: Buffer): { xid?: bigint; flags2?: number } {
  const c = new Cursor(buf);
  const out: { xid?: bigint; flags2?: number } = {};
  try {
    while (c.remaining > 0) {
      const code = c.u8();
      const fixed = STATUS_FIXED_LEN[code];
      if (code === Q_FLAGS2_CODE) out.flags2 = c.u32();
      else if (code === Q_XID || code === Q_DDL_LOGGED_WITH_XID) out.xid = c.u64();
      else if (fixed !== undefined) c.skip(fixed);
      else if (code === 2) c.skip(c.u8() + 1); // Q_CATALOG_CODE: len, text, NUL
      else if (code === 5 || code === 6) c.skip(c.u8()); // time zone, catalog: len + text
      else if (code === 11) { c.skip(c.u8()); c.skip(c.u8()); } // Q_INVOKER: user, host
      else if (code === 12) skipUpdatedDbNames(c);
      else break;
    }
  } catch {
    // A malformed status block does not change where the event ends; keep what was read.
  }
  return out;
}

/** Status variable codes with a fixed length (MySQL 5.0-8.x and MariaDB). */
const STATUS_FIXED_LEN: Record<number, number> = {
  1: 8, 3: 4, 4: 6, 7: 2, 8: 2, 9: 8, 10: 4, 13: 3, 16: 1, 18: 2, 19: 1, 20: 1, 128: 3, 130: 1,
};

function skipUpdatedDbNames(c: Cursor): void {
  const n = c.u8();
  if (n === 254) return; // OVER_MAX_DBS_IN_EVENT_MTS: no names follow
  for (let i = 0; i < n; i++) c.cstr();
}

function decodeXaPrepare(c: Cursor): XaPrepareBody {
  const onePhase = c.u8() !== 0;
  const formatId = c.u32();
  const gl = c.u32();
  const bl = c.u32();
  return { kind: 'xa_prepare', onePhase, formatId, gtrid: Buffer.from(c.bytes(gl)), bqual: Buffer.from(c.bytes(bl)) };
}

function decodeTableMap(c: Cursor, fde: FormatDescription): TableMapBody {
  const tableId = postHeaderLength(fde, EventType.TABLE_MAP, 8) === 6 ? c.u32() : c.u48();
  c.skip(2); // flags
  const db = c.str(c.u8());
  c.skip(1);
  const table = c.str(c.u8());
  return { kind: 'table_map', tableId, db, table };
}

export function uuidFromBytes(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function decodeMysqlGtid(c: Cursor, anonymous: boolean): MysqlGtidBody {
  const flags = c.u8();
  const uuid = uuidFromBytes(c.bytes(16));
  const gno = c.u64();
  const body: MysqlGtidBody = { kind: 'mysql_gtid', anonymous, uuid, gno, flags };
  if (!anonymous) body.gtid = `${uuid}:${gno}`;
  // Logical clock (5.7+): type code 2, then last_committed and sequence_number.
  if (c.remaining >= 17 && c.buf[c.off] === 2) {
    c.skip(1);
    body.lastCommitted = c.u64();
    body.sequenceNumber = c.u64();
  }
  return body;
}

function decodePreviousGtids(c: Cursor): PreviousGtidsBody {
  const nSids = c.u64();
  // MySQL 8.4 tagged GTIDs use another encoding (format marker in the high byte): keep it opaque.
  if (nSids >> 56n !== 0n) return { kind: 'previous_gtids', gtidSet: '' };
  const parts: string[] = [];
  for (let i = 0n; i < nSids; i++) {
    const uuid = uuidFromBytes(c.bytes(16));
    const n = c.u64();
    if (n * 16n > BigInt(c.remaining)) c.skip(c.remaining + 1); // absurd count: overrun now, not after a long loop
    const ivs: string[] = [];
    for (let j = 0n; j < n; j++) {
      const start = c.u64();
      const end = c.u64() - 1n; // stored end is exclusive
      ivs.push(start === end ? `${start}` : `${start}-${end}`);
    }
    parts.push([uuid, ...ivs].join(':'));
  }
  return { kind: 'previous_gtids', gtidSet: parts.join(',') };
}

function decodeMariaGtid(c: Cursor, serverId: number): MariaGtidBody {
  const seq = c.u64();
  const domain = c.u32();
  const flags = c.u8();
  const body: MariaGtidBody = {
    kind: 'mariadb_gtid', gtid: `${domain}-${serverId}-${seq}`, domain, server: serverId, seq, flags,
    standalone: (flags & MariaGtidFlag.STANDALONE) !== 0,
    ddl: (flags & MariaGtidFlag.DDL) !== 0,
    transactional: (flags & MariaGtidFlag.TRANSACTIONAL) !== 0,
  };
  if (flags & MariaGtidFlag.GROUP_COMMIT_ID) body.commitId = c.u64();
  if (flags & MariaGtidFlag.PREPARED_XA) body.xa = 'prepared';
  else if (flags & MariaGtidFlag.COMPLETED_XA) body.xa = 'completed';
  return body;
}

function decodeGtidList(c: Cursor): GtidListBody {
  const word = c.u32();
  const count = word & 0x0fffffff;
  if (count * 16 > c.remaining) c.skip(c.remaining + 1); // absurd count: fail before allocating
  const gtids: GtidListBody['gtids'] = [];
  for (let i = 0; i < count; i++) gtids.push({ domain: c.u32(), server: c.u32(), seq: c.u64() });
  return { kind: 'gtid_list', gtids, flags: word >>> 28 };
}

function decodeIncident(c: Cursor): IncidentBody {
  const code = c.u16();
  const message = c.remaining > 0 ? c.str(c.u8()) : '';
  return { kind: 'incident', code, message };
}
