// Who is the master? Decided from what the replicas point at, never from the config's order.
// Pure: used by discovery, the check and the failover workflow alike.
import type { ServerState } from '../mysql/client';

export type Role = 'master' | 'replica' | 'standalone' | 'unreachable';

export interface ServerProbe {
  name: string;
  host: string;
  port: number;
  /** null when the server could not be reached; `error` then says why. */
  state: ServerState | null;
  error?: string;
}

export interface RoleAssignment {
  /** The server the replicas replicate from (null when none is in the cluster). */
  master: string | null;
  roles: Record<string, Role>;
  /** Replicas whose source is not a server of the cluster: name -> "host:port". */
  outsideSources: Record<string, string>;
  /** Every in-cluster server some replica points at (more than one means a multi-tier or split topology). */
  sourcesPointedAt: string[];
}

export function decideRoles(probes: ServerProbe[]): RoleAssignment {
  const byAddress = new Map(probes.map((p) => [`${p.host}:${p.port}`, p.name]));
  const pointedAt = new Map<string, number>();
  const outsideSources: Record<string, string> = {};
  for (const p of probes) {
    const r = p.state?.replica;
    if (!r || !r.sourceHost) continue;
    const addr = `${r.sourceHost}:${r.sourcePort}`;
    const src = byAddress.get(addr);
    if (src) pointedAt.set(src, (pointedAt.get(src) ?? 0) + 1);
    else outsideSources[p.name] = addr;
  }
  // The master is the most pointed-at in-cluster server that is not itself a replica of a cluster member;
  // with nobody pointing anywhere (all replicas dead), a lone writable server is the master.
  const sources = [...pointedAt.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const isReplicaOfMember = (name: string) => {
    const r = probes.find((p) => p.name === name)?.state?.replica;
    return Boolean(r && byAddress.has(`${r.sourceHost}:${r.sourcePort}`));
  };
  let master: string | null = sources.find((s) => !isReplicaOfMember(s)) ?? sources[0] ?? null;
  if (!master) {
    const writable = probes.filter((p) => p.state && !p.state.replica && !p.state.readOnly);
    master = writable.length === 1 ? writable[0]!.name : null;
  }
  const roles: Record<string, Role> = {};
  for (const p of probes) {
    roles[p.name] = !p.state ? 'unreachable' : p.name === master ? 'master' : p.state.replica ? 'replica' : 'standalone';
  }
  return { master, roles, outsideSources, sourcesPointedAt: sources };
}
