// Replication steps only a failover takes, on one server (the generic ones are src/mysql/replication.ts):
// receiving what a dead master still had in flight, draining relay logs. Each checks the server's state
// before acting so that running it again (after a crash at any point) does nothing twice.
import { setTimeout as sleep } from 'node:timers/promises';
import { sameCoordinates } from '../binlog/coordinates';
import { ConnectionError, MhaflowError } from '../errors';
import { queryOne, showReplicaStatus, type BinlogCoordinates, type Connection } from '../mysql/client';
import { requireReplica, sqlTargetOf, type Heartbeat } from '../mysql/replication';
import { readGtidState, startReplicaSql, stopReplicaIo, stopReplicaSql } from '../mysql/sql';

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
  const exec = { file: st.relaySourceLogFile, pos: st.execSourceLogPos };
  const read = { file: st.sourceLogFile, pos: st.readSourceLogPos };
  return {
    server, exec, read, relay: { file: st.relayLogFile, pos: st.relayLogPos }, caughtUp: sameCoordinates(exec, read),
    delayWas: opts.delayWas,
    waitedMs: Date.now() - t0,
  };
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
    if (sameCoordinates(exec, { file: st.sourceLogFile, pos: st.readSourceLogPos })) return;
    const key = `${exec.file}:${exec.pos}`;
    const idle = /read all relay log/i.test(st.sqlRunningState ?? '');
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

