// The monitor's decisions besides detection: settings, heartbeats to set, whether to fail over now,
// continue-as-new, bounded lists, its own warnings and how its state reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MonitorStatus, MonitorVerdict } from '../../../src/contracts/monitor';
import {
  continueAsNewDue, decideAutomaticFailover, heartbeatChanges, monitorSettingsOf, pushBounded, slowHeartbeatWarnings, statusMarkdown, verdictWarnings,
} from '../../../src/monitor/decisions';
import { config } from '../../support/check-fixtures';

test('monitorSettingsOf: the config\'s monitor section in milliseconds, with the defaults', () => {
  assert.deepEqual(monitorSettingsOf(config()), {
    pingIntervalMs: 1000, pingType: 'select', failuresBeforeDead: 3, stallTimeoutMs: 10_000, replicaCheckIntervalMs: 5000,
    replicaHeartbeatPeriodSec: null, secondaryCheck: false, report: false,
  });
  const s = monitorSettingsOf(config((c) => {
    c.monitor = { pingInterval: '500ms', pingType: 'insert', stallTimeout: 4, replicaHeartbeatPeriod: '1s' };
    c.hooks = { secondaryCheck: '/x', report: '/r' };
  }));
  assert.deepEqual([s.pingIntervalMs, s.pingType, s.stallTimeoutMs, s.replicaHeartbeatPeriodSec, s.secondaryCheck, s.report], [500, 'insert', 4000, 1, true, true]);
});

describe('heartbeats', () => {
  const hb = [{ server: 'db2', periodSec: 30 }, { server: 'db3', periodSec: 1 }, { server: 'db4', periodSec: null }];
  test('the replicas whose period differs from the configured one (or is unknown); none when none is configured', () => {
    assert.deepEqual(heartbeatChanges(hb, 1), [{ server: 'db2', from: 30 }, { server: 'db4', from: null }]);
    assert.deepEqual(heartbeatChanges(hb, null), []);
    assert.deepEqual(heartbeatChanges([{ server: 'db2', periodSec: 1.0001 }], 1), []);
  });
  test('a period longer than half the stall timeout is reported', () => {
    assert.equal(slowHeartbeatWarnings(hb, 10_000).length, 1);
    assert.match(slowHeartbeatWarnings(hb, 10_000)[0]!.what, /db2 \(30 s\)/);
    assert.deepEqual(slowHeartbeatWarnings([{ server: 'db3', periodSec: 1 }], 10_000), []);
  });
});

describe('decideAutomaticFailover', () => {
  const since = '2026-11-24T12:00:00.000Z';
  test('fails over unless paused or already refused for this master', () => {
    assert.deepEqual(decideAutomaticFailover({ paused: null, heldFor: null }, 'db1'), { go: true });
    const p = decideAutomaticFailover({ paused: { since, reason: 'maintenance' }, heldFor: null }, 'db1');
    assert.equal(p.go, false);
    assert.ok(!p.go && p.state === 'master-dead' && /maintenance/.test(p.reason));
    const h = decideAutomaticFailover({ paused: null, heldFor: 'db1' }, 'db1');
    assert.ok(!h.go && h.state === 'failover-refused');
    assert.deepEqual(decideAutomaticFailover({ paused: null, heldFor: 'db1' }, 'db2'), { go: true });
  });
});

test('continueAsNewDue: when suggested, or past the limit', () => {
  assert.equal(continueAsNewDue({ historyLength: 10, continueAsNewSuggested: true }), true);
  assert.equal(continueAsNewDue({ historyLength: 1999, continueAsNewSuggested: false }, 2000), false);
  assert.equal(continueAsNewDue({ historyLength: 2000, continueAsNewSuggested: false }, 2000), true);
});

test('pushBounded keeps the newest', () => {
  assert.deepEqual(pushBounded([1, 2, 3], 4, 3), [2, 3, 4]);
  assert.deepEqual(pushBounded([], 1, 3), [1]);
});

test('verdictWarnings: a partition warns, a suspect says the master is unreachable, alive and dead say nothing', () => {
  const v = (o: Partial<MonitorVerdict>): MonitorVerdict => ({ kind: 'alive', hard: false, reasons: ['why'], ...o });
  assert.equal(verdictWarnings('db1', v({ partition: true }))[0]!.code, 'partition');
  assert.equal(verdictWarnings('db1', v({ kind: 'suspect' }))[0]!.code, 'master-unreachable');
  assert.deepEqual(verdictWarnings('db1', v({})), []);
  assert.deepEqual(verdictWarnings('db1', v({ kind: 'dead' })), []);
  assert.deepEqual(verdictWarnings('db1', null), []);
});

test('statusMarkdown: state, master, last ping, warnings, failovers, events', () => {
  const s: MonitorStatus = {
    cluster: 'app1', workflowId: 'monitor:app1', state: 'watching', paused: null, master: 'db2',
    lastPing: { at: '2026-11-24T12:00:00.000Z', ok: true, ms: 1 },
    warnings: [{ code: 'replica-lag', severity: 'warning', server: 'db4', what: 'db4 is 600 s behind', fix: 'look' }],
    lastEvidence: null, lastVerdict: null,
    failovers: [{ workflowId: 'failover:app1', runId: 'r', startedAt: 't', deadMaster: 'db1', outcome: 'completed', newMaster: 'db2', message: 'db1 -> db2', external: false }],
    events: [{ at: 't', kind: 'failover', message: 'db1 -> db2' }], configDigest: 'abc', settings: null, since: 't0', generation: 2,
  };
  const md = statusMarkdown(s, Date.parse('2026-11-24T12:00:02.000Z'));
  for (const re of [/monitor of app1\*\*: watching/, /master \*\*db2\*\*/, /ok 2\.0 s ago/, /db4 is 600 s behind/, /db1 -> db2 completed/, /run 3/]) assert.match(md, re);
});
