// GTID arithmetic tables for both flavors (strict and lenient reading), and coordinate ordering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BinlogError } from '../../../src/errors';
import {
  bytesBetween, compareBinlogCoordinates, compareBinlogFiles, compareCoordinates, formatCoordinates, nextBinlogName, previousBinlogName,
} from '../../../src/binlog/coordinates';
import {
  compareGtidText, errantGtids, formatMysqlGtidSet, mariaGtidMissing, mariaGtidPos, mariaGtidStateBeyond, mariaGtidStateHolds, mariaGtidText, mysqlGtidCount,
  mysqlGtidText, parseMariaGtid, parseMariaGtidList, parseMysqlGtidSet,
} from '../../../src/binlog/gtid';
import { manifest } from '../../fixtures/binlog/fixtures';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '8b2ff7a3-0a5e-11ef-a4c1-0242ac120002';

describe('MySQL GTID sets', () => {
  const canonical: [string, string][] = [
    ['', ''],
    [`${A}:1-5`, `${A}:1-5`],
    [`${A.toUpperCase()}:1-5`, `${A}:1-5`],
    [`${A}:7:1-5:6`, `${A}:1-7`],
    [`${A}:1-3:5-9:4`, `${A}:1-9`],
    [`${A}:1-3:5`, `${A}:1-3:5`],
    [`${B}:1-3,\n${A}:10-20`, `${A}:10-20,${B}:1-3`],
    [`${A}:1-3,${A}:2-8`, `${A}:1-8`],
    [`${A}:1-5:tag_b:1-2:tag_a:3`, `${A}:1-5:tag_a:3:tag_b:1-2`],
    [`${A.replace(/-/g, '')}:1`, `${A}:1`],
  ];
  for (const [input, want] of canonical) {
    test(`canonical "${input.replace(/\n/g, '\\n')}"`, () => assert.equal(mysqlGtidText.canonical(input), want));
  }

  const ops: { a: string; b: string; union: string; aMinusB: string; bMinusA: string; relation: string }[] = [
    { a: `${A}:1-10`, b: `${A}:1-10`, union: `${A}:1-10`, aMinusB: '', bMinusA: '', relation: 'equal' },
    { a: `${A}:1-10`, b: `${A}:1-5`, union: `${A}:1-10`, aMinusB: `${A}:6-10`, bMinusA: '', relation: 'superset' },
    { a: `${A}:1-5`, b: `${A}:1-10`, union: `${A}:1-10`, aMinusB: '', bMinusA: `${A}:6-10`, relation: 'subset' },
    { a: `${A}:1-10`, b: `${A}:3-4:8`, union: `${A}:1-10`, aMinusB: `${A}:1-2:5-7:9-10`, bMinusA: '', relation: 'superset' },
    { a: `${A}:1-5`, b: `${B}:1-5`, union: `${A}:1-5,${B}:1-5`, aMinusB: `${A}:1-5`, bMinusA: `${B}:1-5`, relation: 'disjoint' },
    { a: `${A}:1-5,${B}:1-3`, b: `${A}:4-9`, union: `${A}:1-9,${B}:1-3`, aMinusB: `${A}:1-3,${B}:1-3`, bMinusA: `${A}:6-9`, relation: 'overlap' },
    { a: `${A}:1-5`, b: `${A}:6-7`, union: `${A}:1-7`, aMinusB: `${A}:1-5`, bMinusA: `${A}:6-7`, relation: 'disjoint' },
    { a: '', b: `${A}:1`, union: `${A}:1`, aMinusB: '', bMinusA: `${A}:1`, relation: 'subset' },
    { a: `${A}:1-5:tag:1-3`, b: `${A}:1-5`, union: `${A}:1-5:tag:1-3`, aMinusB: `${A}:tag:1-3`, bMinusA: '', relation: 'superset' },
  ];
  for (const o of ops) {
    test(`${o.a || '(empty)'} vs ${o.b}`, () => {
      assert.equal(mysqlGtidText.union(o.a, o.b), o.union);
      assert.equal(mysqlGtidText.union(o.b, o.a), o.union, 'union commutes');
      assert.equal(mysqlGtidText.subtract(o.a, o.b), o.aMinusB);
      assert.equal(mysqlGtidText.subtract(o.b, o.a), o.bMinusA);
      assert.equal(mysqlGtidText.compare(o.a, o.b), o.relation);
      assert.equal(mysqlGtidText.contains(o.a, o.b), o.relation === 'equal' || o.relation === 'superset');
      assert.equal(mysqlGtidText.equals(o.a, o.b), o.relation === 'equal');
    });
  }

  test('count', () => {
    assert.equal(mysqlGtidCount(parseMysqlGtidSet(`${A}:1-5:7,${B}:1-3`)), 9n);
    assert.equal(mysqlGtidCount(parseMysqlGtidSet(`${A}:1-9223372036854775807`)), 9223372036854775807n);
  });

  for (const bad of [`${A}`, `${A}:0`, `${A}:5-3`, 'not-a-uuid:1', `${A}:1-x`, `${A}:9223372036854775808`, `${A}:-1`]) {
    test(`rejects "${bad}"`, () => assert.throws(() => parseMysqlGtidSet(bad), BinlogError));
  }

  // Lenient reading (what servers print goes through the *Text helpers): a malformed piece is left out.
  const lenient: [string, string][] = [
    [`${A}`, ''],
    [`${A}:0,${B}:1-3`, `${B}:1-3`],
    [`${A}:5-3:7`, `${A}:7`],
    [`not-a-uuid:1,${A}:1-2`, `${A}:1-2`],
    // a bad piece may have been meant as a tag: the intervals after it are left out too
    [`${A}:2:1-x:4,${B}:1`, `${A}:2,${B}:1`],
    [`${A}:9223372036854775808:1`, `${A}:1`],
    [`${A}:1:-1:tag:2`, `${A}:1:tag:2`],
    [`${A}:1:bad-tag:2:ok:3`, `${A}:1:ok:3`],
    [',,', ''],
  ];
  for (const [input, want] of lenient) {
    test(`lenient "${input}" reads as "${want}"`, () => {
      assert.equal(formatMysqlGtidSet(parseMysqlGtidSet(input, { lenient: true })), want);
      assert.equal(mysqlGtidText.canonical(input), want);
    });
  }
});

