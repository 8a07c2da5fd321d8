// Who is the master? Decided from what the replicas point at, never from the config's order.
// Pure: used by discovery, the check and the failover workflow alike.
import type { ServerState } from '../mysql/client';
import { addressBook, replicaSourceOf, sourceServerOf } from './addresses';

export type Role = 'master' | 'replica' | 'standalone' | 'unreachable';

export interface ServerProbe {
  name: string;
  host: string;
  port: number;
  /** null when the server could not be reached; `error` then says why. */
  state: ServerState | null;
  error?: string;
  /** Its config aliases. */
  aliases?: string[];
  /** What its host and aliases resolve to (DNS facts; absent: not resolved). */
  addresses?: string[];
  /** What its replica status's Source_Host resolves to. */
  sourceAddresses?: string[];
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
  // Which configured server each replica replicates from: one resolution (src/topology/addresses.ts) for the
  // check and the failover, by server_id, names, aliases and resolved addresses.
  const book = addressBook(probes);
  const sourceOf = new Map(probes.map((p) => {
    const src = replicaSourceOf(p);
    return [p.name, src ? sourceServerOf(src, book) : null] as const;
  }));
  const pointedAt = new Map<string, number>();
  const outsideSources: Record<string, string> = {};
  for (const p of probes) {
    const r = p.state?.replica;
    if (!r || !r.sourceHost) continue;
    const src = sourceOf.get(p.name);
    if (src) pointedAt.set(src, (pointedAt.get(src) ?? 0) + 1);
    else outsideSources[p.name] = `${r.sourceHost}:${r.sourcePort}`;
  }
  // The master is the most pointed-at in-cluster server that is not itself a replica of a cluster member;
  // with nobody pointing anywhere (all replicas dead), a lone writable server is the master.
  const sources = [...pointedAt.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const isReplicaOfMember = (name: string) => Boolean(sourceOf.get(name));
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
