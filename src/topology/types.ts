// Shared types of the failover decisions (latest/oldest replicas, candidates, diff plans).
// Everything here is plain JSON: these values are activity results and workflow inputs, so they land
// in the workflow history. Only type imports, so workflow code can import this file.
import type { ServerConfig } from '../config/schema';
import type { BinlogCoordinates, ServerState } from '../mysql/client';
import type { ReplicaStatus } from '../mysql/status';

export type { BinlogCoordinates };

/** file/position replication (MHA's default) or GTID auto-positioning (MySQL or MariaDB GTID). */
export type ReplicationMode = 'filepos' | 'gtid';

/** The config flags the decisions read. A ServerConfig satisfies it. */
export type ServerFlags = Pick<ServerConfig,
  'name' | 'host' | 'port' | 'candidateMaster' | 'noMaster' | 'ignoreFail' | 'checkReplDelay' | 'latestPriority' | 'aliases'
> & { binlogServer?: boolean };

/**
 * One configured server as the failover's check saw it: its config flags plus what was read from it.
 * Structurally a superset of topology/roles.ts's ServerProbe, so `{ ...config, ...probe }` builds one.
 */
export interface ServerSnapshot extends ServerFlags {
  /** null when the server could not be reached over SQL; `error` then says why. */
  state: ServerState | null;
  error?: string;
  /** What its host and aliases resolve to (DNS facts of the check step; absent: not resolved). */
  addresses?: string[];
  /** What its replica status's Source_Host resolves to. */
  sourceAddresses?: string[];
}

/** What the decisions need from one replica; a ServerState with a replica status satisfies it. */
export type ReplicaSnapshot = Pick<ServerState, 'name' | 'flavor' | 'gtid'>
  & Partial<Pick<ServerState, 'logBin' | 'logSlaveUpdates'>>
  & { replica: ReplicaStatus };

/** The dead master, as the failover request and the last healthy check know it. */
export interface DeadMasterRef {
  name: string;
  host: string;
  port: number;
  /** Its server_id when known: a replica whose Source_Server_Id matches replicates from it. */
  serverId?: number | null;
  /** Other names replicas may use for it (config aliases, resolved addresses), compared with Source_Host. */
  addresses?: string[];
}

// ---------------------------------------------------------------------------------------------
// Server classification (replicas.ts)

export type FailoverRole =
  | 'deadMaster'
  /** Alive, replicating from the dead master, no SQL thread error: it takes part in the recovery. */
  | 'replica'
  | 'unreachable'
  /** Alive replica of the dead master whose SQL thread stopped on an error. */
  | 'failedReplica'
  /** Alive replica of some other source: left alone (MHA "unmanaged"). */
  | 'otherSource'
  /** Alive and not a replica at all. */
  | 'notReplica'
  | 'binlogServer';

export interface ServerClass {
  name: string;
  role: FailoverRole;
  /** Why it has this role when it is not a plain replica or the dead master. */
  reasons: string[];
  ignoreFail: boolean;
  /** Unreachable or failed and not ignore_fail: MHA stops the failover ("must be alive"). */
  blocksFailover: boolean;
}

export interface ServerClassification {
  servers: ServerClass[];
  /** Names of the replicas that take part in the recovery, in config order. */
  replicas: string[];
  /** One line per server that stops the failover; empty when it may go on. */
  blockers: string[];
}

// ---------------------------------------------------------------------------------------------
// Latest and oldest replicas (replicas.ts)

export interface GtidProgress {
  kind: 'mysql' | 'mariadb';
  /** MySQL: Retrieved_Gtid_Set ∪ gtid_executed. MariaDB: Gtid_IO_Pos (last GTID received per domain). */
  received: string;
  /** MySQL: gtid_executed. MariaDB: gtid_current_pos. */
  executed: string;
}

export interface ReplicaCoordinates {
  name: string;
  /** How far its IO thread read the dead master's binlog (Master_Log_File:Read_Master_Log_Pos). */
  read: BinlogCoordinates;
  /** How far its SQL thread executed, in the dead master's binlog (Relay_Master_Log_File:Exec_Master_Log_Pos). */
  exec: BinlogCoordinates;
  /** Its own relay log position of the first event not executed yet (Relay_Log_File:Relay_Log_Pos). */
  relay: BinlogCoordinates;
  sqlRunning: boolean;
  /** Writes what it replicates into its own binlog (log_bin and log_slave_updates), when known. */
  servesBinlog: boolean | null;
  /** Present in GTID mode. */
  gtid?: GtidProgress;
}

