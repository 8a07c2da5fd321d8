// Failover phase 1: configuration check. Connect to every server, confirm the dead server is the current
// master and really dead, refuse a too-recent failover, start stopped SQL threads.
import { activityInfo, Context } from '@temporalio/activity';
import { resolveConfigSource, type ConfigSource } from '../src/config/load';
import type { ClusterConfig } from '../src/config/schema';
import { RefusedError } from '../src/errors';
import { checkDeadMaster, type DeadCheck } from '../src/failover/deadmaster';
import { durationMs } from '../src/config/schema';
import { resolveSecret } from '../src/config/secrets';
import { hookArgs, runHook } from '../src/hooks/run';
import { serverByName } from '../src/config/servers';
import { withPool } from '../src/ssh/pool';
import { sshConnections } from '../src/ssh/cache';
import { startStoppedSqlThread } from '../src/failover/replication';
import { withConnection } from '../src/mysql/client';
import { probeServers } from '../src/mysql/probe';
import { decideRoles, type RoleAssignment } from '../src/topology/roles';
import type { DeadMasterRef, ServerSnapshot } from '../src/topology/types';
import { resolveServer } from '../src/topology/candidates';
import { guarded } from './failure';

export interface FailoverCheckInput {
  config: ConfigSource;
  deadMaster?: string;
  /** Anti-flapping (not in a dry run): refuse if the cluster failed over within failover.lastFailoverWindow. */
  lastFailover?: { ignore: boolean };
}

export interface FailoverCheckResult {
  /** The validated config (secret references only), used by every later step. */
  cfg: ClusterConfig;
  deadMaster: DeadMasterRef;
  deadCheck: DeadCheck;
  /** Every configured server: config flags and what was read from it. */
  servers: ServerSnapshot[];
  roles: RoleAssignment;
  /** null in a dry run (not looked up). */
  lastFailover: LastFailoverResult | null;
  /** When each part was done, ms from the activity's start (they run concurrently). */
  timings: { probesMs: number; deadCheckMs: number; lastFailoverMs: number | null };
}

function snapshotsOf(cfg: ClusterConfig, probes: Awaited<ReturnType<typeof probeServers>>): ServerSnapshot[] {
  return cfg.servers.map((s) => {
    const p = probes.find((x) => x.name === s.name)!;
    return {
      name: s.name, host: s.host, port: s.port, candidateMaster: s.candidateMaster, noMaster: s.noMaster, ignoreFail: s.ignoreFail,
      checkReplDelay: s.checkReplDelay, latestPriority: s.latestPriority, binlogServer: s.binlogServer,
      state: p.state, ...(p.error ? { error: p.error } : {}),
    };
  });
}

function pickDeadMaster(cfg: ClusterConfig, roles: RoleAssignment, requested?: string): string {
  if (requested) {
    const name = resolveServer(cfg.servers, requested);
    if (!name) throw new RefusedError(`--dead-master ${requested} is not a server of cluster ${cfg.cluster}`, { hint: `one of ${cfg.servers.map((s) => `${s.name} (${s.host}:${s.port})`).join(', ')}` });
    return name;
  }
  if (!roles.master) throw new RefusedError('cannot tell which server is the master: no replica points at a server of the cluster', { hint: 'pass --dead-master HOST[:PORT]' });
  return roles.master;
}

/**
 * Connect to every server; the dead master must be the one the replicas replicate from, and be dead twice
 * over. Meanwhile: the anti-flapping lookup; then (in a worker) SSH connections to every other host are
 * opened for the steps that follow.
 */
export async function failoverCheck(input: FailoverCheckInput): Promise<FailoverCheckResult> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = resolveConfigSource(input.config);
    let lastFailoverMs: number | null = null;
    const last = input.lastFailover
      ? lastFailoverWithin(cfg.cluster, durationMs(cfg.failover.lastFailoverWindow), input.lastFailover.ignore).finally(() => { lastFailoverMs = Date.now() - t0; })
      : Promise.resolve(null);
    last.catch(() => {}); // awaited below, after the checks that come first
    // A named dead master is checked over SSH while every server is probed (on a live one that is harmless,
    // and the probe below refuses it anyway).
    const named = input.deadMaster ? resolveServer(cfg.servers, input.deadMaster) : null;
    const early = named ? withPool(cfg, (pool) => checkDeadMaster(pool, cfg, serverByName(cfg, named))) : null;
    early?.catch(() => {});
    const probes = await probeServers(cfg);
    const probesMs = Date.now() - t0;
    const roles = decideRoles(probes);
    const deadName = pickDeadMaster(cfg, roles, input.deadMaster);
    const dead = serverByName(cfg, deadName);
    const probe = probes.find((p) => p.name === deadName)!;
    if (probe.state) {
      throw new RefusedError(`${deadName} answers SQL (version ${probe.state.version}, read_only=${probe.state.readOnly ? 'ON' : 'OFF'}): it is a live master; a failover would create two masters`, {
        server: deadName, hint: 'for a planned change of master use a switchover; a failover is only for a dead master',
      });
    }
    if (!roles.sourcesPointedAt.includes(deadName)) {
      throw new RefusedError(`${deadName} is not the current master: no replica replicates from it (the replicas point at ${roles.sourcesPointedAt.join(', ') || 'nothing in the cluster'})`, { server: deadName });
    }
    const deadCheck = await (early ?? withPool(cfg, (pool) => checkDeadMaster(pool, cfg, dead)));
    const deadCheckMs = Date.now() - t0;
    if (deadCheck.alive) {
      throw new RefusedError(`${deadName} is not dead: ${deadCheck.evidence.join('; ')}`, { server: deadName, hint: 'never fail over a live master; check the network between the worker and it' });
    }
    // The next steps reach every other host over SSH: connect now (after the dead master's check, which
    // these handshakes would otherwise slow down).
    sshConnections.warm(cfg, cfg.servers.filter((s) => s.name !== deadName));
    await secondaryCheck(cfg, deadName, deadCheck);
    const lastFailover = await last;
    const replicaOf = probes.find((p) => p.state?.replica && p.state.replica.sourceHost === dead.host && p.state.replica.sourcePort === dead.port);
    return {
      cfg, deadCheck, servers: snapshotsOf(cfg, probes), roles, lastFailover, timings: { probesMs, deadCheckMs, lastFailoverMs },
      deadMaster: { name: deadName, host: dead.host, port: dead.port, serverId: replicaOf?.state?.replica?.sourceServerId ?? null, addresses: dead.aliases ?? [] },
    };
  });
}

