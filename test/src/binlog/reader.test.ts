// The reader against real MariaDB 10.11 binlogs and relay logs, cross-checked with mariadb-binlog, and
// against MySQL 8 events (a real MySQL FDE + synthetic events) for what no local server can write.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BinlogReader, BinlogReadError, BufferSource, EventType, SftpFileSource, parseFormatDescription, parseHeader,
  summarizeEvent, type BinlogEvent, type EventSummary, type SftpReadApi,
} from '../../../src/binlog';
import {
  allFixtureFiles, familyOfType, fixtureBytes, fixturePath, haveMariadbBinlog, manifest, masterBinlogs, oracleEvents,
  oracleOutput, readAll, relayLogs, type OracleHeader,
} from '../../fixtures/binlog/fixtures';
import { MYSQL_8035_FDE_BASE64, SynthBinlog } from '../../fixtures/binlog/synth';

const ROOT = join(__dirname, '..', '..', '..');
const HAVE_ORACLE = haveMariadbBinlog();
if (!HAVE_ORACLE) {
  process.stderr.write('\n!!!! mariadb-binlog is not installed: the cross-check with mariadb-binlog is SKIPPED !!!!\n\n');
}

function comparable(ev: BinlogEvent): { pos: number; endLogPos: number; serverId: number; family: string; gtid?: string } {
  const s = summarizeEvent(ev);
  return { pos: s.pos, endLogPos: s.endLogPos, serverId: s.serverId, family: familyOfType(s.type), ...(s.gtid ? { gtid: s.gtid } : {}) };
}

type Comparable = ReturnType<typeof comparable>;

/** Walk ours in order matching each oracle header; return the events of ours it never described. */
function matchSubsequence(ours: Comparable[], headers: OracleHeader[]): Comparable[] {
  const skipped: Comparable[] = [];
  let i = 0;
  for (const h of headers) {
    while (i < ours.length && !(ours[i]!.endLogPos === h.endLogPos && ours[i]!.serverId === h.serverId && ours[i]!.family === h.family)) skipped.push(ours[i++]!);
    assert.ok(i < ours.length, `no event of ours matches mariadb-binlog's ${JSON.stringify(h)}`);
    assert.deepEqual({ ...ours[i]!, pos: 0 }, { pos: 0, ...h });
    i++;
  }
  return [...skipped, ...ours.slice(i)];
}

describe('cross-check with mariadb-binlog on every fixture', { skip: HAVE_ORACLE ? false : 'mariadb-binlog missing' }, () => {
  test('the fixtures are there: master binlogs and relay logs, with rotations', () => {
    assert.ok(masterBinlogs.length >= 4, 'several master binlogs');
    assert.ok(relayLogs.length >= 10, 'several relay logs');
    assert.equal(allFixtureFiles.length, masterBinlogs.length + relayLogs.length);
  });
  for (const file of allFixtureFiles) {
    test(file, async () => {
      const ours = (await readAll(file)).map(comparable);
      const oracle = oracleOutput(file);
      assert.ok(oracle.positions.length > 0);
      assert.deepEqual(ours.map((e) => e.pos), oracle.positions, 'every event position');
      if (oracle.headers.length === oracle.positions.length) {
        assert.deepEqual(ours, oracle.positions.map((pos, i) => ({ pos, ...oracle.headers[i]! })));
        return;
      }
      // mariadb-binlog held back the rows events of a statement that ends in the next relay log: its
      // headers must match ours in order, and what it held back must be exactly such events.
      const held = matchSubsequence(ours, oracle.headers);
      assert.ok(held.length === oracle.positions.length - oracle.headers.length);
      assert.ok(held.every((e) => ['Write_rows', 'Update_rows', 'Delete_rows', 'Table_map'].includes(e.family)), JSON.stringify(held.slice(0, 3)));
      assert.equal(held[held.length - 1]!.pos, ours[ours.length - 2]!.pos, 'held back up to the end of the file (before the relay Rotate)');
    });
  }
});

