// The switchover workflow's contract: a planned change of master while the old one is alive (MHA's
// masterha_master_switch --master_state=alive). Shared by the workflow, the CLI (src/cli/switchover.ts), the HTTP API
// and anyone starting it with the temporal CLI:
//   temporal workflow start --type switchover --task-queue mhaflow --workflow-id switchover:app1 --input '{"cluster":"app1"}'
//   temporal workflow signal --workflow-id switchover:app1 --name approve --input '{"by":"alice"}'
import type { StepRecord, WorkflowProgress } from './common';
import type { ReplicationMode } from '../topology/types';

export const SWITCHOVER_WORKFLOW = 'switchover';

/** One switchover per cluster at a time: a second request attaches to the running one. A dry run has an id of its own. */
export function switchoverWorkflowId(cluster: string, dryRun = false, now = Date.now()): string {
  return dryRun ? `switchover-dryrun:${cluster}:${now}` : `switchover:${cluster}`;
}

/** The signals that answer a plan waiting for approval; both take an ApprovalAnswer (optional). */
export const APPROVE_SIGNAL = 'approve';
export const REJECT_SIGNAL = 'reject';

/**
 * Internal: the wait's signed result, which the wait signals to its own workflow before the promotion runs
 * (src/switchover/claim.ts). Not for callers: one that is not signed by a worker of the cluster is ignored.
 */
export const CAUGHT_UP_SIGNAL = 'switchover-caught-up';

export interface ApprovalAnswer {
  /** Who answered (free text: a user name), for the report. */
  by?: string;
  /** Why (reject). */
  reason?: string;
}

export interface SwitchoverInput {
  /** The cluster's name; the worker reads its config from its own directory (never from the caller). */
  cluster: string;
  /** The digest of the config the caller read (src/config/registry.ts): the worker's must be the same. */
  configDigest?: string;
  /** Promote this server (name, host or host:port) if it is eligible (refused otherwise, never replaced); default: the best candidate. */
  newMaster?: string;
  /** The old master becomes a replica of the new one (MHA --orig_master_is_new_slave). Default true. */
  origMasterIsNewReplica?: boolean;
  /** Show the plan and wait for the approve or reject signal before changing anything. */
  approval?: boolean;
  /** How long the plan waits for an answer: a duration ("10m") or seconds. Default 10 minutes; then it is rejected. */
  approvalTimeout?: string | number;
  /** Every replica's Seconds_Behind_Master must be at most this. Default 1 s. */
  lagThresholdSeconds?: number;
  /** No update (statement or transaction) on the master may be running for this long. Default 1 s (MHA running_updates_limit). */
  runningUpdatesLimitSeconds?: number;
  /** How long the new master may take to execute everything up to the frozen position: past it, rollback. Default 10 s. */
  waitTimeout?: string | number;
  /** Check and plan only: nothing is changed anywhere. */
  dryRun?: boolean;
}

export const SWITCHOVER_DEFAULTS = {
  origMasterIsNewReplica: true, approvalTimeout: '10m', lagThresholdSeconds: 1, runningUpdatesLimitSeconds: 1, waitTimeout: '10s',
} as const;

/**
 * How a switchover ended. completed: the new master writes, every replica follows it. rolled-back: a step before
 * the promotion failed and the freeze was undone: nothing changed. rejected: the plan was rejected (or its approval
 * timed out): nothing changed. dry-run: planned only. A refusal (a check failed) fails the workflow with a
 * RefusedError, as the failover does.
 */
export type SwitchoverOutcome = 'completed' | 'rolled-back' | 'rejected' | 'dry-run';

/** The plan, as shown for approval and in the report. */
export interface SwitchoverPlan {
  origMaster: string;
  newMaster: string;
  newMasterReason: string;
  mode: ReplicationMode;
  /** The other replicas, repointed to the new master. */
  replicas: string[];
  origMasterIsNewReplica: boolean;
  /** The accounts the freeze locks ('user'@'host'), and those it leaves alone with why. */
  lockAccounts: string[];
  leftAccounts: string[];
  /** One line per step to come. */
  steps: string[];
  warnings: string[];
}

export interface SwitchoverReport {
  cluster: string;
  workflowId: string;
  runId: string;
  dryRun: boolean;
  outcome: SwitchoverOutcome;
  /** Why it was rolled back or rejected; empty when it completed. */
  reason: string;
  plan: SwitchoverPlan | null;
  approval: { approved: boolean; by: string | null; reason: string | null; ms: number } | null;
  /** The old master's position once frozen (what the new master waited for). */
  frozenAt: { file: string; pos: number; gtid: string } | null;
  /** The new master's binlog position at the promotion (file/position replicas start there). */
  newMasterAt: { file: string; pos: number; gtid: string } | null;
  /** The replicas repointed (the old master included when it became one). */
  repointed: string[];
  /** Undone by the rollback, in words; empty when nothing was. */
  rollback: string[];
  steps: StepRecord[];
  /** From the workflow's start. frozenMs: writes stopped; writableMs: the new master writable. */
  timings: { frozenMs: number | null; writableMs: number | null; totalMs: number };
  warnings: string[];
}

export interface SwitchoverProgress extends WorkflowProgress {
  /** Set while the plan waits for approval. */
  awaitingApproval: { plan: SwitchoverPlan; deadline: string } | null;
}

/** The MhaflowPhase search attribute of a switchover: where it stands, and how it ended. */
export type SwitchoverPhase = 'check' | 'approval' | 'freeze' | 'wait' | 'promote' | 'replicas' | 'rollback'
  | 'completed' | 'rolled-back' | 'rejected' | 'dry-run' | 'refused' | 'failed';