/**
 * MHA's secondary_check_script: the master must also be unreachable through other network routes (a
 * partition between the worker and a live master must not cause a failover). Exit 0: confirmed dead.
 */
async function secondaryCheck(cfg: ClusterConfig, deadName: string, deadCheck: DeadCheck): Promise<void> {
  if (!cfg.hooks.secondaryCheck) return;
  const dead = serverByName(cfg, deadName);
  const run = await runHook('secondary_check', cfg.hooks.secondaryCheck, hookArgs({
    user: dead.ssh.user ?? cfg.ssh.user, master_host: dead.host, master_ip: dead.host, master_port: dead.port, master_user: cfg.mysql.user,
  }), { timeoutMs: durationMs(cfg.hooks.timeout), env: { MHAFLOW_MASTER_PASSWORD: resolveSecret(cfg.mysql.password, 'mysql.password') } });
  deadCheck.evidence.push(`secondary_check exited ${run.code ?? run.signal}: ${(run.stdout || run.stderr).trim().split('\n').pop() ?? ''}`);
  if (run.code !== 0) {
    throw new RefusedError(`the secondary check did not confirm that ${deadName} is dead (exit ${run.code ?? run.signal}): ${deadCheck.evidence.join('; ')}`, {
      server: deadName, hint: 'the master may be reachable from elsewhere (a network partition); check before forcing anything',
    });
  }
}

/** Every configured server's state, read now. */
export async function readServerSnapshots(cfg: ClusterConfig): Promise<ServerSnapshot[]> {
  return snapshotsOf(cfg, await probeServers(cfg));
}

/** Read every server's state again (a dry run: nothing was stopped). */
export async function failoverReadServers(input: { cfg: ClusterConfig }): Promise<ServerSnapshot[]> {
  return guarded(() => readServerSnapshots(input.cfg));
}

export interface LastFailoverResult {
  last: { workflowId: string; runId: string; closeTime: string } | null;
  windowMs: number;
  ignored: boolean;
}

/**
 * Anti-flapping. The record is Temporal's own visibility store (completed `failover` workflows of this
 * cluster, MhaflowPhase=completed): durable, shared by every worker, and nothing on one worker's disk.
 */
async function lastFailoverWithin(cluster: string, windowMs: number, ignore: boolean): Promise<LastFailoverResult> {
  const since = new Date(Date.now() - windowMs).toISOString();
  const query = `WorkflowType = 'failover' AND MhaflowCluster = '${cluster.replace(/'/g, '')}' AND MhaflowPhase = 'completed' `
    + `AND ExecutionStatus = 'Completed' AND CloseTime > '${since}'`;
  let last: LastFailoverResult['last'] = null;
  const self = activityInfo().workflowExecution;
  for await (const wf of Context.current().client.workflow.list({ query, pageSize: 10 })) {
    if (wf.runId === self?.runId) continue;
    if (!last || (wf.closeTime && wf.closeTime.toISOString() > last.closeTime)) {
      last = { workflowId: wf.workflowId, runId: wf.runId, closeTime: wf.closeTime?.toISOString() ?? '' };
    }
  }
  if (last && !ignore) {
    throw new RefusedError(`cluster ${cluster} failed over at ${last.closeTime} (workflow ${last.workflowId}), less than ${Math.round(windowMs / 60000)} minutes ago`, {
      hint: 'a master failing again so soon needs a human look; run with --ignore-last-failover to proceed anyway',
    });
  }
  return { last, windowMs, ignored: Boolean(last && ignore) };
}

/** Phase 1: start SQL threads that are stopped without an error, so relay logs get applied. */
export async function failoverStartSqlThreads(input: { cfg: ClusterConfig; servers: string[] }): Promise<{ started: string[] }> {
  return guarded(async () => {
    const started: string[] = [];
    await Promise.all(input.servers.map(async (name) => {
      const r = await withConnection(input.cfg, serverByName(input.cfg, name), (c) => startStoppedSqlThread(c, name));
      if (r.started) started.push(name);
    }));
    return { started: started.sort() };
  });
}
