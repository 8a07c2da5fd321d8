// Replication steps of a failover on one server, each checking the server's state before acting so
// that running it again (after a crash at any point) does nothing twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { resolveSecret } from '../config/secrets';
import { ConnectionError, MhaflowError, RefusedError } from '../errors';
import { queryOne, readServerState, showMasterStatus, showReplicaStatus, type BinlogCoordinates, type Connection, type ServerState } from '../mysql/client';
import {
  changeMasterTo, executedGtidQuery, readGtidState, resetReplicaAll, setReadOnly, startReplica, startReplicaSql, stopReplica,
  stopReplicaIo, stopReplicaSql, waitForGtid, waitOutcome, type SqlTarget,
} from '../mysql/sql';
import type { ReplicaStatus } from '../mysql/status';

export type Heartbeat = (details?: unknown) => void;

export async function sqlTargetOf(conn: Connection): Promise<SqlTarget> {
  const v = String((await queryOne(conn, 'SELECT @@version AS v'))!.v);
  return { flavor: /mariadb/i.test(v) ? 'mariadb' : 'mysql', version: v };
}

async function requireReplica(conn: Connection, server: string): Promise<ReplicaStatus> {
  const st = await showReplicaStatus(conn);
  if (!st) throw new RefusedError('is not a replica (no replica status)', { server });
  return st;
}

/** STOP IO_THREAD when running. Returns whether it was running. */
export async function stopIoThread(conn: Connection, server: string): Promise<{ wasRunning: boolean }> {
  const st = await showReplicaStatus(conn);
  if (!st || st.ioRunning === 'No') return { wasRunning: false };
  await conn.query(stopReplicaIo(await sqlTargetOf(conn)));
  void server;
  return { wasRunning: true };
}

export interface IoSettled {
  /** disconnected: the IO thread lost the dead master (it read everything the socket held); stable: no
   * event arrived for settleMs (a stalled or unreachable host keeps the connection open); timeout: still moving. */
  how: 'disconnected' | 'stable' | 'timeout' | 'stopped';
  read: BinlogCoordinates;
  waitedMs: number;
}

/**
 * Wait until a replica of a dead master has received what was still in flight: after a kill, the master's
 * last events sit in the socket until the IO thread reads them and sees the connection close (on a busy
 * host that takes seconds). Reading the positions (or stopping the IO thread) before that makes the latest
 * replica a matter of timing: a dry run then predicts another new master than the failover chooses, and
 * less is recovered when the host is gone. A moving position is progress: only maxMs (30 s) stops the wait.
 */
export async function waitIoSettled(conn: Connection, server: string, o: { settleMs?: number; maxMs?: number; heartbeat?: Heartbeat } = {}): Promise<IoSettled> {
  const settleMs = o.settleMs ?? 300;
  const t0 = Date.now();
  let last = '';
  let since = t0;
  for (;;) {
    const st = await requireReplica(conn, server);
    const read = { file: st.sourceLogFile, pos: st.readSourceLogPos };
    const waitedMs = Date.now() - t0;
    if (st.ioRunning === 'No') return { how: 'stopped', read, waitedMs };
    if (st.ioRunning !== 'Yes') return { how: 'disconnected', read, waitedMs };
    const key = `${read.file}:${read.pos}`;
    if (key !== last) { last = key; since = Date.now(); }
    if (Date.now() - since >= settleMs) return { how: 'stable', read, waitedMs };
    if (waitedMs >= (o.maxMs ?? 30_000)) return { how: 'timeout', read, waitedMs };
    o.heartbeat?.({ settling: key });
    await sleep(20);
  }
}

/** START SQL_THREAD on a replica whose SQL thread is stopped without an error. */
export async function startStoppedSqlThread(conn: Connection, server: string): Promise<{ started: boolean }> {
  const st = await requireReplica(conn, server);
  if (st.sqlRunning || st.lastSqlErrno !== 0) return { started: false };
  await conn.query(startReplicaSql(await sqlTargetOf(conn)));
  return { started: true };
}

const sameCoords = (a: BinlogCoordinates, b: BinlogCoordinates) => a.file === b.file && a.pos === b.pos;

export interface DrainResult {
  server: string;
  /** Where its SQL thread stopped (dead master coordinates). */
  exec: BinlogCoordinates;
  read: BinlogCoordinates;
  /** Its own relay log position of the first unexecuted event: an exec_diff starts here when exec < read. */
  relay: BinlogCoordinates;
  /** Exec reached Read: nothing left in its relay log. */
  caughtUp: boolean;
  /** MASTER_DELAY it had (set to 0 to drain; restored when repointed). */
  delayWas: number;
  gtidBinlogPos?: string;
  gtidCurrentPos?: string;
  waitedMs: number;
}

/**
 * Let the SQL thread apply the relay log, then stop it: exec is then final, and whatever it could not
 * apply (a transaction cut by the dead master, or everything a delayed replica holds back) is left for
 * the exec_diff, applied from its own relay log.
 */
