// The Temporal dev server for the lab, the tests and the demo: the official CLI's `server start-dev`
// with a SQLite file (history survives restarts), started and watched by us (not the SDK's 5 s launcher).
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { labPaths, repoRoot } from './layout';
import { LabError, pidAlive, readPid, sh, sleep, spawnDaemon, tcpOpen, waitFor } from './system';
import { SEARCH_ATTRIBUTES, temporalNamespace } from '../src/temporal/config';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
// httpPort: the frontend's HTTP API (Temporal's default 7243), which the failover command uses to start fast.
const FRONTEND = { ip: '127.0.0.1', port: 7233, uiPort: 8233, httpPort: 7243 };

export function toolsDir(): string {
  return process.env.MHAFLOW_TOOLS_DIR ?? resolve(repoRoot(), '.tools');
}

/** A shared cache outside the checkout, so a fresh clone on the same machine does not rebuild. */
function cacheBinDir(): string {
  return resolve(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'mhaflow', 'bin');
}

export function findTemporalCli(): string | null {
  if (process.env.TEMPORAL_CLI && existsSync(process.env.TEMPORAL_CLI)) return process.env.TEMPORAL_CLI;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  for (const p of [join(toolsDir(), 'bin', 'temporal'), join(cacheBinDir(), 'temporal')]) if (existsSync(p)) return p;
  return null;
}

/** Build the pinned CLI once (later versions carry a replace directive and cannot be go-installed). */
export function buildTemporalCli(log: (m: string) => void): string {
  const bin = join(cacheBinDir(), 'temporal');
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheBinDir()} (once; a few minutes)`);
  mkdirSync(cacheBinDir(), { recursive: true });
  sh(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOTOOLCHAIN: 'local', GOBIN: cacheBinDir() }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!existsSync(bin)) throw new LabError(`go install did not produce ${bin}`);
  return bin;
}

function paths() {
  const dir = labPaths().temporalDir;
  return { dir, db: join(dir, 'temporal.db'), pid: join(dir, 'temporal.pid'), log: join(dir, 'server.log') };
}

export function temporalPid(): number | null {
  return readPid(paths().pid);
}

export async function temporalUp(log: (m: string) => void = () => {}): Promise<{ pid: number; reused: boolean; cli: string }> {
  const cli = findTemporalCli() ?? buildTemporalCli(log);
  const p = paths();
  mkdirSync(p.dir, { recursive: true });
  const running = temporalPid();
  if (running && await tcpOpen(FRONTEND.ip, FRONTEND.port)) {
    if (await tcpOpen(FRONTEND.ip, FRONTEND.httpPort)) return { pid: running, reused: true, cli };
    // Ours, started by an older mhaflow without the HTTP API: restart it (its history is in the SQLite file).
    log(`restarting the Temporal dev server (pid ${running}) to open its HTTP API on ${FRONTEND.ip}:${FRONTEND.httpPort}`);
    await temporalDown();
  }
  if (await tcpOpen(FRONTEND.ip, FRONTEND.port)) {
    // Not ours (another checkout's or a user's): use it if it serves our namespace, else say so.
    try {
      await waitForFrontend(5_000);
    } catch {
      throw new LabError(`something else listens on ${FRONTEND.ip}:${FRONTEND.port} and does not answer as a Temporal frontend`, { hint: 'stop it, or point TEMPORAL_ADDRESS at a Temporal server' });
    }
    log(`using the Temporal server already listening on ${FRONTEND.ip}:${FRONTEND.port} (not started here; \`temporal down\` will not stop it)`);
    return { pid: 0, reused: true, cli };
  }
  const args = ['server', 'start-dev', '--db-filename', p.db, '--ip', FRONTEND.ip, '--port', String(FRONTEND.port), '--ui-port', String(FRONTEND.uiPort), '--http-port', String(FRONTEND.httpPort),
    '--namespace', temporalNamespace(), '--log-level', 'warn', '--log-format', 'json',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`])];
  // The CLI has no pid file option: spawnDaemon records the pid of the exec'd server.
  spawnDaemon(cli, args, { log: p.log, pidFile: p.pid });
  await waitFor(`the Temporal dev server on ${FRONTEND.ip}:${FRONTEND.port} (log: ${p.log})`, async () => {
    if (!temporalPid() && existsSync(p.pid)) throw new LabError(`the Temporal dev server exited during start-up; see ${p.log}`);
    return tcpOpen(FRONTEND.ip, FRONTEND.port);
  }, 60_000, 100);
  await waitForFrontend();
  return { pid: temporalPid()!, reused: false, cli };
}

/** The port opens before the frontend serves: wait until a real RPC (describe namespace) answers. */
async function waitForFrontend(timeoutMs = 60_000): Promise<void> {
  const { Connection } = await import('@temporalio/client');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await Connection.connect({ address: `${FRONTEND.ip}:${FRONTEND.port}`, connectTimeout: '2s' });
      try {
        await c.workflowService.describeNamespace({ namespace: temporalNamespace() });
        return;
      } finally {
        await c.close();
      }
    } catch (e) {
      if (Date.now() > deadline) throw new LabError(`the Temporal frontend did not answer within ${timeoutMs / 1000} s: ${(e as Error).message}`);
      await sleep(200);
    }
  }
}

export async function temporalDown(): Promise<boolean> {
  const pid = temporalPid();
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await sleep(100);
  }
  return true;
}

export async function temporalStatus(): Promise<{ pid: number | null; listening: boolean; db: string; log: string }> {
  const p = paths();
  return { pid: temporalPid(), listening: await tcpOpen(FRONTEND.ip, FRONTEND.port), db: p.db, log: p.log };
}
