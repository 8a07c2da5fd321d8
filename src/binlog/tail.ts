// binlogTail: what to copy from a binlog (or relay log) from a position on, cut at the last complete
// transaction. The result is a plan (header bytes + byte ranges of the source), not the bytes: a 1 GB
// tail is streamed from source to target (src/binlog/rewrite.ts, src/failover/diff.ts), never held in memory.
import { BINLOG_MAGIC, FIRST_EVENT_POS } from './constants';
import { BinlogReadError, isBinlogReadError } from './errors';
import type { FormatDescription } from './events';
import { BinlogReader, type Layout, type ReaderOptions } from './reader';
import type { ByteSource } from './source';
import { TransactionTracker, writesGtidEvents } from './transactions';

export interface ByteRange { start: number; end: number }

export type CutReason =
  /** The range ends inside a transaction (the server died mid-write, or the file is still being written). */
  | 'incomplete-transaction'
  /** The last event is cut short (file ends inside it). */
  | 'truncated-event'
  /** An event header is impossible (bad size, type or end_log_pos). */
  | 'corrupt-event'
  /** An event's CRC32 does not match. */
  | 'checksum-mismatch';

export interface TailPlan {
  /** The source's name (file or host:path). */
  source: string;
  fromPos: number;
  fileSize: number;
  layout: Layout;
  /** Magic + the Format_description governing fromPos: a diff file starts with these bytes. */
  header: Buffer;
  /** Source ranges to copy after the header, in order (abandoned groups are left out). */
  ranges: ByteRange[];
  /** Bytes the diff file will have: header + ranges. */
  diffSize: number;
  /** Source position where the copied data ends: the end of the last complete transaction (or kept tail). */
  lastCompleteEndPos: number;
  /** End of the last intact event read (>= lastCompleteEndPos). */
  lastEventEndPos: number;
  /** Bytes of the source after lastCompleteEndPos that are not copied. */
  cutBytes: number;
  cutReason?: CutReason;
  /** Human detail of the cut (the read error, or the open transaction's start). */
  cutDetail?: string;
  /** Complete groups copied (a leading continuation counts as one). */
  transactions: number;
  /** The first copied group began before fromPos (fromPos is inside a transaction). */
  startsMidTransaction: boolean;
  /** With keepIncompleteTail: the unfinished last group that was copied anyway. */
  incompleteTail?: ByteRange;
  /** Groups left out because another group started before they ended. */
  abandoned: ByteRange[];
  firstGtid?: string;
  lastGtid?: string;
  /** end_log_pos of the last copied event (a relay log: the master coordinate reached). */
  lastEndLogPos?: number;
}

export interface TailOptions {
  /** Copy the unfinished last group too (when another diff continues it in the same apply). */
  keepIncompleteTail?: boolean;
  /** The Format_description governing fromPos (relay logs whose FDE is not at the head). */
  fde?: FormatDescription;
  /** Stop at this source position (default: end of file). */
  to?: number;
  reader?: Omit<ReaderOptions, 'decode' | 'verify'>;
}

/**
 * Plan the tail of `source` from `fromPos` (an event start, e.g. the latest replica's Read_Master_Log_Pos
 * on the dead master's binlog). Every event read is checksum-verified. A damaged or cut end is not an
 * error: it is cut off and reported (cutReason, cutBytes). A fromPos that is not an event start is.
 */
export async function binlogTail(source: ByteSource, fromPos: number, opts: TailOptions = {}): Promise<TailPlan> {
  const reader = await BinlogReader.open(source, { ...opts.reader, decode: 'boundaries', verify: 'all' });
  const fdeEnd = FIRST_EVENT_POS + reader.fde.raw.length;
  const start = fromPos === FIRST_EVENT_POS ? fdeEnd : fromPos;
  if (start < fdeEnd || start > reader.fileSize) {
    throw new BinlogReadError('bad-position', source.name, fromPos,
      `start position must be ${FIRST_EVENT_POS} or an event start in ${fdeEnd}..${reader.fileSize}`);
  }
  const fde = opts.fde ?? await reader.governingFde(start);
  const scan = await scanTail(reader, start, fde, opts);
  return buildPlan(reader, start, fde, scan, opts);
}

interface TailScan {
  tracker: TransactionTracker;
  abandoned: ByteRange[];
  lastEventEnd: number;
  lastEndLogPos?: number;
  lastCompleteEndLogPos?: number;
  error?: BinlogReadError;
  transactions: number;
  startsMidTransaction: boolean;
  firstGtid?: string;
  lastGtid?: string;
}

