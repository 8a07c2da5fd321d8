// The switchover's steps, one table: each kind's phase (the MhaflowPhase search attribute), its title (the
// progress query, the CLI, the UI's current details) and its summary (the activity's line in the UI's event
// history). A step acting on one server has the id `<kind>-<server>` (repoint-db3). Pure, no SDK.
import type { SwitchoverPhase } from '../contracts/switchover';

/** What a step's title and summary may mention. Each kind reads what it needs. */
export interface StepArgs {
  server?: string;
  servers?: string[];
  origMaster?: string;
  newMaster?: string;
  /** A binlog position or GTID in words. */
  at?: string;
  detail?: string;
  dryRun?: boolean;
}

interface StepSpec {
  phase: Exclude<SwitchoverPhase, 'completed' | 'rolled-back' | 'rejected' | 'dry-run' | 'refused' | 'failed'>;
  title(a: StepArgs): string;
  summary(a: StepArgs): string;
}

const list = (xs: string[] | undefined) => (xs?.length ? xs.join(', ') : 'none');

export const SWITCHOVER_STEPS = {
  check: {
    phase: 'check',
    title: () => '1 check: every server, replication, lag, running updates, the new master, filters, errant GTIDs',
    summary: (a) => `read every server; check the master and its replicas; choose the new master${a.newMaster ? ` (${a.newMaster} requested)` : ''}`,
  },
  plan: {
    phase: 'check',
    title: (a) => `2 plan: ${a.origMaster} -> ${a.newMaster}`,
    summary: (a) => `plan the switchover ${a.origMaster} -> ${a.newMaster}`,
  },
  approval: {
    phase: 'approval',
    title: (a) => `2 approval: wait for approve or reject (${a.detail})`,
    summary: (a) => `wait for the approve or reject signal (${a.detail})`,
  },
  'hook-stop': {
    phase: 'freeze',
    title: (a) => `3 master_ip_online_change --command=stop (${a.origMaster} -> ${a.newMaster})`,
    summary: (a) => `master_ip_online_change --command=stop: ${a.origMaster} -> ${a.newMaster}`,
  },
  freeze: {
    phase: 'freeze',
    title: (a) => `3 freeze ${a.origMaster}: ${a.detail}`,
    summary: (a) => `freeze ${a.origMaster}: ${a.detail}; read its binlog position`,
  },
  wait: {
    phase: 'wait',
    title: (a) => `4 wait until ${a.newMaster} executed ${a.origMaster}'s binlog up to ${a.at}`,
    summary: (a) => `${a.newMaster}: wait for ${a.at}, stop its replication, read its binlog position; ${a.origMaster}'s must not move`,
  },
  promote: {
    phase: 'promote',
    title: (a) => `5 promote ${a.newMaster}: read_only=OFF`,
    summary: (a) => `promote ${a.newMaster}: STOP SLAVE, SET GLOBAL read_only=OFF`,
  },
  'hook-start': {
    phase: 'promote',
    title: (a) => `5 master_ip_online_change --command=start (${a.newMaster})`,
    summary: (a) => `master_ip_online_change --command=start: ${a.origMaster} -> ${a.newMaster}`,
  },
  'read-new-master': {
    phase: 'promote',
    title: (a) => `5 read ${a.newMaster} after its failed promotion`,
    summary: (a) => `read ${a.newMaster}'s read_only: roll back only if it never became writable`,
  },
  repoint: {
    phase: 'replicas',
    title: (a) => `6 ${a.server}: replicate from ${a.newMaster}`,
    summary: (a) => `${a.server}: reach ${a.at}, then CHANGE MASTER TO ${a.newMaster}, START SLAVE`,
  },
  demote: {
    phase: 'replicas',
    title: (a) => `6 ${a.origMaster} (old master): ${a.detail}`,
    summary: (a) => `${a.origMaster}: ${a.detail}`,
  },
  cleanup: {
    phase: 'replicas',
    title: (a) => `6 cleanup: RESET SLAVE ALL on ${a.newMaster}`,
    summary: (a) => `${a.newMaster}: RESET SLAVE ALL`,
  },
  report: {
    phase: 'replicas',
    title: (a) => (a.detail ? `6 report: ${a.detail}` : '6 report hook'),
    summary: (a) => `report hook: ${a.origMaster} -> ${a.newMaster}`,
  },
  rollback: {
    phase: 'rollback',
    title: (a) => `rollback: ${a.origMaster} writable again${a.detail ? `, ${a.detail}` : ''}`,
    summary: (a) => `roll back on ${a.origMaster}: read_only as it was${a.detail ? `, ${a.detail}` : ''}${a.newMaster ? `; ${a.newMaster} replicates again` : ''}`,
  },
  'rollback-hook': {
    phase: 'rollback',
    title: (a) => `rollback: master_ip_online_change --command=start (${a.origMaster} stays the master)`,
    summary: (a) => `master_ip_online_change --command=start: ${a.origMaster} -> ${a.origMaster}`,
  },
} satisfies Record<string, StepSpec>;

export type SwitchoverStepKind = keyof typeof SWITCHOVER_STEPS;

/** `kind` alone, or `kind-server` for a step that acts on one server. */
export function stepId(kind: SwitchoverStepKind, server?: string): string {
  return server ? `${kind}-${server}` : kind;
}

