// The streaming binlog/relay-log reader. It hops from header to header through a large read-ahead window,
// reads only the bodies it must decode (and, for checksum verification, streams events larger than the
// window through CRC32 piece by piece), so memory stays bounded by the window whatever the event sizes.
//
// Speed: parsing is synchronous while the next event lies inside the window; only a window refill awaits.
// scan() visits events with one reused object (no allocation per event): header-only scans run at
// several hundred MB/s. events() yields a fresh object per event for callers that keep them.
import { crc32 } from 'node:zlib';
import {
  BINLOG_MAGIC, CHECKSUM_LEN, ChecksumAlg, EventType, FIRST_EVENT_POS, HEADER_LEN, LOG_EVENT_BINLOG_IN_USE_F,
  LOG_EVENT_RELAY_LOG_F, eventTypeName, rowsEventKind,
} from './constants';
import { BodyOverrun } from './cursor';
import { BinlogReadError } from './errors';
import { FdeError, bodyReadLimit, decodeBody, parseFormatDescription, type EventBody, type EventHeader, type FormatDescription } from './events';
import type { ByteSource } from './source';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** MySQL/MariaDB cap events at max_allowed_packet (1 GiB) plus headers. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024 * 1024 + 64 * 1024;
/** Offset of the 2-byte flags in the common header. */
const FLAGS_OFFSET = 17;

export interface BinlogEvent extends EventHeader {
  /** SHOW BINLOG EVENTS name of the type. */
  readonly type: string;
  /** Where the next event starts in this file (pos + size). */
  nextPos: number;
  body?: EventBody;
}

/**
 * 'binlog': every end_log_pos must equal pos + size (a strong corruption check).
 * 'relay': end_log_pos are the master's coordinates and are not checked. Detected from the first
 * Format_description's LOG_EVENT_RELAY_LOG_F flag unless given.
 */
export type Layout = 'binlog' | 'relay';

export type DecodeMode =
  /** Every body we know. */
  | 'all'
  /** Only what transaction boundaries and relay lookups need. */
  | 'boundaries'
  /** Headers only (Format_description is always decoded: it governs the rest). */
  | 'none';

export interface ReaderOptions {
  /** Read-ahead window; header-only scans approach disk speed with 1-4 MiB. */
  chunkSize?: number;
  /** 'all': CRC32 of every event (when the file has checksums); 'decoded': only decoded events. */
  verify?: 'all' | 'decoded' | 'none';
  /** A mode, or exactly these event type codes. */
  decode?: DecodeMode | readonly number[];
  /** Default: from the first Format_description's relay-log flag. */
  layout?: Layout | 'auto';
  maxEventSize?: number;
  /** Bytes of statement text kept from Query/Annotate_rows events. */
  sqlPrefix?: number;
}

export interface EventsOptions {
  /** First event to return (must be an event start). Default: the first event after the magic. */
  from?: number;
  /** Stop before this position (default: end of file). */
  to?: number;
  /**
   * The Format_description governing `from` (checksum algorithm, post-header lengths). Default: the last one
   * among the events at the head of the file before `from` (what mysqlbinlog does).
   */
  fde?: FormatDescription;
}

export interface ScanResult {
  /** Where scanning stopped: the end of the last visited event (or `from`). */
  endPos: number;
  /** The visitor returned false. */
  stopped: boolean;
  /** The Format_description in force at endPos. */
  fde: FormatDescription;
}

const BOUNDARY_TYPES = [
  EventType.ROTATE, EventType.QUERY, EventType.QUERY_COMPRESSED, EventType.XID, EventType.XA_PREPARE,
  EventType.GTID, EventType.ANONYMOUS_GTID, EventType.MARIADB_GTID, EventType.STOP,
];
/** Events that may precede the first transaction of a file (mysqlbinlog's "check_header" set). */
const PREAMBLE_TYPES = new Set<number>([
  EventType.FORMAT_DESCRIPTION, EventType.ROTATE, EventType.PREVIOUS_GTIDS, EventType.GTID_LIST,
  EventType.BINLOG_CHECKPOINT, EventType.START_V3,
]);

