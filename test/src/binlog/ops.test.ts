// Operations on the real fixtures: transaction boundaries and counts, relay-log position lookup across
// rotations (checked against SHOW SLAVE STATUS pairs the fixture script recorded), binlogTail cuts.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  BinlogReader, BinlogReadError, BufferSource, binlogTail, countTransactions, findRelayPosition, iterateTransactions,
  subtractRanges, type ByteSource, type LocalFileSource, type Transaction,
} from '../../../src/binlog';
import { fixtureBytes, manifest, masterBinlogs, readAll, relayLogs, source } from '../../fixtures/binlog/fixtures';
import { SynthBinlog } from '../../fixtures/binlog/synth';

async function transactionsOf(src: ByteSource, from?: number): Promise<Transaction[]> {
  const r = await BinlogReader.open(src, { decode: 'boundaries' });
  const out: Transaction[] = [];
  for await (const t of iterateTransactions(r, { from, includeIncomplete: true })) out.push(t);
  await src.close();
  return out;
}

/** Fixture sources given to functions that leave closing to their caller; closed after all tests. */
const opened: LocalFileSource[] = [];
function src(file: string): LocalFileSource {
  const s = source(file);
  opened.push(s);
  return s;
}
after(async () => { await Promise.all(opened.map((s) => s.close())); });

function buf(file: string): BufferSource {
  return new BufferSource(file, fixtureBytes(file));
}

describe('transaction boundaries', () => {
  test('the master binlogs hold every GTID of gtid_binlog_pos once, in order, each a complete group', async () => {
    const all: Transaction[] = [];
    for (const f of masterBinlogs) all.push(...await transactionsOf(buf(f)));
    assert.ok(all.every((t) => t.complete));
    assert.equal(all.length, 131 + 2, 'gtidBinlogPos 0-91-131,1-91-2');
    assert.deepEqual(all.filter((t) => t.gtid?.startsWith('0-')).map((t) => t.gtid), Array.from({ length: 131 }, (_, i) => `0-91-${i + 1}`));
    assert.deepEqual(all.filter((t) => t.gtid?.startsWith('1-')).map((t) => t.gtid), ['1-91-1', '1-91-2']);
    // Groups tile the files: each starts where the previous one (or a meta event) ended.
    for (const t of all) assert.ok(t.endPos > t.startPos);
  });

  test('kinds: DDL are statements, XA PREPARE is its own kind, the big transaction is one group', async () => {
    const all: Transaction[] = [];
    for (const f of masterBinlogs) all.push(...await transactionsOf(buf(f)));
    const kinds = all.reduce<Record<string, number>>((m, t) => ({ ...m, [t.kind]: (m[t.kind] ?? 0) + 1 }), {});
    // 7 DDL (4 CREATE/1 ALTER/CREATE u/DROP u... as written), the user/grant statements, XA COMMIT.
    assert.equal(kinds['xa-prepare'], 1);
    assert.ok((kinds.statement ?? 0) >= 8, JSON.stringify(kinds));
    const big = all.reduce((m, t) => (t.endPos - t.startPos > m.endPos - m.startPos ? t : m));
    assert.ok(big.endPos - big.startPos > 1_000_000 && big.kind === 'transaction' && big.events > 100);
  });

  test('relay logs: the same 133 groups, the big one split over 15 relay logs counted once', async () => {
    let complete = 0;
    let continuations = 0;
    let incomplete = 0;
    for (const f of relayLogs) {
      const c = await countTransactions(await BinlogReader.open(buf(f), { decode: 'boundaries' }));
      complete += c.complete;
      continuations += c.byKind.continuation;
      if (c.incompleteTail) incomplete++;
      assert.equal(c.abandoned, 0, f);
    }
    assert.equal(complete, 133);
    assert.equal(continuations, 1, 'the big transaction ends in a later relay log than it starts');
    assert.equal(incomplete, 14, 'relay-bin.000002..000015 end inside it');
  });

  test('MySQL flavor: GTID + BEGIN..Xid, anonymous DDL, XA, Transaction_payload, and an abandoned group', async () => {
    const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const b = new SynthBinlog()
      .previousGtids([[U, [[1n, 4n]]]])
      .gtid(U, 5n).query('BEGIN').tableMap(1, 'd', 't').rows(30, 1).xid(1n)
      .gtid(U, 0n, { anonymous: true }).query('CREATE TABLE d.u (a INT)')
      .gtid(U, 6n).query("XA START X'01',X'',1").rows(30, 1).query("XA END X'01',X'',1").xaPrepare('\x01')
      .gtid(U, 7n).query("XA COMMIT X'01',X'',1")
      .gtid(U, 8n).event(40, Buffer.alloc(30))
      .gtid(U, 9n).query('BEGIN').rows(30, 1) // never ends: the IO thread reconnected
      .gtid(U, 9n).query('BEGIN').query('ROLLBACK TO SAVEPOINT s1').rows(30, 1).query('COMMIT')
      .rotate('binlog.000002');
    const ts = await transactionsOf(new BufferSource('synth', b.build()));
    assert.deepEqual(ts.map((t) => [t.gtid ?? 'anon', t.kind, t.complete, t.abandoned ?? false]), [
      [`${U}:5`, 'transaction', true, false],
      ['anon', 'statement', true, false],
      [`${U}:6`, 'xa-prepare', true, false],
      [`${U}:7`, 'statement', true, false],
      [`${U}:8`, 'statement', true, false],
      [`${U}:9`, 'transaction', false, true],
      [`${U}:9`, 'transaction', true, false],
    ]);
  });

  test('no GTID events (MySQL 5.6-style): BEGIN..COMMIT and single statements', async () => {
    // A 5.6 server writes no GTID events when gtid_mode is off; rewrite the FDE version to 5.6.51.
    const b = new SynthBinlog({ checksum: false })
      .query('BEGIN').tableMap(1, 'd', 't').rows(30, 1).xid(1n)
      .query('CREATE TABLE x (a INT)')
      .query('BEGIN').query('INSERT INTO m VALUES (1)').query('COMMIT');
    const bytes = b.build();
    bytes.write('5.6.51\0\0', 4 + 19 + 2, 'latin1');
    const ts = await transactionsOf(new BufferSource('synth56', bytes));
    assert.deepEqual(ts.map((t) => [t.kind, t.events, t.complete]), [['transaction', 4, true], ['statement', 1, true], ['transaction', 3, true]]);
  });
});

