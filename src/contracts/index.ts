// The contracts of every workflow family, one module each.
export * from './common';
export * from './topology';
export * from './check';
export * from './failover';
export * from './rejoin';