/** An event whose fields the reader fills; scan() reuses one, events() makes one per event. */
class EventRecord implements BinlogEvent {
  pos = 0;
  timestamp = 0;
  typeCode = 0;
  serverId = 0;
  size = 0;
  endLogPos = 0;
  flags = 0;
  nextPos = 0;
  body?: EventBody = undefined;
  get type(): string { return eventTypeName(this.typeCode); }
  toJSON(): object { return { ...this, type: this.type }; }
}

/** Room in front of each chunk for the unread end of the previous one, so moving on copies little. */
const CARRY = 256 * 1024;

/**
 * A read-ahead window over a source. Once reading is sequential, the next chunk is read while the
 * current one is parsed, into one of a few reused buffers (no fresh 4 MiB allocation per chunk).
 * Views it hands out are valid until the next call.
 */
class Window {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  private backing?: Buffer;
  private pool: Buffer[] = [];
  private ahead?: { pos: number; backing: Buffer; done: Promise<number> };

  constructor(private readonly source: ByteSource, readonly chunk: number, private readonly limit: () => number) {}

  /** Offset of [pos, pos + len) in buf, or -1 when the window does not hold all of it. */
  offsetOf(pos: number, len: number): number {
    const off = pos - this.start;
    return off >= 0 && off + len <= this.buf.length ? off : -1;
  }

  /** Make the window start at `pos` (one chunk, fewer bytes at end of file). */
  async fill(pos: number): Promise<void> {
    const end = this.start + this.buf.length;
    // Moving forward a little (the next event, or past a body a header-only scan skipped).
    const sequential = this.buf.length > 0 && pos >= this.start && pos <= end + this.chunk;
    const a = this.ahead;
    this.ahead = undefined;
    const n = a && sequential ? await a.done : 0;
    if (a && sequential && pos >= a.pos && pos < a.pos + n) {
      this.use(a.backing, CARRY + (pos - a.pos), CARRY + n, pos);
    } else if (a && sequential && a.pos === end && pos < end && end - pos <= CARRY) {
      // The event at pos straddles the two chunks: move its start in front of the read-ahead.
      const tail = end - pos;
      this.buf.copy(a.backing, CARRY - tail, pos - this.start);
      this.use(a.backing, CARRY - tail, CARRY + n, pos);
    } else {
      if (a) {
        await a.done.catch(() => 0);
        this.pool.push(a.backing);
      }
      const backing = this.take();
      const n = await this.readInto(backing, CARRY, pos, this.chunk);
      this.use(backing, CARRY, CARRY + n, pos);
    }
    const next = this.start + this.buf.length;
    if (sequential && next < this.limit()) {
      const backing = this.take();
      const done = this.readInto(backing, CARRY, next, this.chunk);
      done.catch(() => undefined); // awaited by the next fill or quiesce()
      this.ahead = { pos: next, backing, done };
    }
  }

  /** Wait for a read-ahead in flight (before the caller closes the source). */
  async quiesce(): Promise<void> {
    const a = this.ahead;
    this.ahead = undefined;
    if (a) {
      await a.done.catch(() => 0);
      this.pool.push(a.backing);
    }
  }

  /** Up to len bytes at pos, from the window when there, else read (large reads are not cached). */
  async get(pos: number, len: number): Promise<Buffer> {
    const off = this.offsetOf(pos, len);
    if (off >= 0) return this.buf.subarray(off, off + len);
    if (len > this.chunk) return this.readDirect(pos, len);
    await this.fill(pos);
    return this.buf.subarray(0, Math.min(len, this.buf.length));
  }

  async readDirect(pos: number, len: number): Promise<Buffer> {
    try {
      return await this.source.read(pos, len);
    } catch (e) {
      throw ioError(this.source, pos, e);
    }
  }

  private use(backing: Buffer, from: number, to: number, pos: number): void {
    if (this.backing && this.backing !== backing) this.pool.push(this.backing);
    this.backing = backing;
    this.buf = backing.subarray(from, to);
    this.start = pos;
  }

