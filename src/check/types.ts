// What the pre-flight check reads and what it reports. The report is the checkReplication workflow's
// result and the `mhaflow check --json` output, so its shape is a contract: change it with care.
import type { ClusterConfig } from '../config/schema';
import type { DiscoveredServer } from '../mysql/discover';
import type { SshHostCheck } from '../ssh/check';

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
  | 'master-read-only' | 'semi-sync-fell-back' | 'binlog-dir-unset' | 'binary-logs-unreadable' | 'workdir-low-space' | 'ssh-not-checked';

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
  /** Semi-sync on the side that matters: the master waits for acks, a replica sends them (src/mysql/semisync.ts). */
  semiSync: string | null;
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
