// The monitor's activities: read the cluster, set the replicas' heartbeat, watch the master (long-running,
// heartbeating: it returns only when something changed), gather every view of a master that stopped
// answering, wait for a failover someone else started, run the report hook. Facts only: the workflow
// decides (src/monitor/detection.ts, decisions.ts).
import { Context } from '@temporalio/activity';
import { loadCluster, type ClusterRef } from '../src/config/registry';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/config/values';
import { serverByName } from '../src/config/servers';
import type { FailoverReport } from '../src/contracts/failover';
import type { HostView, MonitorEvidence, MonitorSettings, MonitorWarning, PingResult, WatchHeartbeat } from '../src/contracts/monitor';
import { errorMessage } from '../src/errors';
import { checkFromOwnHost } from '../src/failover/deadmaster';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import { runSecondaryCheck } from '../src/hooks/secondary-check';
import { monitorSettingsOf } from '../src/monitor/decisions';
import { replicaVote } from '../src/monitor/detection';
import { MasterPinger, pingOnce } from '../src/monitor/ping';
import { clusterWarnings, warningsKey } from '../src/monitor/report';
import type { ReplicaMarks } from '../src/monitor/silence';
import { asDiscovered, KeptConnections, observe, readCluster, readServersOnce, type ServerRead } from '../src/monitor/views';
import { showReplicaStatus, sqlTargetOf, withConnection } from '../src/mysql/client';
import { setHeartbeatPeriod } from '../src/mysql/sql';
import { withPool } from '../src/ssh/pool';
import { clusterOf, guarded, toActivityFailure } from './failure';

// ---------------------------------------------------------------------------------------------
// Load

export interface MonitorLoadFacts {
  cluster: ClusterRef;
  settings: MonitorSettings;
  master: string | null;
  warnings: MonitorWarning[];
  /** Every replica's MASTER_HEARTBEAT_PERIOD (null: unreadable). */
  heartbeats: { server: string; periodSec: number | null }[];
  marks: ReplicaMarks;
}

/** The warnings, the master the replicas point at, and (about `watched`) the replicas' views with the marks advanced. */
function facts(cfg: ClusterConfig, reads: ServerRead[], marks: ReplicaMarks, now: number, watched: string | null) {
  const { master, warnings } = clusterWarnings(cfg, asDiscovered(cfg, reads));
  const about = watched ?? master;
  const seen = about ? observe(reads, serverByName(cfg, about), marks, now) : { marks, views: [] };
  return { master, warnings, marks: seen.marks, views: seen.views };
}

/** The worker's config of the cluster (its digest pins it for the watch), and the cluster as it stands. */
export async function monitorLoad(input: { cluster: string }): Promise<MonitorLoadFacts> {
  return guarded(async () => {
    const { cfg, digest } = loadCluster(input.cluster);
    const settings = monitorSettingsOf(cfg);
    const reads = await readServersOnce(cfg, cfg.servers.filter((s) => !s.binlogServer), durationMs(cfg.mysql.connectTimeout));
    const { master, warnings, marks } = facts(cfg, reads, {}, Date.now(), null);
    return {
      cluster: { name: cfg.cluster, digest }, settings, master, warnings, marks,
      heartbeats: reads.filter((r) => r.state?.replica).map((r) => ({ server: r.name, periodSec: r.heartbeat?.periodSec ?? null })),
    };
  });
}

/** Set MASTER_HEARTBEAT_PERIOD on these replicas (the config asks for it: monitor.replicaHeartbeatPeriod). */
export async function monitorSetHeartbeat(input: { cluster: ClusterRef; servers: string[]; periodSec: number }): Promise<{ set: string[]; failed: { server: string; error: string }[] }> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const set: string[] = [];
    const failed: { server: string; error: string }[] = [];
    await Promise.all(input.servers.map(async (name) => {
      try {
        await withConnection(cfg, serverByName(cfg, name), async (c) => {
          for (const sql of setHeartbeatPeriod(await sqlTargetOf(c), input.periodSec)) await c.query(sql);
          // Setting it stops replication for a moment: done only once both threads run again (the IO thread may be
          // connecting: a dead master is the monitor's to judge, not this step's).
          for (const until = Date.now() + 5000; ;) {
            const st = await showReplicaStatus(c);
            if (!st || (st.sqlRunning && st.ioRunning !== 'No')) break;
            if (Date.now() > until) throw new Error(`replication did not start again (IO ${st.ioRunning}, SQL ${st.sqlRunning ? 'Yes' : 'No'})`);
            await new Promise((r) => setTimeout(r, 50));
          }
        });
        set.push(name);
      } catch (e) {
        failed.push({ server: name, error: errorMessage(e) });
      }
    }));
    return { set: set.sort(), failed };
  });
}