describe('relay-log position lookup', () => {
  const relaySources = (names = relayLogs): ByteSource[] => names.map(source);

  for (const pair of manifest.relayPairs) {
    test(`${pair.phase}: ${pair.masterFile}:${pair.masterPos} -> ${pair.relayFile}:${pair.relayPos} (SHOW SLAVE STATUS)`, async () => {
      const r = await findRelayPosition({ relayLogs: relaySources(), masterFile: pair.masterFile, masterPos: pair.masterPos });
      assert.equal(r.relayFile, pair.relayFile);
      assert.equal(r.relayPos, pair.relayPos);
      assert.equal(r.fde.serverId, manifest.masterServerId, 'the master\'s Format_description governs the found position');
    });
  }

  test('every master event end maps to the relay position after the same event', async () => {
    // Build the truth from the relay logs' own view: each master event (by its GTID/end_log_pos) must be
    // found right after the same event in the relay log, across all 25 relay logs and 5 master files.
    const masterEnds: { file: string; pos: number }[] = [];
    for (const f of masterBinlogs) for (const e of await readAll(f)) if (e.typeCode === 16 /* Xid */) masterEnds.push({ file: f, pos: e.nextPos });
    const sample = masterEnds.filter((_, i) => i % 9 === 0 || i === masterEnds.length - 1);
    for (const m of sample) {
      const r = await findRelayPosition({ relayLogs: relaySources(), masterFile: m.file, masterPos: m.pos });
      const relayEvents = await readAll(r.relayFile);
      const ev = relayEvents.find((e) => e.nextPos === r.relayPos);
      assert.ok(ev && ev.typeCode === 16 && ev.endLogPos === m.pos, `${m.file}:${m.pos}`);
    }
  });

  test('the start of a master binlog (pos 4) is right after the Rotate that names it', async () => {
    const r = await findRelayPosition({ relayLogs: relaySources(), masterFile: masterBinlogs[1]!, masterPos: 4 });
    const ev = (await readAll(r.relayFile)).find((e) => e.nextPos === r.relayPos);
    assert.equal(ev?.type, 'Rotate');
    assert.ok(ev?.body?.kind === 'rotate' && ev.body.nextFile === masterBinlogs[1]);
  });

  test('relay logs that begin mid master binlog (rotated by size) resolve the file from the next Rotate', async () => {
    // relay-bin.000004.. start inside master-bin.000001 without naming it.
    const bigEnd = (await readAll('relay-bin.000016')).find((e) => e.typeCode === 16)!;
    const from4 = relayLogs.slice(relayLogs.indexOf('relay-bin.000004'));
    const r = await findRelayPosition({ relayLogs: relaySources(from4), masterFile: masterBinlogs[0]!, masterPos: bigEnd.endLogPos });
    assert.equal(r.relayFile, 'relay-bin.000016');
    assert.equal(r.relayPos, bigEnd.nextPos);
    const hinted = await findRelayPosition({ relayLogs: relaySources(from4), masterFile: masterBinlogs[0]!, masterPos: bigEnd.endLogPos, firstMasterFile: masterBinlogs[0] });
    assert.deepEqual({ ...hinted, fde: null }, { ...r, fde: null });
  });

  test('purged: the relay logs start after the coordinate', async () => {
    const late = relayLogs.slice(relayLogs.indexOf('relay-bin.000021'));
    await assert.rejects(findRelayPosition({ relayLogs: relaySources(late), masterFile: masterBinlogs[0]!, masterPos: 1000 }),
      (e: unknown) => e instanceof BinlogReadError && e.kind === 'not-found' && /purged/.test(e.message));
  });

  test('not received yet: the coordinate is beyond the relay logs', async () => {
    await assert.rejects(findRelayPosition({ relayLogs: relaySources(relayLogs.slice(0, 5)), masterFile: manifest.masterStatus.file, masterPos: 400 }),
      (e: unknown) => e instanceof BinlogReadError && e.kind === 'not-found' && /not received yet/.test(e.message));
  });

  test('a coordinate that is not an event end is refused', async () => {
    await assert.rejects(findRelayPosition({ relayLogs: relaySources(), masterFile: masterBinlogs[2]!, masterPos: 1001 }),
      (e: unknown) => e instanceof BinlogReadError && e.kind === 'not-found' && /not the end of a master event/.test(e.message));
  });
});

