// Failover phases 3.5 and 4 (data): drain a server's relay log (and record its binlog position for the
// apply), apply its diff exactly once, and (GTID mode) let the new master catch up from the latest replica.
import { heartbeat } from '@temporalio/activity';
import { durationMs } from '../src/config/values';
import { applyDiff, type ApplyOutcome } from '../src/failover/apply';
import { binlogErrorsFinal } from '../src/failover/errors';
import { serverByName } from '../src/config/servers';
import { withPool } from '../src/ssh/pool';
import { drainRelayLog, type DrainResult } from '../src/failover/replication';
import { executedGtid, heldGtid, repoint, sqlTargetOf, stopAll, waitGtid } from '../src/mysql/replication';
import { showMasterStatus, type BinlogCoordinates, type Connection } from '../src/mysql/client';
import { clusterOf, connectTo, guarded, type ClusterInput } from './failure';

export interface DrainInput extends ClusterInput {
  server: string;
  delayWas: number;
  /** Wait at most this long for the SQL thread; what it has not executed by then becomes the exec_diff. */
  patienceMs?: number;
}

/** Where a server's own binlog stands (null: log_bin off), what it executed, and every GTID it holds. */
export interface OwnBinlog {
  binlog: BinlogCoordinates | null;
  gtidExecuted: string;
  gtidHeld: string;
}

async function ownBinlog(conn: Connection): Promise<OwnBinlog> {
  return { binlog: await showMasterStatus(conn), gtidExecuted: await executedGtid(conn), gtidHeld: await heldGtid(conn) };
}

export type DrainOutcome = DrainResult & OwnBinlog;

/**
 * Drain the relay log, then record the server's own binlog position: with both replication threads
 * stopped and read_only on, nothing moves it until its diff is applied, so this is the recorded start an
 * exactly-once apply counts from (and the new master's coordinates for the replicas when it has no diff).
 */
export async function failoverDrainRelayLog(input: DrainInput): Promise<DrainOutcome> {
  return guarded(() => {
    const cfg = clusterOf(input);
    return connectTo(input, cfg, input.server, async (c) => ({
      ...await drainRelayLog(c, input.server, { delayWas: input.delayWas, timeoutMs: durationMs(cfg.failover.relayApplyTimeout), patienceMs: input.patienceMs, heartbeat }),
      ...await ownBinlog(c),
    }));
  });
}

export interface ApplyDiffInput extends ClusterInput {
  server: string;
  diff: { path: string; sha256: string };
  /** The target's binlog position recorded before the apply (failoverDrainRelayLog's or failoverCatchUp's answer). */
  start: BinlogCoordinates;
}

export interface ApplyDiffResult extends ApplyOutcome {
  server: string;
  gtidExecuted: string;
  gtidHeld: string;
  ms: number;
}

export async function failoverApplyDiff(input: ApplyDiffInput): Promise<ApplyDiffResult> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const server = serverByName(cfg, input.server);
    return binlogErrorsFinal(() => withPool(cfg, (pool) => connectTo(input, cfg, input.server, async (conn) => {
      const session = await pool.get(server);
      const target = await sqlTargetOf(conn);
      const out = await applyDiff({
        cfg, server, flavor: target.flavor, session, conn, diffPath: input.diff.path, sha256: input.diff.sha256, start: input.start, heartbeat,
      });
      return { ...out, server: input.server, gtidExecuted: await executedGtid(conn), gtidHeld: await heldGtid(conn), ms: Date.now() - t0 };
    })));
  });
}

export interface CatchUpInput extends ClusterInput {
  target: string;
  /** The latest replica to replicate from. */
  source: string;
  /** The source's executed GTID position once its relay log was applied. */
  gtid: string;
}

/**
 * GTID mode, new master not a latest replica: replicate from the latest one with auto-positioning until
 * it executed everything the latest executed, then stop. Already there (a retry): nothing to do.
 */
export async function failoverCatchUp(input: CatchUpInput): Promise<{ target: string; source: string; gtid: string; ms: number } & OwnBinlog> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const src = serverByName(cfg, input.source);
    const own = await connectTo(input, cfg, input.target, async (conn) => {
      await repoint(cfg, conn, input.target, { host: src.host, port: src.port, gtid: 'slave_pos', delay: 0 });
      await waitGtid(conn, input.target, input.gtid, durationMs(cfg.failover.relayApplyTimeout), heartbeat);
      await stopAll(conn);
      return ownBinlog(conn);
    });
    return { target: input.target, source: input.source, gtid: input.gtid, ms: Date.now() - t0, ...own };
  });
}
