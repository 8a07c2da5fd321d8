// Is the master dead: each view's say, and the verdict on every combination the lab produces (kill -9 of
// mysqld, host down, a stall, a partition between the manager and the master, nobody left to confirm).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HostView, MonitorEvidence, PingResult, ReplicaView } from '../../../src/contracts/monitor';
import { hearWindowMs, judgeMaster, replicaVote, type DetectionSettings } from '../../../src/monitor/detection';

const T = Date.parse('2026-11-24T12:00:00.000Z');
const iso = (ms: number) => new Date(T + ms).toISOString();
const S: DetectionSettings = { failuresBeforeDead: 3, stallTimeoutMs: 10_000, secondaryCheck: false };

const failed = (kind: NonNullable<PingResult['error']>['kind'], code = 'X'): PingResult => ({ at: iso(0), ok: false, ms: 1, error: { kind, code, message: kind } });

function replica(server: string, o: Partial<ReplicaView> = {}): ReplicaView {
  return {
    server, reachable: true, pointsAtMaster: true, ioRunning: 'Yes', lastIoErrno: 0, lastIoError: '', heartbeatPeriodSec: 1,
    silentMs: 200, heardWithinMs: 800, ...o,
  };
}
const lost = (server: string) => replica(server, { ioRunning: 'Connecting', lastIoErrno: 2003, lastIoError: "Can't connect", silentMs: 300, heardWithinMs: null });
const silent = (server: string, ms: number) => replica(server, { silentMs: ms, heardWithinMs: null });

const host = (o: Partial<HostView> = {}): HostView => ({ ssh: 'reachable', mysqld: 'refused', detail: 'refuses connections', ms: 5, ...o });

function evidence(o: { last?: PingResult; failures?: number; failingFor?: number; replicas?: ReplicaView[]; host?: HostView; secondary?: MonitorEvidence['secondaryCheck'] } = {}): MonitorEvidence {
  return {
    master: 'db1', at: iso(0),
    manager: { consecutiveFailures: o.failures ?? 3, failingSince: iso(-(o.failingFor ?? 1000)), last: o.last ?? failed('refused', 'ECONNREFUSED') },
    replicas: o.replicas ?? [lost('db2'), lost('db3'), lost('db4')],
    host: o.host ?? host(), secondaryCheck: o.secondary ?? null,
  };
}

describe('replicaVote: one replica\'s say', () => {
  const cases: [string, ReplicaView, ReturnType<typeof replicaVote>][] = [
    ['received something within the window', replica('db2'), 'hears'],
    ['IO thread reconnecting', replica('db2', { ioRunning: 'Connecting' }), 'lost'],
    ['IO thread stopped by an error', replica('db2', { ioRunning: 'No', lastIoErrno: 2013 }), 'lost'],
    ['IO thread stopped by hand (no error): cannot tell', replica('db2', { ioRunning: 'No' }), 'abstains'],
    ['connected, an old error, and progress: hears', replica('db2', { lastIoErrno: 2013 }), 'hears'],
    ['connected, an error, no progress seen', replica('db2', { lastIoErrno: 2013, heardWithinMs: null, silentMs: 4000 }), 'lost'],
    ['connected but silent past two heartbeats', replica('db2', { heardWithinMs: 2600, silentMs: 2000 }), 'silent'],
    ['one sample so far', replica('db2', { silentMs: null, heardWithinMs: null }), 'unknown'],
    ['unreachable', replica('db2', { reachable: false, ioRunning: null }), 'abstains'],
    ['replicates from elsewhere', replica('db2', { pointsAtMaster: false }), 'abstains'],
    ['a 30 s heartbeat: 20 s of quiet is still hearing', replica('db2', { heartbeatPeriodSec: 30, heardWithinMs: 20_000 }), 'hears'],
  ];
  for (const [name, v, want] of cases) test(name, () => assert.equal(replicaVote(v), want));
  test('something received before the manager lost the master does not vouch for it now', () => {
    assert.equal(replicaVote(replica('db2', { heardWithinMs: 800 }), 500), 'silent');
    assert.equal(replicaVote(replica('db2', { heardWithinMs: 400 }), 500), 'hears');
  });

  test('the window is two heartbeat periods and a half second, at least 1.5 s; 30 s when unknown', () => {
    assert.equal(hearWindowMs(1), 2500);
    assert.equal(hearWindowMs(0.2), 1500);
    assert.equal(hearWindowMs(null), 60_500);
  });
});

