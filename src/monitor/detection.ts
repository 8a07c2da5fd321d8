// Is the master dead? Decided from every view at once (docs: detection.md): the manager's pings, each
// replica's link with the master, the master's own host over SSH, the secondary check. A failed ping only
// starts a confirmation. Dead needs every view to agree; refusals everywhere (nothing listens on its port)
// are believed at once, silence (timeouts, no heartbeat: a stall, a partition, a host gone) only once it
// has lasted monitor.stallTimeout. Pure: the workflow decides on activity facts, so each verdict is in history.
import type { MonitorEvidence, MonitorVerdict, ReplicaView } from '../contracts/monitor';

export interface DetectionSettings {
  failuresBeforeDead: number;
  stallTimeoutMs: number;
  /** hooks.secondaryCheck is configured: it runs once every other view agrees, and must agree too. */
  secondaryCheck: boolean;
}

/** MASTER_HEARTBEAT_PERIOD when none is set: slave_net_timeout / 2 with the default slave_net_timeout of 60 s. */
const DEFAULT_HEARTBEAT_SEC = 30;

/**
 * A live master sends each replica an event or a heartbeat at least every heartbeat period: a replica that
 * received nothing for two periods (and a half second of slack) no longer hears it.
 */
export function hearWindowMs(periodSec: number | null): number {
  return Math.max(1500, 2 * (periodSec ?? DEFAULT_HEARTBEAT_SEC) * 1000 + 500);
}

/**
 * One replica's say: `hears` (connected, received something lately), `lost` (its IO thread is reconnecting or
 * erroring: the master dropped it), `silent` (connected but nothing received for a while), `unknown` (one
 * sample so far), `abstains` (unreachable, stopped by hand, or replicating from elsewhere).
 */
export type ReplicaVote = 'hears' | 'lost' | 'silent' | 'unknown' | 'abstains';

/**
 * `sinceMs`: how long ago the manager lost the master. A replica vouches for it only with something received
 * since then: a master that died a second ago was still heard a second and a half ago.
 */
