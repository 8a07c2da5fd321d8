// Which configured server an address names (src/topology/addresses.ts): the one resolution of the check and the
// failover. Table tests, then the same cluster seen by the check's facts and by the failover's: one answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideFailoverStart, type ClusterFacts, type FailoverCheckFacts } from '../../../src/failover/decisions';
import { addressBook, serverByRef, sourceServerOf, type AddressedServer, type SourceAddress } from '../../../src/topology/addresses';
import { decideRoles, type ServerProbe } from '../../../src/topology/roles';
import type { ServerSnapshot } from '../../../src/topology/types';
import { at, deadMaster } from '../../support/topology-fixtures';

const SERVERS: AddressedServer[] = [
  { name: 'db1', host: 'db1.example.com', port: 3306, aliases: ['db1-vip'], addresses: ['db1.example.com', 'db1-vip', '10.0.0.11'], serverId: null },
  { name: 'db2', host: '10.0.0.12', port: 3306, addresses: ['10.0.0.12'], serverId: 12 },
  { name: 'db3', host: '10.0.0.13', port: 3306, serverId: 13 },
  { name: 'db4', host: '10.0.0.13', port: 3307, serverId: 14 },
  { name: 'bl', host: '10.0.0.20', port: 3306, binlogServer: true },
];

describe('sourceServerOf', () => {
  const cases: [string, SourceAddress, string | null][] = [
    ['its configured host', { host: 'db1.example.com', port: 3306 }, 'db1'],
    ['case does not matter', { host: 'DB1.Example.COM', port: 3306 }, 'db1'],
    ['an alias', { host: 'db1-vip', port: 3306 }, 'db1'],
    ['the IP its name resolves to (the replicas use the IP, the config the name)', { host: '10.0.0.11', port: 3306, addresses: ['10.0.0.11'] }, 'db1'],
    ['another name resolving to its address', { host: 'mysql-a.internal', port: 3306, addresses: ['10.0.0.11'] }, 'db1'],
    ['the port tells apart two servers on one host', { host: '10.0.0.13', port: 3307 }, 'db4'],
    ['a port nobody uses', { host: '10.0.0.12', port: 3308, serverId: 12 }, null],
    ['an address outside the cluster', { host: '10.0.0.99', port: 3306, addresses: ['10.0.0.99'] }, null],
    ['outside, with a stale Source_Server_Id of a member (kept after CHANGE MASTER): still outside', { host: '10.0.0.99', port: 3306, serverId: 12, addresses: ['10.0.0.99'] }, null],
    ['a member named, with a stale id of another member: the name wins', { host: '10.0.0.12', port: 3306, serverId: 13 }, 'db2'],
    ['a name that does not resolve: by server_id', { host: 'gone.example', port: 3306, serverId: 12, addresses: [] }, 'db2'],
    ['a name not resolved (no DNS facts): by server_id', { host: 'gone.example', port: 3306, serverId: 13 }, 'db3'],
    ['an unknown name and an unknown id', { host: 'gone.example', port: 3306, serverId: 99, addresses: [] }, null],
    ['a binlog server is no source', { host: '10.0.0.20', port: 3306 }, null],
  ];
  for (const [name, src, want] of cases) it(name, () => assert.equal(sourceServerOf(src, SERVERS), want));

  it('two servers a name fits: the id tells them apart, else nobody', () => {
    const twins: AddressedServer[] = [{ name: 'a', host: 'h', port: 1, aliases: ['vip'], serverId: 1 }, { name: 'b', host: 'g', port: 1, aliases: ['vip'], serverId: 2 }];
    assert.equal(sourceServerOf({ host: 'vip', port: 1, serverId: 2 }, twins), 'b');
    assert.equal(sourceServerOf({ host: 'vip', port: 1 }, twins), null);
  });
});

describe('serverByRef', () => {
  const cases: [string, string | null][] = [
    ['db2', 'db2'], ['10.0.0.12:3306', 'db2'], ['db1-vip', 'db1'], ['db1-vip:3306', 'db1'], ['10.0.0.11', 'db1'], ['DB1.example.com', 'db1'],
    ['10.0.0.13', null], ['10.0.0.13:3307', 'db4'], ['nobody', null],
  ];
  for (const [ref, want] of cases) it(`${ref} -> ${want}`, () => assert.equal(serverByRef(SERVERS, ref), want));
});

