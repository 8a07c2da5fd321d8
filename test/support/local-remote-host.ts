// Shared by the binlog-rewrite, ssh-sftp, ssh-check, failover-diff and failover-apply tests: a stand-in for an SSH host whose SFTP calls are
// served by the local filesystem (a "remote" path is the same path here, under a temp directory) and
// whose exec is handed to the test; the diff fixtures they build; mariadb-binlog's output, read as
// the oracle of what a replay would do.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { LocalFileSource } from '../../src/binlog/source';
import { binlogTail } from '../../src/binlog/tail';
import { filteredLayout, layoutChunks, type DiffSource } from '../../src/binlog/rewrite';
import type { ExecResult, SshSession } from '../../src/ssh/session';

export const FIX = resolve(__dirname, '..', 'fixtures', 'binlog', 'mariadb-10.11');
/** 15 transactions (0-91-84..98, row events, CRC32); its Format_description was written at server startup. */
export const M4 = join(FIX, 'master-bin.000004');
/** Inside transaction 0-91-88 of M4: after its Table_map, before its Write_rows. */
export const M4_SPLIT = 2695;
export const M4_GTIDS = Array.from({ length: 15 }, (_, i) => `0-91-${84 + i}`);

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The diff file the failover writes for these parts (filteredLayout + layoutChunks). */
export async function diffBytes(parts: DiffSource[]): Promise<Buffer> {
  const layout = await filteredLayout(parts);
  const chunks: Buffer[] = [];
  for await (const c of layoutChunks(layout, parts)) chunks.push(c);
  const out = Buffer.concat(chunks);
  assert.equal(out.length, layout.size);
  return out;
}

/**
 * A diff of `file` from `from` made of two parts that split one transaction at `at` (as a relay log
 * rotated mid-transaction, or a replica's relay log continued by the dead master's binlog).
 */
export async function splitDiff(file: string, from: number, at: number): Promise<Buffer> {
  const a = new LocalFileSource(file);
  const b = new LocalFileSource(file);
  try {
    const head = await binlogTail(a, from, { to: at, keepIncompleteTail: true });
    const rest = await binlogTail(b, at);
    assert.ok(head.incompleteTail && rest.startsMidTransaction, `${at} is inside a transaction`);
    return await diffBytes([{ source: a, plan: head, layout: 'binlog' }, { source: b, plan: rest, layout: 'binlog' }]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** mariadb-binlog's SQL text for a binlog file. */
export function binlogText(path: string, startPosition?: number): string {
  return execFileSync('mariadb-binlog', [...(startPosition ? [`--start-position=${startPosition}`] : []), path], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/**
 * What a client fed this text commits, in order, as a server would: a "trans" GTID opens a transaction
 * that COMMIT commits and a ROLLBACK discards; a "ddl" GTID commits at once. `rolledBack` lists the
 * transactions a ROLLBACK cut short. Stops after `limit` commits (a lost connection).
 */
export function replay(text: string, limit = Infinity): { committed: string[]; rolledBack: string[]; positions: Map<string, number> } {
  const committed: string[] = [];
  const rolledBack: string[] = [];
  const positions = new Map<string, number>();
  let open: string | undefined;
  let at = 0;
  for (const line of text.split('\n')) {
    if (committed.length >= limit) break;
    const pos = /^# at (\d+)$/.exec(line);
    if (pos) { at = Number(pos[1]); continue; }
    const gtid = /\tGTID (\d+-\d+-\d+) (trans|ddl)/.exec(line);
    if (gtid) {
      positions.set(gtid[1]!, at);
      if (gtid[2] === 'ddl') committed.push(gtid[1]!);
      else open = gtid[1];
    } else if (/^COMMIT\b/.test(line) && open) {
      committed.push(open);
      open = undefined;
    } else if (/^ROLLBACK\b/.test(line) && open) {
      rolledBack.push(open);
      open = undefined;
    }
  }
  return { committed, rolledBack, positions };
}

type Cb<T = void> = (err: Error | null | undefined, v?: T) => void;

function handleOf(fd: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(fd);
  return h;
}

/** The SFTP calls the failover and the check use (writes, renames, ranged reads, listings, statvfs), on the local filesystem. */
export function localSftp(): SFTPWrapper {
  const sftp = {
    stat: (p: string, cb: Cb<fs.Stats>) => fs.stat(p, cb),
    mkdir: (p: string, attrs: { mode?: number }, cb: Cb) => fs.mkdir(p, { mode: attrs.mode }, (e) => cb(e)),
    createWriteStream: (p: string, o?: { mode?: number }) => fs.createWriteStream(p, { mode: o?.mode }),
    ext_openssh_rename: (from: string, to: string, cb: Cb) => fs.rename(from, to, (e) => cb(e)),
    unlink: (p: string, cb: Cb) => fs.unlink(p, (e) => cb(e)),
    readFile: (p: string, cb: Cb<Buffer>) => fs.readFile(p, cb),
    open: (p: string, flags: string, a: { mode?: number } | Cb<Buffer>, b?: Cb<Buffer>) => {
      const cb = (typeof a === 'function' ? a : b)!;
      fs.open(p, flags, typeof a === 'function' ? undefined : a.mode, (e, fd) => cb(e, e ? undefined : handleOf(fd)));
    },
    lstat: (p: string, cb: Cb<fs.Stats>) => fs.lstat(p, cb),
    realpath: (p: string, cb: Cb<string>) => fs.realpath(p, cb),
    fstat: (h: Buffer, cb: Cb<fs.Stats>) => fs.fstat(h.readUInt32LE(), cb),
    read: (h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (e: Error | null, n: number) => void) => fs.read(h.readUInt32LE(), buf, off, len, pos, (e, n) => cb(e, n)),
    close: (h: Buffer, cb: Cb) => fs.close(h.readUInt32LE(), (e) => cb(e)),
    readdir: (p: string, cb: Cb<{ filename: string }[]>) => fs.readdir(p, (e, names) => cb(e, names?.map((filename) => ({ filename })))),
    ext_openssh_statvfs: (p: string, cb: Cb<{ f_frsize: number; f_bavail: number }>) =>
      fs.statfs(p, (e, st) => cb(e, e ? undefined : { f_frsize: st.bsize, f_bavail: st.bavail })),
  };
  return sftp as unknown as SFTPWrapper;
}

/** An SshSession on the local filesystem; every exec goes to `onExec` (and is recorded in `execs`). */
export function localSession(name: string, onExec: (argv: string[]) => ExecResult | Promise<ExecResult> = () => ({ code: 127, stdout: '', stderr: 'no exec here' })):
  SshSession & { execs: string[][] } {
  const sftp = localSftp();
  const execs: string[][] = [];
  const session = {
    target: { name, host: name, port: 22, user: 'root' },
    execs,
    sftp: async () => sftp,
    exec: async (cmd: (string | number)[] | string) => {
      const argv = typeof cmd === 'string' ? [cmd] : cmd.map(String);
      execs.push(argv);
      return onExec(argv);
    },
    run: async () => { throw new Error('run is not used by the failover\'s remote-file code'); },
  };
  return session as unknown as SshSession & { execs: string[][] };
}

const dirs: string[] = [];
process.on('exit', () => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A temporary directory, removed when the test process exits. */
export function tempDir(): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'mhaflow-test-'));
  dirs.push(d);
  return d;
}

/** Temporary files a write left next to its target. */
export function tempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));
}
