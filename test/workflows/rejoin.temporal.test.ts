// The rejoin workflow's story with its activities mocked: each path (repoint, rewind, reapply then rewind, a
// refusal, a no-op, a dry run, GTID mode) and the order of the steps, on a real Temporal server without a lab.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as activities from '../../activities';
import type { RejoinCheckResult } from '../../activities/rejoin-check';
import type { ExtractedFiles, RejoinInput, RejoinReport } from '../../src/contracts/rejoin';
import { summarizeExtra, type ExtraScanFacts, type FailoverRecord } from '../../src/rejoin/decisions';
import { mockedWorkflows } from '../support/mocked-workflow';
import { server, status } from '../support/topology-fixtures';

type Acts = typeof activities;
type Call = { name: string; input: Record<string, unknown> };

const F = 'mysql-bin.000003';
const replicaOf2 = status({ sourceHost: '10.0.0.2', ioRunning: 'Yes', sqlRunning: true, lastIoErrno: 0, lastIoError: '' });

function failover(mode: 'filepos' | 'gtid' = 'filepos'): FailoverRecord {
  return {
    workflowId: 'failover:mock', runId: 'r1', closeTime: '2026-11-29T10:00:00.000Z',
    report: {
      deadMaster: 'db1', newMaster: 'db2', mode, latest: null, binlogTail: { status: 'unavailable', from: { file: F, pos: 5000 }, reason: 'host down' },
      servers: [], newMasterStart: { coords: { file: 'mysql-bin.000001', pos: 7000 }, gtid: '0-11-936' },
    },
  };
}

function checkFacts(o: { db1Replica?: typeof replicaOf2; mode?: 'filepos' | 'gtid' } = {}): RejoinCheckResult {
  return {
    cluster: { name: 'mock', digest: 'd1', servers: [1, 2, 3, 4].map((n) => ({ name: `db${n}`, host: `10.0.0.${n}`, port: 3306, aliases: [] })) },
    servers: [server('db1', { replica: o.db1Replica ?? null }), server('db2', { replica: null }), server('db3', { replica: replicaOf2 }), server('db4', { replica: replicaOf2 })],
    master: 'db2', fence: { readOnly: true, writingTransactions: [], clientSessions: [] }, lastFailover: failover(o.mode), reapplyGtidDomain: 1000,
  };
}

const tx = (n: number, notRewindable?: string) => ({
  file: F, startPos: 5000 + n * 100, endPos: 5100 + n * 100, gtid: `0-11-${937 + n}`, commitTime: 1_790_000_000 + n,
  rows: [{ table: 'app.t', action: 'write' as const, rows: 1 }], ...(notRewindable ? { notRewindable } : {}),
});

function scanFacts(n: number, notRewindable = false): ExtraScanFacts {
  const txs = Array.from({ length: n }, (_, i) => tx(i, notRewindable && i === 1 ? 'statement `ALTER TABLE app.t ADD c INT` at 5150' : undefined));
  return {
    server: 'db1', flavor: 'mariadb', from: { file: F, pos: 5000 }, purged: null, binlogEnd: { file: 'mysql-bin.000004', pos: 385 },
    serverGtidState: n ? `0-11-${936 + n}` : '0-11-936', masterGtidState: '0-11-936,0-12-2000', extra: summarizeExtra(txs), heldByCluster: [], heldByClusterCount: 0,
  };
}

const FILES: ExtractedFiles = {
  binlog: '/m/mock/r/extra-db1.binlog', sql: '/m/mock/r/extra-db1.sql', sha256: 'x', bytes: 100, onServer: { path: '/w/db1/extra-db1.binlog', sha256: 'x' },
  forReapply: null, worker: 'w1',
};

interface MockOpts { extra?: number; notRewindable?: boolean; check?: RejoinCheckResult; conflict?: boolean; checksumDiffers?: boolean }

