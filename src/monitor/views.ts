// Reading the cluster for the monitor: every server's state (for the warnings and the master), and each
// replica's link with the master (IO thread, last error, heartbeats received: its progress token). The
// watcher keeps one connection per server; a confirmation opens its own.
import type { ClusterConfig, ServerConfig } from '../config/schema';
import type { ReplicaView } from '../contracts/monitor';
import { MhaflowError } from '../errors';
import { connectServer, queryOne, readServerState, type Connection, type ServerState } from '../mysql/client';
import type { DiscoveredServer } from '../mysql/discover';
import { heartbeatStatusQuery } from '../mysql/sql';
import type { ReplicaStatus } from '../mysql/status';
import { advanceMarks, progressToken, type ReplicaMarks, type Silence } from './silence';

export interface ServerRead {
  name: string;
  state: ServerState | null;
  error?: string;
  hint?: string;
  /** Replicas: heartbeats received and MASTER_HEARTBEAT_PERIOD (null when the server could not say). */
  heartbeat: { received: number | null; periodSec: number | null } | null;
}

async function readOne(conn: Connection, server: ServerConfig): Promise<Omit<ServerRead, 'name'>> {
  const state = await readServerState(conn, server);
  if (!state.replica) return { state, heartbeat: null };
  const row = await queryOne(conn, heartbeatStatusQuery(state)).catch(() => undefined);
  const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
  return { state, heartbeat: { received: num(row?.received), periodSec: num(row?.period) } };
}

/** One connection per server, kept between reads and opened again after an error. */
export class KeptConnections {
  private conns = new Map<string, Connection>();
  constructor(private readonly cfg: ClusterConfig, private readonly timeoutMs: number) {}

  /** A server that stops answering mid-read (stalled) is given up after three connect timeouts: the reader never hangs. */
  async read(server: ServerConfig): Promise<ServerRead> {
    let conn = this.conns.get(server.name);
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!conn) {
        conn = await connectServer(this.cfg, server, { connectTimeoutMs: this.timeoutMs });
        this.conns.set(server.name, conn);
      }
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${3 * this.timeoutMs} ms`)), 3 * this.timeoutMs);
      });
      return { name: server.name, ...(await Promise.race([readOne(conn, server), deadline])) };
    } catch (e) {
      conn?.destroy();
      this.conns.delete(server.name);
      return { name: server.name, state: null, error: e instanceof Error ? e.message : String(e), ...(e instanceof MhaflowError && e.hint ? { hint: e.hint } : {}), heartbeat: null };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.destroy();
    this.conns.clear();
  }
}

/** Read servers on connections of their own, closed after. */
export async function readServersOnce(cfg: ClusterConfig, servers: ServerConfig[], timeoutMs: number): Promise<ServerRead[]> {
  const kept = new KeptConnections(cfg, timeoutMs);
  try {
    return await Promise.all(servers.map((s) => kept.read(s)));
  } finally {
    kept.close();
  }
}

/**
 * Every configured server, the master last: a replica read after its master could look ahead of it (errant)
 * when it is only newer. `master`: the server believed to be the master (null: read all at once).
 */
export async function readCluster(cfg: ClusterConfig, master: string | null, read: (s: ServerConfig) => Promise<ServerRead>): Promise<ServerRead[]> {
  const others = cfg.servers.filter((s) => s.name !== master && !s.binlogServer);
  const reads = await Promise.all(others.map(read));
  const m = cfg.servers.find((s) => s.name === master && !s.binlogServer);
  if (m) reads.push(await read(m));
  return cfg.servers.flatMap((s) => reads.filter((r) => r.name === s.name));
}

/** The shape the check's rules read (no extras: sources are matched by configured host, aliases and port). */
export function asDiscovered(cfg: ClusterConfig, reads: ServerRead[]): DiscoveredServer[] {
  return reads.map((r) => {
    const s = cfg.servers.find((x) => x.name === r.name)!;
    return { name: r.name, host: s.host, port: s.port, state: r.state, ...(r.error ? { error: r.error } : {}), ...(r.hint ? { hint: r.hint } : {}), extras: null };
  });
}

/** Whether a replica channel replicates from this server (its configured host or an alias, and its port). */
export function pointsAt(r: ReplicaStatus, server: ServerConfig): boolean {
  const host = r.sourceHost.toLowerCase();
  return r.sourcePort === server.port && [server.host, ...(server.aliases ?? [])].some((h) => h.toLowerCase() === host);
}

/** Each replica's progress token (null when it could not be read). */
export function progressSamples(reads: ServerRead[]): { server: string; token: string | null }[] {
  return reads.filter((r) => !r.state || r.state.replica).map((r) => ({
    server: r.name,
    token: r.state?.replica ? progressToken({ ...r.state.replica, receivedHeartbeats: r.heartbeat?.received ?? null }) : null,
  }));
}

/** How each replica sees the master, with the silence the marks measure. */
export function replicaViews(reads: ServerRead[], master: ServerConfig, silence: Record<string, Silence>): ReplicaView[] {
  return reads.filter((r) => r.name !== master.name).map((r): ReplicaView => {
    const rs = r.state?.replica ?? null;
    const s = silence[r.name] ?? { silentMs: null, heardWithinMs: null };
    return {
      server: r.name, reachable: r.state !== null, ...(r.error ? { error: r.error } : {}),
      pointsAtMaster: rs !== null && pointsAt(rs, master),
      ioRunning: rs?.ioRunning ?? null, lastIoErrno: rs?.lastIoErrno ?? 0, lastIoError: rs?.lastIoError ?? '',
      heartbeatPeriodSec: r.heartbeat?.periodSec ?? null, silentMs: s.silentMs, heardWithinMs: s.heardWithinMs,
    };
  });
}

/** Sample: new marks, and the views of the master's replicas. */
export function observe(reads: ServerRead[], master: ServerConfig, marks: ReplicaMarks, now: number): { marks: ReplicaMarks; views: ReplicaView[] } {
  const next = advanceMarks(marks, progressSamples(reads), now);
  return { marks: next.marks, views: replicaViews(reads, master, next.silence) };
}
