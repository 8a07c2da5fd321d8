// What the monitor reports without failing over: the pre-flight check's own rules on the cluster as it
// stands (replication threads stopped or erroring, lag over failover.delayWarnSeconds, a writable replica,
// two writable masters, no server that could be promoted), plus errant transactions (a replica holding GTIDs
// its master lacks). One wording with `mhaflow check`. Pure: the watch activity and the workflow both call it.
import { compareGtidText, mariaGtidText, mysqlGtidText } from '../binlog/gtid';
import { buildCheckContext, type CheckContext, type CheckFinding } from '../check';
import { noMaster, newMasterCandidates, replicaSettings, replicationThreads, unreachableServers, writableMasters } from '../check/rules';
import type { ClusterConfig } from '../config/schema';
import type { MonitorWarning } from '../contracts/monitor';
import type { DiscoveredServer } from '../mysql/discover';

const RULES = [unreachableServers, noMaster, writableMasters, replicationThreads, replicaSettings, newMasterCandidates];

/** The master's own reachability is the detection's business (its state), not a warning that comes and goes with each ping. */
const LEFT_TO_DETECTION = new Set(['master-unreachable']);

/** Replicas of the master holding transactions it lacks. The master must have been read after them (else it may look behind). */
export function errantTransactions(ctx: CheckContext): MonitorWarning[] {
  const master = ctx.masterServer?.state;
  if (!master) return [];
  const found: MonitorWarning[] = [];
  for (const r of ctx.masterReplicas) {
    const st = r.state;
    if (st.flavor !== master.flavor) continue;
    let extra = '';
    if (st.flavor === 'mariadb') {
      const mine = st.gtid.mariadb?.binlogPos ?? '';
      const theirs = master.gtid.mariadb?.binlogPos ?? '';
      if (!mine || !st.logBin) continue;
      const c = mariaGtidText.compare(mine, theirs);
      if (c.ahead.length || c.conflicting.length) extra = mariaGtidText.subtract(mine, theirs) || `domain ${[...c.conflicting].join(', ')} written by another server`;
    } else {
      if (st.gtid.mode !== 'ON' || !st.gtid.executed) continue;
      const order = compareGtidText('mysql', st.gtid.executed, master.gtid.executed);
      if (order === 'ahead' || order === 'diverged') extra = mysqlGtidText.subtract(st.gtid.executed, master.gtid.executed);
    }
    if (!extra) continue;
    found.push({
      code: 'errant-transactions', severity: 'warning', server: r.name,
      what: `${r.name} holds transactions its master ${ctx.master} does not have (errant: written on the replica): ${extra}`,
      fix: `find who writes to ${r.name} (read_only should be ON); compare and reconcile the rows, then inject empty transactions for those GTIDs on ${ctx.master}`
        + ' (MySQL) or rebuild the replica; a failover to or through it would carry them',
    });
  }
  return found;
}

const asWarning = (f: CheckFinding): MonitorWarning => ({ code: f.code, severity: f.severity, server: f.server, what: f.what, fix: f.fix });

/** Every warning about the cluster as read now: the check's rules that concern a running cluster, and errant transactions. */
export function clusterWarnings(config: ClusterConfig, servers: DiscoveredServer[]): { master: string | null; warnings: MonitorWarning[] } {
  const ctx = buildCheckContext({ config, servers });
  const findings = RULES.flatMap((rule) => rule(ctx)).filter((f) => !LEFT_TO_DETECTION.has(f.code));
  return { master: ctx.master, warnings: [...findings.map(asWarning), ...errantTransactions(ctx)] };
}

/** What identifies a warning across reads (its wording may carry numbers that change: lag seconds). */
export function warningKey(w: Pick<MonitorWarning, 'code' | 'server'>): string {
  return `${w.code}@${w.server ?? '*'}`;
}

/** The set of warnings in one string: the watch returns when it changes. */
export function warningsKey(ws: MonitorWarning[]): string {
  return [...new Set(ws.map(warningKey))].sort().join(',');
}

/** Warnings that appeared and cleared between two reports. */
export function warningChanges(before: MonitorWarning[], after: MonitorWarning[]): { added: MonitorWarning[]; cleared: MonitorWarning[] } {
  const was = new Set(before.map(warningKey));
  const now = new Set(after.map(warningKey));
  return { added: after.filter((w) => !was.has(warningKey(w))), cleared: before.filter((w) => !now.has(warningKey(w))) };
}