function mocks(o: MockOpts = {}) {
  const calls: Call[] = [];
  const log = <I extends object, R>(name: string, fn: (i: I) => R) => async (i: I): Promise<R> => {
    calls.push({ name, input: i as Record<string, unknown> });
    return fn(i);
  };
  const at = { file: 'mysql-bin.000001', pos: 9000 };
  const acts: Partial<Acts> = {
    rejoinCheck: log('check', () => o.check ?? checkFacts()),
    rejoinFindExtra: log('find', () => scanFacts(o.extra ?? 0, o.notRewindable)),
    rejoinExtract: log('extract', (i: { reapply: { master: string; domain: number } | null }) => ({
      ...FILES, forReapply: i.reapply ? { server: i.reapply.master, path: '/w/db2/reapply-db1.binlog', sha256: 'y', domain: i.reapply.domain } : null,
    })),
    rejoinReapply: log('reapply', () => ({
      total: o.extra ?? 0, applied: o.conflict ? 1 : o.extra ?? 0, alreadyApplied: 0, ms: 1,
      conflict: o.conflict ? { ordinal: 2, gtid: '1000-12-938', error: 'ERROR 1062 (23000) at line 40: Duplicate entry' } : null,
    })),
    rejoinRewind: log('rewind', () => ({ total: o.extra ?? 0, undone: o.extra ?? 0, alreadyUndone: 0, end: { file: 'mysql-bin.000004', pos: 999 }, ms: 1 })),
    rejoinResetBinlog: log('reset-binlog', () => ({ gtidBinlogPos: '' })),
    rejoinRepoint: log('repoint', () => ({ changed: true, started: false })),
    rejoinVerify: log('verify', (i: { tables: string[] }) => ({ at, reached: at, tables: i.tables.map((t) => ({ table: t, server: '1', master: o.checksumDiffers ? '2' : '1' })) })),
    rejoinStartReplication: log('start', () => ({ ioRunning: 'Yes', sqlRunning: true, ms: 1 })),
  };
  return { acts, calls };
}

const runMocked = mockedWorkflows('mock-rejoin');

/** Run one rejoin against mocked activities; its report, or its failure. */
const run = (m: ReturnType<typeof mocks>, input: Partial<RejoinInput> = {}) => runMocked<RejoinReport>('rejoin', m.acts, { cluster: 'mock', server: 'db1', ...input });

const names = (calls: Call[]) => calls.map((c) => c.name);
const one = (calls: Call[], name: string) => {
  const found = calls.filter((c) => c.name === name);
  assert.equal(found.length, 1, `${name} ran once: ${names(calls).join(' ')}`);
  return found[0]!;
};

