// Failover phase 2: stop every replica's IO thread (and read the final positions), then fence the dead master (master_ip_failover
// --command=stop|stopssh, shutdown hook) so it can never take writes again. Hook exit codes as MHA:
// master_ip_failover 0 ok, 10 warn and go on, else stop; shutdown 0 powered off, 10 mysqld stopped over
// SSH (host still reachable), else stop.
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/config/schema';
import { MhaflowError } from '../src/errors';
import { serverByName } from '../src/config/servers';
import { stopIoThread } from '../src/failover/replication';
import { NO_MASTER_IP_FAILOVER_HOOK, NO_SHUTDOWN_HOOK } from '../src/hooks/missing';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import { withConnection } from '../src/mysql/client';
import type { ServerSnapshot } from '../src/topology/types';
import { readServerSnapshots } from './failover-check';
import { guarded } from './failure';

/** A hook failed in a way MHA stops the failover for. */
export class HookError extends MhaflowError {
  override readonly nonRetryable = true;
}

export interface StopIoResult {
  servers: { name: string; wasRunning: boolean }[];
  /** Every server's state read once the IO threads stopped: the replicas' final positions. */
  snapshots: ServerSnapshot[];
}

/** Stop the IO thread on every replica, then read every server: the positions are final from here on. */
export async function failoverStopIoThreads(input: { cfg: ClusterConfig; replicas: string[] }): Promise<StopIoResult> {
  return guarded(async () => {
    const servers = await Promise.all(input.replicas.map(async (name) => ({
      name, ...await withConnection(input.cfg, serverByName(input.cfg, name), (c) => stopIoThread(c, name)),
    })));
    return { servers, snapshots: await readServerSnapshots(input.cfg) };
  });
}

export interface FenceInput { cfg: ClusterConfig; deadMaster: string; sshReachable: boolean }
export interface FenceResult { hooks: HookRun[]; sshReachable: boolean; notes: string[] }

function sshUser(cfg: ClusterConfig, name: string): string {
  return serverByName(cfg, name).ssh.user ?? cfg.ssh.user;
}

export async function failoverFenceDeadMaster(input: FenceInput): Promise<FenceResult> {
  return guarded(async () => {
    const { cfg } = input;
    const dead = serverByName(cfg, input.deadMaster);
    const timeoutMs = durationMs(cfg.hooks.timeout);
    const command = input.sshReachable ? 'stopssh' : 'stop';
    const hooks: HookRun[] = [];
    const notes: string[] = [];
    let sshReachable = input.sshReachable;
    if (cfg.hooks.masterIpFailover) {
      const run = await runHook('master_ip_failover', cfg.hooks.masterIpFailover, hookArgs({
        orig_master_host: dead.host, orig_master_ip: dead.host, orig_master_port: dead.port, command,
        ssh_user: input.sshReachable ? sshUser(cfg, dead.name) : undefined,
      }), { timeoutMs });
      hooks.push(run);
      if (run.code === 10) notes.push('master_ip_failover exited 10: proceeding (MHA semantics)');
      else if (run.code !== 0) throw new HookError(`master_ip_failover --command=${command} failed (exit ${run.code ?? run.signal}): ${lastLine(run)}`, { server: dead.name, hint: 'the service address may still point at the dead master; fix the hook and run the failover again' });
    } else notes.push(NO_MASTER_IP_FAILOVER_HOOK);
    if (cfg.hooks.shutdown) {
      const run = await runHook('shutdown', cfg.hooks.shutdown, hookArgs({
        command, ssh_user: input.sshReachable ? sshUser(cfg, dead.name) : undefined, host: dead.host, ip: dead.host, port: dead.port, pid_file: dead.pidFile,
      }), { timeoutMs });
      hooks.push(run);
      if (run.code === 0) sshReachable = false;
      else if (run.code === 10) notes.push('shutdown hook exited 10: mysqld stopped over SSH, host still reachable');
      else throw new HookError(`shutdown hook failed (exit ${run.code ?? run.signal}): ${lastLine(run)}`, { server: dead.name, hint: 'make sure the dead master is down, then run the failover again' });
    } else notes.push(NO_SHUTDOWN_HOOK);
    return { hooks, sshReachable, notes };
  });
}

function lastLine(r: HookRun): string {
  return (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
}
