// Rejoin step 4 (replication): after a rewind, the old master's binlog is reset; it is pointed at the current
// master where the cluster's copy of it ends; after a rewind, its data is compared with the master's at one point
// of the master's binlog; then it replicates. Each checks the server's state first, so a retry does nothing twice.
import { heartbeat } from '@temporalio/activity';
import { compareBinlogCoordinates, type BinlogCoordinates } from '../src/binlog/coordinates';
import { durationMs } from '../src/config/values';
import { serverByName } from '../src/config/servers';
import { ConnectionError, MhaflowError } from '../src/errors';
import { repoint, sqlTargetOf, stopAll, waitReplicating } from '../src/mysql/replication';
import { queryOne, queryRows, showReplicaStatus, withConnection, type Connection } from '../src/mysql/client';
import { startReplica, stopReplicaSql } from '../src/mysql/sql';
import type { VerifyFacts } from '../src/rejoin/decisions';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterOf, guarded, type ClusterInput } from './failure';

/**
 * RESET MASTER: the old master's binlog holds its extra transactions and their undoing, which no longer describe
 * its data (and, with gtid_strict_mode, would refuse the master's transactions); they are saved. MariaDB GTID
 * mode: gtid_slave_pos is where it replicates from. Safe to repeat: it does not replicate yet.
 */
export async function rejoinResetBinlog(input: ClusterInput & { server: string; gtidSlavePos: string | null }): Promise<{ gtidBinlogPos: string }> {
  return guarded(() => {
    const cfg = clusterOf(input);
    return withConnection(cfg, serverByName(cfg, input.server), async (c) => {
      await stopAll(c);
      await c.query('RESET MASTER');
      if (input.gtidSlavePos !== null) await c.query('SET GLOBAL gtid_slave_pos = ?', [input.gtidSlavePos]);
      return { gtidBinlogPos: String((await queryOne(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS g'))?.g ?? '') };
    });
  });
}

export interface RejoinRepointInput extends ClusterInput {
  server: string;
  master: string;
  /** File/position: where in the master's binlog. */
  coords?: BinlogCoordinates;
  /** MariaDB GTID: the gtid_slave_pos to replicate from. */
  gtid?: string;
}

/** CHANGE MASTER to the master; replication left stopped (rejoinVerify, then rejoinStartReplication, start it). */
export async function rejoinRepoint(input: RejoinRepointInput): Promise<{ changed: boolean; started: boolean }> {
  return guarded(() => {
    const cfg = clusterOf(input);
    const m = serverByName(cfg, input.master);
    return withConnection(cfg, serverByName(cfg, input.server), (c) => repoint(cfg, c, input.server, {
      host: m.host, port: m.port, start: false,
      ...(input.gtid !== undefined ? { gtid: 'slave_pos' as const, gtidSlavePos: input.gtid } : { coords: input.coords! }),
    }));
  });
}

/** The binlog position of a consistent snapshot just started on `conn` (MariaDB: binlog_snapshot_file/position). */
async function snapshotPosition(conn: Connection): Promise<BinlogCoordinates> {
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
  const rows = await queryRows(conn, "SHOW STATUS LIKE 'binlog_snapshot_%'");
  const v = (n: string) => rows.find((r) => String(r.Variable_name).toLowerCase() === n)?.Value;
  return { file: String(v('binlog_snapshot_file') ?? ''), pos: Number(v('binlog_snapshot_position') ?? 0) };
}

async function checksums(conn: Connection, tables: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of tables) {
    const [db, name] = t.split(/\.(.*)/s) as [string, string];
    const [row] = await queryRows(conn, `CHECKSUM TABLE ${conn.escapeId(db)}.${conn.escapeId(name)} EXTENDED`);
    out.set(t, String(row?.Checksum ?? 'absent'));
  }
  return out;
}

/**
 * START SLAVE UNTIL `at`, and wait until the SQL thread stopped there. With GTID replication and nothing to execute
 * before `at`, the SQL thread reaches it without executing an event, so it never checks the condition: it is
 * stopped here once it stands at `at` (a transaction that slipped in meanwhile shows as a position past `at`).
 */
async function replicateUntil(conn: Connection, server: string, at: BinlogCoordinates, timeoutMs: number): Promise<BinlogCoordinates> {
  const target = await sqlTargetOf(conn);
  await stopAll(conn);
  await conn.query(`${startReplica(target)} UNTIL MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?`, [at.file, at.pos]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await showReplicaStatus(conn);
    if (!st) throw new MhaflowError('is not a replica after it was repointed', { server });
    if (st.lastSqlErrno) throw new MhaflowError(`SQL thread error ${st.lastSqlErrno} replicating up to ${at.file}:${at.pos}: ${st.lastSqlError}`, { server, hint: 'its data does not match the master\'s: rebuild it from a backup' });
    const exec = { file: st.relaySourceLogFile, pos: st.execSourceLogPos };
    if (!st.sqlRunning) return exec;
    if (compareBinlogCoordinates(exec, at) >= 0) {
      await conn.query(stopReplicaSql(target));
      const now = await showReplicaStatus(conn);
      return { file: now!.relaySourceLogFile, pos: now!.execSourceLogPos };
    }
    if (Date.now() > deadline) throw new ConnectionError(`did not reach ${at.file}:${at.pos} of the master's binlog within ${timeoutMs} ms`, { server });
    heartbeat({ until: at });
    await sleep(50);
  }
}

/**
 * On the master, a consistent snapshot and its binlog position; the server replicates exactly up to there; then
 * CHECKSUM TABLE of each table on both (the master's inside its snapshot). Its replication is left stopped there.
 */
export async function rejoinVerify(input: ClusterInput & { server: string; master: string; tables: string[] }): Promise<VerifyFacts> {
  return guarded(() => {
    const cfg = clusterOf(input);
    return withConnection(cfg, serverByName(cfg, input.master), async (m) => {
      const at = await snapshotPosition(m);
      try {
        return await withConnection(cfg, serverByName(cfg, input.server), async (s) => {
          const reached = await replicateUntil(s, input.server, at, durationMs(cfg.failover.relayApplyTimeout));
          if (reached.file !== at.file || reached.pos !== at.pos) {
            // The master wrote just as it got there: compare at a later point (a new snapshot).
            throw new ConnectionError(`stopped at ${reached.file}:${reached.pos}, past ${at.file}:${at.pos}`, { server: input.server, hint: 'retried with a new snapshot' });
          }
          const [mine, theirs] = [await checksums(s, input.tables), await checksums(m, input.tables)];
          return { at, reached, tables: input.tables.map((t) => ({ table: t, server: mine.get(t)!, master: theirs.get(t)! })) };
        });
      } finally {
        await m.query('COMMIT').catch(() => {});
      }
    });
  });
}

export async function rejoinStartReplication(input: ClusterInput & { server: string }): Promise<{ ioRunning: string; sqlRunning: boolean; ms: number }> {
  return guarded(() => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    return withConnection(cfg, serverByName(cfg, input.server), async (c) => {
      const st = await showReplicaStatus(c);
      if (!st || st.ioRunning === 'No' || !st.sqlRunning) {
        // After START SLAVE UNTIL the IO thread still runs: START SLAVE starts the SQL thread without the condition.
        if (st && st.ioRunning !== 'No') await stopAll(c);
        await c.query(startReplica(await sqlTargetOf(c)));
      }
      const r = await waitReplicating(c, input.server, 30_000, heartbeat);
      return { ioRunning: r.ioRunning, sqlRunning: r.sqlRunning, ms: Date.now() - t0 };
    });
  });
}
