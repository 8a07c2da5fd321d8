// Byte sources: where a binlog's bytes come from. The reader only ever asks for ranges, so a 1 GB binlog
// on a remote host is read where needed (SFTP ranged reads), never copied whole to find a position.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { BinlogReadError } from './errors';

export interface ByteSource {
  /** A name for messages: the file name, or host:path for a remote file. */
  readonly name: string;
  size(): Promise<number>;
  /** Up to `len` bytes at `pos`; fewer only at the end of the file. */
  read(pos: number, len: number): Promise<Buffer>;
  /** Optional: the same into a caller's buffer (lets the reader reuse its buffers); returns bytes read. */
  readInto?(target: Buffer, offset: number, pos: number, len: number): Promise<number>;
  close(): Promise<void>;
}

/** A local file. The size is taken at each call, so a growing file (a live binlog) is seen growing. */
export class LocalFileSource implements ByteSource {
  readonly name: string;
  private handle?: Promise<FileHandle>;

  constructor(readonly path: string, name?: string) {
    this.name = name ?? basename(path);
  }

  private file(): Promise<FileHandle> {
    this.handle ??= open(this.path, 'r').catch((e: NodeJS.ErrnoException) => {
      this.handle = undefined;
      throw new BinlogReadError('io', this.name, 0, `cannot open ${this.path}: ${e.code ?? e.message}`, { cause: e });
    });
    return this.handle;
  }

  async size(): Promise<number> {
    const fh = await this.file();
    return (await fh.stat()).size;
  }

  async read(pos: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    const got = await this.readInto(buf, 0, pos, len);
    return got === len ? buf : buf.subarray(0, got);
  }

