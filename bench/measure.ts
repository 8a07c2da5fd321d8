// What the benchmarks measure on the lab, shared by bench/failover.ts and bench/monitor.ts: the first survivor
// to turn writable (polled every 20 ms), whether every replica replicates from the new master afterwards, the
// replicas catching up before the data oracle runs, and the work a failover had to do (transactions to recover).
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { connectServer, queryRows, showReplicaStatus, type Connection } from '../src/mysql/client';

/** Polls every survivor's read_only every 20 ms on its own connection; remembers the first read_only=0. */
export class WritablePoller {
  private conns = new Map<string, Connection | null>();
  private stopped = false;
  private loops: Promise<void>[] = [];
  first?: { server: string; at: number };

  constructor(private readonly cfg: ClusterConfig, private readonly servers: ServerConfig[]) {}

  private async connect(s: ServerConfig): Promise<Connection | null> {
    try { return await connectServer(this.cfg, s, { connectTimeoutMs: 500 }); } catch { return null; }
  }

  async open(): Promise<void> {
    await Promise.all(this.servers.map(async (s) => this.conns.set(s.name, await this.connect(s))));
  }

  /** Start polling; read_only=0 counts only from `since` on. */
  start(since: number): void {
    this.loops = this.servers.map(async (s) => {
      while (!this.stopped && !this.first) {
        const tick = Date.now();
        let conn = this.conns.get(s.name) ?? null;
        if (!conn) { conn = await this.connect(s); this.conns.set(s.name, conn); }
        if (conn) {
          try {
            const [row] = await queryRows(conn, 'SELECT @@global.read_only AS ro');
            const at = Date.now();
            if (Number(row?.ro) === 0 && at >= since && !this.first) this.first = { server: s.name, at };
          } catch {
            conn.destroy();
            this.conns.set(s.name, null);
          }
        }
        const wait = 20 - (Date.now() - tick);
        if (wait > 0) await sleep(wait);
      }
    });
  }

  /** Wait (up to ms) for a writable server after the command ended, then stop. */
  async finish(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.first && Date.now() < deadline) await sleep(20);
    this.stopped = true;
    await Promise.all(this.loops);
    for (const c of this.conns.values()) c?.destroy();
  }
}

async function adminRows(cfg: ClusterConfig, s: ServerConfig, sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
  const conn = await connectServer(cfg, s, { connectTimeoutMs: 2000 });
  try { return await queryRows(conn, sql, values); } finally { conn.destroy(); }
}

/** Every survivor other than the new master replicates from it with both threads running (waits up to 10 s). */
export async function checkRepointed(cfg: ClusterConfig, newMaster: ServerConfig, replicas: ServerConfig[]): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const problems: string[] = [];
    for (const r of replicas) {
      try {
        const [st] = await adminRows(cfg, r, 'SHOW SLAVE STATUS');
        if (!st) { problems.push(`${r.name}: not a replica`); continue; }
        const src = `${st.Master_Host}:${st.Master_Port}`;
        if (st.Master_Host !== newMaster.host || Number(st.Master_Port) !== newMaster.port) problems.push(`${r.name}: replicates from ${src}, not ${newMaster.name}`);
        else if (st.Slave_IO_Running !== 'Yes' || st.Slave_SQL_Running !== 'Yes') {
          problems.push(`${r.name}: IO ${st.Slave_IO_Running} SQL ${st.Slave_SQL_Running} ${st.Last_IO_Error || st.Last_SQL_Error || ''}`.trim());
        }
      } catch (e) {
        problems.push(`${r.name}: ${(e as Error).message}`);
      }
    }
    if (!problems.length || Date.now() > deadline) return problems;
    await sleep(100);
  }
}

/** After the writer stopped: let each repointed replica apply everything the new master has (MASTER_POS_WAIT). */
export async function waitCaughtUp(cfg: ClusterConfig, newMaster: ServerConfig, replicas: ServerConfig[]): Promise<void> {
  const [ms] = await adminRows(cfg, newMaster, 'SHOW MASTER STATUS');
  if (!ms) return;
  await Promise.all(replicas.map((r) => adminRows(cfg, r, 'SELECT MASTER_POS_WAIT(?, ?, 30) AS w', [ms.File, Number(ms.Position)]).catch(() => [])));
}

export function serverByRef(cfg: ClusterConfig, ref: string | undefined): ServerConfig | undefined {
  if (!ref) return undefined;
  const bare = ref.replace(/:(\d+)$/, '');
  const port = /:(\d+)$/.exec(ref)?.[1];
  return cfg.servers.find((s) => s.name === ref || (s.host === bare && (!port || s.port === Number(port))));
}

/** Seconds with two decimals, for the tables. */
export const secs = (ms?: number) => (ms === undefined ? undefined : (ms / 1000).toFixed(2));

export function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

/** Where a survivor's replication stood right after the master died: in the dead master's binlog coordinates. */
export interface SurvivorAtKill { server: string; execFile: string; exec: number; readFile: string; read: number }

/** Each survivor's executed and received positions, read on connections opened before the kill (one query each). */
export async function survivorsAtKill(conns: Map<string, Connection>): Promise<SurvivorAtKill[]> {
  return Promise.all([...conns].map(async ([server, c]) => {
    const st = await showReplicaStatus(c);
    return { server, execFile: st?.relaySourceLogFile ?? '', exec: st?.execSourceLogPos ?? 0, readFile: st?.sourceLogFile ?? '', read: st?.readSourceLogPos ?? 0 };
  }));
}

/**
 * The work a failover had to do, counted in transactions (XID events) of the dead master's binlog file, so that two
 * tools' runs can be compared: for each survivor, what it had received but not executed (its relay log: exec..read)
 * and what it never received (read..end: only the dead master's binlog has it); the tail is what no survivor received.
 */
export interface RecoveryWork { tail: number; survivors: { server: string; relay: number; binlogOnly: number }[] }

export function recoveryWork(binlogPath: string, at: SurvivorAtKill[]): RecoveryWork | undefined {
  const file = binlogPath.split('/').pop();
  if (!at.length || at.some((s) => s.execFile !== file || s.readFile !== file)) return undefined; // rotated in between: not counted
  const xids = (from: number, to?: number) => {
    const r = spawnSync('mariadb-binlog', [`--start-position=${from}`, ...(to !== undefined ? [`--stop-position=${to}`] : []), binlogPath], { encoding: 'utf8', maxBuffer: 512 << 20 });
    if (r.status !== 0) throw new Error(`mariadb-binlog ${binlogPath}: ${r.stderr.trim()}`);
    return (r.stdout.match(/\tXid = /g) ?? []).length;
  };
  const maxRead = Math.max(...at.map((s) => s.read));
  return {
    tail: xids(maxRead),
    survivors: at.map((s) => ({ server: s.server, relay: s.read > s.exec ? xids(s.exec, s.read) : 0, binlogOnly: xids(s.read) })),
  };
}

export const describeWork = (w?: RecoveryWork) =>
  (w ? `tail ${w.tail}; ${w.survivors.map((s) => `${s.server} ${s.relay}+${s.binlogOnly}`).join(', ')}` : undefined);