describe('judgeMaster: the views together', () => {
  const cases: { name: string; e: MonitorEvidence; s?: Partial<DetectionSettings>; kind: 'alive' | 'dead' | 'suspect'; hard?: boolean; partition?: boolean;
    next?: 'confirm' | 'watch'; secondary?: boolean; reason?: RegExp }[] = [
    // mysqld killed: the port refuses everywhere.
    { name: 'mysqld killed: refused to the manager, every replica reconnecting, its own host refuses: dead at once', e: evidence(), kind: 'dead', hard: true, reason: /nothing listens/ },
    { name: 'mysqld killed, a lagging replica still reads its socket\'s backlog: nothing listens on its own host, so dead all the same',
      e: evidence({ replicas: [replica('db2', { heardWithinMs: 300 }), lost('db3')], failingFor: 2000 }), kind: 'dead', hard: true, reason: /db2 still read what it sent before/ },
    { name: 'refused to the manager, but its own host cannot be asked (SSH times out): the replicas that hear it win',
      e: evidence({ replicas: [replica('db2', { heardWithinMs: 300 })], failingFor: 2000, host: host({ ssh: 'timeout', mysqld: 'unknown' }) }), kind: 'alive', partition: true },
    { name: 'the manager pings through a proxy that closes at once (nothing behind it): the same', e: evidence({ last: failed('reset', 'PROTOCOL_CONNECTION_LOST') }),
      kind: 'dead', hard: true },
    { name: 'host down in the lab: sshd refuses too', e: evidence({ host: host({ ssh: 'refused', mysqld: 'unknown' }) }), kind: 'dead', hard: true },
    { name: 'too few failed pings yet', e: evidence({ failures: 2 }), kind: 'suspect', reason: /2 of 3 failed pings/ },
    // Its own host cannot be asked (SSH times out): the replicas decide.
    { name: 'one replica has not noticed yet (silent, not long): wait',
      e: evidence({ host: host({ ssh: 'timeout', mysqld: 'unknown' }), replicas: [lost('db2'), silent('db3', 1000), lost('db4')] }), kind: 'suspect' },
    { name: 'a replica sampled once: look again',
      e: evidence({ host: host({ ssh: 'timeout', mysqld: 'unknown' }), replicas: [lost('db2'), replica('db3', { silentMs: null, heardWithinMs: null })] }), kind: 'suspect', reason: /sampled once/ },
    // The manager alone lost it.
    { name: 'a moment ago: a replica\'s last event came before the manager\'s first failure: not a witness',
      e: evidence({ failingFor: 300, host: host({ mysqld: 'silent' }), last: failed('timeout'), replicas: [replica('db2', { heardWithinMs: 900 }), lost('db3')] }), kind: 'suspect' },
    { name: 'partition: the manager times out, the replicas still receive', e: evidence({ last: failed('timeout', 'ETIMEDOUT'), host: host({ ssh: 'timeout', mysqld: 'unknown' }), replicas: [replica('db2'), replica('db3'), lost('db4')] }),
      kind: 'alive', partition: true, reason: /db2, db3 still receive/ },
    { name: 'partition: no replica hears, but mysqld answers on its own host', e: evidence({ last: failed('timeout'), host: host({ mysqld: 'answered' }) }), kind: 'alive', partition: true },
    { name: 'the ping answers with an SQL error (too many connections): alive', e: evidence({ last: failed('answered', 'ER_CON_COUNT_ERROR') }), kind: 'alive' },
    { name: 'the manager\'s ping succeeds again', e: evidence({ last: { at: iso(0), ok: true, ms: 2 } }), kind: 'alive' },
    // A stall: everything times out, nothing refuses.
    { name: 'stalled 4 s: silence shorter than monitor.stallTimeout is waited out',
      e: evidence({ last: failed('timeout'), failingFor: 3000, host: host({ mysqld: 'silent' }), replicas: [silent('db2', 4000), silent('db3', 4000), silent('db4', 4000)] }),
      kind: 'suspect', next: 'confirm', reason: /3\.0 s of the 10\.0 s/ },
    { name: 'stalled past monitor.stallTimeout: dead, not hard (fencing decides)',
      e: evidence({ last: failed('timeout'), failingFor: 11_000, host: host({ mysqld: 'silent' }), replicas: [silent('db2', 12_000), silent('db3', 12_000), { ...lost('db4'), silentMs: 11_000 }] }),
      kind: 'dead', hard: false, reason: /silent to every view/ },
    { name: 'silent long to the replicas but the manager only started failing: wait',
      e: evidence({ last: failed('timeout'), failingFor: 2000, host: host({ mysqld: 'silent' }), replicas: [silent('db2', 12_000)] }), kind: 'suspect' },
    { name: 'refused to the manager but the host only times out: the soft rule',
      e: evidence({ host: host({ ssh: 'timeout', mysqld: 'unknown' }), failingFor: 500 }), kind: 'suspect', next: 'confirm' },
    // Nobody to confirm.
    { name: 'no replica reachable: never dead on the manager\'s word, back to watching',
      e: evidence({ replicas: [replica('db2', { reachable: false, ioRunning: null }), replica('db3', { pointsAtMaster: false })] }), kind: 'suspect', next: 'watch' },
    { name: 'every replica stopped by hand: nobody to confirm', e: evidence({ replicas: [replica('db2', { ioRunning: 'No' })] }), kind: 'suspect', next: 'watch' },
    // The secondary check.
    { name: 'secondary check configured: asked for once the rest agrees', e: evidence(), s: { secondaryCheck: true }, kind: 'suspect', secondary: true },
    { name: 'secondary check exit 0: dead', e: evidence({ secondary: { code: 0, output: 'ok' } }), s: { secondaryCheck: true }, kind: 'dead', hard: true },
    { name: 'secondary check reaches it another way: alive (partition)', e: evidence({ secondary: { code: 2, output: 'reachable' } }), s: { secondaryCheck: true }, kind: 'alive', partition: true },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const v = judgeMaster(c.e, { ...S, ...c.s });
      assert.equal(v.kind, c.kind, v.reasons.join(' | '));
      if (c.hard !== undefined) assert.equal(v.hard, c.hard);
      if (c.partition !== undefined) assert.equal(Boolean(v.partition), c.partition);
      if (c.next) assert.equal(v.next, c.next);
      if (c.secondary !== undefined) assert.equal(Boolean(v.needSecondaryCheck), c.secondary);
      if (c.reason) assert.match(v.reasons[0]!, c.reason);
      // Every view is in the reasons (the evidence in words, for the history and the UI).
      assert.ok(v.reasons.some((r) => r.startsWith('db1\'s host')), v.reasons.join(' | '));
    });
  }

  test('the replicas that vouch for a master the manager cannot reach are named', () => {
    const v = judgeMaster(evidence({ last: failed('timeout'), replicas: [replica('db2'), lost('db3')] }), S);
    assert.deepEqual(v.hearing, ['db2']);
  });
});