  private take(): Buffer {
    return this.pool.pop() ?? Buffer.allocUnsafe(CARRY + this.chunk);
  }

  private async readInto(target: Buffer, offset: number, pos: number, len: number): Promise<number> {
    try {
      if (this.source.readInto) return await this.source.readInto(target, offset, pos, len);
      const b = await this.source.read(pos, len);
      return b.copy(target, offset);
    } catch (e) {
      throw ioError(this.source, pos, e);
    }
  }
}

function ioError(source: ByteSource, pos: number, e: unknown): BinlogReadError {
  if (e instanceof BinlogReadError) return e;
  return new BinlogReadError('io', source.name, pos, `read failed: ${(e as Error).message}`, { cause: e });
}

export class BinlogReader {
  private readonly window: Window;
  private readonly verify: 'all' | 'decoded' | 'none';
  private readonly maxEventSize: number;
  /** Per type code: bytes of body to decode (0: none, Infinity: all). */
  private readonly bodyLimits: Float64Array;

  /** The Format_description at position 4 (the file's own). */
  fde!: FormatDescription;
  layout: Layout = 'binlog';

  private constructor(
    readonly source: ByteSource,
    /** Size when opened: a live file's later growth is not read unless refreshSize() is called. */
    public fileSize: number,
    opts: ReaderOptions,
  ) {
    this.window = new Window(source, Math.max(opts.chunkSize ?? DEFAULT_CHUNK_SIZE, HEADER_LEN), () => this.fileSize);
    this.verify = opts.verify ?? 'all';
    this.maxEventSize = opts.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    this.bodyLimits = bodyLimitTable(opts.decode ?? 'all', opts.sqlPrefix ?? 1024);
  }

  get name(): string { return this.source.name; }

  /** Check the magic, read the first Format_description and settle the layout. */
  static async open(source: ByteSource, opts: ReaderOptions = {}): Promise<BinlogReader> {
    const r = new BinlogReader(source, await sizeOf(source), opts);
    // Small direct reads: opening a 1 GB remote file to read its tail must not fetch a whole chunk here.
    const head = await r.window.readDirect(0, FIRST_EVENT_POS + HEADER_LEN);
    const magic = head.subarray(0, FIRST_EVENT_POS);
    if (magic.length < FIRST_EVENT_POS || !magic.equals(BINLOG_MAGIC)) {
      throw new BinlogReadError('not-a-binlog', source.name, 0, 'no binlog magic (\\xfebin) at the start of the file', {
        hint: 'is this a binary or relay log? an encrypted or compressed copy?',
      });
    }
    if (head.length < FIRST_EVENT_POS + HEADER_LEN) throw new BinlogReadError('truncated', source.name, FIRST_EVENT_POS, 'file ends inside the first event header');
    const first = readHeaderAt(head, FIRST_EVENT_POS, FIRST_EVENT_POS);
    if (first.typeCode !== EventType.FORMAT_DESCRIPTION) {
      throw new BinlogReadError(first.typeCode === EventType.START_V3 ? 'unsupported' : 'not-a-binlog', source.name, FIRST_EVENT_POS,
        `first event is ${eventTypeName(first.typeCode)}, not Format_desc (binlog format v4 is required)`);
    }
    r.checkHeader(first, undefined, 'binlog');
    r.fde = await r.readFde(first, true);
    r.layout = opts.layout && opts.layout !== 'auto' ? opts.layout : layoutOf(first);
    return r;
  }

  async refreshSize(): Promise<number> {
    this.fileSize = await sizeOf(this.source);
    return this.fileSize;
  }

  /** Every event in [from, to), decoded per the reader's options, one new object each. */
  async *events(opts: EventsOptions = {}): AsyncGenerator<BinlogEvent> {
    let { pos, to, fde } = await this.startOf(opts);
    try {
      while (pos < to) {
        const ev = new EventRecord();
        if (!this.parseInWindow(pos, fde, ev)) await this.parseSlow(pos, fde, ev);
        if (ev.body?.kind === 'format_description') fde = ev.body.fde;
        yield ev;
        pos = ev.nextPos;
      }
    } finally {
      await this.window.quiesce();
    }
  }

