// Failover phase 2: every replica receives what was in flight from the dead master, then its IO thread
// stops (the final positions); then the fencing hooks run (master_ip_failover --command=stop|stopssh,
// shutdown). The hooks' exits are facts: src/failover/decisions.ts decideFence reads them as MHA does.
import { heartbeat } from '@temporalio/activity';
import { durationMs } from '../src/config/schema';
import { serverByName } from '../src/config/servers';
import { stopIoThread, waitIoSettled, type IoSettled } from '../src/failover/replication';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import { withConnection } from '../src/mysql/client';
import type { ServerSnapshot } from '../src/topology/types';
import { readServerSnapshots } from './failover-check';
import { clusterOf, guarded, type ClusterInput } from './failure';

export interface StopIoResult {
  /** settled: how the IO thread ended receiving before it was stopped (see waitIoSettled). */
  servers: { name: string; wasRunning: boolean; settled: IoSettled['how'] }[];
  /** Every server's state read once the IO threads stopped: the replicas' final positions. */
  snapshots: ServerSnapshot[];
}

/** Stop the IO thread on every replica once it received what was in flight, then read every server. */
export async function failoverStopIoThreads(input: ClusterInput & { replicas: string[] }): Promise<StopIoResult> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const servers = await Promise.all(input.replicas.map(async (name) => ({
      name, ...await withConnection(cfg, serverByName(cfg, name), async (c) => {
        const settled = await waitIoSettled(c, name, { heartbeat });
        return { ...await stopIoThread(c, name), settled: settled.how };
      }),
    })));
    return { servers, snapshots: await readServerSnapshots(cfg) };
  });
}

export interface FenceInput extends ClusterInput { deadMaster: string; sshReachable: boolean }

/** Run the configured fencing hooks with MHA's arguments; a failing master_ip_failover stops the rest. */
export async function failoverFenceDeadMaster(input: FenceInput): Promise<{ runs: HookRun[] }> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const dead = serverByName(cfg, input.deadMaster);
    const timeoutMs = durationMs(cfg.hooks.timeout);
    const command = input.sshReachable ? 'stopssh' : 'stop';
    const sshUser = input.sshReachable ? dead.ssh.user ?? cfg.ssh.user : undefined;
    const runs: HookRun[] = [];
    if (cfg.hooks.masterIpFailover) {
      const run = await runHook('master_ip_failover', cfg.hooks.masterIpFailover, hookArgs({
        orig_master_host: dead.host, orig_master_ip: dead.host, orig_master_port: dead.port, command, ssh_user: sshUser,
      }), { timeoutMs });
      runs.push(run);
      if (run.code !== 0 && run.code !== 10) return { runs };
    }
    if (cfg.hooks.shutdown) {
      runs.push(await runHook('shutdown', cfg.hooks.shutdown, hookArgs({
        command, ssh_user: sshUser, host: dead.host, ip: dead.host, port: dead.port, pid_file: dead.pidFile,
      }), { timeoutMs }));
    }
    return { runs };
  });
}
