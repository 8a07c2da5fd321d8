// GTID arithmetic tables for both flavors, and coordinate ordering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BinlogError } from '../../../src/errors';
import {
  compareCoordinates, mariaGtidMissing, mariaGtidPos, mariaGtidText, mysqlGtidCount, mysqlGtidText, nextBinlogName,
  parseMariaGtidList, parseMysqlGtidSet, previousBinlogName,
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

  test('the fixture master\'s gtid_binlog_pos', () => {
    assert.equal(mariaGtidText.canonical(manifest.gtidBinlogPos), '0-91-131,1-91-2');
    assert.ok(mariaGtidText.atOrBeyond(manifest.gtidBinlogPos, '0-91-100,1-91-2'));
  });

  for (const bad of ['0-1', '0-1-x', 'a-b-c', '0-1-18446744073709551616', '4294967296-1-1', '0-1-2-3']) {
    test(`rejects "${bad}"`, () => assert.throws(() => parseMariaGtidList(bad), BinlogError));
  }
});

describe('coordinates', () => {
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
  });
});