describe('binlogTail', () => {
  const file = masterBinlogs[0]!; // holds the ~1 MB transaction
  const bytes = fixtureBytes(file);

  test('whole file from 4: header is magic + FDE, everything copied, counts match', async () => {
    const plan = await binlogTail(new BufferSource(file, bytes), 4);
    assert.deepEqual(plan.header, bytes.subarray(0, 256));
    assert.deepEqual(plan.ranges, [{ start: 256, end: bytes.length }]);
    assert.equal(plan.diffSize, bytes.length);
    assert.equal(plan.cutBytes, 0);
    assert.equal(plan.cutReason, undefined);
    assert.equal(plan.transactions, 57);
    assert.equal(plan.firstGtid, '0-91-1');
    assert.equal(plan.lastGtid, '0-91-57');
    assert.equal(plan.transactions, (await transactionsOf(new BufferSource(file, bytes))).length);
  });

  test('a file cut inside the big transaction: cut at the last complete one, reported', async () => {
    const ts = await transactionsOf(new BufferSource(file, bytes));
    const big = ts.find((t) => t.endPos - t.startPos > 1_000_000)!;
    const cutAt = big.startPos + 500_000;
    const plan = await binlogTail(new BufferSource(file, bytes.subarray(0, cutAt)), 4);
    assert.equal(plan.lastCompleteEndPos, big.startPos);
    assert.equal(plan.cutReason, 'truncated-event');
    assert.equal(plan.cutBytes, cutAt - big.startPos);
    assert.equal(plan.transactions, ts.filter((t) => t.endPos <= big.startPos).length);
    assert.match(plan.cutDetail!, /master-bin\.000001 at \d+: Write_rows_v1 of \d+ bytes runs past the end/);
  });

  test('a file cut at an event boundary inside a transaction: incomplete-transaction', async () => {
    const evs = await readAll(masterBinlogs[3]!);
    const xids = evs.filter((e) => e.typeCode === 16);
    const lastXid = xids[xids.length - 1]!;
    const tableMapAfter = evs.find((e) => e.pos > xids[xids.length - 2]!.pos && e.typeCode === 19)!;
    const cutAt = tableMapAfter.nextPos;
    const b = fixtureBytes(masterBinlogs[3]!).subarray(0, cutAt);
    const plan = await binlogTail(new BufferSource('m4', b), 4);
    assert.equal(plan.cutReason, 'incomplete-transaction');
    assert.equal(plan.lastCompleteEndPos, xids[xids.length - 2]!.nextPos);
    assert.ok(plan.lastCompleteEndPos < lastXid.pos);
    const kept = await binlogTail(new BufferSource('m4', b), 4, { keepIncompleteTail: true });
    assert.equal(kept.lastCompleteEndPos, cutAt);
    assert.deepEqual(kept.incompleteTail, { start: xids[xids.length - 2]!.nextPos, end: cutAt });
    assert.equal(kept.transactions, plan.transactions);
  });

  test('from a position inside a transaction: starts with its continuation', async () => {
    const evs = await readAll(masterBinlogs[3]!);
    const tm = evs.find((e) => e.typeCode === 19)!;
    const plan = await binlogTail(src(masterBinlogs[3]!), tm.pos);
    assert.equal(plan.startsMidTransaction, true);
    assert.equal(plan.ranges[0]!.start, tm.pos, 'the diff\'s first group (the continuation) starts right after its header');
  });

  test('a corrupt event in the middle: everything from its transaction on is cut and reported', async () => {
    const damaged = Buffer.from(fixtureBytes(masterBinlogs[2]!));
    const ts = await transactionsOf(buf(masterBinlogs[2]!));
    const victim = ts[10]!;
    damaged[victim.startPos + 25] ^= 0x01;
    const plan = await binlogTail(new BufferSource('m3', damaged), 4);
    assert.equal(plan.cutReason, 'checksum-mismatch');
    assert.equal(plan.lastCompleteEndPos, victim.startPos);
    assert.equal(plan.transactions, 10);
    assert.equal(plan.cutBytes, damaged.length - victim.startPos);
  });

  test('a start position that is not an event boundary is an error, not a cut', async () => {
    await assert.rejects(binlogTail(src(masterBinlogs[2]!), 1001), (e: unknown) => e instanceof BinlogReadError && e.kind === 'bad-position');
  });

  test('a relay log tail from the found position uses the master\'s Format_description', async () => {
    const xid = (await readAll(masterBinlogs[2]!)).filter((e) => e.typeCode === 16)[10]!;
    const found = await findRelayPosition({ relayLogs: relayLogs.map(source), masterFile: masterBinlogs[2]!, masterPos: xid.nextPos });
    const plan = await binlogTail(src(found.relayFile), found.relayPos, { fde: found.fde });
    assert.equal(plan.layout, 'relay');
    assert.equal(plan.header.subarray(4).readUInt32LE(5), manifest.masterServerId, 'header FDE is the master\'s');
    assert.ok(plan.transactions > 0);
  });

  test('subtractRanges', () => {
    assert.deepEqual(subtractRanges({ start: 0, end: 100 }, [{ start: 10, end: 20 }, { start: 50, end: 60 }]), [
      { start: 0, end: 10 }, { start: 20, end: 50 }, { start: 60, end: 100 }]);
    assert.deepEqual(subtractRanges({ start: 0, end: 100 }, [{ start: 0, end: 100 }]), []);
    assert.deepEqual(subtractRanges({ start: 10, end: 20 }, [{ start: 0, end: 15 }]), [{ start: 15, end: 20 }]);
  });
});
