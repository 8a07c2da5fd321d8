// Replication commands on one server, shared by the workflows that change a topology (failover, switchover).
// Each checks the server's state before acting, so that running it again (after a crash at any point) does
// nothing twice. Flavor differences come from sql.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterConfig } from '../config/schema';
import { resolveSecret } from '../config/secrets';
import { ConnectionError, MhaflowError, RefusedError } from '../errors';
import { formatCoordinates } from '../binlog/coordinates';
import { mariaGtidText } from '../binlog/gtid';
import { queryOne, showMasterStatus, showReplicaStatus, sqlTargetOf, type BinlogCoordinates, type Connection } from './client';
import {
  changeMasterTo, changeSourceDelay, executedGtidQuery, heldGtidQuery, readOnlyQuery, resetReplicaAll, setReadOnly, startReplica, stopReplica, waitForGtid, waitForPosition,
  waitOutcome, type SqlTarget, type WaitOutcome,
} from './sql';
import type { ReplicaStatus } from './status';

export type Heartbeat = (details?: unknown) => void;

export { sqlTargetOf };

export async function requireReplica(conn: Connection, server: string): Promise<ReplicaStatus> {
  const st = await showReplicaStatus(conn);
  if (!st) throw new RefusedError('is not a replica (no replica status)', { server });
  return st;
}

export interface PointAt {
  host: string;
  port: number;
  /** File/position replication: the coordinates to start from. */
  coords?: BinlogCoordinates;
  /** GTID replication (MASTER_USE_GTID / auto-position). */
  gtid?: 'slave_pos' | 'current_pos';
  /** MariaDB, with gtid 'slave_pos': the GTID position to start from, set as it is repointed (a rejoining old master). */
  gtidSlavePos?: string;
  delay?: number;
  /** START SLAVE once it points there (default); false leaves it stopped (a rejoin starts it until a position first). */
  start?: boolean;
}

function pointsAt(st: ReplicaStatus | null, p: PointAt): boolean {
  return Boolean(st && st.sourceHost === p.host && st.sourcePort === p.port);
}

/**
 * CHANGE MASTER to the new source and START SLAVE; when it already points there (an earlier attempt did
 * it), only START: changing again would restart it from the old coordinates and replay transactions.
 */
export async function repoint(cfg: ClusterConfig, conn: Connection, server: string, p: PointAt): Promise<{ changed: boolean; started: boolean }> {
  const target = await sqlTargetOf(conn);
  let st = await showReplicaStatus(conn);
  let changed = false;
  if (!pointsAt(st, p)) {
    if (st && (st.ioRunning !== 'No' || st.sqlRunning)) await conn.query(stopReplica(target));
    if (p.gtidSlavePos !== undefined) await conn.query('SET GLOBAL gtid_slave_pos = ?', [p.gtidSlavePos]);
    const sql = changeMasterTo(target, {
      host: p.host, port: p.port, user: cfg.replication.user,
      ...(p.gtid ? { useGtid: p.gtid } : { useGtid: 'no' as const, file: p.coords!.file, pos: p.coords!.pos }),
      ...(p.delay !== undefined ? { delay: Math.max(0, p.delay) } : {}),
    });
    await conn.query(sql, [resolveSecret(cfg.replication.password, 'replication.password')]);
    changed = true;
    st = await showReplicaStatus(conn);
  }
  const started = p.start !== false && (!st || st.ioRunning === 'No' || !st.sqlRunning);
  if (started) await conn.query(startReplica(target));
  void server;
  return { changed, started };
}

/** GTID replicas only: MariaDB wants the whole replica stopped, which discards relay logs (re-fetched by GTID). */
async function setDelay(conn: Connection, delay: number): Promise<void> {
  const target = await sqlTargetOf(conn);
  const st = await showReplicaStatus(conn);
  if (!st || st.sqlDelay === delay) return;
  await stopAll(conn);
  await conn.query(changeSourceDelay(target, Math.max(0, delay)));
  await conn.query(startReplica(target));
}

/**
 * GTID mode: point at the new master with MASTER_USE_GTID=slave_pos and no delay, wait until it executed
 * `gtid`, then give it back its MASTER_DELAY. Safe to run again: an earlier attempt's repoint is kept.
 */
export async function repointGtidReplica(cfg: ClusterConfig, conn: Connection, server: string, p: PointAt & { gtid: 'slave_pos' | 'current_pos' }, waitFor: string, o: { timeoutMs: number; heartbeat: Heartbeat }): Promise<{ changed: boolean; started: boolean }> {
  const r = await repoint(cfg, conn, server, { ...p, delay: 0 });
  await setDelay(conn, 0);
  await waitReplicating(conn, server, 30_000, o.heartbeat);
  if (waitFor) await waitGtid(conn, server, waitFor, o.timeoutMs, o.heartbeat);
  if (p.delay) await setDelay(conn, p.delay);
  return r;
}

/** Wait for the IO thread to connect and the SQL thread to run. */
export async function waitReplicating(conn: Connection, server: string, timeoutMs: number, heartbeat: Heartbeat): Promise<ReplicaStatus> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  for (;;) {
    const st = await requireReplica(conn, server);
    if (st.ioRunning === 'Yes' && st.sqlRunning) return st;
    if (st.lastSqlErrno) throw new MhaflowError(`SQL thread error ${st.lastSqlErrno} after repointing: ${st.lastSqlError}`, { server });
    if (Date.now() > deadline) throw new ConnectionError(`replication did not start within ${timeoutMs} ms (IO ${st.ioRunning}: ${st.lastIoError || 'no error'})`, { server });
    heartbeat();
    // An IO thread usually connects within a few milliseconds of START SLAVE: look often at first, then every 50 ms.
    await sleep(Date.now() - t0 < 500 ? 5 : 50);
  }
}

