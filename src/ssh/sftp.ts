// Remote files over SFTP on an SSH session: directories, streamed atomic writes with a sha256, digests,
// small text files, and a remote file as a ByteSource (src/binlog/source: ranged reads, nothing copied
// whole). SFTP calls are a round trip each; an SSH exec would cost a channel setup (~80 ms on the lab).
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { rangeChunks, SftpFileSource, type ByteSource } from '../binlog/source';
import type { SshSession } from './session';

type Sftp = Awaited<ReturnType<SshSession['sftp']>>;

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

const exists = (sftp: Sftp, path: string) => sftpCall<unknown>((cb) => sftp.stat(path, cb)).then(() => true, () => false);

/** mkdir -p (mode 0700 for what it creates). */
export async function mkdirRemote(s: SshSession, dir: string): Promise<void> {
  const sftp = await s.sftp();
  if (await exists(sftp, dir)) return;
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    if (await exists(sftp, p)) continue;
    await sftpCall<void>((cb) => sftp.mkdir(p, { mode: 0o700 }, cb)).catch(async (e) => {
      if (!(await exists(sftp, p))) throw e;
    });
  }
}

/** Whether a remote path exists (whatever it is). */
export async function remoteExists(s: SshSession, path: string): Promise<boolean> {
  return exists(await s.sftp(), path);
}

/** A remote file as a ByteSource, named "server:path" in messages. */
export async function remoteSource(s: SshSession, path: string): Promise<ByteSource> {
  return new SftpFileSource(await s.sftp(), path, { name: `${s.target.name}:${path}` });
}

/** A remote file's sha256 and size, or null when it does not exist (read over SFTP, hashed here). */
export async function remoteFileDigest(s: SshSession, path: string): Promise<{ sha256: string; bytes: number } | null> {
  const sftp = await s.sftp();
  if (!(await exists(sftp, path))) return null;
  const src = await remoteSource(s, path);
  try {
    const size = await src.size();
    const hash = createHash('sha256');
    for await (const b of rangeChunks(src, 0, size, 4 << 20)) hash.update(b);
    return { sha256: hash.digest('hex'), bytes: size };
  } finally {
    await src.close();
  }
}

/** Remove a remote file; one that is not there is not an error. */
export async function removeRemote(s: SshSession, path: string): Promise<void> {
  const sftp = await s.sftp();
  await sftpCall<void>((cb) => sftp.unlink(path, cb)).catch(() => {});
}

export interface WrittenFile { path: string; sha256: string; bytes: number }

/**
 * Write a remote file from a stream of chunks, atomically (a temporary name, then rename), computing
 * the sha256 on the way. Several targets can be written from one pass (the dead master's tail). A retry
 * writes the same bytes again (the contents are deterministic) and renames over the earlier file.
 */
export async function writeRemoteFiles(
  targets: { session: SshSession; path: string; mode?: number }[], chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<WrittenFile[]> {
  const hash = createHash('sha256');
  let bytes = 0;
  const streams = await Promise.all(targets.map(async (t) => {
    await mkdirRemote(t.session, posix.dirname(t.path));
    const sftp = await t.session.sftp();
    // A name of this attempt's own: an earlier attempt of the same step still writing (its worker lost
    // contact with Temporal, not dead) must not write into the file this one renames.
    const tmp = `${t.path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const ws = sftp.createWriteStream(tmp, { mode: t.mode ?? 0o600 });
    const failed = new Promise<never>((_, reject) => ws.on('error', reject));
    failed.catch(() => {});
    return { t, sftp, tmp, ws, failed };
  }));
  const writeAll = (buf: Buffer) => Promise.all(streams.map((s) => new Promise<void>((resolve, reject) => {
    const ok = s.ws.write(buf, (err) => (err ? reject(err) : undefined));
    if (ok) resolve(); else s.ws.once('drain', resolve);
    s.failed.catch(reject);
  })));
  try {
    for await (const chunk of chunks) {
      if (chunk.length === 0) continue;
      hash.update(chunk);
      bytes += chunk.length;
      await writeAll(chunk);
    }
    await Promise.all(streams.map((s) => new Promise<void>((resolve, reject) => {
      s.ws.on('close', () => resolve());
      s.failed.catch(reject);
      s.ws.end();
    })));
    await Promise.all(streams.map((s) => sftpCall<void>((cb) => s.sftp.ext_openssh_rename(s.tmp, s.t.path, cb))));
  } catch (e) {
    // Leave nothing half-written behind (the target path still holds whatever it held before).
    await Promise.all(streams.map(async (s) => {
      s.ws.destroy();
      await sftpCall<void>((cb) => s.sftp.unlink(s.tmp, cb)).catch(() => {});
    }));
    throw e;
  }
  const sha256 = hash.digest('hex');
  return targets.map((t) => ({ path: t.path, sha256, bytes }));
}

/** A small remote text file (an index file). */
export async function readRemoteText(s: SshSession, path: string): Promise<string> {
  const sftp = await s.sftp();
  return (await sftpCall<Buffer>((cb) => sftp.readFile(path, cb))).toString('utf8');
}

/** The names in a remote directory, or null when it cannot be listed (missing, or not readable by the SSH user). */
export async function listRemoteDir(s: SshSession, dir: string): Promise<string[] | null> {
  const sftp = await s.sftp();
  return sftpCall<{ filename: string }[]>((cb) => sftp.readdir(dir, cb)).then((l) => l.map((e) => e.filename), () => null);
}

/** The first bytes of a remote file (fewer when it is shorter), or null when it cannot be read. */
export async function readRemoteHead(s: SshSession, path: string, bytes: number): Promise<Buffer | null> {
  const sftp = await s.sftp();
  let handle: Buffer;
  try {
    handle = await sftpCall<Buffer>((cb) => sftp.open(path, 'r', cb));
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = await new Promise<number>((resolve, reject) => sftp.read(handle, buf, 0, bytes, 0, (err, got) => (err ? reject(err) : resolve(got))));
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => {});
  }
}

/** Whether a remote path is a regular file with an execute bit. */
export async function remoteExecutable(s: SshSession, path: string): Promise<boolean> {
  const sftp = await s.sftp();
  return sftpCall<{ mode: number }>((cb) => sftp.stat(path, cb)).then((st) => (st.mode & 0o170000) === 0o100000 && (st.mode & 0o111) !== 0, () => false);
}

/** Whether the SSH user can create (mkdir -p) the directory and a file in it: one is created and removed. */
export async function remoteDirWritable(s: SshSession, dir: string): Promise<boolean> {
  try {
    await mkdirRemote(s, dir);
    const sftp = await s.sftp();
    const probe = posix.join(dir, `.mhaflow-check.${randomBytes(6).toString('hex')}`);
    const handle = await sftpCall<Buffer>((cb) => sftp.open(probe, 'wx', { mode: 0o600 }, cb));
    await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => {});
    await sftpCall<void>((cb) => sftp.unlink(probe, cb)).catch(() => {});
    return true;
  } catch {
    return false;
  }
}

/** Bytes available to the SSH user on the remote filesystem holding `path` (df's Available), or null when unknown. */
export async function remoteFreeBytes(s: SshSession, path: string): Promise<number | null> {
  const sftp = await s.sftp();
  try {
    // OpenSSH's statvfs@openssh.com extension; ssh2 throws at once when the server does not offer it.
    const st = await sftpCall<{ f_frsize: number; f_bavail: number }>((cb) => sftp.ext_openssh_statvfs(path, cb));
    return Number(st.f_bavail) * Number(st.f_frsize);
  } catch {
    return null;
  }
}
