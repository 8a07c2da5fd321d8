// The monitor's decisions besides "is the master dead" (detection.ts): its settings from the config,
// which replicas need a shorter heartbeat, whether to fail over now, when to continue as new, and how its
// state reads in the UI. Pure: the workflow calls them on activity facts (test/src/monitor/decisions.test.ts).
import type { ClusterConfig } from '../config/schema';
import { durationMs } from '../config/values';
import type {
  AutomaticFailover, MonitorEvent, MonitorEvidence, MonitorSettings, MonitorStatus, MonitorVerdict, MonitorWarning,
} from '../contracts/monitor';

export function monitorSettingsOf(cfg: ClusterConfig): MonitorSettings {
  const m = cfg.monitor;
  return {
    pingIntervalMs: durationMs(m.pingInterval),
    pingType: m.pingType,
    failuresBeforeDead: m.failuresBeforeDead,
    stallTimeoutMs: durationMs(m.stallTimeout),
    replicaCheckIntervalMs: durationMs(m.replicaCheckInterval),
    replicaHeartbeatPeriodSec: m.replicaHeartbeatPeriod === undefined ? null : durationMs(m.replicaHeartbeatPeriod) / 1000,
    secondaryCheck: Boolean(cfg.hooks.secondaryCheck),
    report: Boolean(cfg.hooks.report),
  };
}

/** The replicas whose MASTER_HEARTBEAT_PERIOD differs from the one the config asks for (none when it asks for none). */
export function heartbeatChanges(replicas: { server: string; periodSec: number | null }[], wantedSec: number | null): { server: string; from: number | null }[] {
  if (wantedSec === null) return [];
  return replicas.filter((r) => r.periodSec === null || Math.abs(r.periodSec - wantedSec) > 0.0005).map((r) => ({ server: r.server, from: r.periodSec }));
}

/** A warning when replicas' heartbeats are too slow to tell a stall from a death within monitor.stallTimeout. */
export function slowHeartbeatWarnings(replicas: { server: string; periodSec: number | null }[], stallTimeoutMs: number): MonitorWarning[] {
  const slow = replicas.filter((r) => r.periodSec !== null && r.periodSec * 2000 > stallTimeoutMs);
  if (!slow.length) return [];
  return [{
    code: 'slow-heartbeat', severity: 'warning', server: null,
    what: `MASTER_HEARTBEAT_PERIOD on ${slow.map((r) => `${r.server} (${r.periodSec} s)`).join(', ')} is long: an idle master's silence looks like a stall `
      + `to them for up to two periods, longer than monitor.stallTimeout (${stallTimeoutMs / 1000} s); a stalled master is then failed over later`,
    fix: 'set monitor.replicaHeartbeatPeriod: 1s (the monitor sets it on each replica), or CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD=1 on each',
  }];
}

/** Fail over now, or why not. */
export type FailoverGo = { go: true } | { go: false; reason: string; state: MonitorStatus['state'] };

export function decideAutomaticFailover(s: Pick<MonitorStatus, 'paused'> & { heldFor: string | null }, master: string): FailoverGo {
  if (s.paused) return { go: false, state: 'master-dead', reason: `paused since ${s.paused.since} (${s.paused.reason}): no automatic failover; \`mhaflow monitor resume\` fails over` };
  if (s.heldFor === master) {
    return { go: false, state: 'failover-refused', reason: `an automatic failover of ${master} was already refused or failed: the monitor waits for an operator (\`mhaflow monitor resume\` tries again)` };
  }
  return { go: true };
}

