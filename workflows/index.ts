// Every workflow the worker registers (this file is what the worker bundles). One file per workflow.
export * from './discoverTopology';
export * from './checkReplication';
export * from './failover';
export * from './switchover';
export * from './monitor';
export * from './rejoin';
