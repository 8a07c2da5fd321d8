// The binlog engine: read, locate and cut differential logs. Everything here works on ByteSources
// (local file, SFTP ranged reads) and plain values. The failover builds, writes and applies its diff files
// with src/failover (diff.ts, remote.ts, apply.ts); ship.ts and remote.ts here serve bench/binlog-scan.ts.
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
export { shipDiff } from './ship';
export type { RemoteHost, ShipPart, ShipOptions, ShipResult } from './ship';
export { remoteFileSource } from './remote';