/** Continue as new when the server suggests it or the history passed the limit, never in the middle of anything. */
export function continueAsNewDue(info: { historyLength: number; continueAsNewSuggested: boolean }, limit = 5000): boolean {
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

export const MAX_EVENTS = 40;
export const MAX_FAILOVERS = 10;

export function pushBounded<T>(list: T[], item: T, max: number): T[] {
  const next = [...list, item];
  return next.length > max ? next.slice(next.length - max) : next;
}

export function event(at: string, kind: string, message: string): MonitorEvent {
  return { at, kind, message };
}

/** The monitor's own warnings, which come and go with its verdicts (the cluster's come from the check's rules). */
export function verdictWarnings(master: string, v: MonitorVerdict | null): MonitorWarning[] {
  if (!v || v.kind === 'dead') return [];
  if (v.kind === 'alive' && v.partition) {
    return [{
      code: 'partition', severity: 'warning', server: master,
      what: `the manager cannot reach ${master}, but it is alive: ${v.reasons[0]}`,
      fix: `check the network between the workers and ${master}; no failover happens while the replicas still hear it`,
    }];
  }
  if (v.kind === 'suspect') {
    return [{ code: 'master-unreachable', severity: 'problem', server: master, what: `the manager cannot reach ${master}: ${v.reasons[0]}`, fix: `check ${master}` }];
  }
  return [];
}

const ago = (at: string, now: number) => `${((now - Date.parse(at)) / 1000).toFixed(1)} s ago`;

/** One line of evidence per view, for the UI and the failover's details. */
export function evidenceLines(e: MonitorEvidence): string[] {
  return [
    `manager: ${e.manager.consecutiveFailures} failed ping(s) in a row${e.manager.failingSince ? ` since ${e.manager.failingSince}` : ''}; last: `
      + `${e.manager.last.ok ? 'ok' : `${e.manager.last.error?.kind} ${e.manager.last.error?.code} ${e.manager.last.error?.message ?? ''}`.trim()}`,
    ...e.replicas.map((r) => `${r.server}: ${r.reachable ? `IO ${r.ioRunning ?? '-'}${r.lastIoErrno ? ` error ${r.lastIoErrno}` : ''}, `
      + `silent ${r.silentMs === null ? '?' : `${(r.silentMs / 1000).toFixed(1)} s`}, heartbeat ${r.heartbeatPeriodSec ?? '?'} s${r.pointsAtMaster ? '' : ', not replicating from it'}`
      : `unreachable (${r.error ?? ''})`}`),
    `${e.master}'s host: SSH ${e.host.ssh}, mysqld ${e.host.mysqld}: ${e.host.detail}`,
    ...(e.secondaryCheck ? [`secondary check: ${e.secondaryCheck.output}`] : []),
  ];
}

/** The UI's current details: state, master, warnings, the last verdict and failovers, the latest events. */
export function statusMarkdown(s: MonitorStatus, now: number): string {
  const lines = [
    `**monitor of ${s.cluster}**: ${s.state}${s.paused ? ` (paused since ${s.paused.since}: ${s.paused.reason})` : ''}`,
    `master **${s.master ?? 'none'}** · last ping ${s.lastPing ? `${s.lastPing.ok ? 'ok' : `failed (${s.lastPing.error?.kind})`} ${ago(s.lastPing.at, now)}` : 'none yet'}`
      + ` · config ${s.configDigest ?? '?'} · run ${s.generation + 1}`,
  ];
  if (s.warnings.length) lines.push('', '**warnings**', ...s.warnings.map((w) => `- ${w.severity === 'problem' ? '✖' : '⚠'} ${w.what} (fix: ${w.fix})`));
  if (s.lastVerdict) lines.push('', `**last verdict: ${s.lastVerdict.kind}**: ${s.lastVerdict.reasons[0]}`);
  if (s.lastEvidence) lines.push(...evidenceLines(s.lastEvidence).map((l) => `- ${l}`));
  if (s.failovers.length) lines.push('', '**automatic failovers**', ...s.failovers.map(failoverLine));
  if (s.events.length) lines.push('', '**events**', ...s.events.slice(-10).map((e) => `- ${e.at} ${e.kind}: ${e.message}`));
  return lines.join('\n');
}

export function failoverLine(f: AutomaticFailover): string {
  return `- ${f.startedAt} ${f.workflowId}: ${f.deadMaster} -> ${f.newMaster ?? '?'} ${f.outcome}${f.external ? ' (started elsewhere)' : ''}: ${f.message}`;
}