describe('MariaDB GTID positions', () => {
  const table: { a: string; b: string; union: string; relation: string; aAtOrBeyondB: boolean; aMinusB: string }[] = [
    { a: '0-1-10', b: '0-1-10', union: '0-1-10', relation: 'equal', aAtOrBeyondB: true, aMinusB: '' },
    { a: '0-1-12', b: '0-1-10', union: '0-1-12', relation: 'ahead', aAtOrBeyondB: true, aMinusB: '0-1-12' },
    { a: '0-1-9', b: '0-1-10', union: '0-1-10', relation: 'behind', aAtOrBeyondB: false, aMinusB: '' },
    // The server id does not order GTIDs: only the domain's sequence number does.
    { a: '0-2-11', b: '0-1-10', union: '0-2-11', relation: 'ahead', aAtOrBeyondB: true, aMinusB: '0-2-11' },
    { a: '0-1-10,1-1-5', b: '0-1-10', union: '0-1-10,1-1-5', relation: 'ahead', aAtOrBeyondB: true, aMinusB: '1-1-5' },
    { a: '0-1-10', b: '0-1-10,1-1-5', union: '0-1-10,1-1-5', relation: 'behind', aAtOrBeyondB: false, aMinusB: '' },
    { a: '0-1-12,1-1-3', b: '0-1-10,1-1-5', union: '0-1-12,1-1-5', relation: 'diverged', aAtOrBeyondB: false, aMinusB: '0-1-12' },
    { a: '', b: '', union: '', relation: 'equal', aAtOrBeyondB: true, aMinusB: '' },
    { a: '', b: '0-1-1', union: '0-1-1', relation: 'behind', aAtOrBeyondB: false, aMinusB: '' },
    { a: '1-1-5,0-1-10', b: '0-1-10', union: '0-1-10,1-1-5', relation: 'ahead', aAtOrBeyondB: true, aMinusB: '1-1-5' },
  ];
  for (const t of table) {
    test(`"${t.a}" vs "${t.b}"`, () => {
      assert.equal(mariaGtidText.union(t.a, t.b), t.union);
      assert.equal(mariaGtidText.union(t.b, t.a), t.union, 'union commutes');
      assert.equal(mariaGtidText.compare(t.a, t.b).relation, t.relation);
      assert.equal(mariaGtidText.atOrBeyond(t.a, t.b), t.aAtOrBeyondB);
      assert.equal(mariaGtidText.subtract(t.a, t.b), t.aMinusB);
      assert.equal(mariaGtidText.equals(t.a, t.b), t.relation === 'equal');
    });
  }

  test('a gtid_binlog_state with several servers per domain collapses to the highest seq', () => {
    assert.equal(mariaGtidText.canonical('0-2-7,0-1-10,0-3-9,1-1-2'), '0-1-10,1-1-2');
    assert.deepEqual(parseMariaGtidList(' 0-1-10 ,\n1-2-3'), [{ domain: 0, server: 1, seq: 10n }, { domain: 1, server: 2, seq: 3n }]);
  });

  test('missing transactions per domain', () => {
    assert.deepEqual(mariaGtidMissing(mariaGtidPos('0-1-15,1-1-3,2-1-1'), mariaGtidPos('0-1-10,1-1-3')),
      [{ domain: 0, from: 11n, to: 15n }, { domain: 2, from: 1n, to: 1n }]);
  });

  test('two histories that forked: what an old master\'s gtid_binlog_state holds beyond its cluster\'s', () => {
    // db1 (server 11) wrote up to 0-11-1000; its cluster holds 0-11-936, then the new master db2 (12) wrote on.
    const old = parseMariaGtidList('0-11-1000,1-11-5');
    const cluster = parseMariaGtidList('0-11-936,0-12-1500,1-11-5,2-12-3');
    assert.deepEqual(mariaGtidStateBeyond(old, cluster), [{ domain: 0, server: 11, from: 937n, to: 1000n }]);
    assert.deepEqual(mariaGtidMissing(mariaGtidPos(old), mariaGtidPos(cluster)), [], 'positions alone see nothing: 0-12-1500 is "ahead"');
    assert.deepEqual(mariaGtidStateBeyond(cluster, old), [{ domain: 0, server: 12, from: 1n, to: 1500n }, { domain: 2, server: 12, from: 1n, to: 3n }]);
    const holds = (g: string) => mariaGtidStateHolds(cluster, parseMariaGtid(g));
    assert.deepEqual(['0-11-936', '0-11-937', '0-12-2', '1-11-6', '3-11-1'].map(holds), [true, false, true, false, false]);
  });

  test('the fixture master\'s gtid_binlog_pos', () => {
    assert.equal(mariaGtidText.canonical(manifest.gtidBinlogPos), '0-91-131,1-91-2');
    assert.ok(mariaGtidText.atOrBeyond(manifest.gtidBinlogPos, '0-91-100,1-91-2'));
  });

  for (const bad of ['0-1', '0-1-x', 'a-b-c', '0-1-18446744073709551616', '4294967296-1-1', '0-1-2-3']) {
    test(`rejects "${bad}"`, () => assert.throws(() => parseMariaGtidList(bad), BinlogError));
    test(`leniently leaves "${bad}" out`, () => {
      assert.deepEqual(parseMariaGtidList(`${bad},1-2-3`, { lenient: true }), [{ domain: 1, server: 2, seq: 3n }]);
      assert.equal(mariaGtidText.canonical(`0-1-5,${bad}`), '0-1-5');
    });
  }

  test('the same seq from two servers in a domain: diverged, and neither is at or beyond the other', () => {
    const c = mariaGtidText.compare('0-2-100,1-1-5', '0-1-100,1-1-5');
    assert.deepEqual(c, { relation: 'diverged', ahead: [], behind: [], conflicting: [0] });
    assert.equal(mariaGtidText.atOrBeyond('0-2-100', '0-1-100'), false);
    assert.equal(mariaGtidText.atOrBeyond('0-1-100', '0-2-100'), false);
    assert.equal(mariaGtidText.equals('0-2-100', '0-1-100'), false);
    assert.equal(mariaGtidText.union('0-2-100', '0-1-100'), '0-2-100', 'on equal seqs, the first position\'s GTID');
  });
});