describe('rejoin workflow, activities mocked', () => {
  it('nothing extra: repointed where the new master stood at promotion, nothing extracted or rewound', async () => {
    const m = mocks();
    const { report } = await run(m);
    assert.equal(report?.outcome, 'repointed');
    assert.deepEqual(names(m.calls), ['check', 'find', 'repoint', 'start']);
    assert.deepEqual(one(m.calls, 'find').input.from, { file: F, pos: 5000 });
    assert.deepEqual(one(m.calls, 'repoint').input.coords, { file: 'mysql-bin.000001', pos: 7000 });
    assert.equal(report!.extraTransactions!.count, 0);
    assert.match(report!.repointedTo!.derivation, /db1's binlog up to mysql-bin\.000003:5000 is on the cluster/);
    for (const c of m.calls.slice(1)) assert.deepEqual(c.input.cluster, { name: 'mock', digest: 'd1' }, c.name);
  });

  it('extra row-based DML: extracted, rewound from the binlog position of the scan, binlog reset, verified, then replicating', async () => {
    const m = mocks({ extra: 3 });
    const { report } = await run(m);
    assert.equal(report?.outcome, 'rewound');
    assert.deepEqual(names(m.calls), ['check', 'find', 'extract', 'rewind', 'reset-binlog', 'repoint', 'verify', 'start']);
    assert.equal(one(m.calls, 'extract').input.reapply, null);
    assert.deepEqual(one(m.calls, 'rewind').input.start, { file: 'mysql-bin.000004', pos: 385 });
    assert.equal(one(m.calls, 'reset-binlog').input.gtidSlavePos, null, 'file/position mode: no GTID position to set');
    assert.deepEqual(one(m.calls, 'verify').input.tables, ['app.t']);
    assert.deepEqual([report!.extraTransactions!.count, report!.rewound!.undone, report!.files!.binlog], [3, 3, FILES.binlog]);
  });

  it('--reapply: the master gets them first (their own GTID domain), then they are rewound on the old master', async () => {
    const m = mocks({ extra: 3 });
    const { report } = await run(m, { reapply: true });
    assert.deepEqual(names(m.calls), ['check', 'find', 'extract', 'reapply', 'rewind', 'reset-binlog', 'repoint', 'verify', 'start']);
    assert.deepEqual(one(m.calls, 'extract').input.reapply, { master: 'db2', domain: 1000 });
    assert.equal(one(m.calls, 'reapply').input.server, 'db2');
    assert.deepEqual(report!.reapplied, { applied: 3, alreadyApplied: 0, domain: 1000 });
  });

  it('GTID mode: the binlog reset sets gtid_slave_pos, and it is repointed by GTID', async () => {
    const m = mocks({ extra: 2, check: checkFacts({ mode: 'gtid' }) });
    await run(m);
    assert.equal(one(m.calls, 'reset-binlog').input.gtidSlavePos, '0-11-936');
    assert.equal(one(m.calls, 'repoint').input.gtid, '0-11-936');
  });

  it('already replicating from the master: a no-op that says so', async () => {
    const m = mocks({ check: checkFacts({ db1Replica: replicaOf2 }) });
    const { report } = await run(m);
    assert.equal(report?.outcome, 'already-rejoined');
    assert.match(report!.note, /already replicates from db2/);
    assert.deepEqual(names(m.calls), ['check']);
  });

  it('a dry run counts and plans: nothing extracted, rewound or repointed', async () => {
    const m = mocks({ extra: 3 });
    const { report } = await run(m, { dryRun: true, reapply: true });
    assert.equal(report?.outcome, 'dry-run');
    assert.deepEqual(names(m.calls), ['check', 'find']);
    assert.equal(report!.extraTransactions!.count, 3);
    assert.ok(report!.steps.some((s) => s.id === 'plan' && /reapply 3 transactions on db2, then rewind 3/.test(s.detail ?? '')));
  });

  const refusals: [string, MockOpts, Partial<RejoinInput>, RegExp, string[]][] = [
    ['a DDL among the extra transactions: the statement and the saved file named', { extra: 3, notRewindable: true }, {},
      /1 of the 3 transactions only db1 holds cannot be rewound: 0-11-938 at mysql-bin\.000003:5100: statement `ALTER TABLE.*saved in \/m\/mock\/r\/extra-db1\.binlog.*rebuild this server from a backup/,
      ['check', 'find', 'extract']],
    ['a conflict on reapply: stopped there, the old master left as it is', { extra: 3, conflict: true }, { reapply: true },
      /stopped at transaction 2 of 3 \(1000-12-938 as replayed\): ERROR 1062.*db1 is left as it is \(not rewound\).*already done: 1 transactions reapplied on db2/,
      ['check', 'find', 'extract', 'reapply']],
    ['the data differs after the rewind: replication not started', { extra: 3, checksumDiffers: true }, {},
      /app\.t \(db1 1, db2 2\) differs.*already done: 3 transactions rewound on db1; db1's binlog reset; db1 points at db2/,
      ['check', 'find', 'extract', 'rewind', 'reset-binlog', 'repoint', 'verify']],
  ];
  for (const [name, o, input, want, ran] of refusals) {
    it(`refuses: ${name}`, async () => {
      const m = mocks(o);
      const { failure } = await run(m, input);
      assert.equal(failure?.type, 'RefusedError');
      assert.match(failure!.message, want);
      assert.deepEqual(names(m.calls), ran);
    });
  }
});
