// discoverTopology: the first workflow; every server's role, flavor, version, server_id, coordinates
// and replica status, visible in the Temporal UI.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { DiscoveredTopology } from '../activities/topology';
import type { ConfigSource } from '../src/config/load';

const { discoverServers } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, initialInterval: '500ms', nonRetryableErrorTypes: ['ConfigError', 'SafetyError', 'RefusedError'] },
  summary: 'connect to every configured server and read its state',
});

export interface DiscoverTopologyInput { config: ConfigSource }

export async function discoverTopology(input: DiscoverTopologyInput): Promise<DiscoveredTopology> {
  const topo = await discoverServers({ config: input.config });
  setCurrentDetails(describeTopology(topo));
  return topo;
}

/** Markdown for the UI's "Current Details". */
function describeTopology(t: DiscoveredTopology): string {
  const lines = [`**${t.cluster}**: master **${t.roles.master ?? 'none found'}**`, '', '| server | role | version | server_id | binlog | replication |', '|---|---|---|---|---|---|'];
  for (const p of t.probes) {
    const s = p.state;
    const r = s?.replica;
    lines.push(`| ${p.name} (${p.host}:${p.port}) | ${t.roles.roles[p.name]} | ${s?.version ?? p.error ?? ''} | ${s?.serverId ?? ''} | ${s?.binlog ? `${s.binlog.file}:${s.binlog.pos}` : ''} | ${r ? `${r.sourceHost} io=${r.ioRunning} sql=${r.sqlRunning ? 'Yes' : 'No'} read=${r.sourceLogFile}:${r.readSourceLogPos} exec=${r.relaySourceLogFile}:${r.execSourceLogPos}` : ''} |`);
  }
  return lines.join('\n');
}