// The comparisons the failover's decisions use (src/topology: a replica's GTIDs against the latest's).
describe('GTID order of server text, both flavors', () => {
  const U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const U2 = 'aaaaaaaa-71ca-11e1-9e33-c80aa9429562';
  const mysqlCases: [string, string, string][] = [
    [`${U1}:1-10`, `${U1}:1-10`, 'equal'],
    [`${U1}:1-10`, `${U1}:1-5`, 'ahead'],
    [`${U1}:1-5`, `${U1}:1-10`, 'behind'],
    [`${U1}:1-5,${U2}:1`, `${U1}:1-10`, 'diverged'],
    [`${U1.toUpperCase()}:1-3:4-10`, `${U1}:1-10`, 'equal'],
    [`${U1}:1-10,\n${U2}:1-2`, `${U1}:1-10`, 'ahead'],
    [`${U1}:1-5:tag1:1-3`, `${U1}:1-5`, 'ahead'],
    ['', `${U1}:1`, 'behind'],
    ['', '', 'equal'],
    // disjoint sets of one server: each has transactions the other lacks
    [`${U1}:1-5`, `${U1}:6-7`, 'diverged'],
    // a malformed piece is left out, not thrown
    [`${U1}:1-10,garbage`, `${U1}:1-10`, 'equal'],
  ];
  for (const [a, b, want] of mysqlCases) {
    test(`mysql ${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${want}`, () => {
      assert.equal(compareGtidText('mysql', a, b), want);
      assert.equal(mysqlGtidText.order(a, b), want);
    });
  }
  test('mysql sets are normalised when formatted', () => {
    assert.equal(formatMysqlGtidSet(parseMysqlGtidSet(`${U2}:3:1-2, ${U1.toUpperCase()}:5-6:1-4`)), `${U1}:1-6,${U2}:1-3`);
  });
  const mariaCases: [string, string, string][] = [
    ['0-1-100', '0-1-100', 'equal'],
    ['0-1-101', '0-1-100', 'ahead'],
    ['0-1-100,1-2-5', '0-1-100', 'ahead'],
    ['0-1-99', '0-1-100,1-2-5', 'behind'],
    ['0-1-101,1-2-4', '0-1-100,1-2-5', 'diverged'],
    // same sequence number written by two servers: two histories
    ['0-2-100', '0-1-100', 'diverged'],
    ['', '', 'equal'],
    // a malformed piece is left out, not thrown
    ['0-1-100,x', ' 0-1-100\n', 'equal'],
  ];
  for (const [a, b, want] of mariaCases) {
    test(`mariadb ${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${want}`, () => {
      assert.equal(compareGtidText('mariadb', a, b), want);
      assert.equal(mariaGtidText.compare(a, b).relation, want);
    });
  }
});

