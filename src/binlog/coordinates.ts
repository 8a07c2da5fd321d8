// Binlog coordinates (file, position) and binlog file names: ordering, formatting, the next and previous
// file. Pure functions on plain values, safe in workflow code (no I/O, no Node builtins).
//
// Binlog files of one server form a sequence "base.NNNNNN"; the numeric extension orders them, not the
// string ("x.1000000" follows "x.999999"). Coordinates order by file, then position.
import { BinlogError } from '../errors';

export interface BinlogCoordinates { file: string; pos: number }

const BINLOG_NAME = /^(.*)\.(\d+)$/;

type NameParts = Readonly<{ base: string; seq: number }>;

/** The last name split: a relay-log scan compares the same two names for every event. */
let lastSplit: { file: string; parts: NameParts | undefined } = { file: '', parts: undefined };

/** "mysql-bin.000123" -> { base: "mysql-bin", seq: 123 }; undefined when the name has no numeric extension. */
function binlogNameParts(file: string): NameParts | undefined {
  if (lastSplit.file === file) return lastSplit.parts;
  const m = BINLOG_NAME.exec(file);
  const parts = m ? Object.freeze({ base: m[1]!, seq: Number(m[2]) }) : undefined;
  lastSplit = { file, parts };
  return parts;
}

/** "mysql-bin.000123" -> { base: "mysql-bin", seq: 123 }; any other name is an error. */
export function splitBinlogName(file: string): NameParts {
  const parts = binlogNameParts(file);
  if (!parts) throw new BinlogError(`"${file}" is not a binlog file name (base.NNNNNN)`, { hint: 'binlog names end in a dot and a sequence number' });
  return parts;
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

/**
 * Orders binlog file names by their numeric extension. Total, for what servers report: an empty name (a
 * replica that reports no position) sorts first, and names of different base names (or not binlog
 * names) fall back to comparing the whole name.
 */
export function compareBinlogFiles(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const pa = binlogNameParts(a);
  const pb = binlogNameParts(b);
  if (pa && pb && pa.base === pb.base) return sign(pa.seq - pb.seq);
  return a < b ? -1 : 1;
}

/** By file (compareBinlogFiles), then position. */
export function compareBinlogCoordinates(a: BinlogCoordinates, b: BinlogCoordinates): -1 | 0 | 1 {
  return compareBinlogFiles(a.file, b.file) || sign(a.pos - b.pos);
}

/**
 * compareBinlogCoordinates for coordinates that must belong to one binlog sequence: names of different
 * base names (different masters or log_bin settings), or not binlog names, are an error, not an order.
 */
export function compareCoordinates(a: BinlogCoordinates, b: BinlogCoordinates): -1 | 0 | 1 {
  if (splitBinlogName(a.file).base !== splitBinlogName(b.file).base) {
    throw new BinlogError(`cannot order ${a.file} and ${b.file}: different binlog base names`, {
      hint: 'the servers do not replicate from the same binlog; check the replication sources',
    });
  }
  return compareBinlogCoordinates(a, b);
}

/** The same position: same file name, same offset (no ordering, so no base-name check). */
export function sameCoordinates(a: BinlogCoordinates, b: BinlogCoordinates): boolean {
  return a.file === b.file && a.pos === b.pos;
}

export function formatCoordinates(c: BinlogCoordinates): string {
  return `${c.file || '(none)'}:${c.pos}`;
}

/** Bytes between two positions of the same binlog file; null across files (their sizes are unknown here). */
export function bytesBetween(from: BinlogCoordinates, to: BinlogCoordinates): number | null {
  return from.file === to.file ? Math.max(0, to.pos - from.pos) : null;
}

function siblingBinlogName(file: string, step: 1 | -1): string | undefined {
  const { base, seq } = splitBinlogName(file);
  if (seq + step < 0) return undefined;
  const width = file.length - base.length - 1;
  return `${base}.${String(seq + step).padStart(width, '0')}`;
}

/** The next binlog file name (same base, sequence + 1, same zero padding). */
export function nextBinlogName(file: string): string {
  return siblingBinlogName(file, 1)!;
}

/** The previous binlog file name; undefined before the first (sequence 0). */
export function previousBinlogName(file: string): string | undefined {
  return siblingBinlogName(file, -1);
}
