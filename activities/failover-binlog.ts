// Failover phases 3.2-3.4: save the dead master's binlog tail onto the hosts that will need it, find
// read positions in the latest replica's relay logs, and generate each target's diff file on its host.
// Bytes go host to host through the worker; only coordinates, counts and sha256 come back.
import { heartbeat } from '@temporalio/activity';
import { binlogErrorsFinal } from '../src/failover/errors';
import { posix } from 'node:path';
import { findRelayPosition } from '../src/binlog/relay';
import type { ClusterConfig } from '../src/config/schema';
import { buildDiff, relayLogIndexPath, type DiffFile, type DiffPartSpec } from '../src/failover/diff';
import { saveDeadMasterTail, type SavedTail } from '../src/failover/deadmaster';
import { parseIndexFile } from '../src/binlog/index-file';
import { withPool, type SshPool } from '../src/ssh/pool';
import { readRemoteText, remoteSource } from '../src/ssh/sftp';
import { errorMessage } from '../src/errors';
import type { BinlogCoordinates } from '../src/mysql/client';
import type { RelayLogCheck, RelayLogFact } from '../src/topology/types';
import { guarded } from './failure';

export interface SaveBinlogInput {
  cfg: ClusterConfig;
  deadMaster: string;
  /** The latest replica's read position on the dead master. */
  from: BinlogCoordinates;
  /** Hosts that receive a copy (every recovered replica). */
  targets: string[];
  runKey: string;
  dryRun: boolean;
  sshReachable: boolean;
}

export async function failoverSaveDeadMasterBinlog(input: SaveBinlogInput): Promise<SavedTail> {
  return guarded(async () => {
    if (!input.sshReachable) return { status: 'unavailable', from: input.from, reason: `${input.deadMaster} is not reachable over SSH` };
    const beat = setInterval(() => heartbeat(), 2000);
    try {
      return await withPool(input.cfg, (pool) => saveDeadMasterTail(pool, input.cfg, {
        dead: input.deadMaster, from: input.from, targets: input.targets, runKey: input.runKey, dryRun: input.dryRun,
      }));
    } finally {
      clearInterval(beat);
    }
  });
}

/** A relay-log lookup's answer, with where the events after the position start in that replica's relay logs. */
export interface RelayPositionFact extends RelayLogFact {
  relayFile?: string;
  relayPos?: number;
}

async function relayFiles(pool: SshPool, cfg: ClusterConfig, replica: string): Promise<string[]> {
  const index = await relayLogIndexPath(cfg, replica);
  return parseIndexFile(await readRemoteText(await pool.get(replica), index), index);
}

async function findOne(pool: SshPool, cfg: ClusterConfig, check: RelayLogCheck, files: string[]): Promise<RelayPositionFact> {
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

/** Look for each read position in the latest replicas' relay logs (MHA apply_diff_relay_logs --command=find). */
export async function failoverFindRelayPositions(input: { cfg: ClusterConfig; checks: RelayLogCheck[] }): Promise<RelayPositionFact[]> {
  return guarded(() => withPool(input.cfg, async (pool) => {
    const files = new Map<string, Promise<string[]>>();
    return Promise.all(input.checks.map(async (check) => {
      if (!files.has(check.replica)) files.set(check.replica, relayFiles(pool, input.cfg, check.replica));
      return findOne(pool, input.cfg, check, await files.get(check.replica)!);
    }));
  }));
}

export interface BuildDiffInput { cfg: ClusterConfig; target: string; runKey: string; parts: DiffPartSpec[] }

/** Generate `target`'s diff file on its host (exec_diff + read_diff + binlog_diff, in that order). */
export async function failoverBuildDiff(input: BuildDiffInput): Promise<DiffFile> {
  return guarded(async () => {
    const beat = setInterval(() => heartbeat(), 2000);
    try {
      return await binlogErrorsFinal(() => withPool(input.cfg, (pool) => buildDiff(pool, input.cfg, input.target, input.runKey, input.parts)));
    } finally {
      clearInterval(beat);
    }
  });
}
