// A target's diff file (src/failover/diff): its parts located on their hosts, planned, joined and written
// to <run dir>/diff-<target>.binlog; a retry writes the same bytes again.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ClusterConfig } from '../../../src/config/schema';
import { gtidHeldBy } from '../../../src/binlog/gtid';
import { BinlogReader, type ByteSource } from '../../../src/binlog';
import { iterateTransactions } from '../../../src/binlog/transactions';
import { buildDiff, skipHeldLead } from '../../../src/failover/diff';
import { relayLogs, source as fixtureSource } from '../../fixtures/binlog/fixtures';
import type { SshPool } from '../../../src/ssh/pool';
import { localSession, M4, M4_GTIDS, M4_SPLIT, sha256, splitDiff, tempDir, tempFiles } from '../../support/local-remote-host';

describe('a target\'s diff file', () => {
  it('buildDiff writes <run dir>/diff-<target>.binlog; a retry writes the identical file over it', async () => {
    const workdir = tempDir();
    // The dead master's tail saved on the target (what saveDeadMasterBinlog writes): itself a diff.
    const tail = await splitDiff(M4, 4, M4_SPLIT);
    const saved = join(workdir, 'saved-tail.binlog');
    writeFileSync(saved, tail);
    const cfg = { cluster: 'c', servers: [{ name: 'db2', host: 'db2', port: 3306, remoteWorkdir: workdir }], workdirs: { remote: '/nowhere' } } as unknown as ClusterConfig;
    const session = localSession('db2');
    const pool = { get: async () => session } as unknown as SshPool;
    const build1 = () => buildDiff(pool, cfg, 'db2', 'run-1', [{ kind: 'savedTail', purpose: 'binlog_diff', path: saved, sha256: sha256(tail) }]);
    const first = await build1();
    const runDir = join(workdir, 'run-1');
    assert.equal(first.path, join(runDir, 'diff-db2.binlog'));
    const bytes = readFileSync(first.path);
    assert.deepEqual({ sha256: first.sha256, bytes: first.bytes }, { sha256: sha256(bytes), bytes: bytes.length });
    assert.ok(bytes.equals(tail), 'a diff cut from a diff is the same bytes');
    assert.deepEqual([first.transactions, first.firstGtid, first.lastGtid], [15, M4_GTIDS[0], M4_GTIDS[14]]);
    assert.equal(statSync(runDir).mode & 0o777, 0o700);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    const again = await build1();
    assert.equal(again.sha256, first.sha256);
    assert.deepEqual(tempFiles(runDir), []);
  });
});

describe('a relay part that skips what the target holds (GTID catch-up from a source that executed less)', () => {
  const files = relayLogs.slice(-6);
  const parts = () => files.map((f) => ({ spec: { kind: 'relay' as const, purpose: 'read_diff' as const, server: 'db3', relayFile: f, relayPos: 4 }, source: fixtureSource(f), from: 4 }));
  async function gtidsFrom(ps: { source: ByteSource; from: number }[]): Promise<string[]> {
    const out: string[] = [];
    for (const p of ps) {
      const reader = await BinlogReader.open(p.source, { decode: 'boundaries', verify: 'none', layout: 'relay' });
      for await (const t of iterateTransactions(reader, { from: p.from })) if (t.complete && t.gtid) out.push(t.gtid);
    }
    return out;
  }

  it('starts at the first transaction the target lacks, across relay files; counts what it left out', async () => {
    const all = await gtidsFrom(parts());
    assert.ok(all.length > 10, `the fixture's relay logs hold transactions (${all.length})`);
    for (const k of [0, 1, Math.floor(all.length / 2), all.length - 1]) {
      // What a server holds after the first k+1: the last GTID of each domain among them.
      const held = [...new Map(all.slice(0, k + 1).map((g) => [g.split('-')[0], g])).values()].join(',');
      const out = await skipHeldLead(parts(), gtidHeldBy('mariadb', held));
      assert.deepEqual(await gtidsFrom(out), all.slice(k + 1), `holding ${held}: the rest, in order`);
      assert.equal(out.reduce((n, p) => n + (p.skippedHeld ?? 0), 0), k + 1, `holding ${held}: ${k + 1} left out`);
    }
  });

  it('holding none of them: nothing skipped; holding another domain only: nothing skipped', async () => {
    const all = await gtidsFrom(parts());
    const [d, s] = all[0]!.split('-');
    for (const held of ['', `${Number(d) + 7}-${s}-999999`]) {
      const out = await skipHeldLead(parts(), gtidHeldBy('mariadb', held));
      assert.deepEqual(out.map((p) => p.from), files.map(() => 4));
      assert.deepEqual(await gtidsFrom(out), all);
    }
  });
});
