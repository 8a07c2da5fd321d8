// Failover phases 4 and 5: point every other replica at the new master (file/position: at the new
// master's coordinates taken once its diffs were applied, or at its drained position, then wait until it
// executed the dead master's tail from there; GTID: auto-positioning, then wait until it executed the new
// master's GTID state), RESET SLAVE ALL on the new master, report.
import { heartbeat } from '@temporalio/activity';
import { durationMs } from '../src/config/values';
import { serverByName } from '../src/config/servers';
import { forgetSource, repoint, repointGtidReplica, setRelayLogPurge, waitPosition, waitReplicating } from '../src/mysql/replication';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import type { BinlogCoordinates } from '../src/mysql/client';
import { clusterOf, connectTo, guarded, type ClusterInput } from './failure';

export interface RepointInput extends ClusterInput {
  server: string;
  newMaster: string;
  /** File/position: where to start in the new master's binlog. */
  coords?: BinlogCoordinates;
  /**
   * File/position, when the replica takes the dead master's tail by replication (repointed at the new master's
   * drained position): wait until it executed the new master's binlog up to here (its end once its diff was applied).
   */
  waitFor?: BinlogCoordinates;
  /** GTID mode: the new master's executed GTIDs to wait for. */
  gtid?: string;
  /** MASTER_DELAY to restore. */
  delay: number;
  /** relay_log_purge to restore (the failover turned it off while the relay logs were a diff source). */
  relayLogPurge?: boolean;
}

export interface RepointResult {
  server: string; changed: boolean; started: boolean; ioRunning: string; sqlRunning: boolean; ms: number;
  /** With waitFor: when it had executed up to there, in ms from the activity's start. */
  caughtUpMs?: number;
}

export async function failoverRepointReplica(input: RepointInput): Promise<RepointResult> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const nm = serverByName(cfg, input.newMaster);
    return connectTo(input, cfg, input.server, async (conn) => {
      const timeoutMs = durationMs(cfg.failover.relayApplyTimeout);
      const r = input.gtid !== undefined
        ? await repointGtidReplica(cfg, conn, input.server, { host: nm.host, port: nm.port, delay: input.delay, gtid: 'slave_pos' }, input.gtid, { timeoutMs, heartbeat })
        : await repoint(cfg, conn, input.server, { host: nm.host, port: nm.port, delay: input.delay, coords: input.coords! });
      if (input.relayLogPurge !== undefined) await setRelayLogPurge(conn, input.relayLogPurge);
      const st = await waitReplicating(conn, input.server, 30_000, heartbeat);
      let caughtUpMs: number | undefined;
      if (input.waitFor) {
        await waitPosition(conn, input.server, input.waitFor, timeoutMs, heartbeat);
        caughtUpMs = Date.now() - t0;
      }
      return { server: input.server, ...r, ioRunning: st.ioRunning, sqlRunning: st.sqlRunning, ms: Date.now() - t0, ...(caughtUpMs !== undefined ? { caughtUpMs } : {}) };
    });
  });
}

export async function failoverCleanup(input: ClusterInput & { newMaster: string }): Promise<{ reset: boolean }> {
  return guarded(() => {
    const cfg = clusterOf(input);
    return connectTo(input, cfg, input.newMaster, (c) => forgetSource(c));
  });
}

export interface ReportInput extends ClusterInput {
  deadMaster: string;
  /** null: the failover failed before (or without) a new master. */
  newMaster: string | null;
  replicas: string[];
  subject: string;
  body: string;
}

/** The report hook (MHA report_script); its failure is logged, never fails the failover. */
export async function failoverReport(input: ReportInput): Promise<{ hook: HookRun | null }> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    if (!cfg.hooks.report) return { hook: null };
    const dead = serverByName(cfg, input.deadMaster);
    const nm = input.newMaster ? serverByName(cfg, input.newMaster) : null;
    const hook = await runHook('report', cfg.hooks.report, hookArgs({
      orig_master_host: dead.host, new_master_host: nm?.host, new_slave_hosts: input.replicas.map((r) => serverByName(cfg, r).host).join(','),
      subject: input.subject, body: input.body,
    }), { timeoutMs: durationMs(cfg.hooks.timeout) });
    return { hook };
  });
}
