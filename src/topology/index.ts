// The failover's pure decisions (latest/oldest replicas, candidates, new master, diff plans).
// Safe to import from workflow code: no I/O, no Node builtins.
export * from './types';
export {
  classifyServers, recoveryReplicas, replicatesFrom, replicationModeOf, identifyLatestAndOldest,
} from './replicas';
export {
  relayLogChecksNeeded, pickLatestBaseReplica, assessCandidates, chooseNewMaster, resolveServer,
  type AssessCandidatesInput, type ChooseNewMasterInput,
} from './candidates';
export { filtersOf, filterDifferences, filterOutliers, referenceFilters, FILTER_LABELS } from './filters';
export { planDiffs, type PlanDiffsInput } from './diffplan';
