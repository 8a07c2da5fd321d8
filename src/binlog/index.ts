// The binlog engine: read, locate, cut and join differential logs; GTID and coordinates arithmetic.
// Everything here works on ByteSources (local file, SFTP ranged reads: src/ssh/sftp) and plain values. The
// failover locates, writes and applies its diff files with src/failover (diff.ts, deadmaster.ts, apply.ts).
export * from './constants';
export * from './errors';
export * from './source';
export * from './events';
export { BinlogReader, withReader, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_EVENT_SIZE } from './reader';
export type { BinlogEvent, Layout, DecodeMode, ReaderOptions, EventsOptions } from './reader';
export * from './describe';
export * from './coordinates';
export * from './gtid';
export * from './transactions';
export * from './tail';
export * from './relay';
export * from './rewrite';
export * from './index-file';
export * from './rows';
export * from './inventory';
