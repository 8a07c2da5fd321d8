// Every activity the worker registers. One file per phase family.
export * from './topology';
export * from './check';