describe('mhaflow binlog list', { skip: HAVE_ORACLE ? false : 'mariadb-binlog missing' }, () => {
  function cliJson(args: string[]): EventSummary[] {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), 'binlog', 'list', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return JSON.parse(out) as EventSummary[];
  }
  const pick = (s: EventSummary) => ({ pos: s.pos, endLogPos: s.endLogPos, serverId: s.serverId, family: familyOfType(s.type), ...(s.gtid ? { gtid: s.gtid } : {}) });

  test('--json on a master binlog equals mariadb-binlog', () => {
    const file = masterBinlogs[2]!;
    assert.deepEqual(cliJson(['--json', fixturePath(file)]).map(pick), oracleEvents(file));
  });

  test('--start-position on a relay log equals mariadb-binlog --start-position', () => {
    const file = 'relay-bin.000021';
    const all = oracleEvents(file);
    const from = all[Math.floor(all.length / 2)]!.pos;
    const ours = cliJson(['--json', '--start-position', String(from), fixturePath(file)]).map(pick);
    // mariadb-binlog prints the head Format_description first, then from the start position.
    assert.deepEqual(ours, oracleEvents(file, from).filter((e) => e.pos >= from));
    assert.equal(ours[0]!.pos, from);
  });

  test('text output: one line per event with position, end_log_pos, type, server_id, GTID', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'mhaflow.js'), 'binlog', 'list', fixturePath(masterBinlogs[1]!)], { encoding: 'utf8' });
    const lines = out.replace(/\n$/, '').split('\n');
    assert.equal(lines.length, oracleEvents(masterBinlogs[1]!).length);
    assert.match(lines[0]!, /^\s+4\s+256\s+Format_desc\s+server_id=91/);
    assert.ok(lines.some((l) => /Gtid\s+server_id=91\s+gtid=0-91-\d+/.test(l)));
  });
});

describe('reader on MariaDB fixtures', () => {
  test('the window size does not change what is read (64-byte and 4 MiB windows)', async () => {
    for (const file of [masterBinlogs[0]!, 'relay-bin.000002', 'relay-bin.000016', 'relay-bin.000025']) {
      const big = (await readAll(file)).map(summarizeEvent);
      const tiny = (await readAll(file, { chunkSize: 64 })).map(summarizeEvent);
      assert.deepEqual(tiny, big, file);
    }
  });

  test('header-only decoding gives the same positions, types and end_log_pos', async () => {
    const file = masterBinlogs[0]!;
    const all = await readAll(file);
    const bare = await readAll(file, { decode: 'none', verify: 'none' });
    assert.deepEqual(bare.map((e) => [e.pos, e.typeCode, e.endLogPos]), all.map((e) => [e.pos, e.typeCode, e.endLogPos]));
    assert.ok(bare.filter((e) => e.typeCode !== EventType.FORMAT_DESCRIPTION).every((e) => e.body === undefined));
  });

  test('Format_description, checksum algorithms, layouts', async () => {
    const crcFile = masterBinlogs[0]!;
    const noneFile = masterBinlogs[masterBinlogs.length - 1]!;
    for (const [file, alg, layout] of [[crcFile, 1, 'binlog'], [noneFile, 0, 'binlog'], ['relay-bin.000002', 1, 'relay']] as const) {
      const s = new BufferSource(file, fixtureBytes(file));
      const r = await BinlogReader.open(s);
      assert.equal(r.fde.checksumAlg, file === 'relay-bin.000002' ? 1 : alg, file);
      assert.equal(r.fde.flavor, 'mariadb');
      assert.equal(r.fde.binlogVersion, 4);
      assert.match(r.fde.serverVersion, /^10\.11\./);
      assert.equal(r.layout, layout, file);
    }
  });

  test('decoded bodies: GTIDs with flags, Gtid_list, checkpoint, rotate, XA, queries, table maps', async () => {
    const evs = (await Promise.all(masterBinlogs.map((f) => readAll(f)))).flat();
    const gtids = evs.flatMap((e) => (e.body?.kind === 'mariadb_gtid' ? [e.body] : []));
    assert.equal(gtids.length, 133);
    assert.ok(gtids.some((g) => g.standalone && g.ddl), 'DDL groups are standalone');
    assert.ok(gtids.some((g) => g.domain === 1), 'a second domain');
    assert.ok(gtids.some((g) => g.xa === 'prepared'), 'XA PREPARE group');
    const lists = evs.flatMap((e) => (e.body?.kind === 'gtid_list' ? [e.body] : []));
    assert.deepEqual(lists[1]!.gtids, [{ domain: 0, server: 91, seq: 57n }]);
    const rot = evs.find((e) => e.body?.kind === 'rotate');
    assert.deepEqual(rot?.body, { kind: 'rotate', position: 4, nextFile: masterBinlogs[1] });
    const xa = evs.find((e) => e.body?.kind === 'xa_prepare');
    assert.equal(xa?.body?.kind === 'xa_prepare' && xa.body.gtrid.toString(), 'fx1');
    const tm = evs.find((e) => e.body?.kind === 'table_map');
    assert.ok(tm?.body?.kind === 'table_map' && tm.body.db === 'fx');
    const ddl = evs.find((e) => e.body?.kind === 'query' && /CREATE TABLE fx\.t /.test(e.body.sql));
    assert.ok(ddl, 'the CREATE TABLE statement is readable');
    assert.ok(evs.some((e) => e.body?.kind === 'query' && e.body.sql === 'COMMIT'), 'a non-transactional group ends in COMMIT');
    assert.ok(evs.filter((e) => e.body?.kind === 'xid').length > 100, 'InnoDB groups end in Xid');
    const ddlWithXid = evs.find((e) => e.body?.kind === 'query' && /^CREATE TABLE fx\.t /.test(e.body.sql));
    assert.ok(ddlWithXid?.body?.kind === 'query' && typeof ddlWithXid.body.xid === 'bigint', 'status variable Q_XID read');
    assert.ok(evs.some((e) => e.typeCode === EventType.STOP), 'the master restart wrote a Stop event');
    assert.ok(evs.some((e) => e.typeCode === EventType.INTVAR) && evs.some((e) => e.typeCode === EventType.USER_VAR));
  });

  test('the last master binlog ends where SHOW MASTER STATUS said', async () => {
    const evs = await readAll(manifest.masterStatus.file);
    assert.equal(evs[evs.length - 1]!.nextPos, manifest.masterStatus.pos);
  });

  test('a Format_description still flagged "in use" verifies (the server checksums it without the flag)', async () => {
    const evs = await readAll('relay-bin.000022');
    const fdes = evs.filter((e) => e.typeCode === EventType.FORMAT_DESCRIPTION);
    assert.ok(fdes.some((e) => e.flags & 1), 'the fixture has an in-use Format_description');
  });
});

