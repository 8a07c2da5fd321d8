// Every activity the worker registers. One file per phase family.
export * from './topology';
export * from './check';
export * from './failover-check';
export * from './failover-fence';
export * from './failover-binlog';
export * from './failover-apply';
export * from './failover-promote';
export * from './failover-replicas';
export * from './switchover-check';
export * from './switchover-freeze';
export * from './switchover-replicas';
export * from './monitor';
export * from './rejoin-check';
export * from './rejoin-find';
export * from './rejoin-apply';
export * from './rejoin-repoint';
