// Rejoin steps 4-5 (data): the extra transactions reapplied on the current master (a live master: counted in
// their own GTID domain), and taken back on the old master (a flashback: counted in its binlog since the scan).
// Both through the failover's exactly-once apply (src/failover/apply.ts); a retry resumes, nothing lands twice.
import { heartbeat } from '@temporalio/activity';
import type { BinlogCoordinates } from '../src/binlog/coordinates';
import { serverByName } from '../src/config/servers';
import { DiffApplyError, SafetyError } from '../src/errors';
import { applyDiff, diffTransactions, heldOf, type ApplyOptions } from '../src/failover/apply';
import { binlogErrorsFinal } from '../src/failover/errors';
import { sqlTargetOf } from '../src/mysql/client';
import { queryOne, showMasterStatus, withConnection } from '../src/mysql/client';
import { withPool } from '../src/ssh/pool';
import { clusterOf, guarded, type ClusterInput } from './failure';

type Diff = { path: string; sha256: string };

async function withApply<T>(input: ClusterInput & { server: string; diff: Diff }, start: BinlogCoordinates | null,
  fn: (o: ApplyOptions) => Promise<T>): Promise<T> {
  const cfg = clusterOf(input);
  const server = serverByName(cfg, input.server);
  return binlogErrorsFinal(() => withPool(cfg, (pool) => withConnection(cfg, server, async (conn) => {
    const target = await sqlTargetOf(conn);
    const at = start ?? await showMasterStatus(conn);
    if (!at) throw new SafetyError('has no binary log (log_bin is off): what is applied cannot be counted', { server: server.name });
    return fn({ cfg, server, flavor: target.flavor, session: await pool.get(server), conn, diffPath: input.diff.path, sha256: input.diff.sha256, start: at, heartbeat });
  })));
}

export interface ReapplyResult {
  total: number;
  applied: number;
  alreadyApplied: number;
  /** The transaction the replay stopped at (1-based), its GTID as replayed, and the server's error. */
  conflict: { ordinal: number; gtid: string | null; error: string } | null;
  ms: number;
}

/** Replay the reorigined extra transactions on the current master; a conflict is a fact, reported with the transaction it stopped at. */
export async function rejoinReapply(input: ClusterInput & { server: string; diff: Diff; domain: number }): Promise<ReapplyResult> {
  return guarded(async () => {
    const t0 = Date.now();
    return withApply(input, null, async (o) => {
      const opts = { ...o, ownDomain: input.domain };
      try {
        const r = await applyDiff(opts);
        return { total: r.total, applied: r.appliedNow, alreadyApplied: r.alreadyApplied, conflict: null, ms: Date.now() - t0 };
      } catch (e) {
        if (!(e instanceof DiffApplyError)) throw e;
        const diff = await diffTransactions(o.session, o.diffPath);
        const held = await heldOf(opts, diff);
        return { total: diff.length, applied: held, alreadyApplied: 0, conflict: { ordinal: held + 1, gtid: diff[held]?.gtid ?? null, error: e.message }, ms: Date.now() - t0 };
      }
    });
  });
}

export interface RewindResult { total: number; undone: number; alreadyUndone: number; end: BinlogCoordinates; ms: number }

/**
 * Undo the extra transactions on the old master (mariadb-binlog --flashback), counted in its binlog from `start`
 * (its position when they were found: nothing else writes to it). It must still be read-only: it is, or nothing is done.
 */
export async function rejoinRewind(input: ClusterInput & { server: string; diff: Diff; start: BinlogCoordinates }): Promise<RewindResult> {
  return guarded(async () => {
    const t0 = Date.now();
    return withApply(input, input.start, async (o) => {
      if (Number((await queryOne(o.conn, 'SELECT @@GLOBAL.read_only AS ro'))?.ro) !== 1) {
        throw new SafetyError('is writable again (read_only=OFF): its transactions are not rewound while clients may write', { server: o.server.name, hint: 'SET GLOBAL read_only=ON, then run the rejoin again' });
      }
      const r = await applyDiff({ ...o, flashback: true });
      return { total: r.total, undone: r.appliedNow, alreadyUndone: r.alreadyApplied, end: r.end, ms: Date.now() - t0 };
    });
  });
}