describe('binlog file names and coordinates, as servers report them', () => {
  const F3 = 'mysql-bin.000003';
  const F4 = 'mysql-bin.000004';
  const cases: [string, string, number][] = [
    ['mysql-bin.000003', 'mysql-bin.000003', 0],
    ['mysql-bin.000003', 'mysql-bin.000004', -1],
    ['mysql-bin.000010', 'mysql-bin.000009', 1],
    // six digits roll over to seven: a string comparison would get this wrong
    ['mysql-bin.999999', 'mysql-bin.1000000', -1],
    ['', 'mysql-bin.000001', -1],
    ['mysql-bin.000001', '', 1],
    ['a-bin.000005', 'b-bin.000001', -1],
    ['nonsense', 'mysql-bin.000001', 1],
  ];
  for (const [a, b, want] of cases) {
    test(`compareBinlogFiles(${a || '""'}, ${b || '""'}) = ${want}`, () => {
      assert.equal(compareBinlogFiles(a, b), want);
      assert.equal(compareBinlogFiles(b, a), -want || 0);
    });
  }
  test('positions compare within a file, files first', () => {
    assert.equal(compareBinlogCoordinates({ file: F3, pos: 900 }, { file: F3, pos: 1000 }), -1);
    assert.equal(compareBinlogCoordinates({ file: F4, pos: 4 }, { file: F3, pos: 99999 }), 1);
    assert.equal(compareBinlogCoordinates({ file: F3, pos: 5 }, { file: F3, pos: 5 }), 0);
  });
  test('format and bytes between', () => {
    assert.equal(formatCoordinates({ file: F3, pos: 900 }), 'mysql-bin.000003:900');
    assert.equal(formatCoordinates({ file: '', pos: 0 }), '(none):0');
    assert.equal(bytesBetween({ file: F3, pos: 900 }, { file: F3, pos: 1000 }), 100);
    assert.equal(bytesBetween({ file: F3, pos: 1000 }, { file: F3, pos: 900 }), 0);
    assert.equal(bytesBetween({ file: F3, pos: 900 }, { file: F4, pos: 4 }), null);
  });
});

