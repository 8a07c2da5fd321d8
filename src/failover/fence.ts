// Fencing a dead master so it can never take writes again, and proving it: over SSH, stop the mysqld that
// listens on its port (kill -9 works on a stalled, SIGSTOPped process too), then connect to the port from its
// own host until connections are refused. A master that cannot be fenced this way needs the shutdown hook
// (STONITH); without either, the failover refuses unless told --no-fence (src/failover/decisions.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerConfig } from '../config/schema';
import type { SshSession } from '../ssh/session';
import { connectFromOwnHost, pingFromOwnHost, viewFromOwnHost, type MysqlAnswer } from './deadmaster';

export interface Listener { address: string; port: number; pid: number; command: string }

/** `ss -Hltnp` lines as listeners: "LISTEN 0 80 127.0.0.11:3306 0.0.0.0:* users:(("mariadbd",pid=123,fd=20))". */
export function parseListeners(ssOutput: string): Listener[] {
  const out: Listener[] = [];
  for (const line of ssOutput.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const local = cols[3]!;
    const m = /^(.*):(\d+)$/.exec(local);
    if (!m) continue;
    const address = m[1]!.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    for (const u of line.matchAll(/\("([^"]*)",pid=(\d+)/g)) out.push({ address, port: Number(m[2]), pid: Number(u[2]), command: u[1]! });
  }
  return out;
}

const WILDCARD = new Set(['0.0.0.0', '*', '::', '']);

/**
 * The mysqld processes serving host:port: those bound to one of its addresses, else to every address.
 * null when ambiguous (listeners on other addresses only: another server on the same host).
 */
export function mysqldListening(listeners: Listener[], addresses: string[], port: number): Listener[] | null {
  const onPort = listeners.filter((l) => l.port === port);
  const exact = onPort.filter((l) => addresses.includes(l.address));
  if (exact.length) return exact;
  const wild = onPort.filter((l) => WILDCARD.has(l.address));
  if (wild.length) return wild;
  return onPort.length ? null : [];
}

export interface StopResult {
  /** What was killed (pid and command), if anything was listening. */
  killed: { pid: number; command: string }[];
  /** Each thing tried, for the history. */
  notes: string[];
}

/** Run as the SSH user; when that is not allowed (a non-root user, mysqld owned by mysql), with sudo -n. */
async function privileged(s: SshSession, argv: (string | number)[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await s.exec(argv, { timeoutMs: 10_000 });
  if (r.code === 0 && (argv[0] !== 'ss' || /pid=/.test(r.stdout) || !r.stdout.trim())) return r;
  const sudo = await s.exec(['sudo', '-n', ...argv], { timeoutMs: 10_000 });
  return sudo.code === 0 ? sudo : r;
}

/** Kill -9 the mysqld serving the dead master's port on its host. */
export async function stopMysqld(s: SshSession, dead: ServerConfig): Promise<StopResult> {
  const notes: string[] = [];
  const ss = await privileged(s, ['ss', '-Hltnp']);
  if (ss.code !== 0) return { killed: [], notes: [`ss -ltnp failed on ${dead.name}'s host (exit ${ss.code}): ${ss.stderr.trim()}`] };
  const found = mysqldListening(parseListeners(ss.stdout), [dead.host, ...(dead.aliases ?? [])], dead.port);
  if (found === null) return { killed: [], notes: [`something listens on port ${dead.port} of ${dead.name}'s host, but not on ${dead.host}: not killed (which server is it?)`] };
  if (!found.length) return { killed: [], notes: [`nothing listens on ${dead.host}:${dead.port} on ${dead.name}'s host`] };
  const killed: StopResult['killed'] = [];
  for (const l of found) {
    const r = await privileged(s, ['kill', '-9', l.pid]);
    if (r.code === 0) killed.push({ pid: l.pid, command: l.command });
    else notes.push(`kill -9 ${l.pid} (${l.command}) failed: ${(r.stderr || r.stdout).trim()}`);
  }
  if (killed.length) notes.push(`killed ${killed.map((k) => `${k.command} pid ${k.pid}`).join(', ')} listening on ${dead.host}:${dead.port}`);
  return { killed, notes };
}

/** Until connections to the port are refused on its own host (a killed process takes a moment), at most timeoutMs. */
export async function waitPortRefused(s: SshSession, dead: ServerConfig, timeoutMs = 5000): Promise<{ refused: boolean; view: MysqlAnswer | null; detail: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await pingFromOwnHost(s, dead, 1000);
    if (!p) return { refused: false, view: null, detail: `sshd on ${dead.name}'s host forbids forwarding: its port cannot be checked from there` };
    if (p.view === 'refused') return { refused: true, view: p.view, detail: p.detail };
    if (Date.now() > deadline) return { refused: false, view: p.view, detail: p.detail };
    await sleep(100);
  }
}

/**
 * Stop the mysqld serving the dead master's port, and wait until the port refuses connections from its own host.
 * One channel to the port from its own host (a round trip), opened first: refused, with no alias to look for, means
 * nothing there is left to kill (what `ss` would find: only listeners on its address or on every address count) and
 * is the proof; `ss` is a remote command, which costs the login shell's start (150-550 ms on the lab). Otherwise the
 * same channel waits for the server's first packet while `ss` runs: when nothing had to be killed, that look is the proof.
 */
export async function stopMysqldAndWait(s: SshSession, dead: ServerConfig): Promise<{ stop: StopResult; port: Awaited<ReturnType<typeof waitPortRefused>> }> {
  const connecting = connectFromOwnHost(s, dead);
  if (!dead.aliases?.length) {
    const c = await connecting;
    if (c && 'view' in c && c.view === 'refused') {
      const notes = [`nothing listens on ${dead.host}:${dead.port} on ${dead.name}'s host (refused from there): nothing to kill`];
      return { stop: { killed: [], notes }, port: { refused: true, view: c.view, detail: c.detail } };
    }
  }
  // With aliases, ss starts without waiting for the connect: a refusal on the host's address proves nothing about them.
  const [stop, early] = await Promise.all([stopMysqld(s, dead), connecting.then((c) => viewFromOwnHost(c, dead, 1000))]);
  if (!stop.killed.length && early?.view === 'refused') return { stop, port: { refused: true, view: early.view, detail: early.detail } };
  return { stop, port: await waitPortRefused(s, dead) };
}
