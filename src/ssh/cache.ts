// Worker-wide SSH connections. A failover's steps are separate activities that reach the same hosts one
// after another; each handshake costs ~80 ms on the lab (more across a WAN, and with PAM), so a worker
// keeps one connection per host and shares it. Host keys are verified at connect as always. A connection
// whose socket closes (host gone, keepalive timeout) is dropped at once; an idle one is closed after
// IDLE_MS, except the ones the worker keeps (its clusters' hosts, keep()): those stay open, and one that
// drops is opened again in the background, so that a failover an hour after the worker started finds its
// handshakes done as the first one does. One-shot processes (the CLI's in-process check, tests) never
// enable it: they open and close.
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { openSsh, sshTarget, type SshSession } from './session';

const IDLE_MS = 60_000;
const PROBE_MS = 2_000;
/** A kept connection that dropped is opened again after 1 s, then 2, 4, ... at most this long apart. */
const REOPEN_MAX_MS = 30_000;

/** One SFTP round trip within probeMs. */
async function answers(s: SshSession, probeMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), probeMs); });
  const probe = s.sftp().then((sftp) => new Promise<boolean>((resolve) => sftp.realpath('.', (err) => resolve(!err))), () => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SshLease {
  session: Promise<SshSession>;
  release: () => void;
}

interface Entry {
  session: Promise<SshSession>;
  leases: number;
  idle?: NodeJS.Timeout;
  closed: boolean;
}

interface Kept { cfg: ClusterConfig; server: ServerConfig; delayMs: number; timer?: NodeJS.Timeout; downSince?: number; attempts: number }

/** Where the cache says that a kept connection dropped, failed to open again, or is back (the worker's log). */
export interface CacheLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export class SshConnectionCache {
  private entries = new Map<string, Entry>();
  private kept = new Map<string, Kept>();
  private enabled = false;
  private log: CacheLog | undefined;

  constructor(private readonly idleMs = IDLE_MS, private readonly probeMs = PROBE_MS) {}

  /**
   * Called by the worker: from now on, connections outlive the activity that opened them. With a log, a kept
   * connection that drops, cannot be opened again, or is back says so: an operator sees which host a worker cannot
   * reach before a failover needs it (and the first of a run of failed attempts only, not every one).
   */
  enable(log?: CacheLog): void {
    this.enabled = true;
    this.log = log ?? this.log;
  }

  get active(): boolean {
    return this.enabled;
  }

  /** Everything that decides which connection it is: the endpoint, the login, the key, the pinned host keys. */
  static key(cfg: ClusterConfig, server: ServerConfig): string {
    const t = sshTarget(cfg, server);
    return `${t.user}@${t.host}:${t.port} key=${cfg.ssh.key} known=${cfg.ssh.knownHosts}`;
  }

  /**
   * A shared session (opened, or being opened, by whoever asked first); call release() when done with it.
   * An idle connection is probed first (an SFTP round trip, 2 s at most): a host that vanished while
   * it sat in the cache (its network gone, so no FIN ever came) costs a reconnect, not a hung step.
   */
  acquire(cfg: ClusterConfig, server: ServerConfig, opts: { timeoutMs?: number } = {}): SshLease {
    const key = SshConnectionCache.key(cfg, server);
    const existing = this.entries.get(key);
    const idleReuse = existing !== undefined && !existing.closed && existing.leases === 0;
    let current = this.lease(key, cfg, server, opts);
    if (!idleReuse) return current;
    const entry = this.entries.get(key)!;
    const session = entry.session.then(async (s) => {
      if (await answers(s, this.probeMs)) return s;
      current.release();
      this.drop(key, entry);
      s.close();
      current = this.lease(key, cfg, server, opts);
      return current.session;
    });
    return { session, release: () => current.release() };
  }

  private lease(key: string, cfg: ClusterConfig, server: ServerConfig, opts: { timeoutMs?: number }): SshLease {
    let e = this.entries.get(key);
    if (!e || e.closed) {
      // A worker's connection runs its commands through one long-lived shell (session.keepShell).
      const entry: Entry = { session: openSsh(cfg, server, opts).then((s) => { s.keepShell(); return s; }), leases: 0, closed: false };
      this.entries.set(key, entry);
      entry.session.then(
        (s) => {
          const k = this.kept.get(key);
          if (k) this.keptOpened(k);
          s.client.once('close', () => { this.drop(key, entry); this.keptDropped(key); this.reopenLater(key); });
        },
        (e: unknown) => { this.drop(key, entry); this.keptFailed(key, e); this.reopenLater(key); },
      );
      e = entry;
    }
    const entry = e;
    entry.leases++;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    let released = false;
    return {
      session: entry.session,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        if (entry.leases > 0 || entry.closed || this.kept.has(key)) return;
        entry.idle = setTimeout(() => {
          this.drop(key, entry);
          void entry.session.then((s) => s.close(), () => {});
        }, this.idleMs);
        entry.idle.unref();
      },
    };
  }

  /** Open connections to these servers in the background (errors are left for the step that needs the host). */
  warm(cfg: ClusterConfig, servers: ServerConfig[]): void {
    if (!this.enabled) return;
    for (const s of servers) this.open(cfg, s).catch(() => { /* left for the step that needs the host */ });
  }

  /** Open (or reuse) the connection to this server's host and leave it idle in the cache; rejects when it cannot. */
  async open(cfg: ClusterConfig, server: ServerConfig): Promise<void> {
    const lease = this.acquire(cfg, server);
    try {
      await lease.session;
    } finally {
      lease.release();
    }
  }

  /**
   * Keep the connection to this server's host open from now on: never closed for idleness, and opened again
   * (after 1 s, then twice as long each time, 30 s at most) whenever it drops or cannot be opened. Resolves
   * once the first attempt ends; rejects when it failed (the reopening goes on).
   */
  keep(cfg: ClusterConfig, server: ServerConfig): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const key = SshConnectionCache.key(cfg, server);
    if (!this.kept.has(key)) this.kept.set(key, { cfg, server, delayMs: 1000, attempts: 0 });
    return this.open(cfg, server); // its lease cancels an idle close already pending, and its release starts none
  }

  private reopenLater(key: string): void {
    const k = this.kept.get(key);
    if (!k || k.timer || this.entries.has(key)) return;
    k.timer = setTimeout(() => {
      k.timer = undefined;
      if (this.kept.get(key) !== k || this.entries.has(key)) return;
      k.delayMs = Math.min(k.delayMs * 2, REOPEN_MAX_MS);
      this.open(k.cfg, k.server).catch(() => { /* the failed lease schedules the next try */ });
    }, k.delayMs);
    k.timer.unref();
  }

  private keptOpened(k: Kept): void {
    if (k.downSince !== undefined) {
      this.log?.info({ host: k.server.host, server: k.server.name, attempts: k.attempts, downMs: Date.now() - k.downSince }, 'SSH: a kept connection is open again');
    }
    k.delayMs = 1000;
    k.downSince = undefined;
    k.attempts = 0;
  }

  private keptDropped(key: string): void {
    const k = this.kept.get(key);
    if (!k) return;
    k.downSince ??= Date.now();
    this.log?.info({ host: k.server.host, server: k.server.name, retryInMs: k.delayMs }, 'SSH: a kept connection closed; it is opened again in the background');
  }

  private keptFailed(key: string, e: unknown): void {
    const k = this.kept.get(key);
    if (!k) return;
    k.downSince ??= Date.now();
    if (++k.attempts === 1) {
      this.log?.warn({ host: k.server.host, server: k.server.name, err: e instanceof Error ? e.message : String(e), retryInMs: k.delayMs },
        'SSH: a kept connection cannot be opened; it is tried again in the background (1 s, then twice as long each time, 30 s at most)');
    }
  }

  /** Close every connection (worker shutdown). */
  async closeAll(): Promise<void> {
    for (const k of this.kept.values()) if (k.timer) clearTimeout(k.timer);
    this.kept.clear();
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (e) => {
      e.closed = true;
      if (e.idle) clearTimeout(e.idle);
      (await e.session.catch(() => undefined))?.close();
    }));
  }

  private drop(key: string, e: Entry): void {
    e.closed = true;
    if (e.idle) clearTimeout(e.idle);
    if (this.entries.get(key) === e) this.entries.delete(key);
  }
}

/** The worker process's connections (enabled by worker/worker.ts). */
export const sshConnections = new SshConnectionCache();