  /**
   * Visit the events in [from, to) with ONE reused event object (copy what you keep). The visitor returns
   * false to stop. The fastest way through a file: no allocation or await per event inside the window.
   */
  async scan(opts: EventsOptions, visit: (ev: BinlogEvent) => boolean | void): Promise<ScanResult> {
    let { pos, to, fde } = await this.startOf(opts);
    const ev = new EventRecord();
    try {
      while (pos < to) {
        if (!this.parseInWindow(pos, fde, ev)) await this.parseSlow(pos, fde, ev);
        if (ev.body?.kind === 'format_description') fde = ev.body.fde;
        pos = ev.nextPos;
        if (visit(ev) === false) return { endPos: pos, stopped: true, fde };
      }
      return { endPos: pos, stopped: false, fde };
    } finally {
      await this.window.quiesce();
    }
  }

  /** The one event starting at `pos`. */
  async eventAt(pos: number, fde?: FormatDescription): Promise<BinlogEvent> {
    const ev = new EventRecord();
    const f = fde ?? (pos > FIRST_EVENT_POS ? await this.governingFde(pos) : this.fde);
    try {
      if (!this.parseInWindow(pos, f, ev)) await this.parseSlow(pos, f, ev);
      return ev;
    } finally {
      await this.window.quiesce();
    }
  }

  /**
   * The Format_description in force at `pos`, found like mysqlbinlog does: walk the events at the head
   * of the file (Format_description, Rotate, Gtid_list, ...) and keep the last Format_description.
   * A relay log starts with its own, then the master's, which governs the master's events.
   */
  async governingFde(pos: number): Promise<FormatDescription> {
    let fde = this.fde;
    let p = FIRST_EVENT_POS + fde.raw.length;
    // A few small direct reads: the head of the file, whatever is far away at `pos`.
    while (p < pos && p + HEADER_LEN <= this.fileSize) {
      const h = readHeaderAt(await this.window.readDirect(p, HEADER_LEN), 0, p);
      if (!PREAMBLE_TYPES.has(h.typeCode) || p + h.size > pos) break;
      this.checkHeader(h, fde, 'relay');
      if (h.typeCode === EventType.FORMAT_DESCRIPTION) fde = await this.readFde(h, true);
      p += h.size;
    }
    return fde;
  }

  private async startOf(opts: EventsOptions): Promise<{ pos: number; to: number; fde: FormatDescription }> {
    const pos = opts.from ?? FIRST_EVENT_POS;
    const to = Math.min(opts.to ?? this.fileSize, this.fileSize);
    if (pos < FIRST_EVENT_POS || pos > this.fileSize) {
      throw new BinlogReadError('bad-position', this.name, pos, `position outside the file (events are at ${FIRST_EVENT_POS}..${this.fileSize})`);
    }
    if (pos > FIRST_EVENT_POS && pos < FIRST_EVENT_POS + this.fde.raw.length) {
      throw new BinlogReadError('bad-position', this.name, pos, `position is inside the Format_description event (${FIRST_EVENT_POS}..${FIRST_EVENT_POS + this.fde.raw.length})`);
    }
    const fde = opts.fde ?? (pos > FIRST_EVENT_POS ? await this.governingFde(pos) : this.fde);
    return { pos, to, fde };
  }

