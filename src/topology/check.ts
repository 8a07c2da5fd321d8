// The pre-flight replication check (MHA masterha_check_repl + masterha_check_ssh), as a pure function:
// what was read from every server (and every host over SSH) -> one row per server, a verdict, and every
// problem and warning with the server it concerns, what is wrong and how to fix it.
// Pure and deterministic (no I/O, no Node builtins, type-only imports of I/O modules): the
// checkReplication workflow runs it, so every decision is in the workflow history and has a table test.
import type { ClusterConfig, ServerConfig } from '../config/schema';
import type { DiscoveredServer, FilterSet } from '../mysql/discover';
import { parseVersion, type ReplicaStatus } from '../mysql/status';
import type { SshCheckTarget, SshHostCheck } from '../ssh/check';
import { assessCandidates, chooseNewMaster, filtersOf } from './candidates';
import { formatCoordinates } from '../binlog/coordinates';
import { classifyServers, identifyLatestAndOldest, recoveryReplicas } from './replicas';
import { decideRoles, type ServerProbe } from './roles';
import type { DeadMasterRef, ServerSnapshot } from './types';

export type CheckCode =
  // refusals (problems)
  | 'unreachable' | 'master-unreachable' | 'no-master' | 'multiple-writable-masters' | 'source-outside-cluster'
  | 'not-replicating-from-master' | 'not-replicating' | 'multi-source' | 'duplicate-server-id' | 'duplicate-server-uuid'
  | 'replication-io-error' | 'replication-sql-error' | 'replication-stopped' | 'filters-differ' | 'log-bin-off'
  | 'repl-user-missing' | 'mixed-gtid' | 'no-candidate' | 'binlog-dir-mismatch'
  | 'ssh-unreachable' | 'ssh-host-key' | 'ssh-auth' | 'ssh-config' | 'ssh-command' | 'binlog-tool-missing'
  | 'binlog-dir-unreadable' | 'binlog-files-missing' | 'workdir-not-writable' | 'workdir-no-space' | 'sftp-unavailable'
  // warnings
  | 'relay-log-purge' | 'read-only-off' | 'replica-lag' | 'replication-connecting' | 'multi-tier' | 'repl-user-unknown'
  | 'repl-user-mismatch' | 'log-slave-updates-off' | 'gtid-consistency' | 'gtid-strict-mode-differs' | 'mixed-flavors'
  | 'master-read-only' | 'binlog-dir-unset' | 'binary-logs-unreadable' | 'workdir-low-space' | 'ssh-not-checked';

export interface CheckFinding {
  code: CheckCode;
  severity: 'problem' | 'warning';
  /** The server the finding is about (null: the cluster as a whole). */
  server: string | null;
  /** Every server involved, when more than one. */
  servers?: string[];
  what: string;
  fix: string;
}

export type CheckRole = 'master' | 'replica' | 'intermediate' | 'standalone' | 'unreachable' | 'binlog server';

export interface CheckRow {
  name: string;
  label?: string;
  address: string;
  role: CheckRole;
  flavor: string | null;
  version: string | null;
  serverId: number | null;
  readOnly: boolean | null;
  logBin: boolean | null;
  /** Its source: a server name, or host:port outside the cluster. */
  source: string | null;
  /** Master: its binlog position. Replica: read (IO) and exec (SQL) positions in the master's binlog. */
  position: string | null;
  /** GTID position (MySQL gtid_executed, MariaDB gtid_current_pos). */
  gtid: string | null;
  /** "Yes/Yes": IO/SQL threads. */
  threads: string | null;
  lagSeconds: number | null;
  /** Could it become the new master now ("yes", "no", or null when not assessed). */
  candidate: 'yes' | 'no' | null;
  candidateReasons: string[];
}

export type ReplicationModeReport = 'gtid' | 'filepos' | 'mixed' | 'unknown';

export interface CheckReport {
  cluster: string;
  verdict: 'ok' | 'ok-with-warnings' | 'not-safe';
  /** Safe to fail over: no problem found. */
  safe: boolean;
  master: string | null;
  mode: ReplicationModeReport;
  modeReason: string;
  /** The server a failover started now would promote, and why (null when none). */
  newMaster: { name: string; reason: string } | null;
  rows: CheckRow[];
  problems: CheckFinding[];
  warnings: CheckFinding[];
  sshChecked: boolean;
}

export interface CheckInput {
  config: ClusterConfig;
  servers: DiscoveredServer[];
  /** SSH results; null or absent when the SSH check was not run. */
  ssh?: SshHostCheck[] | null;
}

/** Below this, the remote workdir cannot hold even a small diff. */
export const MIN_WORKDIR_FREE_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Helpers

function dirOf(p: string): string {
  const d = p.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
  return d === '' ? '/' : d;
}
const sameDir = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

function addressOf(s: { host: string; port: number }): string {
  return `${s.host}:${s.port}`;
}

/** "START SLAVE" (MariaDB, MySQL < 8.0.22) or "START REPLICA" (MySQL >= 8.0.22). */
function replicaWord(flavor: string | undefined, version: string | undefined): 'SLAVE' | 'REPLICA' {
  if (flavor !== 'mysql' || !version) return 'SLAVE';
  const [a, b, c] = parseVersion(version);
  return a > 8 || (a === 8 && (b > 0 || c >= 22)) ? 'REPLICA' : 'SLAVE';
}

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function channelLabel(ch: ReplicaStatus): string {
  const n = ch.connectionName ?? ch.channelName;
  return n ? ` (channel '${n}')` : '';
}

