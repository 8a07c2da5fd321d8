// Which configured server an address names: a replica's Source_Host:Source_Port, or a server reference on the
// command line. One answer for the check and the failover, so a cluster that passes `check` is recognised by
// `failover` the same way. Pure: names are resolved beforehand (DNS is a fact an activity gathers; an IP is
// its own address) and passed in.
//
// Order: the names the config gives a server (host, aliases), then the addresses they resolve to; Source_Server_Id
// only tells apart servers a name fits, and names the source when its name cannot be resolved at all. Never
// first: a replica keeps its previous source's id after CHANGE MASTER until its IO thread connects again
// (seen on MariaDB 10.11), so the id can name the server it left.

/** A configured server as the resolution knows it. */
export interface AddressedServer {
  name: string;
  host: string;
  port: number;
  /** Other names or IPs replicas may use for it (config aliases). */
  aliases?: string[];
  /** What its host and aliases resolve to (names included), when resolved. */
  addresses?: string[];
  /** Its server_id, when it answered (or, for a dead master, what its replicas report). */
  serverId?: number | null;
  /** Binlog servers are no MySQL source. */
  binlogServer?: boolean;
}

/** A replica's source as its replica status names it. */
export interface SourceAddress {
  host: string;
  port: number;
  /** Source_Server_Id; null or 0 when unknown. */
  serverId?: number | null;
  /** What `host` resolves to; undefined: not resolved (no DNS facts), [] : it does not resolve. */
  addresses?: string[];
}

const lower = (xs: (string | undefined)[]) => new Set(xs.filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase()));

/** Every name and address a server is known by. */
function namesOf(s: AddressedServer): Set<string> {
  return lower([s.host, ...(s.aliases ?? [])]);
}

const IP = /^(\d{1,3}\.){3}\d{1,3}$|:/;

/** The configured server a source address names, or null (outside the cluster, or ambiguous). */
export function sourceServerOf(src: SourceAddress, servers: AddressedServer[]): string | null {
  const samePort = servers.filter((s) => !s.binlogServer && s.port === src.port);
  const id = src.serverId || null;
  const host = src.host.toLowerCase();
  const resolved = lower(src.addresses ?? []);
  const byName = host ? samePort.filter((s) => namesOf(s).has(host)) : [];
  const fits = byName.length || !host ? byName : samePort.filter((s) => {
    const known = lower([...namesOf(s), ...(s.addresses ?? [])]);
    return known.has(host) || [...resolved].some((a) => known.has(a));
  });
  if (fits.length === 1) return fits[0]!.name;
  if (fits.length > 1) {
    const one = id ? fits.filter((s) => s.serverId === id) : [];
    return one.length === 1 ? one[0]!.name : null;
  }
  const unresolvable = !IP.test(host) && resolved.size === 0;
  if (id && unresolvable) {
    const byId = samePort.filter((s) => s.serverId === id);
    if (byId.length === 1) return byId[0]!.name;
  }
  return null;
}

/** Resolves a server reference (a name, "host:port", or a host or alias of exactly one server) to its name. */
export function serverByRef(servers: Pick<AddressedServer, 'name' | 'host' | 'port' | 'aliases' | 'addresses'>[], ref: string): string | null {
  const byName = servers.find((s) => s.name === ref);
  if (byName) return byName.name;
  const known = (s: (typeof servers)[number]) => [s.host, ...(s.aliases ?? []), ...(s.addresses ?? [])].map((h) => h.toLowerCase());
  const r = ref.toLowerCase();
  const byAddr = servers.filter((s) => known(s).some((h) => `${h}:${s.port}` === r));
  if (byAddr.length === 1) return byAddr[0]!.name;
  const byHost = servers.filter((s) => known(s).includes(r));
  return byHost.length === 1 ? byHost[0]!.name : null;
}

/** What a probe or a snapshot says of a server for the resolution (ServerProbe and ServerSnapshot satisfy it). */
export interface AddressFacts {
  name: string;
  host: string;
  port: number;
  aliases?: string[];
  /** What its host and aliases resolve to. */
  addresses?: string[];
  /** What its replica status's Source_Host resolves to. */
  sourceAddresses?: string[];
  binlogServer?: boolean;
  state: { serverId: number; replica: { sourceHost: string; sourcePort: number; sourceServerId: number | null } | null } | null;
}

/** The servers as the resolution knows them; `dead`: the dead master's id (from its replicas) and extra names. */
export function addressBook(servers: AddressFacts[], dead?: { name: string; serverId?: number | null; addresses?: string[] }): AddressedServer[] {
  return servers.map((s) => {
    const isDead = dead?.name === s.name;
    return {
      name: s.name, host: s.host, port: s.port,
      aliases: [...(s.aliases ?? []), ...(isDead ? dead.addresses ?? [] : [])],
      ...(s.addresses ? { addresses: s.addresses } : {}),
      serverId: s.state?.serverId ?? (isDead ? dead.serverId ?? null : null),
      ...(s.binlogServer ? { binlogServer: true } : {}),
    };
  });
}

/** A server's replication source as its replica status names it (with what that name resolves to), or null. */
export function replicaSourceOf(s: AddressFacts): SourceAddress | null {
  const r = s.state?.replica;
  if (!r || (!r.sourceHost && !r.sourceServerId)) return null;
  return { host: r.sourceHost, port: r.sourcePort, serverId: r.sourceServerId, ...(s.sourceAddresses ? { addresses: s.sourceAddresses } : {}) };
}