  /**
   * Parse the event at `pos` from the window into `ev`. False when the window does not hold what is
   * needed (the header, the bytes to checksum or decode): the caller then takes the slow path.
   */
  private parseInWindow(pos: number, fde: FormatDescription, ev: EventRecord): boolean {
    const w = this.window;
    const buf = w.buf;
    const off = pos - w.start;
    if (off < 0 || off + HEADER_LEN > buf.length) return false;
    // Hot path (millions of events per GB): plain byte arithmetic, no allocation.
    const typeCode = buf[off + 4]!;
    const size = u32(buf, off + 9);
    const endLogPos = u32(buf, off + 13);
    const hasCrc = fde.checksumAlg === ChecksumAlg.CRC32;
    if (typeCode === EventType.UNKNOWN || size < (hasCrc ? HEADER_LEN + CHECKSUM_LEN : HEADER_LEN) || size > this.maxEventSize
      || (this.layout === 'binlog' && endLogPos !== (pos + size) % 4294967296) || pos + size > this.fileSize) {
      this.checkFields(pos, typeCode, size, endLogPos, fde, this.layout); // throws the precise error
    }
    if (typeCode === EventType.FORMAT_DESCRIPTION || typeCode === EventType.START_ENCRYPTION) return false; // rare: slow path
    const dataLen = size - HEADER_LEN - (hasCrc ? CHECKSUM_LEN : 0);
    const limit = this.bodyLimits[typeCode]!;
    const readLen = limit < dataLen ? limit : dataLen;
    const crc = hasCrc && (this.verify === 'all' || (this.verify === 'decoded' && readLen > 0));
    const need = crc ? size : HEADER_LEN + readLen;
    if (need > w.chunk || off + need > buf.length) return false;
    ev.pos = pos;
    ev.timestamp = u32(buf, off);
    ev.typeCode = typeCode;
    ev.serverId = u32(buf, off + 5);
    ev.size = size;
    ev.endLogPos = endLogPos;
    ev.flags = buf[off + 17]! | (buf[off + 18]! << 8);
    ev.nextPos = pos + size;
    if (crc) {
      const stored = u32(buf, off + size - CHECKSUM_LEN);
      const actual = crc32(buf.subarray(off, off + size - CHECKSUM_LEN));
      if (stored !== actual) throw this.checksum(ev, stored, actual);
    }
    ev.body = readLen > 0 ? this.decodeOrThrow(ev, buf.subarray(off + HEADER_LEN, off + HEADER_LEN + readLen), fde, readLen < dataLen) : undefined;
    return true;
  }

  /** Refill the window at pos; events larger than the window are read in pieces. */
  private async parseSlow(pos: number, fde: FormatDescription, ev: EventRecord): Promise<void> {
    if (this.window.offsetOf(pos, HEADER_LEN) < 0) {
      await this.window.fill(pos);
      if (this.window.offsetOf(pos, HEADER_LEN) < 0) {
        throw new BinlogReadError('truncated', this.name, pos, `file ends inside an event header (${this.fileSize - pos} of ${HEADER_LEN} bytes)`);
      }
    }
    const h = readHeaderAt(this.window.buf, this.window.offsetOf(pos, HEADER_LEN), pos);
    this.checkHeader(h, fde, this.layout);
    Object.assign(ev, h, { nextPos: pos + h.size, body: undefined });
    if (h.typeCode === EventType.FORMAT_DESCRIPTION) {
      ev.body = { kind: 'format_description', fde: await this.readFde(h) };
      return;
    }
    if (h.typeCode === EventType.START_ENCRYPTION) {
      throw new BinlogReadError('unsupported', this.name, pos, 'the binlog is encrypted (Start_encryption event); encrypted binlogs cannot be read',
        { hint: 'decrypt it with the server (e.g. mariadb-binlog --read-from-remote-server) or disable encrypt_binlog' });
    }
    const plan = this.bodyPlan(h.typeCode, h.size, fde);
    if (plan.need <= this.window.chunk) {
      if (this.parseInWindow(pos, fde, ev)) return;
      if (this.window.start !== pos) {
        await this.window.fill(pos);
        if (this.parseInWindow(pos, fde, ev)) return;
      }
      throw this.truncated(h);
    }
    if (plan.crc) await this.verifyCrcStreaming(h);
    if (plan.readLen > 0) {
      const data = await this.window.get(pos + HEADER_LEN, plan.readLen);
      if (data.length < plan.readLen) throw this.truncated(h);
      ev.body = this.decodeOrThrow(h, data, fde, plan.readLen < plan.dataLen);
    }
  }

