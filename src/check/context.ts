// The facts every rule of the check reads, derived once from what discovery returned: servers in config
// order, who replicates from whom, the master, the replication mode and who could be promoted.
// Deriving them here (and nowhere in the rules) keeps each rule a short list of findings.
import type { ClusterConfig, ServerConfig } from '../config/schema';
import type { ServerState } from '../mysql/client';
import type { DiscoveredServer } from '../mysql/discover';
import type { ReplicaStatus } from '../mysql/status';
import type { SshHostCheck } from '../ssh/check';
import { assessCandidates, chooseNewMaster, classifyServers, identifyLatestAndOldest, recoveryReplicas } from '../topology';
import { addressBook, sourceServerOf } from '../topology/addresses';
import { decideRoles, type ServerProbe } from '../topology/roles';
import type { DeadMasterRef, ServerSnapshot } from '../topology/types';
import { list } from './finding';
import type { CheckInput, CheckReport, ReplicationModeReport } from './types';

/** A server that answered over SQL. */
export type LiveServer = DiscoveredServer & { state: ServerState };

/** One replication channel of a server, and the cluster server it points at (null: outside the cluster). */
export interface SourceLink { name: string | null; ch: ReplicaStatus }

export interface ModeFacts {
  mode: ReplicationModeReport;
  reason: string;
  /** Replicas of the master replicating with GTID auto-positioning, and without. */
  withGtid: string[];
  withoutGtid: string[];
}

/** What a failover started now would find: no latest replica, nobody eligible, or a choice. */
export type CandidateOutlook =
  | { kind: 'no-latest'; reason: string }
  | { kind: 'none-eligible'; assessed: Map<string, Assessment> }
  | { kind: 'ready'; assessed: Map<string, Assessment>; newMaster: CheckReport['newMaster'] };

export interface Assessment { eligible: boolean; reasons: string[] }

export interface CheckContext {
  config: ClusterConfig;
  cfgOf(name: string): ServerConfig | undefined;
  /** Every configured server in config order; one discovery did not return counts as unreachable. */
  servers: DiscoveredServer[];
  /** The MySQL servers (binlog servers left out). */
  dbServers: DiscoveredServer[];
  /** The MySQL servers that answered. */
  alive: LiveServer[];
  /** Each live server's channels with the server they point at. */
  sourcesOf(name: string): SourceLink[];
  master: string | null;
  masterServer: DiscoveredServer | undefined;
  /** Live servers with a channel from the master. */
  replicaOfMaster: ReadonlySet<string>;
  /** Those of them with a replica status: they decide the replication mode. */
  masterReplicas: LiveServer[];
  mode: ModeFacts;
  /** null when there is no master to fail over from. */
  candidates: CandidateOutlook | null;
  /** SSH results; null when the SSH check was not run. */
  ssh: SshHostCheck[] | null;
}

/** Which configured server a replica channel points at: the one resolution of the check and the failover (src/topology/addresses.ts). */
export function matchSource(ch: ReplicaStatus, chAddresses: string[], servers: DiscoveredServer[], config: ClusterConfig): string | null {
  const book = addressBook(servers.map((s) => ({
    ...s, aliases: config.servers.find((c) => c.name === s.name)?.aliases ?? [], ...(s.extras ? { addresses: s.extras.addresses } : {}),
    binlogServer: s.binlogServer || config.servers.find((c) => c.name === s.name)?.binlogServer,
  })));
  return sourceServerOf({ host: ch.sourceHost, port: ch.sourcePort, serverId: ch.sourceServerId, addresses: chAddresses }, book);
}

/** The replication mode the master's replicas use, and why; the replicas split by GTID use. */
export function replicationModeOfReplicas(masterReplicas: LiveServer[], config: ClusterConfig): ModeFacts {
  const withGtid = masterReplicas.filter((s) => s.state.replica!.autoPosition).map((s) => s.name);
  const withoutGtid = masterReplicas.filter((s) => !s.state.replica!.autoPosition).map((s) => s.name);
  const facts = (mode: ReplicationModeReport, reason: string): ModeFacts => ({ mode, reason, withGtid, withoutGtid });
  if (!masterReplicas.length) return facts('unknown', 'no replica of the master to look at');
  if (withGtid.length && withoutGtid.length) {
    const verb = withGtid.length === 1 ? 'replicates' : 'replicate';
    return facts('mixed', `${list(withGtid)} ${verb} with GTID auto-positioning, ${list(withoutGtid)} by file/position`);
  }
  if (!withGtid.length) return facts('filepos', 'every replica replicates by binlog file and position');
  if (config.replication.useGtidAutoPosition === false) {
    return facts('filepos', 'every replica uses GTID auto-positioning, but replication.useGtidAutoPosition is false: file/position mode');
  }
  return facts('gtid', 'every replica replicates with GTID auto-positioning');
}

