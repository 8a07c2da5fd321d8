import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerState } from '../../../src/mysql/client';
import { normalizeReplicaStatus } from '../../../src/mysql/status';
import { decideRoles, type ServerProbe } from '../../../src/topology/roles';

function state(over: Partial<ServerState> & { source?: string }): ServerState {
  const [host, port] = (over.source ?? '').split(':');
  return {
    name: 'x', host: 'h', port: 3306, version: '10.11.6-MariaDB-log', flavor: 'mariadb', serverId: 1, serverUuid: null, logBin: true, logSlaveUpdates: true,
    binlogFormat: 'ROW', readOnly: Boolean(over.source), superReadOnly: null, relayLogPurge: false, gtid: { mode: 'MARIADB', executed: '' }, binlog: null,
    replica: over.source ? normalizeReplicaStatus({ Master_Host: host, Master_Port: Number(port), Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes' }) : null,
    ...over,
  };
}
const probe = (name: string, host: string, s: ServerState | null): ServerProbe => ({ name, host, port: 3306, state: s, ...(s ? {} : { error: 'refused' }) });

describe('decideRoles', () => {
  const table: { name: string; probes: ServerProbe[]; master: string | null; roles: Record<string, string>; outside?: Record<string, string> }[] = [
    {
      name: 'master is what replicas point at, not the first server',
      probes: [probe('a', '10.0.0.1', state({ source: '10.0.0.2:3306' })), probe('b', '10.0.0.2', state({ readOnly: false })), probe('c', '10.0.0.3', state({ source: '10.0.0.2:3306' }))],
      master: 'b', roles: { a: 'replica', b: 'master', c: 'replica' },
    },
    {
      name: 'dead master is still the master (replicas still point at it)',
      probes: [probe('a', '10.0.0.1', null), probe('b', '10.0.0.2', state({ source: '10.0.0.1:3306' })), probe('c', '10.0.0.3', state({ source: '10.0.0.1:3306' }))],
      master: 'a', roles: { a: 'unreachable', b: 'replica', c: 'replica' },
    },
    {
      name: 'multi-tier: the top of the tree wins',
      probes: [probe('a', '10.0.0.1', state({ readOnly: false })), probe('b', '10.0.0.2', state({ source: '10.0.0.1:3306' })), probe('c', '10.0.0.3', state({ source: '10.0.0.2:3306' })), probe('d', '10.0.0.4', state({ source: '10.0.0.2:3306' }))],
      master: 'a', roles: { a: 'master', b: 'replica', c: 'replica', d: 'replica' },
    },
    {
      name: 'a replica of an outside server is reported',
      probes: [probe('a', '10.0.0.1', state({ readOnly: false })), probe('b', '10.0.0.2', state({ source: '10.0.0.1:3306' })), probe('c', '10.0.0.3', state({ source: '192.168.1.9:3306' }))],
      master: 'a', roles: { a: 'master', b: 'replica', c: 'replica' }, outside: { c: '192.168.1.9:3306' },
    },
    {
      name: 'no replication at all: a lone writable server is master, others standalone',
      probes: [probe('a', '10.0.0.1', state({ readOnly: true })), probe('b', '10.0.0.2', state({ readOnly: false }))],
      master: 'b', roles: { a: 'standalone', b: 'master' },
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const r = decideRoles(t.probes);
      assert.equal(r.master, t.master);
      assert.deepEqual(r.roles, t.roles);
      assert.deepEqual(r.outsideSources, t.outside ?? {});
    });
  }
});
