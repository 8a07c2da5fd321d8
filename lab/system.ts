// Small process and system helpers used by the lab (local machine only; never remote).
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MhaflowError } from '../src/errors';

export class LabError extends MhaflowError {}

export function sh(cmd: string, args: string[], opts: SpawnSyncOptions & { allowFail?: boolean } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  const out = { code: r.status ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? (r.error ? r.error.message : '')) };
  if (out.code !== 0 && !opts.allowFail) {
    throw new LabError(`${cmd} ${args.join(' ')} failed (exit ${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
  }
  return out;
}

/** Run a command, resolve with its output; for parallel work (spawnSync would serialise). */
export function shAsync(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.stdin.on('error', () => { /* the command may exit before reading its input */ });
    p.on('close', (code) => {
      const r = { code: code ?? 1, stdout, stderr };
      if (r.code !== 0 && !opts.allowFail) reject(new LabError(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${stderr.trim() || stdout.trim()}`));
      else resolve(r);
    });
    p.stdin.end(opts.input ?? '');
  });
}

/**
 * Start a long-running daemon detached from us, its output appended to `log`. With `pidFile`, the daemon's
 * pid is recorded there (for programs that write none themselves); a stale one is removed first, so it can
 * never be mistaken for the new daemon.
 */
export function spawnDaemon(cmd: string, args: string[], opts: { log?: string; pidFile?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const argv = opts.pidFile ? ['/bin/sh', '-c', 'echo $$ > "$0"; exec "$@"', opts.pidFile, cmd, ...args] : [cmd, ...args];
  if (opts.pidFile) rmSync(opts.pidFile, { force: true });
  // setsid + a shell that backgrounds the daemon and exits: the daemon is never our child, so it
  // cannot linger as our zombie after a kill, and it survives the CLI or test process that started it.
  sh('/bin/sh', ['-c', 'log="$1"; shift; setsid "$@" </dev/null >>"$log" 2>&1 &', 'sh', opts.log ?? '/dev/null', ...argv], opts.env ? { env: opts.env } : {});
}

/** Alive and not a zombie (a killed daemon whose parent has not reaped it is gone for our purposes). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procStat(pid);
  return stat !== null && stat[0] !== 'Z';
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses): [0] is field 3 (state),
 * [1] the parent's pid, [11..14] utime, stime, cutime, cstime in clock ticks. null when the process is gone.
 */
export function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Send `signal`, then wait until the process is gone; SIGKILL once `killAfterMs` have passed. */
export async function stopPid(pid: number, opts: { signal?: NodeJS.Signals; killAfterMs?: number; pollMs?: number } = {}): Promise<void> {
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // gone already
    }
  };
  send(opts.signal ?? 'SIGTERM');
  const deadline = Date.now() + (opts.killAfterMs ?? 15_000);
  while (pidAlive(pid)) {
    if (Date.now() > deadline) send('SIGKILL');
    await sleep(opts.pollMs ?? 50);
  }
}

/**
 * A daemon's pid file as spawnDaemon's shell writes it, read once: not written yet (absent, or created and still empty:
 * the shell is starting), or its pid and whether that process runs. Reading it twice (does a live pid exist? does the
 * file exist?) raced with the shell creating it, and took a starting daemon for one that had exited.
 */
export function pidFileState(file: string): { written: false } | { written: true; pid: number; alive: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return { written: false };
  }
  const pid = Number(text);
  if (!text || !Number.isInteger(pid) || pid <= 0) return { written: false };
  return { written: true, pid, alive: pidAlive(pid) };
}

/** The pid a daemon's pid file names, while that process runs; else null. */
export function readPid(file: string): number | null {
  const s = pidFileState(file);
  return s.written && s.alive ? s.pid : null;
}

export function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return listening({ host, port }, timeoutMs);
}

/** Whether a unix socket accepts a connection (a mariadbd's local socket: root's lab SQL goes through it). */
export function socketOpen(path: string, timeoutMs = 500): Promise<boolean> {
  return listening({ path }, timeoutMs);
}

function listening(to: { host: string; port: number } | { path: string }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(to);
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new LabError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Packages this process found installed: a lab reset need not ask dpkg again. */
const installed = new Set<string>();

/** Debian packages the lab needs; installed with apt-get when we are root, else we say what to install. */
export function ensurePackages(pkgs: string[], log: (m: string) => void = () => {}): void {
  const unknown = pkgs.filter((p) => !installed.has(p));
  if (!unknown.length) return;
  // One dpkg-query for all: a line per package, "name status" (a package dpkg never heard of has no line).
  const lines = sh('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...unknown], { allowFail: true }).stdout.split('\n');
  for (const l of lines) if (l.endsWith('install ok installed')) installed.add(l.split(' ')[0]!.split(':')[0]!);
  const missing = unknown.filter((p) => !installed.has(p));
  if (!missing.length) return;
  if (!isRoot()) {
    throw new LabError(`missing Debian packages: ${missing.join(' ')}`, { hint: `run as root: apt-get install -y ${missing.join(' ')}` });
  }
  log(`installing ${missing.join(' ')} with apt-get`);
  sh('apt-get', ['update', '-qq'], { allowFail: true });
  sh('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