// ---------------------------------------------------------------------------------------------
// Watch

export interface WatchInput {
  cluster: ClusterRef;
  master: string | null;
  /** What the workflow knows: the watch returns when what it sees differs. */
  known: {
    /** The manager's pings succeed. */
    reachable: boolean;
    warningsKey: string;
    /** The master is judged alive only because replicas still hear it (the manager cannot reach it): return when none does. */
    witnesses: boolean;
  };
  marks: ReplicaMarks;
  /** While the manager cannot reach the master, come back this often for a fresh confirmation (ms). */
  recheckMs: number | null;
  /** Return after this long even if nothing changed (the workflow's history then records that the watch lives on). */
  sessionMs: number;
}

export type WatchChange =
  | 'ping-failed' | 'ping-recovered' | 'warnings-changed' | 'master-changed' | 'witnesses-lost' | 'config-changed' | 'recheck' | 'renew';

export interface WatchResult {
  change: WatchChange;
  detail: string;
  lastPing: PingResult | null;
  /** Failed pings in a row when it returned, and since when. */
  failures: number;
  failingSince: string | null;
  /** The master as the replicas say now (master-changed: the new one). */
  master: string | null;
  warnings: MonitorWarning[];
  marks: ReplicaMarks;
  checkedAt: string | null;
}

/** How often the watch heartbeats (its heartbeatTimeout in workflows/monitor.ts is three times this). */
export const WATCH_HEARTBEAT_MS = 2000;

/**
 * Ping the master every monitor.pingInterval and read every server every monitor.replicaCheckInterval,
 * until something differs from what the workflow knows. It heartbeats its last ping and warnings (what
 * `mhaflow monitor status` shows between two returns), and stops when cancelled.
 */
