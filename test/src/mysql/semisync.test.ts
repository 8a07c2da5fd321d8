// Semi-sync state from what each flavor reports (src/mysql/semisync.ts), and the check's one-cell summary of it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { semiSyncFrom, semiSyncText } from '../../../src/mysql/semisync';

describe('semi-sync state', () => {
  const cases: { name: string; vars: Record<string, string>; status: Record<string, string>; want: ReturnType<typeof semiSyncFrom>; master: string; replica: string }[] = [
    {
      name: 'MariaDB master waiting for 2 replicas',
      vars: { rpl_semi_sync_master_enabled: 'ON', rpl_semi_sync_master_timeout: '30000', rpl_semi_sync_slave_enabled: 'OFF' },
      status: { Rpl_semi_sync_master_status: 'ON', Rpl_semi_sync_master_clients: '2', Rpl_semi_sync_slave_status: 'OFF' },
      want: { source: { enabled: true, active: true, clients: 2, timeoutMs: 30000 }, replica: { enabled: false, active: false } },
      master: 'on, 2 replicas ack', replica: 'off',
    },
    {
      name: 'MariaDB master enabled, fell back (no replica acknowledged in time)',
      vars: { rpl_semi_sync_master_enabled: 'ON', rpl_semi_sync_master_timeout: '10000', rpl_semi_sync_slave_enabled: 'ON' },
      status: { Rpl_semi_sync_master_status: 'OFF', Rpl_semi_sync_master_clients: '0', Rpl_semi_sync_slave_status: 'OFF' },
      want: { source: { enabled: true, active: false, clients: 0, timeoutMs: 10000 }, replica: { enabled: true, active: false } },
      master: 'enabled, fell back to async', replica: 'enabled, not acking',
    },
    {
      name: 'MySQL 8.4 plugins: source/replica names',
      vars: { rpl_semi_sync_source_enabled: 'OFF', rpl_semi_sync_source_timeout: '10000', rpl_semi_sync_replica_enabled: 'ON' },
      status: { Rpl_semi_sync_source_status: 'OFF', Rpl_semi_sync_source_clients: '0', Rpl_semi_sync_replica_status: 'ON' },
      want: { source: { enabled: false, active: false, clients: 0, timeoutMs: 10000 }, replica: { enabled: true, active: true } },
      master: 'off', replica: 'acks',
    },
    {
      name: 'MySQL without the plugins: nothing reported',
      vars: {}, status: {},
      want: { source: null, replica: null },
      master: 'not available', replica: 'not available',
    },
    {
      name: 'MySQL replica plugin only, 1 client on the master side absent',
      vars: { rpl_semi_sync_slave_enabled: '1' }, status: { Rpl_semi_sync_slave_status: 'ON' },
      want: { source: null, replica: { enabled: true, active: true } },
      master: 'not available', replica: 'acks',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = semiSyncFrom(c.vars, c.status);
      assert.deepEqual(s, c.want);
      assert.equal(semiSyncText(s, 'master'), c.master);
      assert.equal(semiSyncText(s, 'replica'), c.replica);
    });
  }
  it('one acknowledging replica is singular; an unread state is no cell', () => {
    assert.equal(semiSyncText({ source: { enabled: true, active: true, clients: 1, timeoutMs: 1 }, replica: null }, 'master'), 'on, 1 replica acks');
    assert.equal(semiSyncText(null, 'master'), null);
  });
});