export interface LatestAndOldest {
  ok: true;
  mode: ReplicationMode;
  /** Every replica at the furthest read position (ties all listed), in input order. */
  latest: string[];
  /** Every replica at the least advanced read position, in input order. */
  oldest: string[];
  latestPosition: BinlogCoordinates;
  oldestPosition: BinlogCoordinates;
  /** The latest replica that executed the most (MHA get_most_advanced_latest_slave); the GTID-mode base. */
  mostAdvancedLatest: string;
  /** Every replica received the same events: nobody needs a read_diff. */
  allReceivedSame: boolean;
  /** Every replica's coordinates, in input order. */
  replicas: ReplicaCoordinates[];
  reasons: string[];
  /** Inconsistencies worth a human look that do not change the decision (e.g. GTID vs position disagree). */
  warnings: string[];
  /**
   * Replicas whose replication filters differ from those most replicas share, with how. Never promoted; in
   * file/position mode also left out of the recovery (a diff replayed through a client session would bypass
   * their filters); in GTID mode repointed as the others (their own SQL thread applies their filters).
   */
  filtersDiffer: { name: string; differences: string[] }[];
}

export type LatestAndOldestResult = LatestAndOldest | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// The latest base replica: the latest replica whose relay logs the others' read_diffs come from (candidates.ts)

/** Outcome of looking in a latest replica's relay logs for a dead-master position (MHA apply_diff_relay_logs --command=find). */
export interface RelayLogFact {
  /** A latest replica. */
  replica: string;
  /** The dead master's binlog position that was looked for. */
  from: BinlogCoordinates;
  /** Its relay logs hold every event from `from` on. */
  found: boolean;
  /** Why not, when known (purged relay logs, SSH failure...). */
  detail?: string;
}

/** A relay-log lookup the caller must run before pickLatestBaseReplica can decide. */
export interface RelayLogCheck {
  replica: string;
  from: BinlogCoordinates;
  /** Why this position matters, for the activity's log. */
  why: string;
}

export interface UnrecoverableReplica {
  name: string;
  reason: string;
}

/** A replica the failover leaves as it is (not recovered, not repointed), why, and what to do about it. */
export interface LeftOutServer {
  name: string;
  reason: string;
  todo: string;
}

export type LatestBaseDecision =
  | {
    ok: true;
    /** The latest replica whose relay logs provide every read_diff. */
    latestBase: string;
    /** The oldest read position its relay logs must cover (the oldest recoverable replica's). */
    coversFrom: BinlogCoordinates;
    /** Replicas that cannot be brought up to date (ignore_fail ones older than what the relay logs hold). */
    unrecoverable: UnrecoverableReplica[];
    reasons: string[];
  }
  | { ok: false; reason: string; reasons: string[] };

// ---------------------------------------------------------------------------------------------
// Candidates and the new master (candidates.ts)

/** The six Replicate_* filters (defined once, with the replica status they come from). */
import type { ReplicationFilters } from '../mysql/status';
export type { ReplicationFilters };

export interface CandidateAssessment {
  name: string;
  eligible: boolean;
  /** Every reason it cannot become master; empty when eligible. */
  reasons: string[];
  candidateMaster: boolean;
  latest: boolean;
  /** GTID mode: transactions it executed that no other replica holds and that did not come from the dead master. */
  errantGtids?: string;
}

export interface CandidatesResult {
  /** Every configured server, in config order. */
  servers: CandidateAssessment[];
  /** Names of the eligible servers, in config order. */
  eligible: string[];
  /** The oldest major version among the replicas ("8.0", "10.11"); null without replicas. */
  oldestMajorVersion: string | null;
  /** The filters every candidate must have. */
  referenceFilters: ReplicationFilters | null;
  /** From the classification: servers whose state stops the failover (not ignore_fail). */
  blockers: string[];
}

export type NewMasterRule =
  /** --new-master. */
  | 'requested'
  /** A candidate_master server that is also a latest replica. */
  | 'candidate-latest'
  /** A candidate_master server (none of them is latest and eligible). */
  | 'candidate'
  /** A latest replica (no candidate_master server is eligible). */
  | 'latest'
  /** The first eligible server in config order. */
  | 'any';

export type NewMasterChoice =
  | { ok: true; newMaster: string; rule: NewMasterRule; isLatest: boolean; reason: string }
  | {
    ok: false;
    reason: string;
    /** Every server's assessment, so the refusal says why each one was not taken. */
    servers: CandidateAssessment[];
  };

// ---------------------------------------------------------------------------------------------
// Diff plans (diffplan.ts)

/** What the dead master's binlog save step (phase 3.2) achieved. */
export type DeadMasterBinlog =
  | {
    status: 'saved';
    /** Where the saved events start: the latest replica's read position. */
    from: BinlogCoordinates;
    /** Where the saved copy lives (a path or an id the apply activity understands). */
    savedAs?: string;
    bytes?: number;
  }
  /** The dead master's binlog ends where the latest replica stopped reading: nothing to add. */
  | { status: 'nothing-new'; from: BinlogCoordinates }
  /** Could not be read (host unreachable over SSH, disk gone...): events after `from` are lost. */
  | { status: 'unavailable'; from: BinlogCoordinates; reason: string };