  /** What an event needs read: body bytes to decode, whether to checksum, bytes needed in the window. */
  private bodyPlan(typeCode: number, size: number, fde: FormatDescription): { dataLen: number; readLen: number; crc: boolean; need: number } {
    const hasCrc = fde.checksumAlg === ChecksumAlg.CRC32;
    const dataLen = size - HEADER_LEN - (hasCrc ? CHECKSUM_LEN : 0);
    const readLen = Math.min(dataLen, this.bodyLimits[typeCode]!);
    const crc = hasCrc && (this.verify === 'all' || (this.verify === 'decoded' && readLen > 0));
    return { dataLen, readLen, crc, need: crc ? size : HEADER_LEN + readLen };
  }

  private decodeOrThrow(h: EventHeader, data: Buffer, fde: FormatDescription, truncated: boolean): EventBody | undefined {
    try {
      return decodeBody(h, data, fde, truncated);
    } catch (e) {
      if (e instanceof BodyOverrun || e instanceof RangeError) {
        throw this.corrupt(h.pos, `${eventTypeName(h.typeCode)} body does not fit the event size ${h.size}: ${e.message}`);
      }
      throw e;
    }
  }

  private checkHeader(h: EventHeader, fde: FormatDescription | undefined, layout: Layout): void {
    this.checkFields(h.pos, h.typeCode, h.size, h.endLogPos, fde, layout);
  }

  /** Sanity of a header: what a damaged header would most likely break. */
  private checkFields(pos: number, typeCode: number, size: number, endLogPos: number, fde: FormatDescription | undefined, layout: Layout): void {
    if (typeCode === EventType.UNKNOWN) throw this.corrupt(pos, 'event type 0 (never written by a server)');
    const min = HEADER_LEN + (fde?.checksumAlg === ChecksumAlg.CRC32 ? CHECKSUM_LEN : 0);
    if (size < min) throw this.corrupt(pos, `event size ${size} is smaller than the ${min}-byte minimum`);
    if (size > this.maxEventSize) throw this.corrupt(pos, `event size ${size} exceeds the ${this.maxEventSize}-byte maximum`);
    // In a binlog, end_log_pos is exactly where the event ends: catches damaged sizes even without checksums.
    if (layout === 'binlog' && endLogPos !== (pos + size) % 2 ** 32) {
      throw this.corrupt(pos, `${eventTypeName(typeCode)} has end_log_pos ${endLogPos} but size ${size} ends it at ${pos + size}`);
    }
    if (pos + size > this.fileSize) {
      throw new BinlogReadError('truncated', this.name, pos, `${eventTypeName(typeCode)} of ${size} bytes runs past the end of the file (${this.fileSize} bytes)`);
    }
  }

  private async readFde(h: EventHeader, direct = false): Promise<FormatDescription> {
    const raw = direct ? await this.window.readDirect(h.pos, h.size) : await this.window.get(h.pos, h.size);
    if (raw.length < h.size) throw this.truncated(h);
    let fde: FormatDescription;
    try {
      fde = parseFormatDescription(raw, h);
    } catch (e) {
      if (e instanceof FdeError) {
        throw new BinlogReadError(/version|algorithm/.test(e.message) ? 'unsupported' : 'corrupt', this.name, h.pos, e.message);
      }
      if (e instanceof BodyOverrun || e instanceof RangeError) throw this.corrupt(h.pos, `Format_desc too short: ${e.message}`);
      throw e;
    }
    if (fde.checksumAlg === ChecksumAlg.CRC32 && this.verify !== 'none') {
      const stored = raw.readUInt32LE(raw.length - CHECKSUM_LEN);
      // The server checksums a Format_description without LOG_EVENT_BINLOG_IN_USE_F: the flag is set while
      // the file is open and cleared in place at close, without rewriting the checksum.
      const unflagged = Buffer.from(raw.subarray(0, raw.length - CHECKSUM_LEN));
      unflagged[FLAGS_OFFSET] = unflagged[FLAGS_OFFSET]! & ~LOG_EVENT_BINLOG_IN_USE_F;
      const actual = crc32(unflagged);
      if (stored !== actual) throw this.checksum(h, stored, actual);
    }
    return fde;
  }

