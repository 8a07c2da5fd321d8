// A background worker for the demo (`mhaflow demo`), with a pid file under the lab dir.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { labPaths, repoRoot } from './layout';
import { pidAlive, readPid, sleep, spawnDaemon } from './system';

function files() {
  const root = labPaths().root;
  return { pid: join(root, 'worker.pid'), log: join(root, 'worker.log') };
}

export function backgroundWorkerPid(): number | null {
  return readPid(files().pid);
}

export async function startBackgroundWorker(): Promise<{ pid: number; log: string; reused: boolean }> {
  const f = files();
  const running = backgroundWorkerPid();
  if (running) return { pid: running, log: f.log, reused: true };
  const bin = resolve(repoRoot(), 'bin', 'mhaflow.js');
  spawnDaemon(process.execPath, [bin, 'worker', '--identity', 'mhaflow-demo-worker'], { log: f.log, pidFile: f.pid });
  for (let i = 0; i < 100 && !backgroundWorkerPid(); i++) await sleep(50);
  const pid = backgroundWorkerPid();
  if (!pid) throw new Error(`the background worker did not start; see ${f.log}`);
  return { pid, log: f.log, reused: false };
}

export async function stopBackgroundWorker(): Promise<boolean> {
  const pid = backgroundWorkerPid();
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && pidAlive(pid); i++) await sleep(50);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  if (existsSync(files().pid)) rmSync(files().pid);
  return true;
}