describe('reader errors', () => {
  const file = masterBinlogs[2]!;
  test('not a binlog', async () => {
    await assert.rejects(BinlogReader.open(new BufferSource('x', Buffer.from('hello world, not a binlog'))), (e: unknown) => e instanceof BinlogReadError && e.kind === 'not-a-binlog');
  });
  test('start inside the Format_description or beyond the end', async () => {
    const r = await BinlogReader.open(new BufferSource(file, fixtureBytes(file)));
    for (const from of [5, 100, r.fileSize + 1]) {
      await assert.rejects(async () => { for await (const _ of r.events({ from })) { /* drain */ } },
        (e: unknown) => e instanceof BinlogReadError && e.kind === 'bad-position' && e.pos === from, `from ${from}`);
    }
  });
  test('a start that is not an event boundary is reported at that position', async () => {
    const r = await BinlogReader.open(new BufferSource(file, fixtureBytes(file)));
    const evs = await readAll(file);
    const from = evs[5]!.pos + 3;
    await assert.rejects(async () => { for await (const _ of r.events({ from })) { /* drain */ } },
      (e: unknown) => e instanceof BinlogReadError && e.pos === from && /master-bin/.test(e.message));
  });
});

describe('MySQL 8 events', () => {
  const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

  test('a real MySQL 8.0.35 Format_description parses and its CRC32 verifies', async () => {
    const raw = Buffer.from(MYSQL_8035_FDE_BASE64, 'base64');
    const fde = parseFormatDescription(raw, parseHeader(raw, 4));
    assert.equal(fde.serverVersion, '8.0.35');
    assert.equal(fde.flavor, 'mysql');
    assert.equal(fde.checksumAlg, 1);
    assert.equal(fde.postHeaderLengths.length, 41);
    assert.equal(fde.postHeaderLengths[EventType.QUERY - 1], 13);
    assert.equal(fde.postHeaderLengths[EventType.WRITE_ROWS_V2 - 1], 10);
    const r = await BinlogReader.open(new BufferSource('mysql', new SynthBinlog().build()));
    assert.equal(r.fde.serverVersion, '8.0.35');
  });

  for (const checksum of [true, false]) {
    test(`Previous_gtids, Gtid, Anonymous_gtid, rows v2, Xid, XA (checksum ${checksum ? 'CRC32' : 'none'})`, async () => {
      const b = new SynthBinlog({ checksum })
        .previousGtids([[UUID, [[1n, 5n], [7n, 9n]]]])
        .gtid(UUID, 10n, { lastCommitted: 3n, seq: 4n })
        .query('BEGIN')
        .tableMap(81, 'shop', 'orders')
        .rows(30, 81)
        .xid(77n)
        .gtid(UUID, 0n, { anonymous: true })
        .query('CREATE TABLE t (a INT)')
        .gtid(UUID, 11n)
        .query("XA START X'7831',X'',1")
        .rows(31, 81)
        .query("XA END X'7831',X'',1")
        .xaPrepare('x1')
        .heartbeat('binlog.000009')
        .incident(1, 'LOST_EVENTS')
        .rotate('binlog.000002');
      const evs: BinlogEvent[] = [];
      const r = await BinlogReader.open(new BufferSource('synth', b.build()));
      for await (const ev of r.events()) evs.push(ev);
      assert.deepEqual(evs.map((e) => e.pos), b.positions);
      assert.deepEqual(evs.map((e) => e.type), ['Format_desc', 'Previous_gtids', 'Gtid', 'Query', 'Table_map', 'Write_rows', 'Xid',
        'Anonymous_Gtid', 'Query', 'Gtid', 'Query', 'Update_rows', 'Query', 'XA_prepare', 'Heartbeat', 'Incident', 'Rotate']);
      assert.deepEqual(evs[1]!.body, { kind: 'previous_gtids', gtidSet: `${UUID}:1-5:7-9` });
      const g = evs[2]!.body;
      assert.ok(g?.kind === 'mysql_gtid');
      assert.equal(g.gtid, `${UUID}:10`);
      assert.equal(g.lastCommitted, 3n);
      assert.equal(g.sequenceNumber, 4n);
      assert.deepEqual(evs[5]!.body, { kind: 'rows', action: 'write', version: 2, compressed: false, tableId: 81, flags: 1 });
      assert.deepEqual(evs[6]!.body, { kind: 'xid', xid: 77n });
      assert.ok(evs[7]!.body?.kind === 'mysql_gtid' && evs[7]!.body.anonymous && evs[7]!.body.gtid === undefined);
      assert.deepEqual(evs[15]!.body, { kind: 'incident', code: 1, message: 'LOST_EVENTS' });
      assert.deepEqual(evs[16]!.body, { kind: 'rotate', position: 4, nextFile: 'binlog.000002' });
    });
  }

  test('a CRC32 mismatch is a checksum error at the damaged event', async () => {
    const b = new SynthBinlog().gtid(UUID, 1n).query('BEGIN').xid(1n);
    const bytes = b.build();
    const at = b.positions[2]!; // the Query
    bytes[at + 30] ^= 0x10;
    const r = await BinlogReader.open(new BufferSource('synth', bytes));
    await assert.rejects(async () => { for await (const _ of r.events()) { /* drain */ } },
      (e: unknown) => e instanceof BinlogReadError && e.kind === 'checksum' && e.pos === at && /synth at \d+: Query CRC32 mismatch/.test(e.message));
  });

  test('unknown event types are kept and skipped by their size', async () => {
    const b = new SynthBinlog().event(200, Buffer.alloc(1000, 7)).xid(5n);
    const r = await BinlogReader.open(new BufferSource('synth', b.build()));
    const evs: BinlogEvent[] = [];
    for await (const ev of r.events()) evs.push(ev);
    assert.equal(evs[1]!.type, 'Unknown_200');
    assert.equal(evs[1]!.body, undefined);
    assert.equal(evs[2]!.type, 'Xid');
  });
});