  /** CRC32 of an event larger than the window, streamed through it in pieces. */
  private async verifyCrcStreaming(h: EventHeader): Promise<void> {
    const end = h.pos + h.size - CHECKSUM_LEN;
    let crc = 0;
    for (let p = h.pos; p < end;) {
      const piece = await this.window.get(p, Math.min(this.window.chunk, end - p));
      if (piece.length === 0) throw this.truncated(h);
      crc = crc32(piece, crc);
      p += piece.length;
    }
    const tail = await this.window.get(end, CHECKSUM_LEN);
    if (tail.length < CHECKSUM_LEN) throw this.truncated(h);
    const stored = tail.readUInt32LE(0);
    if (stored !== crc) throw this.checksum(h, stored, crc);
  }

  private corrupt(pos: number, msg: string): BinlogReadError {
    return new BinlogReadError('corrupt', this.name, pos, msg, {
      hint: 'the file is damaged here; compare with mariadb-binlog/mysqlbinlog --start-position at this position',
    });
  }

  private truncated(h: EventHeader): BinlogReadError {
    return new BinlogReadError('truncated', this.name, h.pos,
      `${eventTypeName(h.typeCode)} of ${h.size} bytes runs past the end of the file (${this.fileSize} bytes)`);
  }

  private checksum(h: EventHeader, stored: number, actual: number): BinlogReadError {
    return new BinlogReadError('checksum', this.name, h.pos,
      `${eventTypeName(h.typeCode)} CRC32 mismatch: stored 0x${hex8(stored)}, computed 0x${hex8(actual)}`, {
        hint: 'the event is damaged; the data from here on cannot be trusted',
      });
  }
}

/** Little-endian u32 without Buffer's per-call checks (the caller checked the bounds). */
function u32(b: Buffer, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 16777216;
}

function readHeaderAt(buf: Buffer, off: number, pos: number): EventHeader {
  return {
    pos,
    timestamp: buf.readUInt32LE(off),
    typeCode: buf[off + 4]!,
    serverId: buf.readUInt32LE(off + 5),
    size: buf.readUInt32LE(off + 9),
    endLogPos: buf.readUInt32LE(off + 13),
    flags: buf.readUInt16LE(off + FLAGS_OFFSET),
  };
}

/**
 * The replica writes its relay log's own Format_description with LOG_EVENT_RELAY_LOG_F (MySQL and
 * MariaDB); a binlog's has it clear. The flag is covered by the FDE's checksum, unlike a guess from the
 * events that follow, which a damaged second event could mislead.
 */
function layoutOf(fdeHeader: EventHeader): Layout {
  return fdeHeader.flags & LOG_EVENT_RELAY_LOG_F ? 'relay' : 'binlog';
}

function bodyLimitTable(decode: DecodeMode | readonly number[], sqlPrefix: number): Float64Array {
  const t = new Float64Array(256);
  const boundaries = new Set<number>(BOUNDARY_TYPES);
  const listed = new Set<number>(typeof decode === 'string' ? [] : decode);
  for (let code = 0; code < 256; code++) {
    const wanted = decode === 'all' || listed.has(code) || (decode === 'boundaries' && (boundaries.has(code) || rowsEventKind(code) !== undefined));
    if (!wanted) continue;
    const limit = bodyReadLimit(code, sqlPrefix);
    t[code] = limit === 'all' ? Infinity : limit;
  }
  return t;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

async function sizeOf(source: ByteSource): Promise<number> {
  try {
    return await source.size();
  } catch (e) {
    if (e instanceof BinlogReadError) throw e;
    throw new BinlogReadError('io', source.name, 0, `cannot stat: ${(e as Error).message}`, { cause: e });
  }
}

/** Open a reader, run fn, close the source. */
export async function withReader<T>(source: ByteSource, opts: ReaderOptions, fn: (r: BinlogReader) => Promise<T>): Promise<T> {
  try {
    return await fn(await BinlogReader.open(source, opts));
  } finally {
    await source.close();
  }
}
