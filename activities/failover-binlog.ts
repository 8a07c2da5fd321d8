// Failover phases 3.2-3.4: save the dead master's binlog tail onto the hosts that will need it, find
// read positions in the latest replica's relay logs, and generate each target's diff file on its host.
// Bytes go host to host through the worker; only coordinates, counts and sha256 come back.
import type { SavedTail } from '../src/failover/deadmaster';
import { saveDeadMasterTail } from '../src/failover/deadmaster';
import type { RelayPositionFact } from '../src/failover/decisions';
import { buildDiff, type DiffFile, type DiffPartSpec } from '../src/failover/diff';
import { binlogErrorsFinal } from '../src/failover/errors';
import { findRelayPositions } from '../src/failover/relay-positions';
import type { BinlogCoordinates } from '../src/mysql/client';
import { withPool } from '../src/ssh/pool';
import type { RelayLogCheck } from '../src/topology/types';
import { clusterOf, guarded, type ClusterInput } from './failure';

export interface SaveBinlogInput extends ClusterInput {
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
    const cfg = clusterOf(input);
    return withPool(cfg, (pool) => saveDeadMasterTail(pool, cfg, {
      dead: input.deadMaster, from: input.from, targets: input.targets, runKey: input.runKey, dryRun: input.dryRun,
    }));
  });
}


/** Look for each read position in the latest replicas' relay logs (MHA apply_diff_relay_logs --command=find). */
export async function failoverFindRelayPositions(input: ClusterInput & { checks: RelayLogCheck[] }): Promise<RelayPositionFact[]> {
  return guarded(() => {
    const cfg = clusterOf(input);
    return withPool(cfg, (pool) => findRelayPositions(pool, cfg, input.checks));
  });
}

export interface BuildDiffInput extends ClusterInput { target: string; runKey: string; parts: DiffPartSpec[] }

/** Generate `target`'s diff file on its host (exec_diff + read_diff + binlog_diff, in that order). */
export async function failoverBuildDiff(input: BuildDiffInput): Promise<DiffFile> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    return binlogErrorsFinal(() => withPool(cfg, (pool) => buildDiff(pool, cfg, input.target, input.runKey, input.parts)));
  });
}
