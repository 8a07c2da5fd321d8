// The failover's steps, one table: each kind's phase (the MhaflowPhase search attribute), its title (the
// progress query, the CLI, the UI's current details) and its summary (the activity's line in the UI's event
// history). A step acting on one server has the id `<kind>-<server>` (apply-db2). Pure, no SDK.
import type { FailoverPhase } from '../contracts/failover';

/** What a step's title and summary may mention. Each kind reads what it needs. */
export interface StepArgs {
  server?: string;
  servers?: string[];
  deadMaster?: string;
  newMaster?: string;
  source?: string;
  /** A binlog position or GTID in words. */
  at?: string;
  detail?: string;
  dryRun?: boolean;
}

interface StepSpec {
  phase: Exclude<FailoverPhase, 'completed' | 'dry-run' | 'failed'>;
  title(a: StepArgs): string;
  summary(a: StepArgs): string;
}

const list = (xs: string[] | undefined) => (xs?.length ? xs.join(', ') : 'none');

export const FAILOVER_STEPS = {
  check: {
    phase: 'check',
    title: () => '1 check: connect to every server, confirm the dead master is dead, no recent failover',
    summary: (a) => `connect to every server; confirm ${a.deadMaster ?? 'the master'} is the current master and dead${a.dryRun ? '' : '; look up the cluster\'s last failover'}`,
  },
  'start-sql': {
    phase: 'check',
    title: (a) => `1 check: start stopped SQL threads (${list(a.servers)})`,
    summary: (a) => `START SLAVE SQL_THREAD on ${list(a.servers)}`,
  },
  'read-replicas': {
    phase: 'fence',
    title: () => '2 read every replica\'s final position (dry run: nothing stopped)',
    summary: (a) => `wait until ${list(a.servers)} received what was in flight, then read every server's replication state`,
  },
  'stop-io': {
    phase: 'fence',
    title: (a) => `2 fence: stop the IO thread on ${list(a.servers)}, read their final positions`,
    summary: (a) => `wait until ${list(a.servers)} received what was in flight; STOP SLAVE IO_THREAD; read every server's replication state`,
  },
  fence: {
    phase: 'fence',
    title: (a) => `2 fence: ${a.detail ?? 'hooks'} for ${a.deadMaster}`,
    summary: (a) => `fence ${a.deadMaster}: ${a.detail ?? 'hooks'}`,
  },
  latest: {
    phase: 'recover',
    title: (a) => `3.1 latest: ${a.detail}`,
    summary: () => 'the latest and oldest replicas, from their read positions',
  },
  'save-binlog': {
    phase: 'recover',
    title: (a) => `3.2 save ${a.deadMaster}'s binlog from ${a.at}`,
    summary: (a) => `${a.dryRun ? 'measure' : 'save'} ${a.deadMaster}'s binlog tail from ${a.at} onto ${list(a.servers)}`,
  },
  'find-relay': {
    phase: 'recover',
    title: (a) => `3.3 find read positions in ${list(a.servers)}'s relay logs`,
    summary: (a) => `find ${a.at} in ${list(a.servers)}'s relay logs`,
  },
  drain: {
    phase: 'recover',
    title: (a) => `3.3 ${a.server}: apply its relay log, then stop its SQL thread`,
    summary: (a) => `${a.server}: ${a.detail ?? 'let the SQL thread apply the relay log, then stop it'}; record its binlog position`,
  },
  choose: {
    phase: 'recover',
    title: (a) => `3.3 new master: ${a.newMaster}`,
    summary: (a) => `choose the new master: ${a.newMaster}`,
  },
  'catch-up': {
    phase: 'recover',
    title: (a) => `3.4 ${a.server} catches up from ${a.source} (GTID)`,
    summary: (a) => `${a.server}: replicate from ${a.source} with MASTER_USE_GTID=slave_pos up to ${a.at}`,
  },
  diff: {
    phase: 'recover',
    title: (a) => `${a.server === a.newMaster ? '3.4' : '4'} generate ${a.server}'s diff`,
    summary: (a) => `generate ${a.server}'s diff on its host: ${a.detail}`,
  },
  apply: {
    phase: 'recover',
    title: (a) => `${a.server === a.newMaster ? '3.5' : '4'} apply ${a.server}'s diff (${a.detail})`,
    summary: (a) => `${a.server}: replay ${a.detail} (binlog on, resumable from ${a.at})`,
  },
  promote: {
    phase: 'promote',
    title: (a) => `3.6 promote ${a.newMaster}: master_ip_failover --command=start, read_only=OFF`,
    summary: (a) => `promote ${a.newMaster}: master_ip_failover --command=start, SET GLOBAL read_only=OFF`,
  },
  repoint: {
    phase: 'replicas',
    title: (a) => `4 ${a.server}: replicate from ${a.newMaster}`,
    summary: (a) => `${a.server}: CHANGE MASTER TO ${a.newMaster} (${a.at}), START SLAVE`,
  },
  cleanup: {
    phase: 'replicas',
    title: (a) => `5 cleanup: RESET SLAVE ALL on ${a.newMaster}`,
    summary: (a) => `${a.newMaster}: RESET SLAVE ALL`,
  },
  report: {
    phase: 'replicas',
    title: (a) => (a.detail ? `5 report: ${a.detail}` : '5 report hook'),
    summary: (a) => `report hook: ${a.deadMaster} -> ${a.newMaster}`,
  },
} satisfies Record<string, StepSpec>;

export type FailoverStepKind = keyof typeof FAILOVER_STEPS;

/** `kind` alone, or `kind-server` for a step that acts on one server. */
export function stepId(kind: FailoverStepKind, server?: string): string {
  return server ? `${kind}-${server}` : kind;
}