/**
 * Run a wait function 1 s at a time until it says `reached`; an SQL thread error or the deadline ends it. A wait that
 * answers NULL (not replicating) answers at once: paused between, not spun on.
 */
async function waitExecuted(conn: Connection, server: string, o: {
  wait: (t: SqlTarget) => string; kind: 'position' | 'gtid'; upTo: string; notReached: (outcome: WaitOutcome) => string; timeoutMs: number; heartbeat: Heartbeat;
}): Promise<void> {
  const target = await sqlTargetOf(conn);
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const outcome = waitOutcome(o.kind, (await queryOne(conn, o.wait(target)))?.result);
    if (outcome === 'reached') return;
    const st = await showReplicaStatus(conn);
    if (st?.lastSqlErrno) throw new MhaflowError(`SQL thread error ${st.lastSqlErrno} while catching up to ${o.upTo}: ${st.lastSqlError}`, { server });
    if (Date.now() > deadline) throw new ConnectionError(o.notReached(outcome), { server });
    o.heartbeat({ waitingFor: o.upTo });
    if (outcome === 'not-replicating') await sleep(50);
  }
}

/** Wait until the server executed `gtid` (MariaDB GTID position / MySQL GTID set). */
export function waitGtid(conn: Connection, server: string, gtid: string, timeoutMs: number, heartbeat: Heartbeat): Promise<void> {
  return waitExecuted(conn, server, { wait: (t) => waitForGtid(t, gtid, 1), kind: 'gtid', upTo: gtid, notReached: () => `did not reach GTID ${gtid} within ${timeoutMs} ms`, timeoutMs, heartbeat });
}

/** Wait until the replica executed its source's binlog up to `position` (file/position replication). */
export function waitPosition(conn: Connection, server: string, position: BinlogCoordinates, timeoutMs: number, heartbeat: Heartbeat): Promise<void> {
  const at = formatCoordinates(position);
  return waitExecuted(conn, server, { wait: (t) => waitForPosition(t, position, 1), kind: 'position', upTo: at, notReached: (outcome) => `did not reach its source's ${at} within ${timeoutMs} ms (${outcome})`, timeoutMs, heartbeat });
}

export async function executedGtid(conn: Connection): Promise<string> {
  return String((await queryOne(conn, executedGtidQuery(await sqlTargetOf(conn))))?.gtid ?? '');
}

export async function stopAll(conn: Connection): Promise<void> {
  const st = await showReplicaStatus(conn);
  if (st && (st.ioRunning !== 'No' || st.sqlRunning)) await conn.query(stopReplica(await sqlTargetOf(conn)));
}

/** What it holds in GTIDs (MariaDB: binlog and slave positions merged per domain; MySQL gtid_executed): '' without GTIDs. */
export async function heldGtid(conn: Connection): Promise<string> {
  const target = await sqlTargetOf(conn);
  const r = await queryOne(conn, heldGtidQuery(target));
  const gtid = String(r?.gtid ?? '').replace(/\s+/g, '');
  return target.flavor === 'mariadb' ? mariaGtidText.union(gtid, String(r?.slave ?? '')) : gtid;
}

/** SET GLOBAL relay_log_purge unless it already has that value. */
export async function setRelayLogPurge(conn: Connection, on: boolean): Promise<void> {
  const now = await queryOne(conn, 'SELECT @@GLOBAL.relay_log_purge AS p');
  if (Number(now?.p) === (on ? 1 : 0)) return;
  await conn.query(`SET GLOBAL relay_log_purge = ${on ? 1 : 0}`);
}

/** read_only OFF (and super_read_only on MySQL) unless already off. */
export async function makeWritable(conn: Connection): Promise<{ changed: boolean }> {
  const target = await sqlTargetOf(conn);
  const state = await queryOne(conn, readOnlyQuery(target));
  if (Number(state?.readOnly) === 0 && !Number(state?.superReadOnly)) return { changed: false };
  for (const s of setReadOnly(target, false)) await conn.query(s);
  return { changed: true };
}

/** RESET SLAVE ALL unless it is no replica any more. */
export async function forgetSource(conn: Connection): Promise<{ reset: boolean }> {
  const st = await showReplicaStatus(conn);
  if (!st) return { reset: false };
  const target = await sqlTargetOf(conn);
  if (st.ioRunning !== 'No' || st.sqlRunning) await conn.query(stopReplica(target));
  await conn.query(resetReplicaAll(target));
  return { reset: true };
}

export async function binlogCoordinates(conn: Connection, server: string): Promise<BinlogCoordinates> {
  const c = await showMasterStatus(conn);
  if (!c) throw new RefusedError('has no binary log (log_bin is off)', { server });
  return c;
}

/** START SLAVE when a thread is stopped without an SQL error (a rollback gives back replication that was stopped on purpose). */
export async function startReplicaIfStopped(conn: Connection): Promise<{ started: boolean }> {
  const st = await showReplicaStatus(conn);
  if (!st || (st.ioRunning !== 'No' && st.sqlRunning) || st.lastSqlErrno !== 0) return { started: false };
  await conn.query(startReplica(await sqlTargetOf(conn)));
  return { started: true };
}
