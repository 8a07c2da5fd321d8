// Binlog read errors. Every one names the file and the byte position, so an operator can look at the
// same spot with mariadb-binlog/mysqlbinlog --start-position. The `kind` lets binlogTail tell a cut
// tail (expected after a crash) from other failures without parsing messages.
import { BinlogError } from '../errors';

export type BinlogErrorKind =
  /** The file ends inside an event header or body: the tail of a file written when the server died. */
  | 'truncated'
  /** An event header is impossible (size, type, end_log_pos) or a body does not fit its size. */
  | 'corrupt'
  /** The CRC32 of an event does not match. */
  | 'checksum'
  /** A valid construct we do not read (binlog format < 4, encrypted binlog, unknown checksum). */
  | 'unsupported'
  /** The file does not start with the binlog magic or its first event is not a Format_description. */
  | 'not-a-binlog'
  /** A requested position is not usable (beyond the end, inside the header, not an event start). */
  | 'bad-position'
  /** A relay-log lookup did not find the master coordinate. */
  | 'not-found'
  /** The byte source failed (I/O, SFTP). */
  | 'io';

export class BinlogReadError extends BinlogError {
  readonly kind: BinlogErrorKind;
  readonly file: string;
  readonly pos: number;

  constructor(kind: BinlogErrorKind, file: string, pos: number, message: string, opts: { hint?: string; server?: string; cause?: unknown } = {}) {
    super(`${file} at ${pos}: ${message}`, opts);
    this.kind = kind;
    this.file = file;
    this.pos = pos;
  }
}

export function isBinlogReadError(e: unknown, ...kinds: BinlogErrorKind[]): e is BinlogReadError {
  return e instanceof BinlogReadError && (kinds.length === 0 || kinds.includes(e.kind));
}
