// What the monitor reports without failing over, on the cluster as the watch reads it (no discovery extras).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MonitorWarning } from '../../../src/contracts/monitor';
import type { DiscoveredServer } from '../../../src/mysql/discover';
import { clusterWarnings, warningChanges, warningsKey } from '../../../src/monitor/report';
import { cluster, config, mut, type Mode } from '../../support/check-fixtures';

/** The healthy cluster as the watch reads it: states only. */
function read(mode: Mode = 'filepos', edit: (s: DiscoveredServer[]) => void = () => {}): DiscoveredServer[] {
  return cluster(mode, edit).map((s) => ({ ...s, extras: null }));
}
const keys = (ws: MonitorWarning[]) => ws.map((w) => `${w.code}@${w.server ?? '-'}`).sort();

describe('clusterWarnings', () => {
  const cases: { name: string; mode?: Mode; edit: (s: DiscoveredServer[]) => void; want: string[]; what?: RegExp }[] = [
    { name: 'a healthy cluster: nothing', edit: () => {}, want: [] },
    { name: 'a replica\'s IO thread stopped', edit: (s) => mut(s[1]!, (st) => { st.replica!.ioRunning = 'No'; }), want: ['replication-stopped@db2'] },
    { name: 'a replica\'s SQL thread stopped by an error',
      edit: (s) => mut(s[2]!, (st) => { Object.assign(st.replica!, { sqlRunning: false, lastSqlErrno: 1062, lastSqlError: 'Duplicate entry' }); }),
      want: ['replication-sql-error@db3'], what: /error 1062/ },
    { name: 'lag over failover.delayWarnSeconds', edit: (s) => mut(s[3]!, (st) => { st.replica!.secondsBehindSource = 600; }), want: ['replica-lag@db4'] },
    { name: 'a writable replica', edit: (s) => mut(s[1]!, (st) => { st.readOnly = false; }), want: ['read-only-off@db2'] },
    { name: 'an unreachable replica', edit: (s) => { s[3] = { ...s[3]!, state: null, error: 'ECONNREFUSED' }; }, want: ['unreachable@db4'] },
    { name: 'the master unreachable is the detection\'s business, not a warning', edit: (s) => { s[0] = { ...s[0]!, state: null, error: 'ECONNREFUSED' }; }, want: [] },
    { name: 'errant transactions (MariaDB): a replica ahead of its master in a domain', mode: 'gtid',
      edit: (s) => mut(s[2]!, (st) => { st.gtid.mariadb!.binlogPos = '0-11-100,1-13-7'; }), want: ['errant-transactions@db3'], what: /1-13-7/ },
    { name: 'errant transactions (MariaDB): same seq written by another server', mode: 'gtid',
      edit: (s) => mut(s[1]!, (st) => { st.gtid.mariadb!.binlogPos = '0-12-100'; }), want: ['errant-transactions@db2'] },
    { name: 'a replica merely behind is not errant', mode: 'gtid', edit: (s) => mut(s[1]!, (st) => { st.gtid.mariadb!.binlogPos = '0-11-90'; }), want: [] },
    { name: 'errant transactions (MySQL): GTIDs the master lacks',
      edit: (s) => {
        for (const x of s) {
          mut(x, (st) => {
            Object.assign(st, { flavor: 'mysql', version: '8.0.36', gtid: { mode: 'ON', executed: 'aaaaaaaa-0000-0000-0000-000000000001:1-100' } });
          });
        }
        mut(s[3]!, (st) => { st.gtid.executed = 'aaaaaaaa-0000-0000-0000-000000000001:1-100,bbbbbbbb-0000-0000-0000-000000000004:1-2'; });
      },
      want: ['errant-transactions@db4'], what: /bbbbbbbb-0000-0000-0000-000000000004:1-2/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = clusterWarnings(config(), read(c.mode, c.edit));
      assert.equal(r.master, 'db1');
      assert.deepEqual(keys(r.warnings), c.want);
      if (c.what) assert.match(r.warnings[0]!.what, c.what);
      for (const w of r.warnings) assert.ok(w.fix.length > 0, `${w.code} says what to do`);
    });
  }

  test('after a failover the master is the server the replicas point at', () => {
    const r = clusterWarnings(config(), read('filepos', (s) => {
      mut(s[1]!, (st) => { st.replica = null; st.readOnly = false; });
      for (const i of [2, 3]) mut(s[i]!, (st) => { Object.assign(st.replica!, { sourceHost: '10.0.0.12', sourceServerId: 12 }); });
      s[0] = { ...s[0]!, state: null, error: 'ECONNREFUSED' };
    }));
    assert.equal(r.master, 'db2');
    assert.deepEqual(keys(r.warnings), ['unreachable@db1']);
  });
});

describe('warning keys and changes', () => {
  const w = (code: string, server: string | null, what = code): MonitorWarning => ({ code, severity: 'warning', server, what, fix: 'f' });
  test('the key ignores the wording (a lag in seconds changes at each read)', () => {
    assert.equal(warningsKey([w('replica-lag', 'db4', '600 s')]), warningsKey([w('replica-lag', 'db4', '601 s')]));
    assert.notEqual(warningsKey([w('replica-lag', 'db4')]), warningsKey([w('replica-lag', 'db3')]));
    assert.equal(warningsKey([w('a', 'x'), w('b', null)]), warningsKey([w('b', null), w('a', 'x')]));
  });
  test('added and cleared', () => {
    const r = warningChanges([w('a', 'x'), w('b', 'y')], [w('b', 'y'), w('c', 'z')]);
    assert.deepEqual(r.added.map((x) => x.code), ['c']);
    assert.deepEqual(r.cleared.map((x) => x.code), ['a']);
  });
});
