// Ship a diff (header + byte ranges of one or more sources) to a file on a target host over SFTP:
// streamed in chunks with pipelined writes, sha256 computed on the way, verified with sha256sum on the
// target, written under a temporary name and renamed into place. Re-running the same step finds the
// identical file (same size and sha256) and reuses it instead of rewriting it.
//
// Only bench/binlog-scan.ts uses this (one-part tails). The failover builds, writes and applies its diffs
// with src/failover/diff.ts, remote.ts and apply.ts. Not for multi-part diffs: layoutDiff keeps each part's
// Format_description, at which mysqlbinlog rolls back a transaction split between two parts.
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { RemoteCommandError } from '../errors';
import type { SshSession } from '../ssh/session';
import { BinlogReadError } from './errors';
import type { ByteSource } from './source';
import { layoutDiff, type DiffLayout, type DiffSegment, type TailPlan } from './tail';

/** What shipDiff and remoteFileSource need of an SSH session (SshSession satisfies it). */
export type RemoteHost = Pick<SshSession, 'exec' | 'run' | 'sftp'> & { readonly target: { name: string; host: string } };

/** The SFTP calls used to write files. */
type SftpWriteApi = Pick<SFTPWrapper, 'open' | 'write' | 'close' | 'rename' | 'unlink' | 'stat'> & Partial<Pick<SFTPWrapper, 'ext_openssh_rename'>>;

export interface ShipPart {
  plan: TailPlan;
  source: ByteSource;
}

export interface ShipOptions {
  /** Absolute path of the diff file on the target host (its directory is created if missing). */
  remotePath: string;
  /** The diff's sha256 when known (e.g. from a previous attempt): spares re-reading the sources to check reuse. */
  expectedSha256?: string;
  /** Bytes read from the sources per step (default 4 MiB). */
  chunkSize?: number;
  /** Bytes per SFTP WRITE request and how many are in flight. */
  requestSize?: number;
  concurrency?: number;
  /** File mode of the diff and its index (default 0600: binlogs hold data). */
  mode?: number;
}

export interface ShipResult {
  remotePath: string;
  /** remotePath + ".idx": one line of header, then the start of each transaction (for resuming). */
  indexPath: string;
  size: number;
  sha256: string;
  transactions: number;
  /** An identical file was already there: nothing was written. */
  reused: boolean;
  bytesSent: number;
  durationMs: number;
}

/** Name of the index file written next to a diff. */
function diffIndexPath(remotePath: string): string {
  return `${remotePath}.idx`;
}

/**
 * The index file: a header line, then one start position per transaction, for an applier resuming at
 * transaction N+1 (none reads it now: the failover's apply finds its resume point from the target's binlog).
 */
function formatDiffIndex(layout: Pick<DiffLayout, 'size' | 'transactionStarts' | 'formatDescriptions'>, sha256: string): string {
  const fdes = layout.formatDescriptions.map((f) => `${f.pos}:${f.size}`).join(',');
  return `mhaflow-diff-index v1 size=${layout.size} sha256=${sha256} transactions=${layout.transactionStarts.length} fdes=${fdes}\n${
    layout.transactionStarts.map((p) => `${p}\n`).join('')}`;
}

export async function shipDiff(host: RemoteHost, parts: ShipPart[], opts: ShipOptions): Promise<ShipResult> {
  const started = Date.now();
  if (!posix.isAbsolute(opts.remotePath)) throw new RemoteCommandError(`remote path must be absolute: ${opts.remotePath}`, { server: host.target.name });
  const layout = layoutDiff(parts.map((p) => p.plan));
  const sources = parts.map((p) => p.source);
  const sftp = await host.sftp() as unknown as SftpWriteApi;
  const mode = opts.mode ?? 0o600;
  const indexPath = diffIndexPath(opts.remotePath);
  await host.run(['mkdir', '-p', '--', posix.dirname(opts.remotePath)], { what: 'create the remote diff directory' });

  const existing = await remoteSize(sftp, opts.remotePath);
  if (existing === layout.size) {
    const sha = opts.expectedSha256 ?? await hashLayout(layout, sources, opts.chunkSize);
    if (await remoteSha256(host, opts.remotePath) === sha) {
      await writeSmallFile(host, sftp, indexPath, formatDiffIndex(layout, sha), mode);
      return { remotePath: opts.remotePath, indexPath, size: layout.size, sha256: sha, transactions: layout.transactions, reused: true, bytesSent: 0, durationMs: Date.now() - started };
    }
  }

  const tmp = tempName(opts.remotePath);
  let sha256: string;
  try {
    sha256 = await uploadLayout(sftp, tmp, layout, sources, { ...opts, mode });
    const remote = await remoteSha256(host, tmp);
    if (remote !== sha256) {
      throw new RemoteCommandError(`diff copy to ${host.target.host}:${tmp} is corrupt: sha256 ${remote} on the target, ${sha256} sent`, {
        server: host.target.name, hint: 'a disk or transfer problem on the target; the step can be retried',
      });
    }
    // The index first: a diff file in place always has its index.
    await writeSmallFile(host, sftp, indexPath, formatDiffIndex(layout, sha256), mode);
    await renameOver(host, sftp, tmp, opts.remotePath);
  } catch (e) {
    await unlinkQuietly(sftp, tmp);
    throw e;
  }
  return { remotePath: opts.remotePath, indexPath, size: layout.size, sha256, transactions: layout.transactions, reused: false, bytesSent: layout.size, durationMs: Date.now() - started };
}

/** Read the diff's bytes in order, chunk by chunk, from the segments' sources. */
async function* layoutChunks(layout: DiffLayout, sources: ByteSource[], chunkSize = 4 * 1024 * 1024): AsyncGenerator<Buffer> {
  for (const seg of layout.segments) {
    if (seg.kind === 'bytes') { yield seg.data; continue; }
    yield* rangeChunks(seg, sources, chunkSize);
  }
}

