// One diff file from several tails (TailPlans of relay logs that continue each other, then the dead
// master's binlog): one header, the master's Format_description rewritten as a binlog's first event, then
// only the events of transactions, so a transaction split between two parts (or two relay log files) is
// contiguous in the file. Keeping a later part's Format_description would make mysqlbinlog (and a server)
// roll back the open transaction there. The result is a layout (header bytes + byte ranges per source);
// layoutChunks streams it, so a 1 GB diff is never held in memory.
import { crc32 } from 'node:zlib';
import {
  BINLOG_MAGIC, ChecksumAlg, CHECKSUM_LEN, EventType, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F, LOG_EVENT_BINLOG_IN_USE_F, LOG_EVENT_RELAY_LOG_F,
} from './constants';
import { BinlogError } from '../errors';
import { parseFormatDescription, parseHeader, type FormatDescription } from './events';
import { BinlogReader, type Layout } from './reader';
import { rangeChunks, type ByteSource } from './source';
import type { ByteRange, TailPlan } from './tail';

/** Events that are not part of a transaction: left out of a diff (a Format_description in the middle makes mysqlbinlog ROLLBACK). */
const NOT_IN_DIFF = new Set<number>([
  EventType.FORMAT_DESCRIPTION, EventType.ROTATE, EventType.STOP, EventType.GTID_LIST, EventType.BINLOG_CHECKPOINT,
  EventType.PREVIOUS_GTIDS, EventType.HEARTBEAT, EventType.HEARTBEAT_V2, EventType.START_V3, EventType.INCIDENT,
]);

/** One part of a diff: a source and its tail plan (every part but the last planned with keepIncompleteTail). */
export interface DiffSource { source: ByteSource; plan: TailPlan; layout: Layout }

export interface FilteredLayout {
  /** Magic + the Format_description every copied event is read with. */
  header: Buffer;
  /** Per source, the byte ranges of the events to copy, in order. */
  ranges: ByteRange[][];
  size: number;
}

function fdeOfHeader(header: Buffer): FormatDescription {
  const raw = header.subarray(BINLOG_MAGIC.length);
  return parseFormatDescription(raw, parseHeader(raw, 4));
}

/**
 * The diff's own Format_description: the chosen one with the header of a binlog's first event
 * (end_log_pos = 4 + size; not in use, not a relay log's, not artificial) and its CRC32 recomputed.
 */
export function normalizedHeader(header: Buffer, fde: FormatDescription): Buffer {
  const out = Buffer.from(header);
  const ev = out.subarray(BINLOG_MAGIC.length);
  ev.writeUInt32LE(4 + ev.length, 13);
  ev.writeUInt16LE(ev.readUInt16LE(17) & ~(LOG_EVENT_BINLOG_IN_USE_F | LOG_EVENT_RELAY_LOG_F | LOG_EVENT_ARTIFICIAL_F), 17);
  if (fde.checksumAlg === ChecksumAlg.CRC32) ev.writeUInt32LE(crc32(ev.subarray(0, ev.length - CHECKSUM_LEN)), ev.length - CHECKSUM_LEN);
  return out;
}

function sameFormat(a: FormatDescription, b: FormatDescription): boolean {
  return a.checksumAlg === b.checksumAlg && a.binlogVersion === b.binlogVersion && a.postHeaderLengths.join() === b.postHeaderLengths.join();
}

async function transactionEventRanges(d: DiffSource): Promise<ByteRange[]> {
  const reader = await BinlogReader.open(d.source, { decode: 'none', verify: 'none', layout: d.layout });
  const out: ByteRange[] = [];
  for (const r of d.plan.ranges) {
    for await (const ev of reader.events({ from: r.start, to: r.end })) {
      if (NOT_IN_DIFF.has(ev.typeCode)) continue;
      const last = out[out.length - 1];
      if (last && last.end === ev.pos) last.end = ev.nextPos;
      else out.push({ start: ev.pos, end: ev.nextPos });
    }
  }
  return out;
}

/**
 * One diff from several tails: one header (the master's Format_description, the first one that is not a
 * relay log's own), then only the events of transactions. Every part must share that event format.
 */
