// The binlog engine: read, locate, cut and ship differential logs. Everything here works on ByteSources
// (local file, SFTP ranged reads) and plain values; ship.ts and apply.ts add the SSH side.
export * from './constants';
export * from './errors';
export * from './source';
export * from './events';
export { BinlogReader, withReader, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_EVENT_SIZE } from './reader';
export type { BinlogEvent, Layout, DecodeMode, ReaderOptions, EventsOptions } from './reader';
export * from './describe';
export * from './gtid';
export * from './transactions';
export * from './tail';
export * from './relay';
export * from './ship';
export * from './apply';
export * from './remote';
