// Switchover phase 6: every other replica replicates from the new master (file/position: once it executed the old
// master's binlog up to the frozen position, from the new master's position at the promotion; GTID:
// auto-positioning), and the old master becomes a replica of the new one (or stays read-only, out of replication),
// its locked accounts given back. Each can run again after dying at any point.
import { heartbeat } from '@temporalio/activity';
import { compareBinlogCoordinates } from '../src/binlog/coordinates';
import { durationMs } from '../src/config/values';
import { serverByName } from '../src/config/servers';
import { ConnectionError } from '../src/errors';
import { queryOne, showReplicaStatus, withConnection, type Connection } from '../src/mysql/client';
import { unfreeze, type FreezePlan } from '../src/mysql/freeze';
import { repoint, sqlTargetOf, waitReplicating } from '../src/mysql/replication';
import { waitForPosition, waitOutcome } from '../src/mysql/sql';
import type { StartOnNewMaster } from '../src/switchover/decisions';
import { clusterOf, guarded, type ClusterInput } from './failure';

export interface SwitchoverRepointInput extends ClusterInput {
  server: string;
  newMaster: string;
  start: StartOnNewMaster;
  /** File/position: the old master's frozen position, which the replica executes first. */
  frozen: { file: string; pos: number };
}

export interface SwitchoverRepointResult { server: string; changed: boolean; caughtUpMs: number; ioRunning: string; sqlRunning: boolean; ms: number }

/** File/position: execute the old master's binlog up to the frozen position (it then holds what the new master held at its promotion). */
async function reachFrozen(conn: Connection, server: string, frozen: { file: string; pos: number }, timeoutMs: number): Promise<void> {
  const target = await sqlTargetOf(conn);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await queryOne(conn, waitForPosition(target, frozen, 1));
    const outcome = waitOutcome('position', r?.result);
    if (outcome === 'reached') return;
    const st = await showReplicaStatus(conn);
    // An attempt that died while repointing (replication stopped, the old source still set) left the SQL thread
    // stopped where it was, at the frozen position: MASTER_POS_WAIT answers NULL there, the coordinates say reached.
    if (st && compareBinlogCoordinates({ file: st.relaySourceLogFile, pos: st.execSourceLogPos }, frozen) >= 0) return;
    if (outcome === 'not-replicating') {
      throw new ConnectionError(`its SQL thread is not running (${st?.lastSqlError || 'stopped'}): it cannot reach ${frozen.file}:${frozen.pos} of the old master`, {
        server, hint: 'start its SQL thread (or fix its error); the switchover repoints it once it has',
      });
    }
    if (Date.now() > deadline) throw new ConnectionError(`did not reach ${frozen.file}:${frozen.pos} of the old master within ${timeoutMs} ms`, { server });
    heartbeat({ waitingFor: `${frozen.file}:${frozen.pos}` });
  }
}

export async function switchoverRepointReplica(input: SwitchoverRepointInput): Promise<SwitchoverRepointResult> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const nm = serverByName(cfg, input.newMaster);
    return withConnection(cfg, serverByName(cfg, input.server), async (conn) => {
      const st = await showReplicaStatus(conn);
      const already = Boolean(st && st.sourceHost === nm.host && st.sourcePort === nm.port);
      if (!already && 'coords' in input.start) await reachFrozen(conn, input.server, input.frozen, durationMs(cfg.failover.relayApplyTimeout));
      const caughtUpMs = Date.now() - t0;
      const r = await repoint(cfg, conn, input.server, { host: nm.host, port: nm.port, ...('coords' in input.start ? { coords: input.start.coords } : { gtid: input.start.gtid }) });
      const now = await waitReplicating(conn, input.server, 30_000, heartbeat);
      return { server: input.server, changed: r.changed, caughtUpMs, ioRunning: now.ioRunning, sqlRunning: now.sqlRunning, ms: Date.now() - t0 };
    });
  });
}

export interface DemoteInput extends ClusterInput {
  origMaster: string;
  newMaster: string;
  /** Where it starts on the new master; null: it does not become a replica (it stays read-only, out of replication). */
  start: StartOnNewMaster | null;
  plan: FreezePlan;
}

export interface DemoteResult { changed: boolean; replicating: boolean; unlocked: string[]; readOnly: boolean; ms: number }

/** The old master: a replica of the new one first (so nothing it takes after the unlock is its own), then its accounts unlocked. */
export async function switchoverDemoteOrigMaster(input: DemoteInput): Promise<DemoteResult> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const nm = serverByName(cfg, input.newMaster);
    return withConnection(cfg, serverByName(cfg, input.origMaster), async (conn) => {
      let changed = false;
      let replicating = false;
      if (input.start) {
        const at = 'coords' in input.start ? { coords: input.start.coords } : { gtid: input.start.gtid };
        changed = (await repoint(cfg, conn, input.origMaster, { host: nm.host, port: nm.port, ...at })).changed;
        await waitReplicating(conn, input.origMaster, 30_000, heartbeat);
        replicating = true;
      }
      const u = await unfreeze(conn, input.plan, { writable: false });
      return { changed, replicating, unlocked: u.unlocked.map((a) => `'${a.user}'@'${a.host}'`), readOnly: u.readOnly, ms: Date.now() - t0 };
    });
  });
}