  async readInto(target: Buffer, offset: number, pos: number, len: number): Promise<number> {
    const fh = await this.file();
    let got = 0;
    // A single read may return less than asked even before EOF; loop until EOF or full.
    while (got < len) {
      const { bytesRead } = await fh.read(target, offset + got, len - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}

/** Bytes already in memory (tests, fixtures, a diff being assembled). */
export class BufferSource implements ByteSource {
  constructor(readonly name: string, private readonly data: Buffer) {}
  async size(): Promise<number> { return this.data.length; }
  async read(pos: number, len: number): Promise<Buffer> {
    return this.data.subarray(pos, Math.min(pos + len, this.data.length));
  }
  async readInto(target: Buffer, offset: number, pos: number, len: number): Promise<number> {
    return this.data.copy(target, offset, Math.min(pos, this.data.length), Math.min(pos + len, this.data.length));
  }
  async close(): Promise<void> { /* nothing to release */ }
}

/** The SFTP calls SftpFileSource uses: a narrow slice of ssh2's SFTPWrapper, so tests can fake it. */
export type SftpReadApi = Pick<SFTPWrapper, 'open' | 'read' | 'fstat' | 'close'>;

export interface SftpSourceOptions {
  /** How the source is named in messages (default host-less path). */
  name?: string;
  /** Bytes per SFTP READ request; OpenSSH serves up to 256 KiB minus overhead. */
  requestSize?: number;
  /** READ requests in flight at once: hides the round trip on high-latency links. */
  concurrency?: number;
}

/**
 * A file on a remote host, read with SFTP ranged reads. A large read is split into requests that are
 * all in flight together (ssh2 would otherwise issue them one after another, one round trip each).
 */
export class SftpFileSource implements ByteSource {
  readonly name: string;
  private handle?: Promise<Buffer>;
  private readonly requestSize: number;
  private readonly concurrency: number;

  constructor(private readonly sftp: SftpReadApi, readonly path: string, opts: SftpSourceOptions = {}) {
    this.name = opts.name ?? path;
    this.requestSize = opts.requestSize ?? 255 * 1024;
    this.concurrency = opts.concurrency ?? 16;
  }

  private fileHandle(): Promise<Buffer> {
    this.handle ??= new Promise<Buffer>((resolve, reject) => {
      this.sftp.open(this.path, 'r', (err, h) => (err
        ? reject(new BinlogReadError('io', this.name, 0, `cannot open over SFTP: ${err.message}`, { cause: err }))
        : resolve(h)));
    });
    this.handle.catch(() => { this.handle = undefined; });
    return this.handle;
  }

  async size(): Promise<number> {
    const h = await this.fileHandle();
    return new Promise((resolve, reject) => {
      this.sftp.fstat(h, (err, st) => (err
        ? reject(new BinlogReadError('io', this.name, 0, `SFTP fstat failed: ${err.message}`, { cause: err }))
        : resolve(st.size)));
    });
  }

  async read(pos: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    const total = await this.readInto(buf, 0, pos, len);
    return total === len ? buf : buf.subarray(0, total);
  }

  async readInto(target: Buffer, offset: number, pos: number, len: number): Promise<number> {
    const h = await this.fileHandle();
    const buf = target.subarray(offset, offset + len);
    const pieces: { off: number; len: number }[] = [];
    for (let off = 0; off < len; off += this.requestSize) pieces.push({ off, len: Math.min(this.requestSize, len - off) });
    const got = new Array<number>(pieces.length).fill(0);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pieces.length) {
        const i = next++;
        got[i] = await this.readFully(h, buf, pieces[i]!.off, pieces[i]!.len, pos);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, pieces.length) }, worker));
    // The data is contiguous up to the first short piece (end of file).
    let total = 0;
    for (let i = 0; i < pieces.length; i++) {
      total += got[i]!;
      if (got[i]! < pieces[i]!.len) break;
    }
    return total;
  }

  /** One piece; servers may answer a READ with fewer bytes than asked, so ask again for the rest. */
  private async readFully(h: Buffer, buf: Buffer, off: number, len: number, base: number): Promise<number> {
    let got = 0;
    while (got < len) {
      const n = await new Promise<number>((resolve, reject) => {
        this.sftp.read(h, buf, off + got, len - got, base + off + got, (err, bytesRead) => {
          if (err && (err as { code?: unknown }).code !== 1 /* SSH_FX_EOF */) {
            reject(new BinlogReadError('io', this.name, base + off + got, `SFTP read failed: ${err.message}`, { cause: err }));
          } else resolve(err ? 0 : bytesRead);
        });
      });
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (!h) return;
    const handle = await h.catch(() => undefined);
    if (!handle) return;
    await new Promise<void>((resolve) => this.sftp.close(handle, () => resolve()));
  }
}

/** Run `fn` with a source and always close it. */
export async function withSource<T>(source: ByteSource, fn: (s: ByteSource) => Promise<T>): Promise<T> {
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}

/** Read [start, end) of a source in chunks (stops early at the end of the file). */
export async function* rangeChunks(src: ByteSource, start: number, end: number, chunk = 1 << 20): AsyncGenerator<Buffer> {
  for (let p = start; p < end; p += chunk) {
    const b = await src.read(p, Math.min(chunk, end - p));
    if (b.length === 0) break;
    yield b;
  }
}

/**
 * Small reads near each other served from one block read ahead: the raw events a scan reads again, one by one,
 * after the reader passed them (a remote file: one SFTP round trip per block, not per event).
 */
export class BlockCache {
  private block: { start: number; bytes: Buffer } | undefined;
  constructor(private readonly source: ByteSource, private readonly blockSize = 1 << 20) {}

  async read(pos: number, len: number): Promise<Buffer> {
    const b = this.block;
    if (b && pos >= b.start && pos + len <= b.start + b.bytes.length) return b.bytes.subarray(pos - b.start, pos - b.start + len);
    if (len > this.blockSize) return this.source.read(pos, len);
    this.block = { start: pos, bytes: await this.source.read(pos, this.blockSize) };
    return this.block.bytes.subarray(0, len);
  }
}