describe('SFTP byte source', () => {
  /** An in-memory SFTP server slice: short reads, EOF status, request accounting. */
  function fakeSftp(data: Buffer, maxPerRead: number): { api: SftpReadApi; reads: number[] } {
    const reads: number[] = [];
    const handle = Buffer.from('h1');
    const api = {
      open: (_p: string, _f: string, cb: (err: Error | undefined, h: Buffer) => void) => cb(undefined, handle),
      fstat: (_h: Buffer, cb: (err: Error | undefined, st: { size: number }) => void) => cb(undefined, { size: data.length }),
      close: (_h: Buffer, cb: (err?: Error) => void) => cb(),
      read: (_h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err: (Error & { code?: number }) | undefined, n: number) => void) => {
        reads.push(len);
        if (pos >= data.length) { const e = Object.assign(new Error('EOF'), { code: 1 }); setImmediate(() => cb(e, 0)); return; }
        const n = data.copy(buf, off, pos, Math.min(pos + Math.min(len, maxPerRead), data.length));
        setImmediate(() => cb(undefined, n));
      },
    };
    return { api: api as unknown as SftpReadApi, reads };
  }

  test('ranged reads (split, short answers, EOF) give the file\'s bytes and the same events', async () => {
    const file = masterBinlogs[0]!;
    const data = fixtureBytes(file);
    const { api, reads } = fakeSftp(data, 20_000);
    const src = new SftpFileSource(api, `/var/lib/mysql/${file}`, { name: file, requestSize: 32_768, concurrency: 4 });
    assert.equal(await src.size(), data.length);
    assert.deepEqual(await src.read(1000, 100_000), data.subarray(1000, 101_000));
    assert.deepEqual(await src.read(data.length - 10, 100), data.subarray(data.length - 10));
    const r = await BinlogReader.open(src, { chunkSize: 256 * 1024 });
    const evs: number[] = [];
    for await (const ev of r.events()) evs.push(ev.pos);
    assert.deepEqual(evs, (await readAll(file)).map((e) => e.pos));
    assert.ok(reads.every((n) => n <= 32_768), 'no request above the request size');
    await src.close();
  });
});