/** Which configured server a replica channel points at: by name/alias/resolved address and port, else (unresolvable name) by server_id. */
export function matchSource(ch: ReplicaStatus, chAddresses: string[], servers: DiscoveredServer[], config: ClusterConfig): string | null {
  const host = ch.sourceHost.toLowerCase();
  const resolved = new Set(chAddresses.map((a) => a.toLowerCase()));
  for (const s of servers) {
    if (s.binlogServer || s.port !== ch.sourcePort) continue;
    const cfg = config.servers.find((c) => c.name === s.name);
    const names = new Set([s.host, ...(cfg?.aliases ?? []), ...(s.extras?.addresses ?? [])].map((n) => n.toLowerCase()));
    if (names.has(host) || [...resolved].some((a) => names.has(a))) return s.name;
  }
  // Source_Server_Id is only a hint: it keeps the last source's id after CHANGE MASTER until the IO thread
  // connects again. Use it only for a name the manager cannot resolve at all.
  if (ch.sourceServerId && resolved.size === 0) {
    const byId = servers.filter((s) => s.state?.serverId === ch.sourceServerId && s.port === ch.sourcePort);
    if (byId.length === 1) return byId[0]!.name;
  }
  return null;
}

const FILTER_LABELS: Record<keyof FilterSet, string> = {
  replicateDoDb: 'Replicate_Do_DB', replicateIgnoreDb: 'Replicate_Ignore_DB', replicateDoTable: 'Replicate_Do_Table',
  replicateIgnoreTable: 'Replicate_Ignore_Table', replicateWildDoTable: 'Replicate_Wild_Do_Table', replicateWildIgnoreTable: 'Replicate_Wild_Ignore_Table',
};

const normList = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean).sort().join(',');

/** One comparable description of a server's filters ("" parts omitted), or null when unknown. */
function filterSignature(s: DiscoveredServer): Record<string, string> | null {
  const x = s.extras;
  if (!x || !s.state) return null;
  const sig: Record<string, string> = {};
  if (x.replicationFilters) {
    const f = filtersOf(x.replicationFilters);
    for (const k of Object.keys(FILTER_LABELS) as (keyof FilterSet)[]) sig[FILTER_LABELS[k]] = f[k];
  }
  if (x.binlogFilters) {
    sig.Binlog_Do_DB = normList(x.binlogFilters.doDb);
    sig.Binlog_Ignore_DB = normList(x.binlogFilters.ignoreDb);
  }
  return Object.keys(sig).length ? sig : null;
}

function describeSig(sig: Record<string, string>): string {
  const set = Object.entries(sig).filter(([, v]) => v);
  return set.length ? set.map(([k, v]) => `${k}=${v}`).join(', ') : 'no filters';
}