/** The part of its own relay log a server received but did not execute (exec_diff). */
export interface ExecDiff {
  /**
   * Its relay log position of the first unexecuted event when planned. The SQL thread may still move it:
   * the activity first waits for the SQL thread, then re-reads Relay_Log_File/Relay_Log_Pos and applies
   * whatever tail is left (a transaction cut in the middle stays unexecuted).
   */
  relayFile: string;
  relayPos: number;
  /** The same span in the dead master's binlog coordinates: from exec to read. */
  from: BinlogCoordinates;
  to: BinlogCoordinates;
  /** Bytes of the dead master's binlog in the span, when in one file. */
  bytes: number | null;
}

/** What the latest replica received and this server did not (read_diff), taken from the latest's relay log. */
export interface ReadDiff {
  /** The latest base replica whose relay log holds the events. */
  fromReplica: string;
  /** This server's read position: take the latest's relay log events after it (dead master coordinates). */
  from: BinlogCoordinates;
  /** The latest read position, where the latest's relay log ends. */
  to: BinlogCoordinates;
  bytes: number | null;
}

/** What only the dead master's binlog holds (binlog_diff). */
export type BinlogDiffPlan =
  | { status: 'apply'; from: BinlogCoordinates; savedAs?: string; bytes?: number }
  | { status: 'none'; from: BinlogCoordinates; reason: string }
  | { status: 'unavailable'; from: BinlogCoordinates; reason: string };

export interface ServerDiffPlan {
  server: string;
  role: 'newMaster' | 'replica';
  isLatest: boolean;
  /**
   * Applied in this order: execDiff, readDiff, binlogDiff, as ONE stream (one client session): a
   * transaction cut by the IO thread starts in one diff and ends in the next. null: nothing of that kind.
   */
  execDiff: ExecDiff | null;
  readDiff: ReadDiff | null;
  binlogDiff: BinlogDiffPlan;
  /**
   * Replicas only: CHANGE MASTER to the new master at the coordinates the new master reported once
   * its own diffs were applied and before it was made writable (the state every server reaches).
   */
  repoint: { source: string } | null;
  summary: string;
}

export interface FileposDiffPlan {
  ok: true;
  mode: 'filepos';
  newMaster: ServerDiffPlan;
  /** Every other recoverable replica, in input order; recovered in parallel after the new master. */
  replicas: ServerDiffPlan[];
  latestBase: string;
  /** Replicas left out of the recovery and why. */
  skipped: UnrecoverableReplica[];
  /** Replicas whose replication filters differ: no diff replayed through a client session, not repointed. */
  leftOut: LeftOutServer[];
  /** Transactions that no surviving server nor the saved binlog holds, when the binlog could not be saved. */
  lost: string | null;
  summary: string[];
}

export type MariadbUseGtid = 'slave_pos' | 'current_pos';

export interface GtidNewMasterPlan {
  server: string;
  isLatest: boolean;
  /** First let its SQL thread apply its own relay log (MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET). */
  waitRelayApplied: true;
  /** A latest replica to replicate from (auto-position) until caught up; null when it is a latest replica. */
  catchUpFrom: string | null;
  /**
   * Applied after the catch-up. GTID replication only delivers whole transactions, so the saved copy must
   * start on a transaction boundary (a GTID event) right after what the new master executed: if the
   * latest replica's relay log ended inside a transaction, the apply activity must refuse a copy that
   * starts mid-transaction rather than apply a headless one.
   */
  binlogDiff: BinlogDiffPlan;
  summary: string;
}

export interface GtidReplicaPlan {
  server: string;
  /** Point at the new master with GTID auto-positioning (MySQL SOURCE_AUTO_POSITION=1; MariaDB MASTER_USE_GTID). */
  repoint: { source: string; autoPosition: true; mariadbUseGtid?: MariadbUseGtid };
  /** Then wait until it executed the new master's gtid_executed / gtid_binlog_pos read after recovery. */
  waitForNewMasterGtid: true;
  summary: string;
}

export interface GtidDiffPlan {
  ok: true;
  mode: 'gtid';
  newMaster: GtidNewMasterPlan;
  replicas: GtidReplicaPlan[];
  skipped: UnrecoverableReplica[];
  /** Always empty: GTID mode recovers every replica of the dead master, each applying its own filters. */
  leftOut: LeftOutServer[];
  lost: string | null;
  summary: string[];
}

export type DiffPlanResult = FileposDiffPlan | GtidDiffPlan | { ok: false; reason: string };
