// Where the other replicas' read positions are in the latest replicas' relay logs (MHA apply_diff_relay_logs
// --command=find): each answer is a fact for pickLatestBaseReplica, and the start of a read_diff.
import { posix } from 'node:path';
import { findRelayPosition } from '../binlog/relay';
import type { ClusterConfig } from '../config/schema';
import { errorMessage } from '../errors';
import type { SshPool } from '../ssh/pool';
import { remoteSource } from '../ssh/sftp';
import type { RelayLogCheck } from '../topology/types';
import type { RelayPositionFact } from './decisions';
import { relayLogFiles } from './diff';

async function findOne(pool: SshPool, check: RelayLogCheck, files: string[]): Promise<RelayPositionFact> {
  const session = await pool.get(check.replica);
  const relayLogs = await Promise.all(files.map((f) => remoteSource(session, f)));
  try {
    const pos = await findRelayPosition({ relayLogs, masterFile: check.from.file, masterPos: check.from.pos });
    return { replica: check.replica, from: check.from, found: true, relayFile: posix.basename(files[pos.relayIndex]!), relayPos: pos.relayPos };
  } catch (e) {
    return { replica: check.replica, from: check.from, found: false, detail: errorMessage(e) };
  } finally {
    await Promise.all(relayLogs.map((s) => s.close().catch(() => {})));
  }
}

/** Every lookup, each replica's relay-log index read once; a position not found is an answer, not an error. */
export async function findRelayPositions(pool: SshPool, cfg: ClusterConfig, checks: RelayLogCheck[]): Promise<RelayPositionFact[]> {
  const files = new Map<string, Promise<string[]>>();
  return Promise.all(checks.map(async (check) => {
    if (!files.has(check.replica)) files.set(check.replica, relayLogFiles(pool, cfg, check.replica).then((r) => r.files));
    return findOne(pool, check, await files.get(check.replica)!);
  }));
}
