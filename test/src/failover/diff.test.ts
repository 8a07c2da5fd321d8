// A target's diff file (src/failover/diff): its parts located on their hosts, planned, joined and written
// to <run dir>/diff-<target>.binlog; a retry writes the same bytes again.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ClusterConfig } from '../../../src/config/schema';
import { buildDiff } from '../../../src/failover/diff';
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