async function* rangeChunks(seg: Extract<DiffSegment, { kind: 'range' }>, sources: ByteSource[], chunkSize: number): AsyncGenerator<Buffer> {
  const src = sources[seg.part];
  if (!src) throw new BinlogReadError('io', '(diff)', seg.start, `no source for part ${seg.part}`);
  for (let p = seg.start; p < seg.end; p += chunkSize) {
    const want = Math.min(chunkSize, seg.end - p);
    const buf = await src.read(p, want);
    // The plan was made from these bytes: a shorter read means the source changed underneath.
    if (buf.length !== want) throw new BinlogReadError('truncated', src.name, p + buf.length, `source shrank while shipping (wanted ${want} bytes, got ${buf.length})`);
    yield buf;
  }
}

async function hashLayout(layout: DiffLayout, sources: ByteSource[], chunkSize?: number): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of layoutChunks(layout, sources, chunkSize)) h.update(chunk);
  return h.digest('hex');
}

async function uploadLayout(sftp: SftpWriteApi, path: string, layout: DiffLayout, sources: ByteSource[], opts: ShipOptions & { mode: number }): Promise<string> {
  const h = createHash('sha256');
  const w = await SftpPipelinedWriter.open(sftp, path, opts.mode, opts.requestSize, opts.concurrency);
  try {
    for await (const chunk of layoutChunks(layout, sources, opts.chunkSize)) {
      h.update(chunk);
      await w.write(chunk);
    }
    await w.close();
  } catch (e) {
    await w.close().catch(() => undefined);
    throw e;
  }
  return h.digest('hex');
}

/**
 * SFTP writes at explicit offsets with several requests in flight (ssh2's write stream sends one at a
 * time, paying a round trip per 256 KiB).
 */
class SftpPipelinedWriter {
  private pos = 0;
  private inFlight = new Set<Promise<void>>();
  private failure?: Error;

  private constructor(private readonly sftp: SftpWriteApi, private readonly path: string, private readonly handle: Buffer,
    private readonly requestSize: number, private readonly concurrency: number) {}

  static async open(sftp: SftpWriteApi, path: string, mode: number, requestSize = 255 * 1024, concurrency = 16): Promise<SftpPipelinedWriter> {
    const handle = await new Promise<Buffer>((resolve, reject) => {
      sftp.open(path, 'w', { mode }, (err, h) => (err ? reject(sftpError('open', path, err)) : resolve(h)));
    });
    return new SftpPipelinedWriter(sftp, path, handle, requestSize, concurrency);
  }

  async write(data: Buffer): Promise<void> {
    for (let off = 0; off < data.length; off += this.requestSize) {
      if (this.failure) throw this.failure;
      while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
      const piece = data.subarray(off, Math.min(off + this.requestSize, data.length));
      const at = this.pos;
      this.pos += piece.length;
      const p: Promise<void> = new Promise<void>((resolve) => {
        this.sftp.write(this.handle, piece, 0, piece.length, at, (err) => {
          if (err) this.failure ??= sftpError('write', this.path, err);
          resolve();
        });
      }).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.inFlight);
    await new Promise<void>((resolve, reject) => this.sftp.close(this.handle, (err) => (err ? reject(sftpError('close', this.path, err)) : resolve())));
    if (this.failure) throw this.failure;
  }
}

function sftpError(op: string, path: string, err: Error): RemoteCommandError {
  return new RemoteCommandError(`SFTP ${op} of ${path} failed: ${err.message}`, { cause: err, hint: 'check free space and permissions in the remote work directory' });
}

function tempName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function remoteSize(sftp: SftpWriteApi, path: string): Promise<number | undefined> {
  return new Promise((resolve) => sftp.stat(path, (err, st) => resolve(err ? undefined : st.size)));
}

/** sha256sum on the target (coreutils), or undefined when the file is missing. */
async function remoteSha256(host: RemoteHost, path: string): Promise<string | undefined> {
  const r = await host.exec(['sha256sum', '--', path]);
  if (r.code !== 0) {
    if (/No such file/i.test(r.stderr)) return undefined;
    throw new RemoteCommandError(`sha256sum ${path} failed on ${host.target.host}: ${r.stderr.trim()}`, { server: host.target.name, hint: 'install coreutils sha256sum on the target' });
  }
  return /^([0-9a-f]{64})\s/.exec(r.stdout)?.[1];
}

/** Atomic replace: posix-rename@openssh.com when offered, else mv -f (same directory, same filesystem). */
async function renameOver(host: RemoteHost, sftp: SftpWriteApi, from: string, to: string): Promise<void> {
  const ext = sftp.ext_openssh_rename;
  if (ext) {
    const ok = await new Promise<boolean>((resolve) => {
      try {
        ext.call(sftp, from, to, (err) => resolve(!err));
      } catch {
        resolve(false); // the server does not offer the extension
      }
    });
    if (ok) return;
  }
  await host.run(['mv', '-f', '--', from, to], { what: `rename ${from}` });
}

async function writeSmallFile(host: RemoteHost, sftp: SftpWriteApi, path: string, text: string, mode: number): Promise<void> {
  const tmp = tempName(path);
  try {
    const w = await SftpPipelinedWriter.open(sftp, tmp, mode);
    await w.write(Buffer.from(text));
    await w.close();
    await renameOver(host, sftp, tmp, path);
  } catch (e) {
    await unlinkQuietly(sftp, tmp);
    throw e;
  }
}

async function unlinkQuietly(sftp: SftpWriteApi, path: string): Promise<void> {
  await new Promise<void>((resolve) => sftp.unlink(path, () => resolve()));
}
