// The SSH sessions one activity uses, one per server, opened on first use and released together.
import { serverByName } from '../config/servers';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { sshConnections } from './cache';
import { openSsh, type SshSession } from './session';

/**
 * SSH sessions used during one activity. In a worker they come from the worker-wide cache (cache.ts)
 * and are released at the end; elsewhere they are opened here and closed together.
 */
export class SshPool {
  private sessions = new Map<string, { session: Promise<SshSession>; done: () => void }>();
  constructor(readonly cfg: ClusterConfig, private readonly timeoutMs?: number) {}

  get(server: ServerConfig | string): Promise<SshSession> {
    const s = typeof server === 'string' ? serverByName(this.cfg, server) : server;
    let held = this.sessions.get(s.name);
    if (!held) {
      const opts = this.timeoutMs ? { timeoutMs: this.timeoutMs } : {};
      if (sshConnections.active) {
        const lease = sshConnections.acquire(this.cfg, s, opts);
        held = { session: lease.session, done: lease.release };
      } else {
        const session = openSsh(this.cfg, s, opts);
        held = { session, done: () => void session.then((x) => x.close(), () => {}) };
      }
      const h = held;
      h.session.catch(() => {
        if (this.sessions.get(s.name) === h) this.sessions.delete(s.name);
        h.done();
      });
      this.sessions.set(s.name, h);
    }
    return held.session;
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (h) => {
      await h.session.catch(() => undefined);
      h.done();
    }));
  }
}

export async function withPool<T>(cfg: ClusterConfig, fn: (pool: SshPool) => Promise<T>, timeoutMs?: number): Promise<T> {
  const pool = new SshPool(cfg, timeoutMs);
  try {
    return await fn(pool);
  } finally {
    await pool.closeAll();
  }
}
