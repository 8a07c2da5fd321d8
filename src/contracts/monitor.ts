// The monitor workflow's contract (MHA's masterha_manager): its input, its signals and status query, and
// the evidence it records before an automatic failover. Shared by the workflow, the CLI (src/cli/monitor.ts),
// the HTTP API and anyone using the temporal CLI:
//   temporal workflow start --type monitor --task-queue mhaflow --workflow-id monitor:app1 --input '{"cluster":"app1"}'
//   temporal workflow signal --workflow-id monitor:app1 --name pause --input '{"reason":"kernel upgrade on db1"}'
//   temporal workflow query --workflow-id monitor:app1 --name status
// Plain strings and types only.

export const MONITOR_WORKFLOW = 'monitor';

/** One monitor per cluster: a second start attaches to the running one. */
export function monitorWorkflowId(cluster: string): string {
  return `monitor:${cluster}`;
}

export const MONITOR_STATUS_QUERY = 'status';
/** Signals: pause (maintenance: no automatic failover), resume, reload (re-read the config now), stop. */
export const MONITOR_SIGNALS = { pause: 'pause', resume: 'resume', reload: 'reload', stop: 'stop' } as const;

export interface PauseRequest {
  /** Shown in the status and the UI: why the monitor is paused. */
  reason?: string;
}

export type PingType = 'select' | 'connect' | 'insert';

/**
 * Why a ping failed. `refused`: nothing listens on the port (the host answered, no mysqld); `reset`: the
 * connection broke; `timeout`: no answer in time (a stall, or a partition); `unreachable`: no route;
 * `answered`: the server answered with an error (alive: too many connections, access denied, read only).
 */
export type PingErrorKind = 'refused' | 'reset' | 'timeout' | 'unreachable' | 'answered' | 'other';

export interface PingResult {
  /** ISO time the ping started. */
  at: string;
  ok: boolean;
  ms: number;
  error?: { kind: PingErrorKind; code: string; message: string };
}

/** How the monitor last saw one replica's link with the master. */
export interface ReplicaView {
  server: string;
  /** It answered SQL; `error` otherwise. */
  reachable: boolean;
  error?: string;
  /** It replicates from the watched master. */
  pointsAtMaster: boolean;
  ioRunning: 'Yes' | 'No' | 'Connecting' | null;
  lastIoErrno: number;
  lastIoError: string;
  /** Its MASTER_HEARTBEAT_PERIOD in seconds (null: unknown). */
  heartbeatPeriodSec: number | null;
  /**
   * What the monitor observed of its progress (the binlog position its IO thread read, its heartbeats received):
   * it received nothing for at least `silentMs`, and received something at most `heardWithinMs` ago. Null: not
   * known yet (one sample; or no change seen since the first).
   */
  silentMs: number | null;
  heardWithinMs: number | null;
}

/** The master's host, seen from itself over SSH (a connection from there to its own mysqld port). */
export interface HostView {
  /** reachable; refused: nothing listens on its SSH port (the host answered); timeout; failed: any other error. */
  ssh: 'reachable' | 'refused' | 'timeout' | 'failed';
  /** answered: mysqld spoke; refused: nothing listens; silent: the port accepts but says nothing; unknown: no way to tell. */
  mysqld: 'answered' | 'refused' | 'silent' | 'unknown';
  detail: string;
  ms: number;
}

/** Every view of the master at one moment of a confirmation: what the monitor decides from, kept in history. */
export interface MonitorEvidence {
  master: string;
  /** ISO time this round's views were gathered. */
  at: string;
  /** The manager's pings: failures in a row, since when, the last one. */
  manager: { consecutiveFailures: number; failingSince: string | null; last: PingResult };
  replicas: ReplicaView[];
  host: HostView;
  /** MHA's secondary_check_script, when configured and run (null otherwise). */
  secondaryCheck: { code: number | null; output: string } | null;
}