/** The failover's own decisions (classification, latest replica, candidates, choice) applied to the live cluster. */
function candidateOutlook(config: ClusterConfig, servers: DiscoveredServer[], masterServer: DiscoveredServer, mode: ReplicationModeReport): CandidateOutlook {
  const snapshots: ServerSnapshot[] = config.servers.map((c) => {
    const d = servers.find((s) => s.name === c.name);
    const resolved = d?.extras ? { addresses: d.extras.addresses, ...(d.extras.sourceAddresses[0] ? { sourceAddresses: d.extras.sourceAddresses[0] } : {}) } : {};
    return { ...c, state: d?.state ?? null, ...(d?.error ? { error: d.error } : {}), ...resolved };
  });
  const deadMaster: DeadMasterRef = {
    name: masterServer.name, host: masterServer.host, port: masterServer.port,
    serverId: masterServer.state?.serverId ?? null,
    addresses: [...(config.servers.find((c) => c.name === masterServer.name)?.aliases ?? []), ...(masterServer.extras?.addresses ?? [])],
  };
  const classification = classifyServers(snapshots, deadMaster);
  const lo = identifyLatestAndOldest(recoveryReplicas(snapshots, classification), { mode: mode === 'gtid' ? 'gtid' : 'filepos' });
  if (!lo.ok) return { kind: 'no-latest', reason: lo.reason };
  const cands = assessCandidates({ servers: snapshots, deadMaster, latest: lo, maxDelayBytes: config.failover.maxDelayBytes, classification });
  const assessed = new Map(cands.servers.map((a): [string, Assessment] => [a.name, { eligible: a.eligible, reasons: a.reasons }]));
  if (!cands.eligible.length) return { kind: 'none-eligible', assessed };
  const choice = chooseNewMaster({ candidates: cands, latest: lo, servers: config.servers });
  return { kind: 'ready', assessed, newMaster: choice.ok ? { name: choice.newMaster, reason: choice.reason } : null };
}

export function buildCheckContext(input: CheckInput): CheckContext {
  const { config } = input;
  const cfgOf = (name: string): ServerConfig | undefined => config.servers.find((s) => s.name === name);
  // Servers in config order; anything discovered but not configured is ignored (cannot happen from discoverServers).
  const servers = config.servers.map((c): DiscoveredServer => input.servers.find((s) => s.name === c.name)
    ?? { name: c.name, host: c.host, port: c.port, state: null, extras: null, error: 'not discovered', ...(c.binlogServer ? { binlogServer: true } : {}) });
  const dbServers = servers.filter((s) => !s.binlogServer && !cfgOf(s.name)?.binlogServer);
  const alive = dbServers.filter((s): s is LiveServer => s.state !== null);

  const links = new Map<string, SourceLink[]>();
  for (const s of alive) {
    const chans = s.extras?.channels ?? (s.state.replica ? [s.state.replica] : []);
    links.set(s.name, chans.map((ch, i) => ({ name: matchSource(ch, s.extras?.sourceAddresses[i] ?? [], servers, config), ch })));
  }
  const sourcesOf = (name: string): SourceLink[] => links.get(name) ?? [];

  // decideRoles compares host:port: give it the canonical address of every recognised source.
  const probes: ServerProbe[] = dbServers.map((s) => {
    if (!s.state) return { name: s.name, host: s.host, port: s.port, state: null, ...(s.error ? { error: s.error } : {}) };
    const first = sourcesOf(s.name)[0];
    const target = first?.name ? dbServers.find((x) => x.name === first.name) : undefined;
    const replica = s.state.replica && target ? { ...s.state.replica, sourceHost: target.host, sourcePort: target.port } : s.state.replica;
    return { name: s.name, host: s.host, port: s.port, state: { ...s.state, replica } };
  });
  const master = decideRoles(probes).master;
  const masterServer = master ? servers.find((s) => s.name === master) : undefined;

  const replicaOfMaster = new Set(alive.filter((s) => sourcesOf(s.name).some((c) => c.name !== null && c.name === master)).map((s) => s.name));
  const masterReplicas = alive.filter((s) => replicaOfMaster.has(s.name) && s.state.replica);
  const mode = replicationModeOfReplicas(masterReplicas, config);
  const candidates = master && masterServer ? candidateOutlook(config, servers, masterServer, mode.mode) : null;
  return {
    config, cfgOf, servers, dbServers, alive, sourcesOf, master, masterServer, replicaOfMaster, masterReplicas, mode, candidates, ssh: input.ssh ?? null,
  };
}