describe('the check and the failover recognise the same master', () => {
  // The config names db1 by a name; the replicas' CHANGE MASTER used its IP. DNS facts: db1's name resolves to the IP.
  const NAME = 'db1.example.com';
  const withName = (ss: ServerSnapshot[]): ServerSnapshot[] => ss.map((s) => (s.name === 'db1'
    ? { ...s, host: NAME, addresses: [NAME, '10.0.0.1'] }
    : { ...s, addresses: [s.host], ...(s.state?.replica ? { sourceAddresses: [s.state.replica.sourceHost] } : {}) }));
  const cluster: ClusterFacts = {
    name: 'app1', digest: 'd1',
    servers: [1, 2, 3].map((n) => ({ name: `db${n}`, host: n === 1 ? NAME : `10.0.0.${n}`, port: 3306, aliases: [], skipResetReplica: false })),
    hooks: { masterIpFailover: false, shutdown: false, report: false, secondaryCheck: false },
    failover: { maxDelayBytes: 100_000_000, lastFailoverWindowMs: 1, allowUnfenced: false, deadlineMs: 600_000 }, useGtidAutoPosition: undefined,
  };
  const facts = (servers: ServerSnapshot[]): FailoverCheckFacts => ({
    cluster, servers, roles: decideRoles(servers as ServerProbe[]), examined: 'db1', deadCheck: { alive: false, sshReachable: true, verdict: 'down', sql: 'refused', ownHost: 'refused', evidence: ['refused'] },
    secondaryCheck: null, lastFailover: { last: null, windowMs: 1 }, timings: { probesMs: 1, deadCheckMs: 1, lastFailoverMs: 1 },
  });
  const replicas = [at('db2', ['mysql-bin.000001', 900]), at('db3', ['mysql-bin.000001', 1000])];

  it('with DNS facts, the replicas of 10.0.0.1 are db1\'s: roles, start decision, classification', () => {
    const servers = withName([deadMaster(), ...replicas]);
    const f = facts(servers);
    assert.equal(f.roles.master, 'db1');
    const start = decideFailoverStart(f, {});
    assert.ok(start.ok, start.ok ? '' : start.reason);
    assert.deepEqual(start.classification.replicas, ['db2', 'db3']);
    assert.equal(start.deadMaster.serverId, 1, 'the id its replicas report');
  });

  it('without them (the literal host:port of before), the failover would not have found the master', () => {
    const servers = withName([deadMaster(), ...replicas]).map((s) => ({ ...s, addresses: undefined, sourceAddresses: undefined }));
    // Source_Server_Id alone cannot name a dead server (it answers nothing): db1 is unknown to the resolution.
    assert.equal(decideRoles(servers as ServerProbe[]).master, null);
  });

  it('an alias in the config does the same without DNS', () => {
    const servers = withName([deadMaster(), ...replicas]).map((s) => ({ ...s, addresses: undefined, sourceAddresses: undefined }));
    const aliased = { ...cluster, servers: cluster.servers.map((s) => (s.name === 'db1' ? { ...s, aliases: ['10.0.0.1'] } : s)) };
    const snaps = servers.map((s) => (s.name === 'db1' ? { ...s, aliases: ['10.0.0.1'] } : s));
    const f = { ...facts(snaps), cluster: aliased };
    assert.equal(f.roles.master, 'db1');
    const start = decideFailoverStart(f, {});
    assert.ok(start.ok && start.classification.replicas.length === 2, start.ok ? '' : start.reason);
  });

  it('addressBook: the dead master gets the id its replicas report and its extra names', () => {
    const book = addressBook(withName([deadMaster(), ...replicas]), { name: 'db1', serverId: 1, addresses: ['db1-old'] });
    assert.deepEqual(book[0], { name: 'db1', host: NAME, port: 3306, aliases: ['db1-old'], addresses: [NAME, '10.0.0.1'], serverId: 1 });
    assert.equal(book[1]!.serverId, 2, 'a live server: its own answer');
  });
});
