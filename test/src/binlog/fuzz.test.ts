// Property/fuzz tests: truncation, bit flips and absurd sizes never crash or hang the reader; each ends
// in a clear BinlogReadError (file + position) or, where the format cannot tell, a normal end.
// Deterministic: a fixed-seed PRNG, bounded iterations, a timeout per test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BinlogReader, BinlogReadError, BufferSource, binlogTail, findRelayPosition, iterateTransactions, type Transaction,
} from '../../../src/binlog';
import { fixtureBytes, masterBinlogs, relayLogs } from '../../fixtures/binlog/fixtures';

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { ok: true; events: number[] } | { ok: false; error: BinlogReadError };

/** Read every event; anything but a BinlogReadError fails the test. */
async function readOutcome(name: string, bytes: Buffer, opts: { chunkSize?: number } = {}): Promise<Outcome> {
  const events: number[] = [];
  try {
    const r = await BinlogReader.open(new BufferSource(name, bytes), { chunkSize: opts.chunkSize ?? 4096 });
    for await (const ev of r.events()) {
      events.push(ev.pos);
      assert.ok(events.length <= bytes.length / 19, 'more events than the bytes can hold');
    }
    return { ok: true, events };
  } catch (e) {
    if (e instanceof BinlogReadError) {
      assert.equal(e.file, name);
      assert.ok(e.pos >= 0 && e.pos <= bytes.length, `error position ${e.pos} inside the file`);
      assert.ok(e.message.startsWith(`${name} at ${e.pos}: `), e.message);
      return { ok: false, error: e };
    }
    throw e;
  }
}

const CRC_FILE = masterBinlogs[2]!; // CRC32, ROW + STATEMENT, XA
const NONE_FILE = masterBinlogs[masterBinlogs.length - 1]!; // binlog_checksum=NONE
const RELAY_FILE = 'relay-bin.000021';
const FILES = [CRC_FILE, NONE_FILE, RELAY_FILE];

async function eventStarts(bytes: Buffer): Promise<number[]> {
  const o = await readOutcome('orig', bytes);
  assert.ok(o.ok);
  return o.events;
}

describe('truncation', { timeout: 60_000 }, () => {
  for (const file of FILES) {
    test(`${file}: any prefix yields exactly the whole events, then a "truncated" error`, async () => {
      const bytes = fixtureBytes(file);
      const starts = await eventStarts(bytes);
      const ends = new Set([...starts.slice(1), bytes.length]);
      const rnd = prng(0x5eed + bytes.length);
      const cuts = [...Array.from({ length: 150 }, () => 4 + Math.floor(rnd() * (bytes.length - 4))), ...starts.slice(1, 20), ...starts.slice(1, 20).map((p) => p + 1)];
      for (const cut of cuts) {
        const o = await readOutcome(file, bytes.subarray(0, cut));
        const whole = starts.filter((_, i) => (starts[i + 1] ?? bytes.length) <= cut);
        if (cut < 4 + 19 || (cut < starts[1]!)) {
          assert.ok(!o.ok, `cut ${cut} inside the Format_description`);
          continue;
        }
        if (ends.has(cut)) {
          assert.ok(o.ok, `cut ${cut} at an event boundary reads cleanly`);
          assert.deepEqual(o.events, whole);
        } else {
          assert.ok(!o.ok && o.error.kind === 'truncated', `cut ${cut}: ${o.ok ? 'no error' : o.error.message}`);
          assert.equal(o.error.pos, starts.find((p, i) => p < cut && (starts[i + 1] ?? bytes.length) > cut));
        }
      }
    });
  }

  test(`binlogTail on prefixes cuts exactly at the last complete group`, async () => {
    const file = CRC_FILE;
    const bytes = fixtureBytes(file);
    const r = await BinlogReader.open(new BufferSource(file, bytes), { decode: 'boundaries' });
    const groups: Transaction[] = [];
    for await (const t of iterateTransactions(r)) groups.push(t);
    // Safe cut points: group ends, and ends of events outside any group (Binlog_checkpoint, Rotate...).
    const outside: number[] = [];
    for await (const ev of r.events()) {
      if (ev.pos > 4 && !groups.some((g) => ev.pos >= g.startPos && ev.pos < g.endPos)) outside.push(ev.nextPos);
    }
    const safe = [...groups.map((g) => g.endPos), ...outside].sort((a, b) => a - b);
    const rnd = prng(42);
    for (let i = 0; i < 60; i++) {
      const cut = 300 + Math.floor(rnd() * (bytes.length - 300));
      const plan = await binlogTail(new BufferSource(file, bytes.subarray(0, cut)), 4);
      const done = groups.filter((g) => g.endPos <= cut);
      assert.equal(plan.transactions, done.length, `cut ${cut}`);
      assert.equal(plan.lastCompleteEndPos, safe.filter((p) => p <= cut).pop() ?? 256, `cut ${cut}`);
      assert.ok(plan.lastCompleteEndPos <= cut);
      assert.equal(plan.cutBytes, cut - plan.lastCompleteEndPos);
      if (plan.cutBytes > 0) assert.ok(plan.cutReason === 'truncated-event' || plan.cutReason === 'incomplete-transaction');
    }
  });
});

