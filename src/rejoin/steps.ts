// The rejoin's steps, one table: each kind's phase (the MhaflowPhase search attribute), its title (the progress
// query, the CLI, the UI's current details) and its summary (the activity's line in the UI's event history).
// Pure, no SDK.
import type { RejoinPhase } from '../contracts/rejoin';

/** What a step's title and summary may mention. */
export interface RejoinStepArgs {
  server: string;
  master?: string;
  /** A binlog position or GTID in words. */
  at?: string;
  detail?: string;
  dryRun?: boolean;
}

interface StepSpec {
  phase: Exclude<RejoinPhase, 'completed' | 'already-rejoined' | 'dry-run' | 'failed'>;
  title(a: RejoinStepArgs): string;
  summary(a: RejoinStepArgs): string;
}

export const REJOIN_STEPS = {
  check: {
    phase: 'check',
    title: (a) => `1 check: ${a.server} is an old master, fenced; the failover that replaced it`,
    summary: (a) => `read every server; is ${a.server} read_only with no client writing; find the cluster's last failover in Temporal`,
  },
  find: {
    phase: 'find',
    title: (a) => `2 find what only ${a.server} holds: its binlog after ${a.at}`,
    summary: (a) => `scan ${a.server}'s binlog from ${a.at}: transactions, GTIDs, commit times, rows per table; the GTID states of ${a.server} and ${a.master}`,
  },
  extract: {
    phase: 'extract',
    title: (a) => `3 extract ${a.detail} from ${a.server}'s binlog`,
    summary: (a) => `write ${a.server}'s extra transactions to the manager's workdir (raw events, mariadb-binlog -v) and to the hosts that replay them`,
  },
  plan: {
    phase: 'extract',
    title: (a) => `4 plan: ${a.detail}`,
    summary: (a) => `how ${a.server} becomes consistent`,
  },
  reapply: {
    phase: 'reapply',
    title: (a) => `5 reapply ${a.detail} on ${a.master}`,
    summary: (a) => `${a.master}: replay ${a.server}'s extra transactions (GTID domain ${a.at}), exactly once`,
  },
  rewind: {
    phase: 'rewind',
    title: (a) => `4 rewind ${a.detail} on ${a.server} (flashback)`,
    summary: (a) => `${a.server}: mariadb-binlog --flashback of its extra transactions, last first, exactly once from ${a.at}`,
  },
  'reset-binlog': {
    phase: 'rewind',
    title: (a) => `4 reset ${a.server}'s binlog${a.at ? `, gtid_slave_pos=${a.at}` : ''}`,
    summary: (a) => `${a.server}: RESET MASTER (its binlog no longer describes its data)${a.at ? `; SET GLOBAL gtid_slave_pos='${a.at}'` : ''}`,
  },
  repoint: {
    phase: 'repoint',
    title: (a) => `4 ${a.server}: replicate from ${a.master} at ${a.at}`,
    summary: (a) => `${a.server}: CHANGE MASTER TO ${a.master} (${a.at})${a.detail ? `; ${a.detail}` : ''}`,
  },
  verify: {
    phase: 'repoint',
    title: (a) => `4 verify ${a.server} against ${a.master}: ${a.detail}`,
    summary: (a) => `${a.master}: a consistent snapshot; ${a.server}: START SLAVE UNTIL its position; CHECKSUM TABLE ${a.detail} on both`,
  },
  start: {
    phase: 'repoint',
    title: (a) => `4 ${a.server}: start replication from ${a.master}`,
    summary: (a) => `${a.server}: START SLAVE; wait until it replicates`,
  },
} satisfies Record<string, StepSpec>;

export type RejoinStepKind = keyof typeof REJOIN_STEPS;
