// Failover phase 1: what the check needs to know, gathered at once: every server's state, the dead master
// examined a second time from its own host, the secondary check, the cluster's last failover. Facts only:
// the workflow decides (src/failover/decisions.ts decideFailoverStart).
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { loadCluster } from '../src/config/registry';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/config/values';
import { checkDeadMaster } from '../src/failover/deadmaster';
import { switchoverWorkflowId } from '../src/contracts/switchover';
import { runningWorkflow } from '../src/temporal/runs';
import { clusterFactsOf, resolveServerRef, type FailoverCheckFacts, type LastFailover } from '../src/failover/decisions';
import { findUnresolvedFailover } from '../src/temporal/failovers';
import { serverByName } from '../src/config/servers';
import { withPool } from '../src/ssh/pool';
import { startStoppedSqlThread, waitIoSettled } from '../src/failover/replication';
import { hookArgs, runHook } from '../src/hooks/run';
import { runSecondaryCheck } from '../src/hooks/secondary-check';
import { withConnection } from '../src/mysql/client';
import { probeServers } from '../src/mysql/probe';
import { sshConnections } from '../src/ssh/cache';
import { newestCompletedFailover } from '../src/temporal/failovers';
import { decideRoles } from '../src/topology/roles';
import type { ServerSnapshot } from '../src/topology/types';
import { clusterOf, connectTo, guarded, type ClusterInput } from './failure';

export interface FailoverCheckInput {
  cluster: string;
  deadMaster?: string;
  /** Look up the cluster's last failover (not in a dry run). */
  lookupLastFailover: boolean;
}

function snapshotsOf(cfg: ClusterConfig, probes: Awaited<ReturnType<typeof probeServers>>): ServerSnapshot[] {
  return cfg.servers.map((s) => {
    const p = probes.find((x) => x.name === s.name)!;
    return {
      name: s.name, host: s.host, port: s.port, candidateMaster: s.candidateMaster, noMaster: s.noMaster, ignoreFail: s.ignoreFail,
      checkReplDelay: s.checkReplDelay, latestPriority: s.latestPriority, binlogServer: s.binlogServer,
      state: p.state, ...(p.error ? { error: p.error } : {}),
      aliases: s.aliases ?? [], ...(p.addresses ? { addresses: p.addresses } : {}), ...(p.sourceAddresses ? { sourceAddresses: p.sourceAddresses } : {}),
    };
  });
}

/** Every configured server's state, read now. */
export async function readServerSnapshots(cfg: ClusterConfig): Promise<ServerSnapshot[]> {
  return snapshotsOf(cfg, await probeServers(cfg));
}

/**
 * Probe every server; examine the dead master (the requested one, else the one the replicas point at)
 * a second way, over SSH from its own host, unless its probe already answered; run the secondary check
 * when it looks dead; meanwhile look up the last failover. Then (in a worker) warm SSH connections to the
 * other hosts for the steps that follow.
 */
export async function failoverCheck(input: FailoverCheckInput): Promise<FailoverCheckFacts> {
  return guarded(async () => {
    const t0 = Date.now();
    const { cfg, digest } = loadCluster(input.cluster);
    const cluster = clusterFactsOf(cfg, digest);
    let lastFailoverMs: number | null = null;
    const last = input.lookupLastFailover
      ? lastFailoverOf(cfg.cluster, cluster.failover.lastFailoverWindowMs).finally(() => { lastFailoverMs = Date.now() - t0; })
      : Promise.resolve(null);
    last.catch(() => {}); // awaited below
    const unresolved = input.lookupLastFailover ? findUnresolvedFailover(Context.current().client, cfg.cluster) : Promise.resolve(null);
    unresolved.catch(() => {});
    const switchover = runningWorkflow(Context.current().client, switchoverWorkflowId(cfg.cluster));
    switchover.catch(() => {}); // awaited below
    // A named dead master is examined over SSH while every server is probed.
    const named = input.deadMaster ? resolveServerRef(cluster.servers, input.deadMaster) : null;
    const examine = (name: string) => withPool(cfg, (pool) => checkDeadMaster(pool, cfg, serverByName(cfg, name), { stallWindowMs: durationMs(cfg.failover.stallWindow), heartbeat }));
    const early = named ? examine(named) : null;
    early?.catch(() => {});
    const probes = await probeServers(cfg);
    const probesMs = Date.now() - t0;
    const roles = decideRoles(probes);
    const examined = input.deadMaster ? named : roles.master;
    const answered = Boolean(examined && probes.find((p) => p.name === examined)?.state);
    const deadCheck = examined && !answered ? await (early ?? examine(examined)) : null;
    const deadCheckMs = deadCheck ? Date.now() - t0 : null;
    let secondaryCheck: FailoverCheckFacts['secondaryCheck'] = null;
    if (examined && deadCheck && !deadCheck.alive) {
      // The next steps reach every other host over SSH: connect now (after the dead master's check, which
      // these handshakes would otherwise slow down).
      sshConnections.warm(cfg, cfg.servers.filter((s) => s.name !== examined));
      secondaryCheck = await runSecondaryCheck(cfg, examined);
    }
    return {
      cluster, servers: snapshotsOf(cfg, probes), roles, examined, deadCheck, secondaryCheck,
      lastFailover: await last, unresolved: await unresolved, runningSwitchover: await switchover, timings: { probesMs, deadCheckMs, lastFailoverMs },
    };
  });
}

/** Anti-flapping: the most recent completed failover of the cluster within the window (src/temporal/failovers.ts). */
async function lastFailoverOf(cluster: string, windowMs: number): Promise<LastFailover> {
  const last = await newestCompletedFailover(Context.current().client, cluster, {
    since: new Date(Date.now() - windowMs), excludeRunId: activityInfo().workflowExecution?.runId,
  });
  return { last, windowMs };
}

/** Phase 1: start SQL threads that are stopped without an error, so relay logs get applied. */
export async function failoverStartSqlThreads(input: ClusterInput & { servers: string[] }): Promise<{ started: string[] }> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const started: string[] = [];
    await Promise.all(input.servers.map(async (name) => {
      const r = await connectTo(input, cfg, name, (c) => startStoppedSqlThread(c, name));
      if (r.started) started.push(name);
    }));
    return { started: started.sort() };
  });
}

/**
 * Read every server's state again (a dry run: nothing is stopped), once the replicas of the dead master
 * have received what was in flight, as the failover's own stop of the IO threads waits for: the dry run
 * then sees the positions the failover will see.
 */
export async function failoverReadServers(input: ClusterInput & { replicas: string[] }): Promise<ServerSnapshot[]> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    await Promise.all(input.replicas.map((name) => connectTo(input, cfg, name, (c) => waitIoSettled(c, name, { heartbeat }))));
    return readServerSnapshots(cfg);
  });
}
