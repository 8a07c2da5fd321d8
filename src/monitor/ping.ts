// The manager's ping of the master (MHA ping_type): SELECT 1 on a kept connection, a new connection each
// time, or an insert into a small table of its own. A kept connection that drops (mysqld killed: the kernel
// closes it at once) wakes the watcher, which pings again at once instead of at the next interval.
import type { ClusterConfig, ServerConfig } from '../config/schema';
import type { PingErrorKind, PingResult, PingType } from '../contracts/monitor';
import { connectServer, type Connection } from '../mysql/client';

/** The server as the monitor reaches it: its monitorAddress when it has one. */
export function pingTarget(server: ServerConfig): ServerConfig {
  if (!server.monitorAddress) return server;
  const i = server.monitorAddress.lastIndexOf(':');
  return { ...server, host: server.monitorAddress.slice(0, i), port: Number(server.monitorAddress.slice(i + 1)) };
}

const CODES: Record<string, PingErrorKind> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset', EPIPE: 'reset', PROTOCOL_CONNECTION_LOST: 'reset', ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout', PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  EHOSTUNREACH: 'unreachable', ENETUNREACH: 'unreachable', EHOSTDOWN: 'unreachable', ENOTFOUND: 'unreachable', EAI_AGAIN: 'unreachable',
};

/** What a ping's error says about the server. An SQL error (errno 1000-1999, or an SQLSTATE) came from a running server. */
export function classifyPingError(e: unknown): { kind: PingErrorKind; code: string; message: string } {
  let err = e as { code?: string; errno?: number; sqlState?: string; message?: string; cause?: unknown };
  // connectServer wraps the driver's error in a ConnectionError: the driver's code is on its cause.
  if (!err.code && err.cause) err = err.cause as typeof err;
  const code = err.code ?? '';
  const message = (err.message ?? String(e)).split('\n')[0]!;
  if (typeof err.sqlState === 'string' || (typeof err.errno === 'number' && err.errno >= 1000 && err.errno < 2000)) return { kind: 'answered', code, message };
  return { kind: CODES[code] ?? 'other', code: code || 'ERROR', message };
}

const INSERT_PING = [
  'CREATE DATABASE IF NOT EXISTS mhaflow',
  'CREATE TABLE IF NOT EXISTS mhaflow.monitor_ping (id TINYINT UNSIGNED NOT NULL PRIMARY KEY, at BIGINT NOT NULL) ENGINE=InnoDB',
];

export class MasterPinger {
  private conn: Connection | null = null;
  private prepared = false;
  private waker: (() => void) | null = null;

  constructor(private readonly cfg: ClusterConfig, readonly server: ServerConfig, private readonly type: PingType, private readonly timeoutMs: number) {}

  /** Resolves when the kept connection drops (or after ms): the caller pings again at once. */
  waitForDrop(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.waker === done) this.waker = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waker = done;
    });
  }

  private dropped(conn: Connection): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.prepared = false;
    conn.destroy();
    this.waker?.();
  }

  private async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    const conn = await connectServer(this.cfg, pingTarget(this.server), { connectTimeoutMs: this.timeoutMs });
    conn.on('end', () => this.dropped(conn));
    conn.on('error', () => this.dropped(conn));
    this.conn = conn;
    return conn;
  }

  async ping(): Promise<PingResult> {
    const t0 = Date.now();
    const at = new Date(t0).toISOString();
    try {
      const conn = await this.connection();
      if (this.type === 'connect') {
        this.conn = null;
        conn.destroy();
      } else if (this.type === 'select') {
        await conn.query({ sql: 'SELECT 1', timeout: this.timeoutMs });
      } else {
        if (!this.prepared) for (const sql of INSERT_PING) await conn.query({ sql, timeout: this.timeoutMs });
        this.prepared = true;
        await conn.query({ sql: 'INSERT INTO mhaflow.monitor_ping (id, at) VALUES (1, ?) ON DUPLICATE KEY UPDATE at = VALUES(at)', values: [t0], timeout: this.timeoutMs });
      }
      return { at, ok: true, ms: Date.now() - t0 };
    } catch (e) {
      const c = this.conn;
      if (c) this.dropped(c);
      return { at, ok: false, ms: Date.now() - t0, error: classifyPingError(e) };
    }
  }

  close(): void {
    const c = this.conn;
    this.conn = null;
    c?.destroy();
  }
}

/** One ping on a connection of its own (the confirmation's pings: the watcher's connection is not shared). */
export async function pingOnce(cfg: ClusterConfig, server: ServerConfig, type: PingType, timeoutMs: number): Promise<PingResult> {
  const p = new MasterPinger(cfg, server, type, timeoutMs);
  try {
    return await p.ping();
  } finally {
    p.close();
  }
}
