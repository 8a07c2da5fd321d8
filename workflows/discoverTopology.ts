// discoverTopology: every server's role, flavor, version, server_id, coordinates and replica status,
// visible in the Temporal UI.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { DiscoveredTopology, DiscoverTopologyInput } from '../src/contracts/topology';
import { describeTopologyMarkdown } from '../src/topology/describe';
import { quickRetry, requireCluster } from './options';

const { discoverServers } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: quickRetry,
  summary: 'connect to every configured server and read its state',
});

export async function discoverTopology(input: DiscoverTopologyInput): Promise<DiscoveredTopology> {
  const topo = await discoverServers({ cluster: requireCluster(input, 'discoverTopology') });
  setCurrentDetails(describeTopologyMarkdown(topo));
  return topo;
}

