// Discovery: connect to every configured server and report what it is.
import type { DiscoveredTopology, DiscoverTopologyInput } from '../src/contracts/topology';
import { loadCluster } from '../src/config/registry';
import { probeServers } from '../src/mysql/probe';
import { decideRoles } from '../src/topology/roles';
import { guarded } from './failure';

export async function discoverServers(input: DiscoverTopologyInput): Promise<DiscoveredTopology> {
  return guarded(async () => {
    const { cfg } = loadCluster(input.cluster);
    const probes = await probeServers(cfg);
    return { cluster: cfg.cluster, probes, roles: decideRoles(probes) };
  });
}