export async function filteredLayout(parts: DiffSource[]): Promise<FilteredLayout> {
  const fdes = parts.map((p) => ({ fde: fdeOfHeader(p.plan.header), header: p.plan.header }));
  const chosen = fdes.find((f) => !(f.fde.raw.readUInt16LE(17) & LOG_EVENT_RELAY_LOG_F)) ?? fdes[0]!;
  const header = normalizedHeader(chosen.header, chosen.fde);
  const odd = fdes.find((f) => !sameFormat(f.fde, chosen.fde));
  if (odd) throw new BinlogError(`the diff's parts have different event formats (${odd.fde.serverVersion} vs ${chosen.fde.serverVersion}, checksum ${odd.fde.checksumAlg} vs ${chosen.fde.checksumAlg}): they cannot share one file`);
  const ranges = await Promise.all(parts.map(transactionEventRanges));
  const size = header.length + ranges.flat().reduce((n, r) => n + r.end - r.start, 0);
  return { header, ranges, size };
}

/** The diff file's bytes, in chunks, read from the parts' sources. */
export async function* layoutChunks(layout: FilteredLayout, parts: DiffSource[]): AsyncGenerator<Buffer> {
  yield layout.header;
  for (let i = 0; i < parts.length; i++) {
    for (const r of layout.ranges[i]!) yield* rangeChunks(parts[i]!.source, r.start, r.end);
  }
}

/**
 * What the joined parts hold: complete transactions (a transaction split between parts is counted once, in
 * the part that ends it), and the first and last GTID (keys only when known).
 */
export function summarizeTails(plans: TailPlan[]): { transactions: number; firstGtid?: string; lastGtid?: string } {
  const firstGtid = plans.find((x) => x.firstGtid)?.firstGtid;
  const lastGtid = [...plans].reverse().find((x) => x.lastGtid)?.lastGtid;
  return { transactions: plans.reduce((n, p) => n + p.transactions, 0), ...(firstGtid ? { firstGtid } : {}), ...(lastGtid ? { lastGtid } : {}) };
}

/** Where a MariaDB Gtid event keeps its domain id: after the common header and the 8-byte sequence number. */
const GTID_DOMAIN_OFFSET = HEADER_LEN + 8;

/**
 * The transactions of a diff as another server would have written them: every event's server id, and every
 * MariaDB Gtid event's domain, replaced (checksums recomputed). A replay then logs them with GTIDs
 * domain-serverId-seq: the same sequence numbers, in a domain of their own, by a server that replicates
 * them to the old origin too (a replica skips events carrying its own server id).
 */
export async function* reoriginedChunks(layout: FilteredLayout, sources: ByteSource[], origin: { serverId: number; domain: number }): AsyncGenerator<Buffer> {
  const crc = fdeOfHeader(layout.header).checksumAlg === ChecksumAlg.CRC32;
  yield layout.header;
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i]!;
    for (const r of layout.ranges[i]!) {
      let out: Buffer[] = [];
      for (let p = r.start; p < r.end;) {
        const head = await src.read(p, HEADER_LEN);
        const ev = Buffer.from(await src.read(p, head.readUInt32LE(9)));
        ev.writeUInt32LE(origin.serverId, 5);
        if (ev[4] === EventType.MARIADB_GTID) ev.writeUInt32LE(origin.domain, GTID_DOMAIN_OFFSET);
        if (crc) ev.writeUInt32LE(crc32(ev.subarray(0, ev.length - CHECKSUM_LEN)), ev.length - CHECKSUM_LEN);
        out.push(ev);
        p += ev.length;
        if (out.length >= 256) { yield Buffer.concat(out); out = []; }
      }
      if (out.length) yield Buffer.concat(out);
    }
  }
}

/** A diff file already written, as a layout of itself: its header, then its events as one range. */
export async function diffFileLayout(source: ByteSource): Promise<FilteredLayout> {
  const head = await source.read(0, BINLOG_MAGIC.length + HEADER_LEN);
  const header = Buffer.from(await source.read(0, BINLOG_MAGIC.length + head.readUInt32LE(BINLOG_MAGIC.length + 9)));
  const size = await source.size();
  return { header, ranges: [[{ start: header.length, end: size }]], size };
}
