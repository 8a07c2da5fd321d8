// Switchover phase 1: what the check needs to know, gathered at once: every server's state and filters, the
// master's freeze facts and long-running work, and whether a failover of the cluster is running. Facts only: the
// workflow decides (src/switchover/decisions.ts decideSwitchoverStart).
import { Context } from '@temporalio/activity';
import { failoverWorkflowId } from '../src/contracts/failover';
import { loadCluster } from '../src/config/registry';
import { errorMessage } from '../src/errors';
import { readServerState, withConnection } from '../src/mysql/client';
import { readBinlogStatus, readReplicationFilters } from '../src/mysql/discover';
import { readFreezeFacts } from '../src/mysql/freeze';
import { readLongRunning } from '../src/mysql/running';
import { switchoverClusterFactsOf, type ServerFilters, type SwitchoverCheckFacts } from '../src/switchover/decisions';
import { runningWorkflow } from '../src/temporal/runs';
import { decideRoles } from '../src/topology/roles';
import type { ServerSnapshot } from '../src/topology/types';
import { guarded } from './failure';

export interface SwitchoverCheckInput {
  cluster: string;
  /** Statements and transactions on the master running this long or longer are reported. */
  runningUpdatesLimitSeconds: number;
}

/**
 * Every server read in parallel, one connection each: its state, its binlog and replication filters, and on a
 * server that replicates from nobody (the master) what the freeze needs and what runs there; meanwhile Temporal
 * says whether a failover of the cluster runs.
 */
export async function switchoverCheck(input: SwitchoverCheckInput): Promise<SwitchoverCheckFacts> {
  return guarded(async () => {
    const t0 = Date.now();
    const { cfg, digest } = loadCluster(input.cluster);
    const failover = runningWorkflow(Context.current().client, failoverWorkflowId(cfg.cluster));
    failover.catch(() => {}); // awaited below
    const read = await Promise.all(cfg.servers.map(async (s) => {
      const flags = {
        name: s.name, host: s.host, port: s.port, candidateMaster: s.candidateMaster, noMaster: s.noMaster, ignoreFail: s.ignoreFail,
        checkReplDelay: s.checkReplDelay, latestPriority: s.latestPriority, binlogServer: s.binlogServer,
      };
      if (s.binlogServer) return { snapshot: { ...flags, state: null } as ServerSnapshot, filters: null, master: null };
      try {
        return await withConnection(cfg, s, async (c) => {
          const state = await readServerState(c, s);
          const filters: ServerFilters = {
            server: s.name, binlog: state.logBin ? await readBinlogStatus(c) : null, replication: (await readReplicationFilters(c, state)).filters,
          };
          const master = state.replica ? null
            : { name: s.name, freeze: await readFreezeFacts(c), activity: await readLongRunning(c, input.runningUpdatesLimitSeconds) };
          return { snapshot: { ...flags, state } as ServerSnapshot, filters, master };
        });
      } catch (e) {
        return { snapshot: { ...flags, state: null, error: errorMessage(e) } as ServerSnapshot, filters: null, master: null };
      }
    }));
    const servers = read.map((r) => r.snapshot);
    const roles = decideRoles(servers.map((s) => ({ name: s.name, host: s.host, port: s.port, state: s.state, ...(s.error ? { error: s.error } : {}) })));
    return {
      cluster: switchoverClusterFactsOf(cfg, digest),
      servers,
      roles,
      filters: read.flatMap((r) => (r.filters ? [r.filters] : [])),
      master: read.find((r) => r.master?.name === roles.master)?.master ?? null,
      runningFailover: await failover,
      timings: { ms: Date.now() - t0 },
    };
  });
}