/** The SSH targets for the SSH half of the check: where each host's binlogs should be and which files. */
export function sshCheckTargets(config: ClusterConfig, servers: DiscoveredServer[]): SshCheckTarget[] {
  return config.servers.map((c): SshCheckTarget => {
    const d = servers.find((s) => s.name === c.name);
    const st = d?.state;
    if (c.binlogServer || !st) return { name: c.name, binlogDir: c.binlogDir ?? null, expectFiles: [], flavor: st?.flavor ?? null };
    if (!st.logBin) return { name: c.name, binlogDir: c.binlogDir ?? null, expectFiles: [], flavor: st.flavor };
    const basename = d.extras?.logBinBasename ?? null;
    return {
      name: c.name,
      binlogDir: c.binlogDir ?? (basename ? dirOf(basename) : null),
      expectFiles: (d.extras?.binaryLogs ?? []).map((b) => b.name),
      flavor: st.flavor,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The check

export function buildCheckReport(input: CheckInput): CheckReport {
  const { config } = input;
  const problems: CheckFinding[] = [];
  const warnings: CheckFinding[] = [];
  const problem = (code: CheckCode, server: string | null, what: string, fix: string, servers?: string[]) =>
    problems.push({ code, severity: 'problem', server, ...(servers ? { servers } : {}), what, fix });
  const warn = (code: CheckCode, server: string | null, what: string, fix: string, servers?: string[]) =>
    warnings.push({ code, severity: 'warning', server, ...(servers ? { servers } : {}), what, fix });

  const cfgOf = (name: string): ServerConfig | undefined => config.servers.find((s) => s.name === name);
  // Servers in config order; anything discovered but not configured is ignored (cannot happen from discoverServers).
  const servers = config.servers.map((c) => input.servers.find((s) => s.name === c.name)
    ?? { name: c.name, host: c.host, port: c.port, state: null, extras: null, error: 'not discovered', ...(c.binlogServer ? { binlogServer: true } : {}) });
  const dbServers = servers.filter((s) => !s.binlogServer && !cfgOf(s.name)?.binlogServer);
  const alive = dbServers.filter((s) => s.state);

  // --- who replicates from whom ---
  const sourceOf = new Map<string, { name: string | null; ch: ReplicaStatus }[]>();
  for (const s of alive) {
    const chans = s.extras?.channels ?? (s.state!.replica ? [s.state!.replica] : []);
    sourceOf.set(s.name, chans.map((ch, i) => ({ name: matchSource(ch, s.extras?.sourceAddresses[i] ?? [], servers, config), ch })));
  }
  // decideRoles compares host:port: give it the canonical address of every recognised source.
  const probes: ServerProbe[] = dbServers.map((s) => {
    if (!s.state) return { name: s.name, host: s.host, port: s.port, state: null, ...(s.error ? { error: s.error } : {}) };
    const first = sourceOf.get(s.name)?.[0];
    const target = first?.name ? dbServers.find((x) => x.name === first.name) : undefined;
    const replica = s.state.replica && target ? { ...s.state.replica, sourceHost: target.host, sourcePort: target.port } : s.state.replica;
    return { name: s.name, host: s.host, port: s.port, state: { ...s.state, replica } };
  });
  const roles = decideRoles(probes);
  const master = roles.master;
  const masterServer = master ? servers.find((s) => s.name === master) : undefined;

  // --- unreachable servers ---
  for (const s of dbServers) {
    if (s.state) continue;
    const cfg = cfgOf(s.name);
    const why = s.error ?? 'not reachable';
    if (s.name === master) {
      problem('master-unreachable', s.name, `the master ${s.name} (${addressOf(s)}) cannot be reached: ${why}`,
        `${s.hint ?? 'check that mysqld runs and is reachable from the worker'}; if the master is really dead, run \`mhaflow failover\` instead of the check`);
    } else if (cfg?.ignoreFail) {
      warn('unreachable', s.name, `${s.name} (${addressOf(s)}) cannot be reached: ${why}; ignoreFail is set, so a failover would go on without it`,
        s.hint ?? 'start mysqld on it, or remove it from the config');
    } else {
      problem('unreachable', s.name, `${s.name} (${addressOf(s)}) cannot be reached: ${why}`,
        `${s.hint ?? 'start mysqld on it'}; or set ignoreFail: true for it if a failover may leave it behind`);
    }
  }

  if (!master && alive.length) {
    problem('no-master', null, `no server of cluster ${config.cluster} is the source of the others: there is no master to fail over from`,
      `set up replication from the master to every other server (CHANGE MASTER TO ... on each replica), then check again`);
  }

  // --- sources: outside the cluster, not the master, several channels ---
  const replicaOfMaster = new Set<string>();
  for (const s of alive) {
    const chans = sourceOf.get(s.name) ?? [];
    const cfg = cfgOf(s.name);
    const word = replicaWord(s.state!.flavor, s.state!.version);
    if (chans.length > 1) {
      problem('multi-source', s.name, `${s.name} replicates from ${chans.length} sources (${chans.map((c) => `${c.name ?? addressOf({ host: c.ch.sourceHost, port: c.ch.sourcePort })}${channelLabel(c.ch)}`).join(', ')}); a failover manages a single source per replica`,
        s.state!.flavor === 'mariadb'
          ? `remove the extra connections on ${s.name} (STOP SLAVE 'name'; RESET SLAVE 'name' ALL), or take ${s.name} out of the config`
          : `remove the extra channels on ${s.name} (STOP ${word} FOR CHANNEL 'name'; RESET ${word} ALL FOR CHANNEL 'name'), or take ${s.name} out of the config`);
    }
    for (const { name, ch } of chans) {
      if (!name) {
        problem('source-outside-cluster', s.name, `${s.name} replicates from ${ch.sourceHost}:${ch.sourcePort}${channelLabel(ch)}, which is not a server of cluster ${config.cluster}`,
          master && s.name !== master
            ? `point ${s.name} at the master ${master} (CHANGE MASTER TO MASTER_HOST='${masterServer?.host}', MASTER_PORT=${masterServer?.port}, ...), or add ${ch.sourceHost}:${ch.sourcePort} to the config (as aliases of its server if it is one)`
            : `add ${ch.sourceHost}:${ch.sourcePort} to the config (or as aliases of the server it is), or stop that replication`);
        continue;
      }
      if (name === master) { replicaOfMaster.add(s.name); continue; }
      if (s.name === master) continue; // master-master: the master also replicates from a (read-only) peer
      if (config.replication.multiTier) {
        warn('multi-tier', s.name, `${s.name} replicates from ${name}, not from the master ${master ?? '(none)'}: a replica of a replica, left alone by a failover (replication.multiTier)`,
          `nothing to do if intended; point it at the master to have it recovered by a failover`);
      } else {
        problem('not-replicating-from-master', s.name, `${s.name} replicates from ${name}, not from the master ${master ?? '(none)'}`,
          `point ${s.name} at ${master ?? 'the master'}, or set replication.multiTier: true to allow replicas of replicas (left alone by a failover)`);
      }
    }
    if (!chans.length && s.name !== master) {
      const msg = `${s.name} (${addressOf(s)}) is alive but does not replicate from anything: a failover would leave it behind`;
      if (cfg?.ignoreFail) warn('not-replicating', s.name, `${msg} (ignoreFail is set)`, `make it a replica of ${master ?? 'the master'}, or remove it from the config`);
      else problem('not-replicating', s.name, msg, `make it a replica of ${master ?? 'the master'} (CHANGE MASTER TO ...; START ${word}), or set ignoreFail: true, or remove it from the config`);
    }
  }

  // --- more than one writable master: writable servers that do not (or no longer) replicate from a member ---
  const replicating = (s: DiscoveredServer) => (sourceOf.get(s.name) ?? []).some((c) => c.name && (c.ch.ioRunning !== 'No' || c.ch.sqlRunning));
  const writableMasters = alive.filter((s) => !s.state!.readOnly && (s.name === master || !replicating(s)));
  if (writableMasters.length > 1) {
    const names = writableMasters.map((s) => s.name);
    problem('multiple-writable-masters', names[0]!, `${list(names)} are all writable and none of them replicates from a server of the cluster (or its replication is stopped): more than one writable master (split brain risk)`,
      `keep one master: SET GLOBAL read_only=ON on the others (and read_only=1 in their my.cnf) and point them at ${master ?? 'the master'}`, names);
  }
  if (masterServer?.state?.readOnly) {
    warn('master-read-only', master, `the master ${master} has read_only=ON: applications cannot write to it`, `SET GLOBAL read_only=OFF on ${master} if it is meant to take writes`);
  }

  // --- duplicate server_id / server_uuid ---
  const byId = new Map<number, string[]>();
  const byUuid = new Map<string, string[]>();
  for (const s of alive) {
    byId.set(s.state!.serverId, [...(byId.get(s.state!.serverId) ?? []), s.name]);
    if (s.state!.serverUuid) byUuid.set(s.state!.serverUuid, [...(byUuid.get(s.state!.serverUuid) ?? []), s.name]);
  }
  for (const [id, names] of byId) {
    if (names.length > 1) {
      problem('duplicate-server-id', names[0]!, `${list(names)} have the same server_id ${id}: replication skips events it thinks are its own`,
        `give each server a unique server_id (SET GLOBAL server_id=N and server_id=N in my.cnf), then restart replication`, names);
    }
  }
  for (const [uuid, names] of byUuid) {
    if (names.length > 1) {
      problem('duplicate-server-uuid', names[0]!, `${list(names)} have the same server_uuid ${uuid} (cloned data directory)`,
        `stop mysqld on all but one, delete auto.cnf in their data directories and start them again (a new server_uuid is generated)`, names);
    }
  }

  // --- replication threads ---
  for (const s of alive) {
    const word = replicaWord(s.state!.flavor, s.state!.version);
    for (const { ch } of sourceOf.get(s.name) ?? []) {
      const conn = ch.connectionName ? ` '${ch.connectionName}'` : '';
      const forChannel = ch.channelName ? ` FOR CHANNEL '${ch.channelName}'` : '';
      if (ch.lastIoErrno) {
        const fix = ch.lastIoErrno === 1045 || /access denied/i.test(ch.lastIoError)
          ? `check the replication user and password on ${s.name} (CHANGE MASTER TO MASTER_USER=..., MASTER_PASSWORD=...) and its grants on the source; then START ${word}${conn} IO_THREAD${forChannel}`
          : ch.lastIoErrno === 1236
            ? `the source no longer has the binlog ${s.name} needs (purged, or a wrong position): rebuild ${s.name} from a backup of the master, or repoint it at a valid position`
            : `fix the cause above, then START ${word}${conn} IO_THREAD${forChannel} on ${s.name}`;
        problem('replication-io-error', s.name, `${s.name}: replication IO thread${channelLabel(ch)} error ${ch.lastIoErrno}: ${ch.lastIoError}`, fix);
      } else if (ch.ioRunning === 'No') {
        problem('replication-stopped', s.name, `${s.name}: replication IO thread${channelLabel(ch)} is not running (stopped, no error): it receives nothing from ${ch.sourceHost}:${ch.sourcePort}`,
          `START ${word}${conn} IO_THREAD${forChannel} on ${s.name}`);
      } else if (ch.ioRunning === 'Connecting') {
        warn('replication-connecting', s.name, `${s.name}: replication IO thread${channelLabel(ch)} is still connecting to ${ch.sourceHost}:${ch.sourcePort}`,
          `check that the source is reachable from ${s.name} and the replication user can log in`);
      }
      if (ch.lastSqlErrno) {
        problem('replication-sql-error', s.name, `${s.name}: replication SQL thread${channelLabel(ch)} error ${ch.lastSqlErrno}: ${ch.lastSqlError}`,
          `resolve the conflict on ${s.name} (compare the row or statement with the master; do not skip events blindly), then START ${word}${conn} SQL_THREAD${forChannel}`);
      } else if (!ch.sqlRunning) {
        problem('replication-stopped', s.name, `${s.name}: replication SQL thread${channelLabel(ch)} is not running (stopped, no error): it executes nothing it receives`,
          `START ${word}${conn} SQL_THREAD${forChannel} on ${s.name}`);
      }
    }
  }

  // --- GTID: mode, mixed replication, consistency ---
  const masterReplicas = alive.filter((s) => replicaOfMaster.has(s.name) && s.state!.replica);
  const withGtid = masterReplicas.filter((s) => s.state!.replica!.autoPosition).map((s) => s.name);
  const withoutGtid = masterReplicas.filter((s) => !s.state!.replica!.autoPosition).map((s) => s.name);
  let mode: ReplicationModeReport;
  let modeReason: string;
  if (!masterReplicas.length) {
    mode = 'unknown';
    modeReason = 'no replica of the master to look at';
  } else if (withGtid.length && withoutGtid.length) {
    mode = 'mixed';
    modeReason = `${list(withGtid)} ${withGtid.length === 1 ? 'replicates' : 'replicate'} with GTID auto-positioning, ${list(withoutGtid)} by file/position`;
    problem('mixed-gtid', null, `mixed GTID and non-GTID replication: ${modeReason}`,
      `use one mode everywhere: GTID (MariaDB: CHANGE MASTER TO MASTER_USE_GTID=slave_pos; MySQL: SOURCE_AUTO_POSITION=1) or file/position (MASTER_USE_GTID=no / SOURCE_AUTO_POSITION=0) on ${list(withoutGtid.length <= withGtid.length ? withoutGtid : withGtid)}`,
      [...withGtid, ...withoutGtid]);
  } else if (withGtid.length) {
    if (config.replication.useGtidAutoPosition === false) {
      mode = 'filepos';
      modeReason = 'every replica uses GTID auto-positioning, but replication.useGtidAutoPosition is false: file/position mode';
    } else {
      mode = 'gtid';
      modeReason = 'every replica replicates with GTID auto-positioning';
    }
  } else {
    mode = 'filepos';
    modeReason = 'every replica replicates by binlog file and position';
  }
  const mysqlServers = alive.filter((s) => s.state!.flavor === 'mysql');
  const gtidModes = new Map<string, string[]>();
  for (const s of mysqlServers) gtidModes.set(s.state!.gtid.mode, [...(gtidModes.get(s.state!.gtid.mode) ?? []), s.name]);
  if (gtidModes.size > 1) {
    const parts = [...gtidModes.entries()].map(([m, n]) => `${list(n)}: gtid_mode=${m}`);
    problem('mixed-gtid', null, `gtid_mode differs between servers (${parts.join('; ')})`,
      'set the same gtid_mode on every server (the documented OFF -> OFF_PERMISSIVE -> ON_PERMISSIVE -> ON steps)', mysqlServers.map((s) => s.name));
  }
  for (const s of mysqlServers) {
    if (s.state!.gtid.mode === 'ON' && s.extras?.enforceGtidConsistency && s.extras.enforceGtidConsistency !== 'ON') {
      warn('gtid-consistency', s.name, `${s.name} has gtid_mode=ON but enforce_gtid_consistency=${s.extras.enforceGtidConsistency}`, `SET GLOBAL enforce_gtid_consistency=ON on ${s.name} (and in my.cnf)`);
    }
  }
  const mariadbServers = alive.filter((s) => s.state!.flavor === 'mariadb' && s.state!.gtid.mariadb);
  const strict = new Set(mariadbServers.map((s) => s.state!.gtid.mariadb!.strictMode));
  if (strict.size > 1) {
    const on = mariadbServers.filter((s) => s.state!.gtid.mariadb!.strictMode).map((s) => s.name);
    const off = mariadbServers.filter((s) => !s.state!.gtid.mariadb!.strictMode).map((s) => s.name);
    warn('gtid-strict-mode-differs', null, `gtid_strict_mode is ON on ${list(on)} and OFF on ${list(off)}`, 'set gtid_strict_mode the same on every server (ON is safer)', [...on, ...off]);
  }
  const flavors = new Set(alive.map((s) => s.state!.flavor));
  if (flavors.size > 1) {
    warn('mixed-flavors', null, `the cluster mixes MySQL and MariaDB servers (${alive.map((s) => `${s.name}: ${s.state!.flavor}`).join(', ')})`,
      'replication between flavors works only in some directions and without GTID auto-positioning; keep one flavor per cluster');
  }

  // --- replication filters ---
  if (config.replication.checkFilters !== false) {
    const sigs = alive.map((s) => ({ name: s.name, sig: filterSignature(s) })).filter((x): x is { name: string; sig: Record<string, string> } => x.sig !== null);
    const keys = [...new Set(sigs.flatMap((x) => Object.keys(x.sig)))];
    const differing: string[] = [];
    for (const k of keys) {
      const vals = new Set(sigs.filter((x) => k in x.sig).map((x) => x.sig[k]));
      if (vals.size > 1) differing.push(k);
    }
    if (differing.length) {
      const groups = new Map<string, string[]>();
      for (const x of sigs) {
        const d = describeSig(Object.fromEntries(differing.filter((k) => k in x.sig).map((k) => [k, x.sig[k]!])));
        groups.set(d, [...(groups.get(d) ?? []), x.name]);
      }
      const majority = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
      const odd = [...groups.entries()].filter(([d]) => d !== majority[0]).flatMap(([, n]) => n);
      problem('filters-differ', odd[0] ?? null, `replication filters differ between servers: ${[...groups.entries()].map(([d, n]) => `${list(n)}: ${d}`).join('; ')}`,
        `make the filters identical on every server (replicate-*/binlog-* options in my.cnf${flavors.has('mysql') ? ', or CHANGE REPLICATION FILTER' : ', or SET GLOBAL replicate_...'}), or set replication.checkFilters: false if the difference is intended`,
        sigs.map((x) => x.name));
    }
  }

  // --- binlogs on servers that could become master; the replication user ---
  const replicaAccounts = masterServer?.extras?.replUser?.accounts ?? [];
  for (const s of alive) {
    const cfg = cfgOf(s.name);
    const st = s.state!;
    if (cfg?.noMaster) continue;
    if (!st.logBin) {
      problem('log-bin-off', s.name, `${s.name} has log_bin off: it could be promoted (noMaster is not set) but a master must write a binary log`,
        `enable log_bin and log_slave_updates in ${s.name}'s my.cnf and restart it, or set noMaster: true for ${s.name}`);
      continue;
    }
    if (s.name !== master && !st.logSlaveUpdates) {
      warn('log-slave-updates-off', s.name, `${s.name} has log_slave_updates off: what it replicates is not in its binlog${mode === 'gtid' ? ', so in GTID mode it cannot become master' : ''}`,
        `enable log_slave_updates on ${s.name} (my.cnf, restart)`);
    }
    const ru = s.extras?.replUser;
    if (ru === null || ru === undefined) {
      warn('repl-user-unknown', s.name, `could not verify the replication user ${config.replication.user} on ${s.name}${s.extras?.replUserError ? `: ${s.extras.replUserError}` : ''}`,
        `grant the admin user ${config.mysql.user} SELECT on mysql.user so the check can verify it`);
    } else if (!ru.hasReplicationSlave) {
      const hosts = replicaAccounts.map((a) => a.slice(a.lastIndexOf('@') + 1));
      problem('repl-user-missing', s.name, ru.accounts.length
        ? `the replication user ${config.replication.user} has no REPLICATION SLAVE privilege on ${s.name} (${ru.accounts.join(', ')}): if ${s.name} became master, the replicas could not connect`
        : `the replication user ${config.replication.user} does not exist on ${s.name}: if ${s.name} became master, the replicas could not connect`,
        `on ${s.name}: CREATE USER '${config.replication.user}'@'${hosts[0] ?? '<replica hosts>'}' IDENTIFIED BY '<password>'; GRANT REPLICATION SLAVE ON *.* TO '${config.replication.user}'@'${hosts[0] ?? '<replica hosts>'}' (with sql_log_bin=0 if it must not replicate), or set noMaster: true for ${s.name}`);
    }
  }
  const otherUsers = masterReplicas.filter((s) => s.state!.replica!.sourceUser && s.state!.replica!.sourceUser !== config.replication.user);
  for (const s of otherUsers) {
    warn('repl-user-mismatch', s.name, `${s.name} replicates as ${s.state!.replica!.sourceUser}, but the config's replication.user is ${config.replication.user}: after a failover it would connect as ${config.replication.user}`,
      `set replication.user to ${s.state!.replica!.sourceUser} (and its password reference), or make the replicas use ${config.replication.user}`);
  }

  // --- binlog directories ---
  for (const s of alive) {
    const cfg = cfgOf(s.name);
    const x = s.extras;
    if (!s.state!.logBin || !x) continue;
    if (x.binaryLogsError) {
      warn('binary-logs-unreadable', s.name, `SHOW BINARY LOGS failed on ${s.name}: ${x.binaryLogsError}`,
        `grant ${config.mysql.user} the privilege to list binlogs (MySQL: REPLICATION CLIENT; MariaDB: BINLOG MONITOR)`);
    }
    const actual = x.logBinBasename ? dirOf(x.logBinBasename) : null;
    if (cfg?.binlogDir && actual && !sameDir(cfg.binlogDir, actual)) {
      problem('binlog-dir-mismatch', s.name, `${s.name} writes its binlogs in ${actual} (log_bin_basename ${x.logBinBasename}), but its binlogDir in the config is ${cfg.binlogDir}: a failover would look for them in the wrong place`,
        `set binlogDir: ${actual} for ${s.name}`);
    } else if (!cfg?.binlogDir && actual && !cfg?.noMaster) {
      warn('binlog-dir-unset', s.name, `binlogDir is not set for ${s.name}; it writes its binlogs in ${actual}`,
        `set binlogDir: ${actual} for ${s.name}, so its binlogs can be read over SSH even when its mysqld is down`);
    }
  }

  // --- warnings on replicas: relay_log_purge, read_only, lag ---
  for (const s of alive) {
    const st = s.state!;
    if (!st.replica || s.name === master) continue;
    if (st.relayLogPurge && mode !== 'gtid') {
      warn('relay-log-purge', s.name, `relay_log_purge=1 on ${s.name}: in file/position mode, recovering the other replicas may need relay logs it has already purged`,
        `SET GLOBAL relay_log_purge=0 on ${s.name} and relay_log_purge=0 in its my.cnf; purge old relay logs from cron instead (as MHA's purge_relay_logs)`);
    }
    if (!st.readOnly) {
      warn('read-only-off', s.name, `read_only is off on the replica ${s.name}: applications could write to it and diverge`,
        `SET GLOBAL read_only=ON on ${s.name} and read_only=1 in its my.cnf`);
    }
    const lag = st.replica.secondsBehindSource;
    if (lag !== null && lag > config.failover.delayWarnSeconds) {
      warn('replica-lag', s.name, `${s.name} is ${lag} s behind its source (warning threshold ${config.failover.delayWarnSeconds} s${st.replica.sqlDelay ? `; MASTER_DELAY=${st.replica.sqlDelay}` : ''})`,
        st.replica.sqlDelay ? `CHANGE MASTER TO MASTER_DELAY=0 on ${s.name} if the delay is not intended` : `find why ${s.name} cannot keep up (load, long transactions, single-threaded apply)`);
    }
  }

  // --- who could become master ---
  const assessed = new Map<string, { eligible: boolean; reasons: string[] }>();
  let newMaster: CheckReport['newMaster'] = null;
  if (master && masterServer) {
    const snapshots: ServerSnapshot[] = config.servers.map((c) => {
      const d = servers.find((s) => s.name === c.name);
      return { ...c, state: d?.state ?? null, ...(d?.error ? { error: d.error } : {}) };
    });
    const deadMaster: DeadMasterRef = {
      name: master, host: masterServer.host, port: masterServer.port,
      serverId: masterServer.state?.serverId ?? null,
      addresses: [...(cfgOf(master)?.aliases ?? []), ...(masterServer.extras?.addresses ?? [])],
    };
    const classification = classifyServers(snapshots, deadMaster);
    const replicas = recoveryReplicas(snapshots, classification);
    const lo = identifyLatestAndOldest(replicas, { mode: mode === 'gtid' ? 'gtid' : 'filepos' });
    if (!lo.ok) {
      problem('no-candidate', null, `no server could become the new master: ${lo.reason}`,
        'add a replica of the master (with log_bin on), or clear noMaster on one');
    } else {
      const cands = assessCandidates({ servers: snapshots, deadMaster, latest: lo, maxDelayBytes: config.failover.maxDelayBytes, classification });
      for (const a of cands.servers) assessed.set(a.name, { eligible: a.eligible, reasons: a.reasons });
      if (!cands.eligible.length) {
        const why = cands.servers.filter((a) => a.name !== master && !cfgOf(a.name)?.binlogServer).map((a) => `${a.name}: ${a.reasons.join('; ')}`);
        problem('no-candidate', null, `no server could become the new master if ${master} failed now (${why.join(' | ')})`,
          'clear noMaster on a replica, let lagging replicas catch up (or raise failover.maxDelayBytes / set checkReplDelay: false on one), or fix the reasons listed');
      } else {
        const choice = chooseNewMaster({ candidates: cands, latest: lo, servers: config.servers });
        if (choice.ok) newMaster = { name: choice.newMaster, reason: choice.reason };
      }
    }
  }

  // --- SSH ---
  const ssh = input.ssh ?? null;
  if (!ssh) {
    warn('ssh-not-checked', null, 'the SSH check was skipped: binlog directories, mysqlbinlog and the remote workdirs were not verified', 'run the check without --no-ssh');
  } else {
    for (const h of ssh) {
      const cfg = cfgOf(h.name);
      if (h.status === 'skipped') continue;
      if (h.status === 'failed' && h.failure) {
        const f = h.failure;
        const code: CheckCode = f.kind === 'host-key' ? 'ssh-host-key' : f.kind === 'auth' ? 'ssh-auth' : f.kind === 'config' ? 'ssh-config' : f.kind === 'command' ? 'ssh-command' : 'ssh-unreachable';
        const what = `SSH to ${h.name} (${h.target}): ${f.message}`;
        const fix = f.hint ?? 'check sshd on that host and the ssh settings in the config';
        if (cfg?.ignoreFail && f.kind === 'unreachable') warn('ssh-unreachable', h.name, `${what} (ignoreFail is set)`, fix);
        else problem(code, h.name, what, fix);
        continue;
      }
      if (h.binlogTool === null) {
        problem('binlog-tool-missing', h.name, `neither mariadb-binlog nor mysqlbinlog is on ${h.name}${cfg?.clientBindir ? ` (looked in ${cfg.clientBindir} and PATH)` : ''}`,
          `install the client tools on ${h.name} (Debian: mariadb-client or mysql-client), or set clientBindir for ${h.name}`);
      }
      const bd = h.binlogDir;
      if (bd && !bd.readable) {
        problem('binlog-dir-unreadable', h.name, `the binlog directory ${bd.dir} on ${h.name} does not exist or is not readable by ${h.target.split('@')[0]}`,
          `set binlogDir for ${h.name} to the directory of its binlogs, and let the SSH user read it`);
      } else if (bd && bd.missing.length) {
        problem('binlog-files-missing', h.name, `${bd.dir} on ${h.name} lacks ${bd.missing.length} binlog file(s) the server reports: ${bd.missing.slice(0, 5).join(', ')}${bd.missing.length > 5 ? ', ...' : ''}`,
          `set binlogDir for ${h.name} to where its binlogs really are (see log_bin_basename), and let the SSH user read them`);
      } else if (bd?.badMagic) {
        problem('binlog-files-missing', h.name, `${bd.dir}/${bd.badMagic} on ${h.name} is not a binary log (bad magic bytes)`, `check binlogDir for ${h.name}`);
      }
      const w = h.workdir;
      if (w && !w.writable) {
        problem('workdir-not-writable', h.name, `the remote workdir ${w.dir} on ${h.name} cannot be created or written by ${h.target.split('@')[0]}`,
          `create ${w.dir} on ${h.name} writable by the SSH user, or set remoteWorkdir for ${h.name} (workdirs.remote for all)`);
      } else if (w && w.freeBytes !== null && w.freeBytes < MIN_WORKDIR_FREE_BYTES) {
        problem('workdir-no-space', h.name, `only ${Math.floor(w.freeBytes / 1024)} KiB free under ${w.dir} on ${h.name}`, `free space there, or set remoteWorkdir for ${h.name} to a filesystem with room`);
      } else if (w && w.freeBytes !== null && w.freeBytes < config.failover.maxDelayBytes) {
        warn('workdir-low-space', h.name, `${Math.floor(w.freeBytes / 1048576)} MiB free under ${w.dir} on ${h.name}, less than failover.maxDelayBytes (${Math.floor(config.failover.maxDelayBytes / 1048576)} MiB) of diffs it may receive`,
          `free space there, or set remoteWorkdir for ${h.name} to a larger filesystem`);
      }
      if (h.sftp === false) {
        problem('sftp-unavailable', h.name, `the SFTP subsystem is not available on ${h.name}: binlog bytes are read over SFTP`, `enable it in ${h.name}'s sshd_config (Subsystem sftp internal-sftp) and reload sshd`);
      }
    }
  }

  // --- rows ---
  const rows: CheckRow[] = servers.map((s) => {
    const cfg = cfgOf(s.name);
    const st = s.state;
    const r = st?.replica ?? null;
    const first = sourceOf.get(s.name)?.[0];
    const isBinlog = Boolean(s.binlogServer || cfg?.binlogServer);
    const role: CheckRole = isBinlog ? 'binlog server' : !st ? 'unreachable' : s.name === master ? 'master'
      : replicaOfMaster.has(s.name) ? 'replica' : first?.name ? 'intermediate' : 'standalone';
    const a = assessed.get(s.name);
    const position = st
      ? role === 'master' || !r
        ? (st.binlog ? formatCoordinates(st.binlog) : null)
        : `read ${formatCoordinates({ file: r.sourceLogFile, pos: r.readSourceLogPos })} exec ${formatCoordinates({ file: r.relaySourceLogFile, pos: r.execSourceLogPos })}`
      : null;
    return {
      name: s.name,
      ...(cfg?.label ? { label: cfg.label } : {}),
      address: addressOf(s),
      role,
      flavor: st?.flavor ?? null,
      version: st?.version ?? null,
      serverId: st?.serverId ?? null,
      readOnly: st ? st.readOnly : null,
      logBin: st ? st.logBin : null,
      source: first ? (first.name ?? `${first.ch.sourceHost}:${first.ch.sourcePort}`) : null,
      position,
      gtid: st ? (st.gtid.executed || null) : null,
      threads: r ? `${r.ioRunning}/${r.sqlRunning ? 'Yes' : 'No'}` : null,
      lagSeconds: r ? r.secondsBehindSource : null,
      candidate: isBinlog || s.name === master || !a ? null : a.eligible ? 'yes' : 'no',
      candidateReasons: a && s.name !== master ? a.reasons : [],
    };
  });

  const safe = problems.length === 0;
  return {
    cluster: config.cluster,
    verdict: !safe ? 'not-safe' : warnings.length ? 'ok-with-warnings' : 'ok',
    safe,
    master,
    mode,
    modeReason,
    newMaster,
    rows,
    problems,
    warnings,
    sshChecked: Boolean(ssh),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering (plain text for the terminal, markdown for the Temporal UI)

function cells(rows: (string | number | null | undefined)[][]): string {
  const txt = rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))));
  const widths = txt.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return txt.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const VERDICT_TEXT: Record<CheckReport['verdict'], string> = {
  ok: 'OK: safe to fail over',
  'ok-with-warnings': 'OK with warnings: safe to fail over',
  'not-safe': 'NOT SAFE to fail over',
};

export function formatCheckReport(r: CheckReport): string {
  const head = [['server', 'address', 'role', 'version', 'server_id', 'ro', 'source', 'position', 'gtid', 'io/sql', 'lag', 'candidate']];
  const body = r.rows.map((x) => [
    `${x.name}${x.label ? ` (${x.label})` : ''}`, x.address, x.role, x.version, x.serverId, x.readOnly === null ? null : x.readOnly ? 'on' : 'off',
    x.source, x.position, x.gtid, x.threads, x.lagSeconds, x.candidate,
  ]);
  const out = [`cluster ${r.cluster}: master ${r.master ?? '(none found)'}, ${r.mode === 'unknown' ? 'replication mode unknown' : `${r.mode} mode`} (${r.modeReason})`, '', cells([...head, ...body]), ''];
  out.push(`verdict: ${VERDICT_TEXT[r.verdict]}${r.newMaster ? `; a failover now would promote ${r.newMaster.name}` : ''}`);
  const finding = (f: CheckFinding) => `  - [${f.server ?? r.cluster}] ${f.what}\n    fix: ${f.fix}`;
  if (r.problems.length) out.push('', `problems (${r.problems.length}):`, ...r.problems.map(finding));
  if (r.warnings.length) out.push('', `warnings (${r.warnings.length}):`, ...r.warnings.map(finding));
  return out.join('\n');
}

export function formatCheckMarkdown(r: CheckReport): string {
  const esc = (v: unknown) => (v === null || v === undefined || v === '' ? '' : String(v).replace(/\|/g, '\\|'));
  const lines = [
    `**${r.cluster}**: ${VERDICT_TEXT[r.verdict]}; master **${r.master ?? 'none found'}**, ${r.mode} mode${r.newMaster ? `; a failover now would promote **${r.newMaster.name}**` : ''}`,
    '',
    '| server | role | version | server_id | position | gtid | io/sql | lag | candidate |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${esc(x.name)} (${esc(x.address)}) | ${x.role} | ${esc(x.version)} | ${esc(x.serverId)} | ${esc(x.position)} | ${esc(x.gtid)} | ${esc(x.threads)} | ${esc(x.lagSeconds)} | ${esc(x.candidate)} |`),
  ];
  if (r.problems.length) lines.push('', '**Problems**', ...r.problems.map((f) => `- [${esc(f.server ?? r.cluster)}] ${esc(f.what)} — fix: ${esc(f.fix)}`));
  if (r.warnings.length) lines.push('', '**Warnings**', ...r.warnings.map((f) => `- [${esc(f.server ?? r.cluster)}] ${esc(f.what)} — fix: ${esc(f.fix)}`));
  return lines.join('\n');
}