describe('bit flips', { timeout: 120_000 }, () => {
  test(`${CRC_FILE} (CRC32): every flip is detected, except the two the format cannot see`, async () => {
    const bytes = fixtureBytes(CRC_FILE);
    const fdeSize = bytes.readUInt32LE(4 + 9);
    // Blind spots: the in-use flag (the server checksums the FDE without it) and the checksum-algorithm
    // byte turned from CRC32 (1) to none (0): then no checksum is checked at all.
    const blind = new Set([`${4 + 17}:0`, `${4 + fdeSize - 5}:0`]);
    const rnd = prng(7);
    let detected = 0;
    for (let i = 0; i < 400; i++) {
      const at = 4 + Math.floor(rnd() * (bytes.length - 4));
      const bit = Math.floor(rnd() * 8);
      const b = Buffer.from(bytes);
      b[at]! ^= 1 << bit;
      const o = await readOutcome(CRC_FILE, b);
      if (blind.has(`${at}:${bit}`)) continue;
      assert.ok(!o.ok, `flip at ${at} bit ${bit} went unnoticed`);
      detected++;
    }
    assert.ok(detected > 390);
  });

  test(`${CRC_FILE}: flips in the blind spots are indeed not detectable`, async () => {
    const bytes = fixtureBytes(CRC_FILE);
    const b = Buffer.from(bytes);
    b[4 + 17]! ^= 1;
    assert.ok((await readOutcome(CRC_FILE, b)).ok);
  });

  for (const file of [NONE_FILE, RELAY_FILE]) {
    test(`${file}: any flip ends in a BinlogReadError or a normal end; header size/position flips are caught`, async () => {
      const bytes = fixtureBytes(file);
      const starts = await eventStarts(bytes);
      const rnd = prng(99 + bytes.length);
      for (let i = 0; i < 400; i++) {
        const at = 4 + Math.floor(rnd() * (bytes.length - 4));
        const b = Buffer.from(bytes);
        b[at]! ^= 1 << Math.floor(rnd() * 8);
        await readOutcome(file, b);
      }
      if (file === NONE_FILE) {
        // No checksums, but a binlog's end_log_pos must be pos + size: size and end_log_pos flips are caught.
        for (const p of starts.slice(1)) {
          for (const off of [9, 10, 11, 13, 14]) {
            const b = Buffer.from(bytes);
            b[p + off]! ^= 0x02;
            const o = await readOutcome(file, b);
            assert.ok(!o.ok && o.error.kind === 'corrupt' && o.error.pos === p, `flip at ${p}+${off}`);
          }
        }
      }
    });
  }
});

describe('absurd sizes and garbage', { timeout: 60_000 }, () => {
  for (const file of FILES) {
    test(`${file}: impossible event sizes end in a BinlogReadError at that event`, async () => {
      const bytes = fixtureBytes(file);
      const starts = await eventStarts(bytes);
      const rnd = prng(1234);
      for (const size of [0, 1, 18, 0xffffffff, 0x80000000, 0x7fffffff, bytes.length * 2]) {
        for (let i = 0; i < 15; i++) {
          const p = starts[1 + Math.floor(rnd() * (starts.length - 1))]!;
          const b = Buffer.from(bytes);
          b.writeUInt32LE(size >>> 0, p + 9);
          const o = await readOutcome(file, b);
          assert.ok(!o.ok, `size ${size} at ${p}`);
          assert.equal(o.error.pos, p, `size ${size} at ${p}: ${o.error.message}`);
          assert.ok(['corrupt', 'truncated', 'checksum'].includes(o.error.kind));
        }
      }
    });
  }

  test('random bytes, empty files, a magic alone', async () => {
    const rnd = prng(5);
    for (let i = 0; i < 200; i++) {
      const len = Math.floor(rnd() * 600);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      if (i % 2 === 0 && len >= 4) Buffer.from([0xfe, 0x62, 0x69, 0x6e]).copy(b);
      const o = await readOutcome('random', b);
      assert.ok(!o.ok);
    }
    assert.ok(!(await readOutcome('empty', Buffer.alloc(0))).ok);
    assert.ok(!(await readOutcome('magic', Buffer.from([0xfe, 0x62, 0x69, 0x6e]))).ok);
  });

  test('binlogTail and the relay lookup on damaged files end in a plan or a BinlogReadError', async () => {
    const rnd = prng(77);
    const relays = relayLogs.slice(16, 22).map((f) => ({ f, bytes: fixtureBytes(f) }));
    for (let i = 0; i < 40; i++) {
      const victim = relays[Math.floor(rnd() * relays.length)]!;
      const b = Buffer.from(victim.bytes);
      const at = 4 + Math.floor(rnd() * (b.length - 4));
      b[at]! ^= 1 << Math.floor(rnd() * 8);
      const sources = relays.map((r) => new BufferSource(r.f, r === victim ? b : r.bytes));
      try {
        await findRelayPosition({ relayLogs: sources, masterFile: masterBinlogs[3]!, masterPos: 8510 });
      } catch (e) {
        assert.ok(e instanceof BinlogReadError, String(e));
      }
      try {
        const plan = await binlogTail(new BufferSource(victim.f, b), 4);
        assert.ok(plan.lastCompleteEndPos <= b.length);
      } catch (e) {
        assert.ok(e instanceof BinlogReadError, String(e));
      }
    }
  });
});