export async function monitorWatch(input: WatchInput): Promise<WatchResult> {
  const ctx = Context.current();
  const cfg = (() => {
    try { return clusterOf(input); } catch (e) { throw toActivityFailure(e); }
  })();
  const st = monitorSettingsOf(cfg);
  const master = input.master ? serverByName(cfg, input.master) : null;
  const pinger = master ? new MasterPinger(cfg, master, st.pingType, durationMs(cfg.mysql.connectTimeout)) : null;
  const kept = new KeptConnections(cfg, durationMs(cfg.mysql.connectTimeout));
  const t0 = Date.now();
  let cancelled: unknown = null;
  ctx.cancelled.catch((e: unknown) => { cancelled = e; pinger?.close(); });
  let lastPing: PingResult | null = null;
  let failures = input.known.reachable ? 0 : 1;
  let failingSince: string | null = null;
  let warnings: MonitorWarning[] = [];
  let marks = input.marks;
  let checkedAt: string | null = null;
  let nextCheck = 0;
  let lastBeat = 0;
  const result = (change: WatchChange, detail: string, over: Partial<WatchResult> = {}): WatchResult =>
    ({ change, detail, lastPing, failures, failingSince, master: input.master, warnings, marks, checkedAt, ...over });
  try {
    for (;;) {
      if (cancelled) throw cancelled;
      const tick = Date.now();
      // The ping and the servers' read run side by side: a ping that times out does not delay the replicas' view.
      const often = input.known.witnesses || !input.known.reachable;
      const check = tick >= nextCheck;
      if (check) nextCheck = tick + (often ? st.pingIntervalMs : st.replicaCheckIntervalMs);
      const [ping, reads] = await Promise.all([pinger?.ping() ?? null, check ? readCluster(cfg, input.master, (s) => kept.read(s)) : null]);
      if (ping) {
        lastPing = ping;
        if (ping.ok) {
          failures = 0;
          failingSince = null;
          if (!input.known.reachable) return result('ping-recovered', `${input.master} answers again (${ping.ms} ms)`);
        } else {
          failures++;
          failingSince ??= ping.at;
          if (input.known.reachable) return result('ping-failed', `${input.master}: ${ping.error?.kind} (${ping.error?.message})`);
        }
      }
      if (reads) {
        const seen = facts(cfg, reads, marks, Date.now(), input.master);
        marks = seen.marks;
        warnings = seen.warnings;
        checkedAt = new Date().toISOString();
        if (seen.master && seen.master !== input.master) return result('master-changed', `the replicas now replicate from ${seen.master}`, { master: seen.master });
        if (warningsKey(warnings) !== input.known.warningsKey) return result('warnings-changed', warningsKey(warnings) || 'no warnings');
        const lostFor = failingSince ? Date.now() - Date.parse(failingSince) : Number.POSITIVE_INFINITY;
        if (input.known.witnesses && master && !seen.views.some((v) => replicaVote(v, lostFor) === 'hears')) {
          return result('witnesses-lost', `no replica hears ${master.name} any more`);
        }
      }
      const changed = configChanged(input.cluster);
      if (changed) return result('config-changed', changed);
      if (input.recheckMs !== null && !input.known.reachable && Date.now() - t0 >= input.recheckMs) return result('recheck', 'time for a fresh confirmation');
      if (Date.now() - t0 >= input.sessionMs) return result('renew', 'session over');
      if (Date.now() - lastBeat >= WATCH_HEARTBEAT_MS) {
        lastBeat = Date.now();
        const beat: WatchHeartbeat = { master: input.master, lastPing, checkedAt, warnings };
        ctx.heartbeat(beat);
      }
      const wait = tick + (pinger ? st.pingIntervalMs : st.replicaCheckIntervalMs) - Date.now();
      if (wait > 0) await (pinger ? pinger.waitForDrop(wait) : new Promise((r) => setTimeout(r, wait)));
    }
  } catch (e) {
    throw toActivityFailure(e);
  } finally {
    pinger?.close();
    kept.close();
  }
}

