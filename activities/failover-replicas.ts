// Failover phases 4 and 5: point every other replica at the new master (file/position: at the new
// master's coordinates taken once its diffs were applied; GTID: auto-positioning, then wait until it
// executed the new master's GTID state), RESET SLAVE ALL on the new master, report.
import { heartbeat } from '@temporalio/activity';
import { durationMs } from '../src/config/schema';
import { serverByName } from '../src/config/servers';
import { forgetSource, repoint, repointGtidReplica, waitReplicating } from '../src/mysql/replication';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import { withConnection, type BinlogCoordinates } from '../src/mysql/client';
import { clusterOf, guarded, type ClusterInput } from './failure';

export interface RepointInput extends ClusterInput {
  server: string;
  newMaster: string;
  /** File/position: where to start in the new master's binlog. */
  coords?: BinlogCoordinates;
  /** GTID mode: the new master's executed GTIDs to wait for. */
  gtid?: string;
  /** MASTER_DELAY to restore. */
  delay: number;
}

export interface RepointResult { server: string; changed: boolean; started: boolean; ioRunning: string; sqlRunning: boolean; ms: number }

export async function failoverRepointReplica(input: RepointInput): Promise<RepointResult> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const nm = serverByName(cfg, input.newMaster);
    return withConnection(cfg, serverByName(cfg, input.server), async (conn) => {
      const timeoutMs = durationMs(cfg.failover.relayApplyTimeout);
      const r = input.gtid !== undefined
        ? await repointGtidReplica(cfg, conn, input.server, { host: nm.host, port: nm.port, delay: input.delay, gtid: 'slave_pos' }, input.gtid, { timeoutMs, heartbeat })
        : await repoint(cfg, conn, input.server, { host: nm.host, port: nm.port, delay: input.delay, coords: input.coords! });
      const st = await waitReplicating(conn, input.server, 30_000, heartbeat);
      return { server: input.server, ...r, ioRunning: st.ioRunning, sqlRunning: st.sqlRunning, ms: Date.now() - t0 };
    });
  });
}

export async function failoverCleanup(input: ClusterInput & { newMaster: string }): Promise<{ reset: boolean }> {
  return guarded(() => {
    const cfg = clusterOf(input);
    return withConnection(cfg, serverByName(cfg, input.newMaster), (c) => forgetSource(c));
  });
}

export interface ReportInput extends ClusterInput {
  deadMaster: string;
  newMaster: string;
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
    const nm = serverByName(cfg, input.newMaster);
    const hook = await runHook('report', cfg.hooks.report, hookArgs({
      orig_master_host: dead.host, new_master_host: nm.host, new_slave_hosts: input.replicas.map((r) => serverByName(cfg, r).host).join(','),
      subject: input.subject, body: input.body,
    }), { timeoutMs: durationMs(cfg.hooks.timeout) });
    return { hook };
  });
}
