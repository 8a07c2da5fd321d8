// Building one target's diff file: the parts (its own relay log tail = exec_diff, the latest replica's
// relay log from this server's read position = read_diff, the dead master's saved tail = binlog_diff)
// are planned with binlogTail (cut at transaction boundaries; a transaction split between two parts is
// joined, because every part but the last keeps its unfinished tail) and streamed from their hosts,
// through the worker, into <runDir>/diff-<target>.binlog on the target. Deterministic: the same
// sources give the same bytes, so a retry rewrites an identical file.
import { posix } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  BINLOG_MAGIC, ChecksumAlg, CHECKSUM_LEN, EventType, LOG_EVENT_ARTIFICIAL_F, LOG_EVENT_BINLOG_IN_USE_F, LOG_EVENT_RELAY_LOG_F,
} from '../binlog/constants';
import { parseFormatDescription, parseHeader, type FormatDescription } from '../binlog/events';
import { BinlogReader, type Layout } from '../binlog/reader';
import { binlogTail, type ByteRange, type TailPlan } from '../binlog/tail';
import type { ByteSource } from '../binlog/source';
import type { ClusterConfig } from '../config/schema';
import { BinlogError } from '../errors';
import { queryOne, withConnection } from '../mysql/client';
import { parseIndexFile, rangeChunks, readRemoteText, remoteSource, runDir, serverByName, writeRemoteFiles, type SshPool } from './remote';

export type DiffPurpose = 'exec_diff' | 'read_diff' | 'binlog_diff';

export type DiffPartSpec =
  /** A server's relay logs from (relayFile, relayPos) to the end of its last relay log. */
  | { kind: 'relay'; purpose: DiffPurpose; server: string; relayFile: string; relayPos: number }
  /** The dead master's tail saved on the target (written by saveDeadMasterBinlog). */
  | { kind: 'savedTail'; purpose: 'binlog_diff'; path: string; sha256: string };

export interface DiffPartReport {
  purpose: DiffPurpose;
  source: string;
  from: number;
  bytes: number;
  transactions: number;
  startsMidTransaction: boolean;
  cutBytes: number;
  cutReason?: string;
}

export interface DiffFile {
  target: string;
  path: string;
  sha256: string;
  bytes: number;
  /** Complete transactions (a transaction split between parts counts once). */
  transactions: number;
  firstGtid?: string;
  lastGtid?: string;
  parts: DiffPartReport[];
}

/** Where a server's relay-log index is (asked from the server itself). */
export async function relayLogIndexPath(cfg: ClusterConfig, server: string): Promise<string> {
  const s = serverByName(cfg, server);
  return withConnection(cfg, s, async (c) => String((await queryOne(c, 'SELECT @@GLOBAL.relay_log_index AS idx'))!.idx));
}

interface PlannedPart { spec: DiffPartSpec; source: ByteSource; from: number }

/** Events that are not part of a transaction: left out of a diff (a Format_description in the middle makes mysqlbinlog ROLLBACK). */
const NOT_IN_DIFF = new Set<number>([
  EventType.FORMAT_DESCRIPTION, EventType.ROTATE, EventType.STOP, EventType.GTID_LIST, EventType.BINLOG_CHECKPOINT,
  EventType.PREVIOUS_GTIDS, EventType.HEARTBEAT, EventType.HEARTBEAT_V2, EventType.START_V3, EventType.INCIDENT,
]);

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
 * relay log's own), then only the events of transactions, so a transaction split between two sources
 * (or two relay log files) is contiguous in the diff. Every part must share that event format.
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

export async function* layoutChunks(layout: FilteredLayout, parts: DiffSource[]): AsyncGenerator<Buffer> {
  yield layout.header;
  for (let i = 0; i < parts.length; i++) {
    for (const r of layout.ranges[i]!) yield* rangeChunks(parts[i]!.source, r.start, r.end);
  }
}

async function relaySources(pool: SshPool, cfg: ClusterConfig, spec: Extract<DiffPartSpec, { kind: 'relay' }>): Promise<PlannedPart[]> {
  const session = await pool.get(spec.server);
  const index = await relayLogIndexPath(cfg, spec.server);
  const files = parseIndexFile(await readRemoteText(session, index), index);
  const first = files.findIndex((f) => posix.basename(f) === posix.basename(spec.relayFile));
  if (first < 0) {
    throw new BinlogError(`relay log ${spec.relayFile} is not in ${index} (${files.map((f) => posix.basename(f)).join(', ')})`, {
      server: spec.server, hint: 'the relay logs were purged or the replica was repointed since the plan was made',
    });
  }
  return Promise.all(files.slice(first).map(async (f, i) => ({ spec, source: await remoteSource(session, f), from: i === 0 ? spec.relayPos : 4 })));
}

async function planSources(pool: SshPool, cfg: ClusterConfig, target: string, parts: DiffPartSpec[]): Promise<PlannedPart[]> {
  const each = await Promise.all(parts.map(async (spec): Promise<PlannedPart[]> => (spec.kind === 'relay'
    ? relaySources(pool, cfg, spec)
    : [{ spec, source: await remoteSource(await pool.get(target), spec.path), from: 4 }])));
  return each.flat();
}

function partReport(p: PlannedPart, plan: TailPlan): DiffPartReport {
  return {
    purpose: p.spec.purpose, source: plan.source, from: plan.fromPos, bytes: plan.diffSize - plan.header.length,
    transactions: plan.transactions, startsMidTransaction: plan.startsMidTransaction, cutBytes: plan.cutBytes,
    ...(plan.cutReason ? { cutReason: plan.cutReason } : {}),
  };
}

/** Plan, stream and write the diff file of `target`. */
export async function buildDiff(pool: SshPool, cfg: ClusterConfig, target: string, runKey: string, parts: DiffPartSpec[]): Promise<DiffFile> {
  const planned = await planSources(pool, cfg, target, parts);
  try {
    // Every part but the last keeps its unfinished last transaction: the next part continues it.
    const plans = await Promise.all(planned.map((p, i) => binlogTail(p.source, p.from, {
      keepIncompleteTail: i < planned.length - 1, ...(p.spec.kind === 'savedTail' ? { reader: { layout: 'relay' as const } } : {}),
    })));
    const sources: DiffSource[] = planned.map((p, i) => ({ source: p.source, plan: plans[i]!, layout: p.spec.kind === 'savedTail' ? 'relay' : plans[i]!.layout }));
    const layout = await filteredLayout(sources);
    const targetServer = serverByName(cfg, target);
    const session = await pool.get(targetServer);
    const path = posix.join(runDir(cfg, targetServer, runKey), `diff-${target}.binlog`);
    const chunks = () => layoutChunks(layout, sources);
    const [written] = await writeRemoteFiles([{ session, path }], chunks());
    const firstGtid = plans.find((x) => x.firstGtid)?.firstGtid;
    const lastGtid = [...plans].reverse().find((x) => x.lastGtid)?.lastGtid;
    return {
      target, path, sha256: written!.sha256, bytes: written!.bytes, transactions: countTransactions(plans),
      ...(firstGtid ? { firstGtid } : {}), ...(lastGtid ? { lastGtid } : {}),
      parts: planned.map((p, i) => partReport(p, plans[i]!)),
    };
  } finally {
    await Promise.all(planned.map((p) => p.source.close().catch(() => {})));
  }
}

/** Complete transactions across parts (a transaction split between parts is counted once, in the part that ends it). */
export function countTransactions(plans: TailPlan[]): number {
  return plans.reduce((n, p) => n + p.transactions, 0);
}