async function scanTail(reader: BinlogReader, start: number, fde: FormatDescription, opts: TailOptions): Promise<TailScan> {
  const tracker = new TransactionTracker(start, writesGtidEvents(fde));
  const scan: TailScan = { tracker, abandoned: [], lastEventEnd: start, transactions: 0, startsMidTransaction: false };
  let endLogPosAtSafe: number | undefined;
  try {
    // scan(): one reused event object, no allocation per event; the tracker copies what it keeps.
    await reader.scan({ from: start, to: opts.to, fde }, (ev) => {
      if (ev.body?.kind === 'format_description') tracker.setExpectGtids(writesGtidEvents(ev.body.fde));
      for (const t of tracker.push(ev)) {
        if (!t.complete) {
          scan.abandoned.push({ start: t.startPos, end: t.endPos });
          continue;
        }
        if (scan.transactions === 0 && t.kind === 'continuation') scan.startsMidTransaction = true;
        scan.transactions++;
        scan.firstGtid ??= t.gtid;
        if (t.gtid) scan.lastGtid = t.gtid;
      }
      scan.lastEventEnd = ev.nextPos;
      scan.lastEndLogPos = ev.endLogPos;
      if (tracker.safeEnd === ev.nextPos) endLogPosAtSafe = ev.endLogPos;
    });
  } catch (e) {
    if (!isBinlogReadError(e, 'truncated', 'corrupt', 'checksum')) throw e;
    // The start itself must be sound: a bad first event means fromPos is not an event start.
    if (e.pos === start && e.kind !== 'truncated') {
      throw new BinlogReadError('bad-position', reader.name, start, `no valid event starts here (${e.message})`, {
        hint: 'the position must be an event boundary, e.g. Read_Master_Log_Pos / Exec_Master_Log_Pos of a replica',
      });
    }
    scan.error = e;
  }
  scan.lastCompleteEndLogPos = endLogPosAtSafe;
  return scan;
}

function buildPlan(reader: BinlogReader, start: number, fde: FormatDescription, scan: TailScan, opts: TailOptions): TailPlan {
  const open = scan.tracker.openGroup;
  const keepOpen = Boolean(opts.keepIncompleteTail && open);
  const end = keepOpen ? scan.lastEventEnd : scan.tracker.safeEnd;
  const header = Buffer.concat([BINLOG_MAGIC, fde.raw]);
  const ranges = subtractRanges({ start, end }, scan.abandoned);
  const copied = ranges.reduce((n, r) => n + r.end - r.start, 0);
  const stopAt = scan.error ? scan.error.pos : Math.min(opts.to ?? reader.fileSize, reader.fileSize);
  const plan: TailPlan = {
    source: reader.name, fromPos: start, fileSize: reader.fileSize, layout: reader.layout, header, ranges,
    diffSize: header.length + copied,
    lastCompleteEndPos: end,
    lastEventEndPos: scan.lastEventEnd,
    cutBytes: Math.max(0, Math.min(opts.to ?? reader.fileSize, reader.fileSize) - end),
    transactions: scan.transactions,
    startsMidTransaction: scan.startsMidTransaction,
    abandoned: scan.abandoned,
  };
  if (scan.firstGtid) plan.firstGtid = scan.firstGtid;
  if (scan.lastGtid) plan.lastGtid = scan.lastGtid;
  const lastEndLogPos = keepOpen ? scan.lastEndLogPos : scan.lastCompleteEndLogPos;
  if (lastEndLogPos !== undefined) plan.lastEndLogPos = lastEndLogPos;
  if (keepOpen && open) plan.incompleteTail = { start: open.startPos, end: scan.lastEventEnd };
  describeCut(plan, scan, open, stopAt);
  return plan;
}

function describeCut(plan: TailPlan, scan: TailScan, open: { startPos: number } | undefined, stopAt: number): void {
  if (scan.error) {
    plan.cutReason = scan.error.kind === 'truncated' ? 'truncated-event' : scan.error.kind === 'checksum' ? 'checksum-mismatch' : 'corrupt-event';
    plan.cutDetail = scan.error.message;
  } else if (open && !plan.incompleteTail) {
    plan.cutReason = 'incomplete-transaction';
    plan.cutDetail = `transaction starting at ${open.startPos} has no end before ${stopAt}`;
  }
}

/** `whole` minus the (sorted, disjoint, inside) `holes`. */
export function subtractRanges(whole: ByteRange, holes: ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  let at = whole.start;
  for (const h of [...holes].sort((a, b) => a.start - b.start)) {
    const hs = Math.max(h.start, whole.start);
    const he = Math.min(h.end, whole.end);
    if (he <= hs) continue;
    if (hs > at) out.push({ start: at, end: hs });
    at = Math.max(at, he);
  }
  if (whole.end > at) out.push({ start: at, end: whole.end });
  return out;
}