export function replicaVote(v: ReplicaView, sinceMs = Number.POSITIVE_INFINITY): ReplicaVote {
  if (!v.reachable || !v.pointsAtMaster || v.ioRunning === null) return 'abstains';
  if (v.ioRunning === 'Connecting') return 'lost';
  if (v.ioRunning === 'No') return v.lastIoErrno ? 'lost' : 'abstains';
  if (v.heardWithinMs !== null && v.heardWithinMs < hearWindowMs(v.heartbeatPeriodSec) && v.heardWithinMs <= sinceMs) return 'hears';
  if (v.lastIoErrno) return 'lost';
  return v.silentMs === null ? 'unknown' : 'silent';
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function describeReplica(v: ReplicaView, vote: ReplicaVote): string {
  if (!v.reachable) return `${v.server}: unreachable (${v.error ?? 'no answer'})`;
  if (!v.pointsAtMaster) return `${v.server}: does not replicate from the master`;
  const silent = v.silentMs === null ? 'first sample'
    : `nothing received for ${secs(v.silentMs)}${v.heardWithinMs !== null ? `, something within ${secs(v.heardWithinMs)}` : ''}`;
  const err = v.lastIoErrno ? `, error ${v.lastIoErrno} ${v.lastIoError}` : '';
  return `${v.server}: ${vote} (IO ${v.ioRunning}${err}; ${silent}; heartbeat ${v.heartbeatPeriodSec ?? '?'} s)`;
}

/** The verdict on one round of evidence. `now`: the round's time (defaults to evidence.at). */
export function judgeMaster(e: MonitorEvidence, s: DetectionSettings, now = Date.parse(e.at)): MonitorVerdict {
  const m = e.manager;
  const failingFor = m.failingSince ? now - Date.parse(m.failingSince) : 0;
  const votes = e.replicas.map((v) => ({ v, vote: replicaVote(v, failingFor) }));
  const seen = votes.map(({ v, vote }) => describeReplica(v, vote));
  const pingLine = m.last.ok
    ? `the manager's ping succeeded (${m.last.ms} ms)`
    : `the manager: ${m.consecutiveFailures} failed ping(s) in a row, last ${m.last.error?.kind} (${m.last.error?.message ?? ''})`;
  const hostLine = `${e.master}'s host: SSH ${e.host.ssh}, mysqld ${e.host.mysqld} (${e.host.detail})`;
  const all = [pingLine, ...seen, hostLine, ...(e.secondaryCheck ? [`secondary check: exit ${e.secondaryCheck.code}: ${e.secondaryCheck.output}`] : [])];
  const alive = (why: string, partition = false, hearing: string[] = []): MonitorVerdict =>
    ({ kind: 'alive', hard: false, reasons: [why, ...all], ...(partition ? { partition } : {}), ...(hearing.length ? { hearing } : {}) });
  const suspect = (why: string, o: { needSecondaryCheck?: boolean; next?: 'confirm' | 'watch' } = {}): MonitorVerdict =>
    ({ kind: 'suspect', hard: false, reasons: [why, ...all], next: o.next ?? 'confirm', ...(o.needSecondaryCheck ? { needSecondaryCheck: true } : {}) });

  if (m.last.ok) return alive(`${e.master} answers the manager again`);
  if (m.last.error?.kind === 'answered') return alive(`${e.master} answered the manager (with an error): it runs`);
  if (e.host.mysqld === 'answered') return alive(`${e.master}'s mysqld answers on its own host: the manager alone cannot reach it`, true);
  // Refused, or accepted and closed at once (a proxy or load balancer on the way with nothing behind it): something
  // answered for the host, and no mysqld. A stall or a partition only ever times out.
  const turnedAway = m.last.error?.kind === 'refused' || m.last.error?.kind === 'reset';
  // On its own host (over SSH, past any partition), nothing listens on its port: whatever a replica still receives was
  // sent before it went (a replica whose IO thread lags reads its socket's backlog for a while), and vouches for nothing.
  const nothingListens = turnedAway && e.host.mysqld === 'refused';
  const hearing = votes.filter((x) => x.vote === 'hears').map((x) => x.v.server);
  if (hearing.length && !nothingListens) return alive(`${hearing.join(', ')} still receive from ${e.master}: the manager alone cannot reach it`, true, hearing);
  if (e.secondaryCheck && e.secondaryCheck.code !== 0) return alive(`the secondary check reaches ${e.master} another way (exit ${e.secondaryCheck.code})`, true);

  const voters = votes.filter((x) => x.vote !== 'abstains');
  if (!voters.length) {
    return suspect(`no replica of ${e.master} can confirm (none reachable and replicating from it): never failed over on the manager's word alone`, { next: 'watch' });
  }
  if (m.consecutiveFailures < s.failuresBeforeDead) return suspect(`${m.consecutiveFailures} of ${s.failuresBeforeDead} failed pings`);
  // Host down (its sshd refuses too): believed at once when every replica has lost it as well.
  const hostGone = turnedAway && e.host.ssh === 'refused' && voters.every((x) => x.vote === 'lost');
  const hard = nothingListens || hostGone;
  if (!hard) {
    if (voters.some((x) => x.vote === 'unknown')) return suspect('a replica was sampled once: whether it still hears the master needs a second look');
    const quietFor = Math.min(...voters.map((x) => x.v.silentMs ?? 0));
    const waited = Math.min(failingFor, quietFor);
    if (waited < s.stallTimeoutMs) {
      return suspect(`every view times out or hears nothing, for ${secs(waited)} of the ${secs(s.stallTimeoutMs)} (monitor.stallTimeout) a stall is given`);
    }
  }
  if (s.secondaryCheck && !e.secondaryCheck) return suspect('every view agrees: the secondary check is next', { needSecondaryCheck: true });
  const draining = hearing.length ? `; ${hearing.join(', ')} still read what it sent before` : '';
  const why = nothingListens
    ? `${e.master} is dead: nothing listens on its port, to the manager and on its own host; ${voters.map((x) => x.v.server).join(', ')} replicate from it${draining}`
    : hostGone
      ? `${e.master} is dead: its host refuses SSH and its port, and ${voters.map((x) => x.v.server).join(', ')} lost it`
      : `${e.master} is dead: silent to every view for over ${secs(s.stallTimeoutMs)} (monitor.stallTimeout)`;
  return { kind: 'dead', hard, reasons: [why, ...all] };
}
