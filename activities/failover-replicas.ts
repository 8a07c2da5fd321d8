// Failover phases 4 and 5: point every other replica at the new master (file/position: at the new
// master's coordinates taken once its diffs were applied; GTID: auto-positioning, then wait until it
// executed the new master's GTID state), RESET SLAVE ALL on the new master, report.
import { heartbeat } from '@temporalio/activity';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/config/schema';
import { serverByName } from '../src/config/servers';
import { forgetSource, repoint, repointGtidReplica, waitReplicating } from '../src/failover/replication';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import { withConnection, type BinlogCoordinates } from '../src/mysql/client';
import { guarded } from './failure';

export interface RepointInput {
  cfg: ClusterConfig;
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
    const nm = serverByName(input.cfg, input.newMaster);
    return withConnection(input.cfg, serverByName(input.cfg, input.server), async (conn) => {
      const timeoutMs = durationMs(input.cfg.failover.relayApplyTimeout);
      const r = input.gtid !== undefined
        ? await repointGtidReplica(input.cfg, conn, input.server, { host: nm.host, port: nm.port, delay: input.delay, gtid: 'slave_pos' }, input.gtid, { timeoutMs, heartbeat })
        : await repoint(input.cfg, conn, input.server, { host: nm.host, port: nm.port, delay: input.delay, coords: input.coords! });
      const st = await waitReplicating(conn, input.server, 30_000, heartbeat);
      return { server: input.server, ...r, ioRunning: st.ioRunning, sqlRunning: st.sqlRunning, ms: Date.now() - t0 };
    });
  });
}

export async function failoverCleanup(input: { cfg: ClusterConfig; newMaster: string }): Promise<{ reset: boolean }> {
  return guarded(() => withConnection(input.cfg, serverByName(input.cfg, input.newMaster), (c) => forgetSource(c)));
}

export interface ReportInput {
  cfg: ClusterConfig;
  deadMaster: string;
  newMaster: string;
  replicas: string[];
  subject: string;
  body: string;
}

/** The report hook (MHA report_script); its failure is logged, never fails the failover. */
export async function failoverReport(input: ReportInput): Promise<{ hook: HookRun | null }> {
  return guarded(async () => {
    if (!input.cfg.hooks.report) return { hook: null };
    const dead = serverByName(input.cfg, input.deadMaster);
    const nm = serverByName(input.cfg, input.newMaster);
    const hook = await runHook('report', input.cfg.hooks.report, hookArgs({
      orig_master_host: dead.host, new_master_host: nm.host, new_slave_hosts: input.replicas.map((r) => serverByName(input.cfg, r).host).join(','),
      subject: input.subject, body: input.body,
    }), { timeoutMs: durationMs(input.cfg.hooks.timeout) });
    return { hook };
  });
}
