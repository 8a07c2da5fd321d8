// Failover phase 2: every replica receives what was in flight from the dead master, then its IO thread
// stops (the final positions); then the dead master is fenced (master_ip_failover --command=stop|stopssh,
// then the shutdown hook or its mysqld killed over SSH) and seen unable to serve. What happened is a fact:
// src/failover/decisions.ts decideFence reads it.
import { heartbeat } from '@temporalio/activity';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { durationMs } from '../src/config/values';
import { errorMessage } from '../src/errors';
import { sqlAnswers } from '../src/failover/deadmaster';
import type { FenceFacts, FenceMethod } from '../src/failover/decisions';
import { stopMysqldAndWait, waitPortRefused } from '../src/failover/fence';
import { withPool } from '../src/ssh/pool';
import { openSsh } from '../src/ssh/session';
import { serverByName } from '../src/config/servers';
import { stopIoThread, waitIoSettled, type IoSettled } from '../src/failover/replication';
import { setRelayLogPurge } from '../src/mysql/replication';
import { hookArgs, runHook } from '../src/hooks/run';
import type { ServerSnapshot } from '../src/topology/types';
import { readServerSnapshots } from './failover-check';
import { clusterOf, connectTo, guarded, type ClusterInput } from './failure';

export interface StopIoResult {
  /** settled: how the IO thread ended receiving before it was stopped (see waitIoSettled). */
  servers: { name: string; wasRunning: boolean; settled: IoSettled['how'] }[];
  /** Every server's state read once the IO threads stopped: the replicas' final positions. */
  snapshots: ServerSnapshot[];
}

/** Stop the IO thread on every replica once it received what was in flight, then read every server. */
export async function failoverStopIoThreads(input: ClusterInput & { replicas: string[]; keepRelayLogs?: boolean }): Promise<StopIoResult> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const servers = await Promise.all(input.replicas.map(async (name) => ({
      name, ...await connectTo(input, cfg, name, async (c) => {
        // The relay logs are the read_diffs' source until every diff is built: none may be purged meanwhile
        // (the repoint gives each replica its setting back, as the check read it).
        if (input.keepRelayLogs) await setRelayLogPurge(c, false);
        const settled = await waitIoSettled(c, name, { heartbeat });
        return { ...await stopIoThread(c, name), settled: settled.how };
      }),
    })));
    return { servers, snapshots: await readServerSnapshots(cfg) };
  });
}

export interface FenceInput extends ClusterInput { deadMaster: string; sshReachable: boolean; method: FenceMethod }

/** Powered off: neither its sshd (a fresh connection, not a cached one) nor its SQL port answers. */
async function hostGone(cfg: ClusterConfig, dead: ServerConfig): Promise<{ gone: boolean; evidence: string[] }> {
  const sql = await sqlAnswers(cfg, dead, 2000);
  const ssh = await openSsh(cfg, dead, { timeoutMs: 3000 }).then((x) => { x.close(); return 'SSH still answers'; }, (e) => `SSH fails (${errorMessage(e)})`);
  return { gone: !sql.answers && ssh.startsWith('SSH fails'), evidence: [sql.detail, ssh] };
}

/**
 * Fence the dead master and look: run master_ip_failover (--command=stopssh|stop), then the chosen method (the
 * shutdown hook, or its mysqld killed over SSH), then check from its host (or its absence) that it cannot serve.
 * A failing master_ip_failover stops there: the workflow refuses on these facts.
 */
export async function failoverFenceDeadMaster(input: FenceInput): Promise<FenceFacts> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const dead = serverByName(cfg, input.deadMaster);
    const timeoutMs = durationMs(cfg.hooks.timeout);
    const command = input.sshReachable ? 'stopssh' : 'stop';
    const sshUser = input.sshReachable ? dead.ssh.user ?? cfg.ssh.user : undefined;
    const facts: FenceFacts = { method: input.method, runs: [], stopNotes: [], verified: false, evidence: [] };
    if (cfg.hooks.masterIpFailover) {
      const run = await runHook('master_ip_failover', cfg.hooks.masterIpFailover, hookArgs({
        orig_master_host: dead.host, orig_master_ip: dead.host, orig_master_port: dead.port, command, ssh_user: sshUser,
      }), { timeoutMs });
      facts.runs.push(run);
      if (run.code !== 0 && run.code !== 10) return facts;
    }
    if (input.method === 'shutdown-hook' && cfg.hooks.shutdown) {
      const run = await runHook('shutdown', cfg.hooks.shutdown, hookArgs({
        command, ssh_user: sshUser, host: dead.host, ip: dead.host, port: dead.port, pid_file: dead.pidFile,
      }), { timeoutMs });
      facts.runs.push(run);
      if (run.code === 0) {
        const g = await hostGone(cfg, dead);
        facts.verified = g.gone;
        facts.evidence.push(...g.evidence);
      } else if (run.code === 10) {
        const w = await withPool(cfg, async (pool) => waitPortRefused(await pool.get(dead), dead));
        facts.verified = w.refused;
        facts.evidence.push(w.detail);
      }
    } else if (input.method === 'stop-mysqld') {
      await withPool(cfg, async (pool) => {
        const { stop, port } = await stopMysqldAndWait(await pool.get(dead), dead);
        facts.stopNotes.push(...stop.notes);
        facts.verified = port.refused;
        facts.evidence.push(port.detail);
      });
    }
    return facts;
  });
}
