// The check's rules, in the order their findings are reported (reachability first, SSH last).
import type { CheckContext } from '../context';
import type { CheckFinding } from '../types';
import { newMasterCandidates } from './candidates';
import { replicationFilters } from './filters';
import { flavorSettings, mixedReplicationModes, mysqlGtidSettings } from './gtid';
import { binlogDirectories, promotableServers, replicationUserMismatch } from './promotion';
import { replicaSettings } from './replicas';
import { semiSyncFallback } from './semisync';
import { duplicateIdentities, noMaster, unreachableServers } from './servers';
import { replicationSources, writableMasters } from './sources';
import { MIN_WORKDIR_FREE_BYTES, sshHosts } from './ssh';
import { replicationThreads } from './threads';

/** A rule reads the context and returns its findings (problems and warnings); it decides nothing else. */
export type CheckRule = (ctx: CheckContext) => CheckFinding[];

export const CHECK_RULES: readonly CheckRule[] = [
  unreachableServers,
  noMaster,
  replicationSources,
  writableMasters,
  duplicateIdentities,
  replicationThreads,
  mixedReplicationModes,
  mysqlGtidSettings,
  flavorSettings,
  replicationFilters,
  promotableServers,
  replicationUserMismatch,
  binlogDirectories,
  replicaSettings,
  semiSyncFallback,
  newMasterCandidates,
  sshHosts,
];

export {
  binlogDirectories, duplicateIdentities, flavorSettings, MIN_WORKDIR_FREE_BYTES, mixedReplicationModes, mysqlGtidSettings, newMasterCandidates,
  noMaster, promotableServers, replicaSettings, replicationFilters, replicationSources, replicationThreads, replicationUserMismatch, semiSyncFallback, sshHosts,
  unreachableServers, writableMasters,
};