describe('coordinates of one binlog sequence', () => {
  const rows: [string, number, string, number, -1 | 0 | 1][] = [
    ['mysql-bin.000001', 100, 'mysql-bin.000001', 100, 0],
    ['mysql-bin.000001', 100, 'mysql-bin.000001', 200, -1],
    ['mysql-bin.000002', 4, 'mysql-bin.000001', 999999, 1],
    ['mysql-bin.000009', 500, 'mysql-bin.000010', 4, -1],
    ['mysql-bin.999999', 4, 'mysql-bin.1000000', 4, -1],
  ];
  for (const [fa, pa, fb, pb, want] of rows) {
    test(`${fa}:${pa} vs ${fb}:${pb}`, () => {
      assert.equal(compareCoordinates({ file: fa, pos: pa }, { file: fb, pos: pb }), want);
      assert.equal(compareCoordinates({ file: fb, pos: pb }, { file: fa, pos: pa }), -want || 0);
    });
  }
  test('sorting replicas by their read coordinates', () => {
    const replicas = [
      { name: 'r1', file: 'm.000003', pos: 500 }, { name: 'r2', file: 'm.000004', pos: 4 }, { name: 'r3', file: 'm.000003', pos: 900 },
    ];
    assert.deepEqual([...replicas].sort((x, y) => compareCoordinates(x, y)).map((r) => r.name), ['r1', 'r3', 'r2']);
  });
  test('different base names do not compare', () => {
    assert.throws(() => compareCoordinates({ file: 'a-bin.000001', pos: 4 }, { file: 'b-bin.000001', pos: 4 }), BinlogError);
    assert.throws(() => compareCoordinates({ file: 'nonsense', pos: 4 }, { file: 'b-bin.000001', pos: 4 }), BinlogError);
  });
  test('next and previous file names keep the padding', () => {
    assert.equal(nextBinlogName('mysql-bin.000009'), 'mysql-bin.000010');
    assert.equal(nextBinlogName('mysql-bin.999999'), 'mysql-bin.1000000');
    assert.equal(previousBinlogName('relay.bin.000010'), 'relay.bin.000009');
    assert.equal(previousBinlogName('relay.bin.000000'), undefined);
    assert.throws(() => nextBinlogName('relay-bin'), BinlogError);
  });
});

describe('errantGtids', () => {
  const C = '5c3d9e11-0a5e-11ef-a4c1-0242ac120003';
  // A: the dead master (the replicas' source); B: an earlier master, in every replica's history; C: written on the candidate.
  const cases: [string, Parameters<typeof errantGtids>, string][] = [
    ['MySQL: none, the others hold the same', ['mysql', { executed: `${A}:1-100,${B}:1-50`, others: [`${A}:1-100,${B}:1-50`], source: { uuids: [A] } }], ''],
    ['MySQL: the latest replica is ahead in the dead master\'s transactions: not errant',
      ['mysql', { executed: `${A}:1-120,${B}:1-50`, others: [`${A}:1-100,${B}:1-50`], source: { uuids: [A] } }], ''],
    ['MySQL: ahead, the source uuid unknown, but received through replication: not errant',
      ['mysql', { executed: `${A}:1-120,${B}:1-50`, received: `${A}:90-120`, others: [`${A}:1-100,${B}:1-50`], source: {} }], ''],
    ['MySQL: transactions written on the candidate', ['mysql', { executed: `${A}:1-100,${B}:1-50,${C}:1-3`, others: [`${A}:1-100,${B}:1-50`, `${A}:1-90,${B}:1-50`], source: { uuids: [A] } }], `${C}:1-3`],
    ['MySQL: another replica holds some of them', ['mysql', { executed: `${A}:1-100,${C}:1-5`, others: [`${A}:1-100,${C}:1-2`], source: { uuids: [A] } }], `${C}:3-5`],
    ['MySQL: an earlier master\'s transactions the others lack', ['mysql', { executed: `${A}:1-100,${B}:1-52`, others: [`${A}:1-100,${B}:1-50`], source: { uuids: [A] } }], `${B}:51-52`],
    ['MySQL: no other replica to compare: nothing said', ['mysql', { executed: `${A}:1-100,${C}:1-3`, others: [], source: { uuids: [A] } }], ''],
    ['MariaDB: the dead master\'s (server 1) transactions ahead: not errant', ['mariadb', { executed: '0-1-120', others: ['0-1-100'], source: { serverId: 1 } }], ''],
    ['MariaDB: a local write (server 3) the others lack', ['mariadb', { executed: '0-3-101', received: '0-1-100', others: ['0-1-100'], source: { serverId: 1 } }], '0-3-101'],
    ['MariaDB: a domain of its own', ['mariadb', { executed: '0-1-100,7-3-4', others: ['0-1-100'], source: { serverId: 1 } }], '7-3-4'],
    ['MariaDB: same seq, another server: two histories', ['mariadb', { executed: '0-3-100', others: ['0-1-100'], source: { serverId: 1 } }], '0-3-100'],
    ['MariaDB: the dead master\'s id unknown, received through replication: not errant', ['mariadb', { executed: '0-1-120', received: '0-1-120', others: ['0-1-100'], source: {} }], ''],
  ];
  for (const [name, args, want] of cases) test(name, () => assert.equal(errantGtids(...args), want));
});
