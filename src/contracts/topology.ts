// The discoverTopology workflow's contract.
import type { RoleAssignment, ServerProbe } from '../topology/roles';

export const DISCOVER_TOPOLOGY_WORKFLOW = 'discoverTopology';

export interface DiscoverTopologyInput {
  /** The cluster's name; the worker reads its config from its own directory. */
  cluster: string;
}

export interface DiscoveredTopology { cluster: string; probes: ServerProbe[]; roles: RoleAssignment }