/** What the views say together. */
export interface MonitorVerdict {
  kind: 'alive' | 'dead' | 'suspect';
  /** dead: believed at once (refusals everywhere) rather than after monitor.stallTimeout of silence. */
  hard: boolean;
  reasons: string[];
  /** suspect: the views to gather next. */
  needSecondaryCheck?: boolean;
  /** suspect: confirm again shortly, or go back to watching (nothing new will come soon: no replica can confirm). */
  next?: 'confirm' | 'watch';
  /** alive although the manager cannot reach it: the manager alone lost the master (a partition). */
  partition?: boolean;
  /** alive: the replicas that still receive from it (they vouch for it while the manager cannot reach it). */
  hearing?: string[];
}

export type MonitorState =
  | 'starting' | 'watching' | 'suspect' | 'master-dead' | 'failing-over' | 'failover-refused' | 'no-master' | 'config-error' | 'stopped';

/** A condition reported, not failed over: shown until it clears. */
export interface MonitorWarning {
  /** Stable code (the check's codes, plus the monitor's own: partition, master-unreachable, errant-transactions...). */
  code: string;
  severity: 'problem' | 'warning';
  server: string | null;
  what: string;
  fix: string;
}

export interface MonitorEvent { at: string; kind: string; message: string }

export interface AutomaticFailover {
  workflowId: string;
  runId: string | null;
  startedAt: string;
  deadMaster: string;
  outcome: 'completed' | 'refused' | 'failed' | 'running';
  newMaster: string | null;
  message: string;
  /** Started by someone else (the monitor found it running and waited for it). */
  external: boolean;
}

export interface MonitorStatus {
  cluster: string;
  workflowId: string;
  state: MonitorState;
  paused: { since: string; reason: string } | null;
  master: string | null;
  /** The last ping the workflow knows of; `mhaflow monitor status` shows the watch's fresher one when there is one. */
  lastPing: PingResult | null;
  warnings: MonitorWarning[];
  lastEvidence: MonitorEvidence | null;
  lastVerdict: MonitorVerdict | null;
  failovers: AutomaticFailover[];
  /** The latest events, newest last (bounded). */
  events: MonitorEvent[];
  configDigest: string | null;
  settings: MonitorSettings | null;
  /** ISO time this monitor (its first run) started; `generation` counts continue-as-new. */
  since: string;
  generation: number;
}

/** The config's monitor section in milliseconds, as the workflow uses it. */
export interface MonitorSettings {
  pingIntervalMs: number;
  pingType: PingType;
  failuresBeforeDead: number;
  stallTimeoutMs: number;
  replicaCheckIntervalMs: number;
  replicaHeartbeatPeriodSec: number | null;
  secondaryCheck: boolean;
  report: boolean;
}

/** What one monitor run hands the next (continue-as-new). */
export interface MonitorCarry {
  since: string;
  generation: number;
  paused: MonitorStatus['paused'];
  master: string | null;
  warnings: MonitorWarning[];
  events: MonitorEvent[];
  failovers: AutomaticFailover[];
  /** A failover of this dead master was refused or failed: do not start another until resumed or it changes. */
  heldFor: string | null;
}

export interface MonitorInput {
  /** The cluster's name; the worker reads its config from its own directory. */
  cluster: string;
  /** The digest of the config the caller read: the worker's must be the same (refused otherwise). */
  configDigest?: string;
  /** Start paused (maintenance). */
  paused?: PauseRequest;
  /** Continue-as-new: the previous run's state. */
  carry?: MonitorCarry;
  /** Continue as new after this many history events (default: when the server suggests it, or 5000). */
  historyLimit?: number;
}

/** The heartbeat details of the running watch: what `mhaflow monitor status` adds to the query's answer. */
export interface WatchHeartbeat {
  master: string | null;
  lastPing: PingResult | null;
  checkedAt: string | null;
  warnings: MonitorWarning[];
}
