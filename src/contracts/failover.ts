// The failover workflow's contract: its input, its report and its progress, shared by the workflow, the CLI
// (src/cli/failover.ts), the HTTP API and anyone starting it with the temporal CLI:
//   temporal workflow start --type failover --task-queue mhaflow --workflow-id failover:app1 --input '{"cluster":"app1"}'
import type { DeadCheck, SavedTail } from '../failover/deadmaster';
import type { DiffFile } from '../failover/diff';
import type { BinlogCoordinates } from '../binlog/coordinates';
import type { CandidatesResult, LatestAndOldest, ReplicationMode } from '../topology/types';
import type { StepRecord, WorkflowProgress } from './common';

export const FAILOVER_WORKFLOW = 'failover';

/** One failover per cluster at a time: a second request attaches to the running one. A dry run has an id of its own. */
export function failoverWorkflowId(cluster: string, dryRun = false, now = Date.now()): string {
  return dryRun ? `failover-dryrun:${cluster}:${now}` : `failover:${cluster}`;
}

export interface FailoverInput {
  /** The cluster's name; the worker reads its config from its own directory (never from the caller). */
  cluster: string;
  /** The digest of the config the caller read (src/config/registry.ts): the worker's must be the same. */
  configDigest?: string;
  /** The dead master (name, host or host:port); default: the server the replicas replicate from. */
  deadMaster?: string;
  /** Promote this server if it is eligible (refused otherwise, never replaced). */
  newMaster?: string;
  ignoreLastFailover?: boolean;
  /**
   * Go on even if the dead master cannot be fenced (no SSH to its host, no shutdown hook): split brain is then
   * possible, and the report says so. Without it such a failover is refused.
   */
  noFence?: boolean;
  /**
   * The run id of an earlier failover that stopped midway, which the operator repaired by hand: without it, a new
   * failover of the cluster is refused while that run is unresolved.
   */
  resolvedRun?: string;
  /** Check, read the positions and plan: nothing is changed anywhere. */
  dryRun?: boolean;
  /**
   * GTID mode: a candidate holding errant transactions (executed there, held by no other replica, not from the
   * dead master) may become the new master; they are listed, and every replica receives them. Default: refused.
   */
  allowErrantCandidate?: boolean;
}

export interface ServerOutcome {
  server: string;
  role: 'newMaster' | 'replica';
  plan: string;
  diff?: Pick<DiffFile, 'path' | 'sha256' | 'bytes' | 'transactions' | 'parts'>;
  applied?: number;
  alreadyApplied?: number;
  repointedTo?: string;
}

export interface FailoverReport {
  cluster: string;
  workflowId: string;
  runId: string;
  dryRun: boolean;
  mode: ReplicationMode;
  modeReason: string;
  deadMaster: string;
  deadCheck: DeadCheck;
  /** How the dead master was fenced, and whether that was seen to hold (false only when going on unfenced by choice). */
  fence: { method: FenceMethod; why: string; verified: boolean } | null;
  newMaster: string | null;
  newMasterReason: string;
  latest: Pick<LatestAndOldest, 'latest' | 'oldest' | 'latestPosition' | 'oldestPosition' | 'reasons' | 'warnings'> | null;
  candidates: CandidatesResult['servers'];
  planSummary: string[];
  binlogTail: SavedTail | null;
  /**
   * The new master's binlog coordinates and executed GTIDs once it held everything recovered, before it became
   * writable: where the replicas started, and where the old master starts when it rejoins (src/rejoin).
   */
  newMasterStart?: { coords: BinlogCoordinates; gtid: string };
  /** What could not be recovered, in words; empty when nothing was lost. */
  unrecoverable: string[];
  /** Replicas this failover did not recover (not repointed), each with why and what to do. */
  leftOut: { server: string; reason: string; hint: string }[];
  servers: ServerOutcome[];
  steps: StepRecord[];
  /** From the workflow's start. */
  timings: { newMasterWritableMs: number | null; allReplicasRepointedMs: number | null; totalMs: number };
  warnings: string[];
}

export type FailoverProgress = WorkflowProgress;

/** The MhaflowPhase search attribute of a failover: where it stands, and how it ended. */
/** refused: it stopped before changing anything; aborted: it stopped after changing something (a later failover must resume it or be told it was repaired). */
export type FailoverPhase = 'check' | 'fence' | 'recover' | 'promote' | 'replicas' | 'completed' | 'dry-run' | 'refused' | 'aborted';

/** How the dead master is fenced: its shutdown hook (STONITH), its mysqld killed over SSH, or not at all (--no-fence). */
export type FenceMethod = 'shutdown-hook' | 'stop-mysqld' | 'none';

/** The cluster's most recent failover that stopped after changing servers, with no completed failover since. */
export interface UnresolvedFailover {
  workflowId: string;
  runId: string;
  closeTime: string;
  status: string;
  /** Where it stood (MhaflowPhase): aborted, or the phase it was in when terminated or timed out. */
  phase: string;
  /** Its failure's message (what it had done), when it failed. */
  message: string;
}