export async function drainRelayLog(conn: Connection, server: string, opts: { delayWas: number; timeoutMs: number; patienceMs?: number; heartbeat: Heartbeat }): Promise<DrainResult> {
  const t0 = Date.now();
  const target = await sqlTargetOf(conn);
  let st = await requireReplica(conn, server);
  if (st.ioRunning !== 'No') await conn.query(stopReplicaIo(target));
  // A delayed replica (MASTER_DELAY) would make us wait: its whole unexecuted relay log becomes its
  // exec_diff instead. (CHANGE MASTER TO MASTER_DELAY=0 with both threads stopped would delete the relay logs.)
  if (st.sqlDelay === 0) {
    if (!st.sqlRunning && st.lastSqlErrno === 0) await conn.query(startReplicaSql(target));
    await waitRelayApplied(conn, server, opts);
  }
  await conn.query(stopReplicaSql(target));
  st = await requireReplica(conn, server);
  const g = target.flavor === 'mariadb' ? await queryOne(conn, readGtidState(target)) : undefined;
  const exec = { file: st.relaySourceLogFile, pos: st.execSourceLogPos };
  const read = { file: st.sourceLogFile, pos: st.readSourceLogPos };
  return {
    server, exec, read, relay: { file: st.relayLogFile, pos: st.relayLogPos }, caughtUp: sameCoords(exec, read),
    delayWas: opts.delayWas,
    ...(g ? { gtidBinlogPos: String(g.binlogPos ?? ''), gtidCurrentPos: String(g.currentPos ?? '') } : {}),
    waitedMs: Date.now() - t0,
  };
}

async function sqlThreadState(conn: Connection): Promise<string> {
  const r = await queryOne(conn, 'SHOW SLAVE STATUS').catch(() => undefined);
  return String(r?.Slave_SQL_Running_State ?? r?.Replica_SQL_Running_State ?? '');
}

/**
 * Until exec = read, or the SQL thread waits for more with exec not moving (a cut transaction stays), or
 * `patienceMs` passed: a replica far behind must not hold the failover up; what it has not executed then
 * is its exec_diff, applied from its relay log like a delayed replica's.
 */
async function waitRelayApplied(conn: Connection, server: string, opts: { timeoutMs: number; patienceMs?: number; heartbeat: Heartbeat }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const enough = opts.patienceMs === undefined ? Infinity : Date.now() + opts.patienceMs;
  let still = 0;
  let last = '';
  for (;;) {
    const st = await requireReplica(conn, server);
    if (st.lastSqlErrno !== 0) throw new MhaflowError(`SQL thread stopped on error ${st.lastSqlErrno}: ${st.lastSqlError}`, { server, hint: 'fix the replica, then run the failover again' });
    const exec = { file: st.relaySourceLogFile, pos: st.execSourceLogPos };
    if (sameCoords(exec, { file: st.sourceLogFile, pos: st.readSourceLogPos })) return;
    const key = `${exec.file}:${exec.pos}`;
    const idle = /read all relay log/i.test(await sqlThreadState(conn));
    // Idle with exec unchanged: what is left is a transaction cut by the dead master; the exec_diff
    // covers it (stopping early is never wrong, only slower).
    still = key === last && idle ? still + 1 : 0;
    last = key;
    if (still >= 2 || Date.now() > enough) return;
    if (Date.now() > deadline) throw new ConnectionError(`SQL thread did not apply its relay log within ${opts.timeoutMs} ms (at ${key})`, { server, hint: 'raise failover.relayApplyTimeout' });
    opts.heartbeat({ exec: key });
    await sleep(30);
  }
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
    });
    await conn.query(sql, [resolveSecret(cfg.replication.password, 'replication.password')]);
    if (p.delay !== undefined) await conn.query(`CHANGE MASTER TO MASTER_DELAY=${Math.max(0, Math.floor(p.delay))}`);
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
  await conn.query(`CHANGE MASTER TO MASTER_DELAY=${Math.max(0, Math.floor(delay))}`);
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
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await requireReplica(conn, server);
    if (st.ioRunning === 'Yes' && st.sqlRunning) return st;
    if (st.lastSqlErrno) throw new MhaflowError(`SQL thread error ${st.lastSqlErrno} after repointing: ${st.lastSqlError}`, { server });
    if (Date.now() > deadline) throw new ConnectionError(`replication did not start within ${timeoutMs} ms (IO ${st.ioRunning}: ${st.lastIoError || 'no error'})`, { server });
    heartbeat();
    await sleep(50);
  }
}

/** Wait until the server executed `gtid` (MariaDB GTID position / MySQL GTID set). */
export async function waitGtid(conn: Connection, server: string, gtid: string, timeoutMs: number, heartbeat: Heartbeat): Promise<void> {
  const target = await sqlTargetOf(conn);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await queryOne(conn, waitForGtid(target, gtid, 1));
    if (waitOutcome('gtid', r?.result) === 'reached') return;
    const st = await showReplicaStatus(conn);
    if (st?.lastSqlErrno) throw new MhaflowError(`SQL thread error ${st.lastSqlErrno} while catching up to ${gtid}: ${st.lastSqlError}`, { server });
    if (Date.now() > deadline) throw new ConnectionError(`did not reach GTID ${gtid} within ${timeoutMs} ms`, { server });
    heartbeat({ waitingFor: gtid });
  }
}

export async function executedGtid(conn: Connection): Promise<string> {
  return String((await queryOne(conn, executedGtidQuery(await sqlTargetOf(conn))))?.gtid ?? '');
}

export async function stopAll(conn: Connection): Promise<void> {
  const st = await showReplicaStatus(conn);
  if (st && (st.ioRunning !== 'No' || st.sqlRunning)) await conn.query(stopReplica(await sqlTargetOf(conn)));
}

/** read_only OFF (and super_read_only on MySQL) unless already off. */
export async function makeWritable(conn: Connection): Promise<{ changed: boolean }> {
  const state = await queryOne(conn, 'SELECT @@GLOBAL.read_only AS ro');
  if (Number(state?.ro) === 0) return { changed: false };
  for (const s of setReadOnly(await sqlTargetOf(conn), false)) await conn.query(s);
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

export async function stateOf(conn: Connection, server: ServerConfig): Promise<ServerState> {
  return readServerState(conn, server);
}
