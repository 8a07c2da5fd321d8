// How long each replica has heard nothing from its master, as the monitor observes it: a replica's
// "progress token" (the source binlog position its IO thread read up to, and its count of received
// heartbeats) changes whenever it receives an event or a heartbeat. Samples bound the moment of its last
// progress from both sides: after the last sample that still showed the previous token, at or before the
// first that showed the current one. The marks travel between activities (through the workflow), so the
// silence is measured on one clock and never trusts a server's. Pure.

export interface ReplicaMark {
  token: string;
  /** Epoch ms of the first sample showing this token. */
  changedAt: number;
  /** Epoch ms of the last sample showing this token. */
  seenAt: number;
  /** Epoch ms of the last sample showing the previous token (null: none seen). */
  before: number | null;
}

export type ReplicaMarks = Record<string, ReplicaMark>;

export interface ProgressSample {
  server: string;
  /** null: the replica could not be read (its mark is kept as it was). */
  token: string | null;
}

export interface Silence {
  /** It received nothing for at least this long (null: one sample so far). */
  silentMs: number | null;
  /** It received something at most this long ago (null: no change seen yet). */
  heardWithinMs: number | null;
}

/** The token of one replica: what it read of its source's binlog, and how many heartbeats it received. */
export function progressToken(p: { sourceLogFile: string; readSourceLogPos: number; receivedHeartbeats: number | null; gtidIoPos?: string }): string {
  return `${p.sourceLogFile}:${p.readSourceLogPos}:${p.gtidIoPos ?? ''}:${p.receivedHeartbeats ?? '?'}`;
}

/** New marks after a sample at `now`, and each sampled replica's silence. */
export function advanceMarks(prev: ReplicaMarks, samples: ProgressSample[], now: number): { marks: ReplicaMarks; silence: Record<string, Silence> } {
  const marks: ReplicaMarks = { ...prev };
  const silence: Record<string, Silence> = {};
  const of = (m: ReplicaMark | undefined): Silence => (m
    ? { silentMs: now - m.changedAt, heardWithinMs: m.before === null ? null : now - m.before }
    : { silentMs: null, heardWithinMs: null });
  for (const s of samples) {
    const was = prev[s.server];
    if (s.token === null) {
      silence[s.server] = of(was);
      continue;
    }
    if (!was) {
      marks[s.server] = { token: s.token, changedAt: now, seenAt: now, before: null };
      silence[s.server] = { silentMs: null, heardWithinMs: null };
      continue;
    }
    marks[s.server] = was.token === s.token ? { ...was, seenAt: now } : { token: s.token, changedAt: now, seenAt: now, before: was.seenAt };
    silence[s.server] = of(marks[s.server]);
  }
  return { marks, silence };
}
