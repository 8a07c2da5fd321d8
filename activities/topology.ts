// Discovery: connect to every configured server and report what it is.
import { resolveConfigSource, type ConfigSource } from '../src/config/load';
import { probeServers } from '../src/mysql/probe';
import { decideRoles, type RoleAssignment, type ServerProbe } from '../src/topology/roles';
import { guarded } from './failure';

export interface DiscoverServersInput { config: ConfigSource }
export interface DiscoveredTopology { cluster: string; probes: ServerProbe[]; roles: RoleAssignment }

export async function discoverServers(input: DiscoverServersInput): Promise<DiscoveredTopology> {
  return guarded(async () => {
    const cfg = resolveConfigSource(input.config);
    const probes = await probeServers(cfg);
    return { cluster: cfg.cluster, probes, roles: decideRoles(probes) };
  });
}
