// The remote run directory a failover writes diffs into (and the admin user's client then replays): before
// anything is written there, it must be ours alone. Another local user who can rename or replace a directory
// on its path could swap a diff between its checksum and its replay, or read the client's defaults file: SQL
// run as the admin user. So every directory on the path is owned by the SSH user or root, and none is writable
// by group or others unless sticky (in a sticky /tmp-like directory only an entry's owner can move it: the
// next component must then be ours); the run directory itself is ours and 0700.
import { posix } from 'node:path';
import { SafetyError } from '../errors';
import { mkdirRemote } from './sftp';
import type { SshSession } from './session';

type Sftp = Awaited<ReturnType<SshSession['sftp']>>;

/** One path component as lstat saw it. */
export interface PathFacts {
  path: string;
  uid: number;
  /** st_mode: type and permission bits. */
  mode: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const STICKY = 0o1000;

export interface UnsafePath {
  path: string;
  problem: string;
}

const perms = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Pure: the first unsafe component of a run directory's path, or null. `chain` lists every component from
 * the root to the run directory (last), each as lstat saw it; `ownUid` is the SSH user's uid.
 */
export function unsafeRunDir(chain: PathFacts[], ownUid: number): UnsafePath | null {
  const trusted = (uid: number) => uid === 0 || uid === ownUid;
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const type = c.mode & S_IFMT;
    const last = i === chain.length - 1;
    const who = `owned by uid ${c.uid}, mode ${perms(c.mode)}`;
    if (last) {
      if (type !== S_IFDIR) return { path: c.path, problem: `is not a directory (${type === S_IFLNK ? 'a symbolic link' : 'a file'}, ${who})` };
      if (c.uid !== ownUid) return { path: c.path, problem: `is not owned by the SSH user (uid ${ownUid}) but by uid ${c.uid}, mode ${perms(c.mode)}` };
      if (c.mode & 0o077) return { path: c.path, problem: `is open to group or others (${who}; it must be 0700)` };
      return null;
    }
    if (!trusted(c.uid)) return { path: c.path, problem: `is ${who}: neither the SSH user (uid ${ownUid}) nor root` };
    if (type === S_IFLNK) continue;
    if (type !== S_IFDIR) return { path: c.path, problem: `is not a directory (${who})` };
    if (c.mode & 0o022 && !(c.mode & STICKY)) return { path: c.path, problem: `is writable by group or others without the sticky bit (${who})` };
  }
  return null;
}

/** "/", "/a", "/a/b" ... for an absolute path. */
export function pathChain(path: string): string[] {
  const parts = posix.normalize(path).split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

function call<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

async function lstatChain(sftp: Sftp, path: string): Promise<PathFacts[]> {
  return Promise.all(pathChain(path).map(async (p) => {
    const st = await call<{ uid: number; mode: number }>((cb) => sftp.lstat(p, cb));
    return { path: p, uid: st.uid, mode: st.mode };
  }));
}

const uids = new WeakMap<SshSession, number>();

/** The SSH user's uid, from a file it creates in `dir` (SFTP has no getuid); once per session. */
async function ownUid(session: SshSession, sftp: Sftp, dir: string): Promise<number> {
  const known = uids.get(session);
  if (known !== undefined) return known;
  const probe = posix.join(dir, `.owner-probe-${process.pid}-${Date.now().toString(36)}`);
  const handle = await call<Buffer>((cb) => sftp.open(probe, 'wx', { mode: 0o600 }, cb));
  try {
    const st = await call<{ uid: number }>((cb) => sftp.fstat(handle, cb));
    uids.set(session, st.uid);
    return st.uid;
  } finally {
    await call<void>((cb) => sftp.close(handle, cb)).catch(() => {});
    await call<void>((cb) => sftp.unlink(probe, cb)).catch(() => {});
  }
}

/**
 * Create the run directory if needed (mode 0700) and check its whole path; a SafetyError naming the path,
 * its owner and mode, and what to do, when it is not safe. Run before a diff is written there and before it
 * is replayed.
 */
export async function secureRunDir(session: SshSession, runDir: string): Promise<void> {
  const server = session.target.name;
  const user = session.target.user;
  const refuse = (u: UnsafePath) => new SafetyError(
    `the run directory ${runDir} on ${server} is not safe for diffs replayed as the MySQL admin user: ${u.path} ${u.problem}`, {
      server,
      hint: `make every directory down to ${posix.dirname(runDir)} owned by ${user} or root and not writable by group or others `
        + `(e.g. chown ${user} DIR; chmod go-w DIR), remove ${runDir} if someone else made it, or set workdirs.remote `
        + '(servers[].remoteWorkdir) to a directory only the SSH user can write',
    });
  await mkdirRemote(session, runDir);
  const sftp = await session.sftp();
  let uid: number;
  try {
    uid = await ownUid(session, sftp, runDir);
  } catch (e) {
    const [facts] = (await lstatChain(sftp, runDir)).slice(-1);
    throw refuse({ path: runDir, problem: `cannot be written by ${user} (${(e as Error).message}; owned by uid ${facts?.uid}, mode ${perms(facts?.mode ?? 0)})` });
  }
  const chain = await lstatChain(sftp, runDir);
  const lexical = unsafeRunDir(chain, uid);
  if (lexical) throw refuse(lexical);
  // A symbolic link on the way (owned by us or root): the directories it leads to must be safe too.
  if (chain.some((c) => (c.mode & S_IFMT) === S_IFLNK)) {
    const real = await call<string>((cb) => sftp.realpath(runDir, cb));
    const resolved = unsafeRunDir(await lstatChain(sftp, real), uid);
    if (resolved) throw refuse(resolved);
  }
}
