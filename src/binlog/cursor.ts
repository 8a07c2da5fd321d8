// A bounds-checked little-endian cursor over an event body. Running off the end throws BodyOverrun,
// which the reader turns into a BinlogReadError naming the file and event position.

export class BodyOverrun extends Error {
  constructor(readonly wanted: number, readonly at: number, readonly length: number) {
    super(`event body too short: needs ${wanted} bytes at offset ${at}, has ${length}`);
  }
}

export class Cursor {
  constructor(readonly buf: Buffer, public off = 0) {}

  get remaining(): number { return this.buf.length - this.off; }

  private need(n: number): number {
    if (n < 0 || this.off + n > this.buf.length) throw new BodyOverrun(n, this.off, this.buf.length);
    const at = this.off;
    this.off += n;
    return at;
  }

  skip(n: number): void { this.need(n); }
  u8(): number { return this.buf[this.need(1)]!; }
  u16(): number { return this.buf.readUInt16LE(this.need(2)); }
  u32(): number { return this.buf.readUInt32LE(this.need(4)); }
  /** 6-byte table ids and the like. */
  u48(): number { return this.buf.readUIntLE(this.need(6), 6); }
  u64(): bigint { return this.buf.readBigUInt64LE(this.need(8)); }
  /** A u64 that must fit a JS number (positions, counts). */
  u64n(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BodyOverrun(8, this.off - 8, this.buf.length);
    return Number(v);
  }
  bytes(n: number): Buffer { const at = this.need(n); return this.buf.subarray(at, at + n); }
  /** n bytes as latin1-safe UTF-8 text (identifiers, file names). */
  str(n: number): string { return this.bytes(n).toString('utf8'); }
  rest(): Buffer { return this.bytes(this.remaining); }
  /** Text up to a NUL (excluded) or the end. */
  cstr(maxLen = this.remaining): string {
    const end = this.buf.indexOf(0, this.off);
    const stop = end < 0 || end - this.off > maxLen ? this.off + Math.min(maxLen, this.remaining) : end;
    const s = this.buf.toString('utf8', this.off, stop);
    this.off = Math.min(this.buf.length, stop + (end === stop ? 1 : 0));
    return s;
  }
}
