// The Temporal dev server for the lab, the tests and the demo: the official CLI's `server start-dev`
// with a SQLite file (history survives restarts), started and watched by us (not the SDK's 5 s launcher).
// The shared one (`mhaflow temporal up`) is a daemon on 127.0.0.1:7233; ownTemporal() is a private one that
// a durability case may kill -9 and restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { labPaths, repoRoot } from './layout';
import { LabError, pidFileState, readPid, sh, spawnDaemon, stopPid, tcpOpen, waitFor } from './system';
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
  const args = startDevArgs(p.db, FRONTEND.port, { uiPort: FRONTEND.uiPort, httpPort: FRONTEND.httpPort });
  // The CLI has no pid file option: spawnDaemon records the pid of the exec'd server.
  spawnDaemon(cli, args, { log: p.log, pidFile: p.pid });
  await waitFor(`the Temporal dev server on ${FRONTEND.ip}:${FRONTEND.port} (log: ${p.log})`, async () => {
    const started = pidFileState(p.pid);
    if (started.written && !started.alive) throw new LabError(`the Temporal dev server exited during start-up; see ${p.log}`);
    return tcpOpen(FRONTEND.ip, FRONTEND.port);
  }, 60_000, 100);
  await waitForFrontend();
  return { pid: temporalPid()!, reused: false, cli };
}

/**
 * `temporal server start-dev` on 127.0.0.1: a SQLite file, our namespace and search attributes; the Web UI and HTTP API
 * when asked. Two settings halve each step's round trip through the server (measured: 47 -> 24 ms per activity):
 * - SQLite in WAL mode with synchronous=NORMAL: a commit no longer waits for an fsync. A killed server loses nothing
 *   (the WAL is in the file system); only a power loss could lose the last commits, as for the lab's replicas.
 * - eager activity execution: an activity scheduled by a workflow task comes back in the answer to that task, without
 *   a trip through the task queue (docker-compose's Temporal turns it on too: deploy/temporal/dynamicconfig.yaml).
 */
function startDevArgs(db: string, port: number, ui: { uiPort?: number; httpPort?: number } = {}): string[] {
  return ['server', 'start-dev', '--db-filename', db, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal',
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true', '--ip', FRONTEND.ip, '--port', String(port),
    ...(ui.uiPort ? ['--ui-port', String(ui.uiPort)] : ['--headless']), ...(ui.httpPort ? ['--http-port', String(ui.httpPort)] : []),
    '--namespace', temporalNamespace(), '--log-level', 'warn', '--log-format', 'json',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`])];
}

/** The port opens before the frontend serves: whether a real RPC (describe namespace) answers. */
async function frontendAnswers(address: string): Promise<boolean> {
  const { Connection } = await import('@temporalio/client');
  try {
    const c = await Connection.connect({ address, connectTimeout: '2s' });
    try {
      await c.workflowService.describeNamespace({ namespace: temporalNamespace() });
      return true;
    } finally {
      await c.close();
    }
  } catch {
    return false;
  }
}

async function waitForFrontend(timeoutMs = 60_000): Promise<void> {
  const address = `${FRONTEND.ip}:${FRONTEND.port}`;
  await waitFor(`the Temporal frontend on ${address} to answer (log: ${paths().log})`, () => frontendAnswers(address), timeoutMs, 200);
}

export async function temporalDown(): Promise<boolean> {
  const pid = temporalPid();
  if (!pid) return false;
  await stopPid(pid, { pollMs: 100 });
  return true;
}

export async function temporalStatus(): Promise<{ pid: number | null; listening: boolean; db: string; log: string }> {
  const p = paths();
  return { pid: temporalPid(), listening: await tcpOpen(FRONTEND.ip, FRONTEND.port), db: p.db, log: p.log };
}

/** A private dev server (never the shared one): for the case that kill -9s the Temporal server mid-failover. */
export interface OwnTemporal { address: string; httpAddress: string | null; /** The server's log file. */ log: string; kill(): Promise<void>; start(): Promise<void>; stop(): Promise<void> }

/** httpPort: also open the HTTP API there (the failover command's way in). */
export function ownTemporal(port = 7333, opts: { httpPort?: number } = {}): OwnTemporal {
  const cli = findTemporalCli();
  if (!cli) throw new LabError('no temporal CLI', { hint: 'npx mhaflow temporal up builds it' });
  const dir = join(labPaths().root, 'temporal-own');
  mkdirSync(dir, { recursive: true });
  const address = `${FRONTEND.ip}:${port}`;
  const log = join(dir, 'server.log');
  let child: ChildProcess | null = null;
  const self: OwnTemporal = {
    address, log,
    httpAddress: opts.httpPort ? `${FRONTEND.ip}:${opts.httpPort}` : null,
    async start() {
      const out = openSync(log, 'a');
      child = spawn(cli, startDevArgs(join(dir, `temporal-${port}.db`), port, { httpPort: opts.httpPort }), { stdio: ['ignore', out, out] });
      const c = child;
      await waitFor(`own Temporal server on ${address}`, async () => {
        if (c.exitCode !== null) throw new LabError(`own Temporal server exited with ${c.exitCode}; see ${log}`);
        return frontendAnswers(address);
      }, 60_000, 200);
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
      child = null;
    },
    async stop() { await self.kill(); },
  };
  return self;
}
