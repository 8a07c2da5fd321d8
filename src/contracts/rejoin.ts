// The rejoin workflow's contract: an old master that a failover replaced comes back as a replica of the
// current master, after an exact count of the transactions only it held (and, with reapply, those put on the
// cluster). Shared by the workflow, the CLI (src/cli/rejoin.ts), the HTTP API and the temporal CLI:
//   temporal workflow start --type rejoin --task-queue mhaflow --workflow-id rejoin:app1:db1 --input '{"cluster":"app1","server":"db1"}'
// HTTP API (once it exists): POST /v1/clusters/{cluster}/servers/{server}/rejoin  { "reapply": false, "dryRun": false }
import type { BinlogCoordinates } from '../binlog/coordinates';
import type { RowsAction } from '../binlog/constants';
import type { ReplicationMode } from '../topology/types';
import type { StepRecord, WorkflowProgress } from './common';

export const REJOIN_WORKFLOW = 'rejoin';

/** One rejoin per server at a time: a second request attaches to the running one. A dry run has an id of its own. */
export function rejoinWorkflowId(cluster: string, server: string, dryRun = false, now = Date.now()): string {
  return dryRun ? `rejoin-dryrun:${cluster}:${server}:${now}` : `rejoin:${cluster}:${server}`;
}

export interface RejoinInput {
  /** The cluster's name; the worker reads its config from its own directory. */
  cluster: string;
  /** The old master to rejoin (its name in the config). */
  server: string;
  /** Apply the transactions only it holds to the current master first (they then replicate everywhere). */
  reapply?: boolean;
  /** Check and count only: nothing is written, extracted or changed. */
  dryRun?: boolean;
  /** The digest of the config the caller read: the worker's must be the same. */
  configDigest?: string;
}

/** Rows of one table the extra transactions changed, per action (null: some could not be counted). */
export interface TableRowCounts { table: string; rows: Record<RowsAction, number | null> }

/** The transactions only the old master holds: what the report, the UI and `--json` (extraTransactions.count) show. */
export interface ExtraTransactions {
  count: number;
  /** Their GTIDs, in binlog order, consecutive ones as a range: "0-11-937..1000". */
  gtids: string[];
  /** Where they are in the old master's binlog: per file, from the first one's start to the last one's end. */
  positions: { file: string; from: number; to: number; transactions: number }[];
  /** Commit times (ISO, second precision as the binlog keeps them); null when there is none. */
  firstCommit: string | null;
  lastCommit: string | null;
  tables: TableRowCounts[];
  /** What a flashback cannot take back: the first ones, described with their GTID and position. */
  notRewindable: { gtid?: string; at: string; what: string }[];
  notRewindableCount: number;
}

/** Where the extracted transactions were saved. */
export interface ExtractedFiles {
  /** On the worker that extracted them (workdirs.manager): the raw binlog events and mariadb-binlog -v's text. */
  binlog: string;
  sql: string;
  sha256: string;
  bytes: number;
  /** Copies on the hosts that replay them: the old master's (the rewind), the current master's (reapplied, reorigined). */
  onServer: { path: string; sha256: string };
  forReapply: { server: string; path: string; sha256: string; domain: number } | null;
  /** The worker that wrote the local files. */
  worker: string;
}

export type RejoinOutcome = 'repointed' | 'rewound' | 'already-rejoined' | 'dry-run';

export interface RejoinReport {
  cluster: string;
  server: string;
  workflowId: string;
  runId: string;
  dryRun: boolean;
  reapply: boolean;
  outcome: RejoinOutcome | null;
  /** Why nothing was done, for already-rejoined. */
  note: string;
  mode: ReplicationMode | null;
  /** The failover that replaced the server, as Temporal recorded it. */
  failover: { workflowId: string; runId: string; closeTime: string; newMaster: string } | null;
  currentMaster: string | null;
  /** The last position of the server's binlog the cluster holds, and how the failover's record says so. */
  clusterHolds: { upTo: BinlogCoordinates; how: string } | null;
  extraTransactions: ExtraTransactions | null;
  files: ExtractedFiles | null;
  reapplied: { applied: number; alreadyApplied: number; domain: number } | null;
  rewound: { undone: number; alreadyUndone: number } | null;
  /** CHECKSUM TABLE of the tables the extra transactions touched, on both, at one point of the master's binlog. */
  verified: { at: BinlogCoordinates; tables: { table: string; server: string; master: string }[] } | null;
  repointedTo: { master: string; at: string; derivation: string } | null;
  steps: StepRecord[];
  warnings: string[];
  timings: { totalMs: number };
}

export type RejoinProgress = WorkflowProgress;

/** The MhaflowPhase search attribute of a rejoin. */
export type RejoinPhase = 'check' | 'find' | 'extract' | 'reapply' | 'rewind' | 'repoint' | 'completed' | 'already-rejoined' | 'dry-run' | 'failed';