/** Why the worker's config of this cluster is no longer the one the watch pinned, if it is not. */
function configChanged(ref: ClusterRef): string | null {
  try {
    const now = loadCluster(ref.name);
    return now.digest === ref.digest ? null : `the config changed (digest ${ref.digest} -> ${now.digest})`;
  } catch (e) {
    return `the config cannot be read: ${errorMessage(e)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Confirm

export interface ConfirmInput {
  cluster: ClusterRef;
  master: string;
  marks: ReplicaMarks;
  /** Failed pings in a row so far, since when. */
  failures: number;
  failingSince: string | null;
  /** Run the secondary check this round. */
  secondaryCheck: boolean;
}

export interface ConfirmFacts {
  evidence: MonitorEvidence;
  marks: ReplicaMarks;
}

/**
 * Every view of the master at once: the manager pings again (up to monitor.failuresBeforeDead in a row,
 * half a ping interval apart, on connections of their own) while its host is examined over SSH and every
 * replica is read; a replica still connected that has not shown progress since the manager lost the master is
 * read again every 250 ms, up to a heartbeat period and a half, until it shows progress or loses the master
 * ("still hears the master" never rests on samples far apart or from before); then, when asked, the secondary
 * check runs.
 */
export async function monitorConfirm(input: ConfirmInput): Promise<ConfirmFacts> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const st = monitorSettingsOf(cfg);
    const master = serverByName(cfg, input.master);
    const timeoutMs = durationMs(cfg.mysql.connectTimeout);
    const sshMs = Math.min(durationMs(cfg.ssh.connectTimeout), 3000);
    const host = examineHost(cfg, master.name, sshMs);
    const replicas = cfg.servers.filter((s) => s.name !== master.name && !s.binlogServer);
    // Only what a replica received since the manager lost the master vouches for it (detection.ts replicaVote).
    const lostSince = Date.parse(input.failingSince ?? new Date().toISOString());
    const views = (async () => {
      const kept = new KeptConnections(cfg, timeoutMs);
      const read = () => Promise.all(replicas.map((s) => kept.read(s)));
      try {
        const t0 = Date.now();
        let seen = observe(await read(), master, input.marks, Date.now());
        for (;;) {
          const undated = seen.views.filter((v) => v.ioRunning === 'Yes' && !v.lastIoErrno && replicaVote(v, Date.now() - lostSince) !== 'hears');
          const gap = Math.min(1500, Math.max(...undated.map((v) => v.heartbeatPeriodSec ?? 1), 0) * 1000 + 500);
          if (!undated.length || Date.now() - t0 >= gap) return seen;
          await sleepMs(250);
          seen = observe(await read(), master, seen.marks, Date.now());
        }
      } finally {
        kept.close();
      }
    })();
    let failures = input.failures;
    let failingSince = input.failingSince;
    let last: PingResult;
    for (;;) {
      last = await pingOnce(cfg, master, st.pingType, timeoutMs);
      if (last.ok || last.error?.kind === 'answered') { failures = 0; failingSince = null; break; }
      failures++;
      failingSince ??= last.at;
      if (failures >= st.failuresBeforeDead) break;
      await sleepMs(st.pingIntervalMs / 2);
    }
    const seen = await views;
    const secondaryCheck = input.secondaryCheck ? await runSecondaryCheck(cfg, master.name) : null;
    return {
      evidence: {
        master: master.name, at: new Date().toISOString(), manager: { consecutiveFailures: failures, failingSince, last },
        replicas: seen.views, host: await host, secondaryCheck,
      },
      marks: seen.marks,
    };
  });
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function examineHost(cfg: ClusterConfig, name: string, timeoutMs: number): Promise<HostView> {
  const t0 = Date.now();
  try {
    const r = await withPool(cfg, (pool) => checkFromOwnHost(pool, serverByName(cfg, name), timeoutMs), timeoutMs);
    return { ssh: r.ssh, mysqld: r.mysqld, detail: r.evidence.join('; '), ms: Date.now() - t0 };
  } catch (e) {
    return { ssh: 'failed', mysqld: 'unknown', detail: errorMessage(e), ms: Date.now() - t0 };
  }
}

// ---------------------------------------------------------------------------------------------
// A failover started elsewhere, and the report hook

export interface ExternalFailoverOutcome {
  runId: string | null;
  status: 'completed' | 'failed' | 'unknown';
  report: Pick<FailoverReport, 'newMaster' | 'deadMaster'> | null;
  message: string;
}

/** Wait for a failover of this cluster that someone else started (the monitor found it running). */
export async function monitorAwaitFailover(input: { workflowId: string }): Promise<ExternalFailoverOutcome> {
  return guarded(async () => {
    const handle = Context.current().client.workflow.getHandle(input.workflowId);
    const runId = (await handle.describe()).runId;
    try {
      const report = (await handle.result()) as FailoverReport;
      return { runId, status: 'completed', report: { newMaster: report.newMaster, deadMaster: report.deadMaster }, message: `${report.deadMaster} -> ${report.newMaster}` };
    } catch (e) {
      let cur: unknown = e;
      while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause;
      return { runId, status: 'failed', report: null, message: cur instanceof Error ? cur.message : String(e) };
    }
  });
}

/** The report hook (MHA's report_script arguments) for what the monitor saw: a warning, a refused failover. */
export async function monitorReport(input: { cluster: ClusterRef; master: string | null; subject: string; body: string }): Promise<{ hook: HookRun | null }> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    if (!cfg.hooks.report) return { hook: null };
    const m = input.master ? serverByName(cfg, input.master) : null;
    const hook = await runHook('report', cfg.hooks.report, hookArgs({
      orig_master_host: m?.host, new_master_host: m?.host, subject: input.subject, body: input.body,
    }), { timeoutMs: durationMs(cfg.hooks.timeout) });
    return { hook };
  });
}
