// The lab is shared (one set of 127.0.0.11-14:3306/22): everyone who uses it takes this lock around a run,
// the same one the shell takes with `flock /tmp/mhaflow-lab.lock <command>`.
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { procStat } from '../lab/system';

export const LAB_LOCK = process.env.MHAFLOW_LAB_LOCK ?? '/tmp/mhaflow-lab.lock';

/** True when one of our ancestors (e.g. `flock /tmp/mhaflow-lab.lock npx tsx bench/failover.ts`) holds the lock
 *  file open: taking it again from here would wait forever. */
export function lockHeldByAncestor(path = LAB_LOCK): boolean {
  const target = resolve(path);
  let pid = process.ppid;
  for (let depth = 0; pid > 1 && depth < 32; depth++) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try { if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true; } catch { /* gone */ }
      }
      const stat = procStat(pid);
      if (!stat) return false;
      pid = Number(stat[1]);
    } catch {
      return false;
    }
  }
  return false;
}

export interface LabLock { release(): Promise<void>; waitedMs: number }

/**
 * Take the lab lock: a `flock LOCK cat` child holds it until we close its stdin (or die, which closes it too).
 * Says so after a few seconds of waiting, so a lab busy elsewhere is visible.
 */
export function acquireLabLock(opts: { path?: string; log?: (m: string) => void; timeoutMs?: number } = {}): Promise<LabLock> {
  const path = opts.path ?? LAB_LOCK;
  const t0 = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('flock', ['-w', String(Math.ceil((opts.timeoutMs ?? 3_600_000) / 1000)), path, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let got = false;
    const notice = setTimeout(() => opts.log?.(`waiting for the lab lock ${path} (another run is using the lab)`), 3000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!got && out.includes('locked')) {
        got = true;
        clearTimeout(notice);
        resolvePromise({
          waitedMs: Date.now() - t0,
          release: () => new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('close', () => r());
            child.stdin.end();
          }),
        });
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => { clearTimeout(notice); reject(e); });
    child.on('close', (code) => {
      clearTimeout(notice);
      if (!got) reject(new Error(`could not take the lab lock ${path} (flock exit ${code}): ${err.trim() || 'timed out'}`));
    });
  });
}

/** Run fn under the lab lock, unless an ancestor already holds it. */
export async function withLabLock<T>(fn: () => Promise<T>, opts: { log?: (m: string) => void } = {}): Promise<T> {
  if (lockHeldByAncestor()) return fn();
  const lock = await acquireLabLock(opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
