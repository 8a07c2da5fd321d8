// Binlog format v4 constants shared by MySQL and MariaDB: event type codes, the names SHOW BINLOG EVENTS
// uses for them, header layout and flags. Codes 0-42 are MySQL's (MariaDB shares 0-35), 160+ MariaDB's.

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]); // "\xfebin"
/** Events start right after the 4-byte magic. */
export const FIRST_EVENT_POS = 4;
/** v4 common header: timestamp(4) type(1) server_id(4) event_size(4) log_pos(4) flags(2). */
export const HEADER_LEN = 19;
export const CHECKSUM_LEN = 4;

export const EventType = {
  UNKNOWN: 0,
  START_V3: 1,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  LOAD: 6,
  SLAVE: 7,
  CREATE_FILE: 8,
  APPEND_BLOCK: 9,
  EXEC_LOAD: 10,
  DELETE_FILE: 11,
  NEW_LOAD: 12,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  BEGIN_LOAD_QUERY: 17,
  EXECUTE_LOAD_QUERY: 18,
  TABLE_MAP: 19,
  PRE_GA_WRITE_ROWS: 20,
  PRE_GA_UPDATE_ROWS: 21,
  PRE_GA_DELETE_ROWS: 22,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  ANNOTATE_ROWS: 160,
  BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  GTID_LIST: 163,
  START_ENCRYPTION: 164,
  QUERY_COMPRESSED: 165,
  WRITE_ROWS_COMPRESSED_V1: 166,
  UPDATE_ROWS_COMPRESSED_V1: 167,
  DELETE_ROWS_COMPRESSED_V1: 168,
  WRITE_ROWS_COMPRESSED: 169,
  UPDATE_ROWS_COMPRESSED: 170,
  DELETE_ROWS_COMPRESSED: 171,
} as const;
export type EventTypeCode = (typeof EventType)[keyof typeof EventType];

/** The Event_type names of SHOW BINLOG EVENTS (MariaDB's spelling where both servers have the event). */
const TYPE_NAMES: Record<number, string> = {
  0: 'Unknown', 1: 'Start_v3', 2: 'Query', 3: 'Stop', 4: 'Rotate', 5: 'Intvar', 6: 'Load', 7: 'Slave',
  8: 'Create_file', 9: 'Append_block', 10: 'Exec_load', 11: 'Delete_file', 12: 'New_load', 13: 'RAND',
  14: 'User var', 15: 'Format_desc', 16: 'Xid', 17: 'Begin_load_query', 18: 'Execute_load_query',
  19: 'Table_map', 20: 'Write_rows_event_old', 21: 'Update_rows_event_old', 22: 'Delete_rows_event_old',
  23: 'Write_rows_v1', 24: 'Update_rows_v1', 25: 'Delete_rows_v1', 26: 'Incident', 27: 'Heartbeat',
  28: 'Ignorable', 29: 'Rows_query', 30: 'Write_rows', 31: 'Update_rows', 32: 'Delete_rows', 33: 'Gtid',
  34: 'Anonymous_Gtid', 35: 'Previous_gtids', 36: 'Transaction_context', 37: 'View_change',
  38: 'XA_prepare', 39: 'Update_rows_partial', 40: 'Transaction_payload', 41: 'Heartbeat_v2',
  42: 'Gtid_tagged', 160: 'Annotate_rows', 161: 'Binlog_checkpoint', 162: 'Gtid', 163: 'Gtid_list',
  164: 'Start_encryption', 165: 'Query_compressed', 166: 'Write_rows_compressed_v1',
  167: 'Update_rows_compressed_v1', 168: 'Delete_rows_compressed_v1', 169: 'Write_rows_compressed',
  170: 'Update_rows_compressed', 171: 'Delete_rows_compressed',
};

export function eventTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `Unknown_${code}`;
}

export function isKnownEventType(code: number): boolean {
  return code !== EventType.UNKNOWN && code in TYPE_NAMES;
}

export type RowsAction = 'write' | 'update' | 'delete';

/** Rows events: action and layout version (1 = no extra-data, 2 = MySQL v2 with extra-data). */
export function rowsEventKind(code: number): { action: RowsAction; version: 1 | 2; compressed: boolean } | undefined {
  switch (code) {
    case EventType.PRE_GA_WRITE_ROWS: case EventType.WRITE_ROWS_V1: return { action: 'write', version: 1, compressed: false };
    case EventType.PRE_GA_UPDATE_ROWS: case EventType.UPDATE_ROWS_V1: return { action: 'update', version: 1, compressed: false };
    case EventType.PRE_GA_DELETE_ROWS: case EventType.DELETE_ROWS_V1: return { action: 'delete', version: 1, compressed: false };
    case EventType.WRITE_ROWS_V2: return { action: 'write', version: 2, compressed: false };
    case EventType.UPDATE_ROWS_V2: case EventType.PARTIAL_UPDATE_ROWS: return { action: 'update', version: 2, compressed: false };
    case EventType.DELETE_ROWS_V2: return { action: 'delete', version: 2, compressed: false };
    case EventType.WRITE_ROWS_COMPRESSED_V1: return { action: 'write', version: 1, compressed: true };
    case EventType.UPDATE_ROWS_COMPRESSED_V1: return { action: 'update', version: 1, compressed: true };
    case EventType.DELETE_ROWS_COMPRESSED_V1: return { action: 'delete', version: 1, compressed: true };
    case EventType.WRITE_ROWS_COMPRESSED: return { action: 'write', version: 2, compressed: true };
    case EventType.UPDATE_ROWS_COMPRESSED: return { action: 'update', version: 2, compressed: true };
    case EventType.DELETE_ROWS_COMPRESSED: return { action: 'delete', version: 2, compressed: true };
    default: return undefined;
  }
}

export const ChecksumAlg = { OFF: 0, CRC32: 1, UNDEF: 255 } as const;
export type ChecksumAlgCode = (typeof ChecksumAlg)[keyof typeof ChecksumAlg];

/** Header flags. */
export const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
export const LOG_EVENT_ARTIFICIAL_F = 0x20;
export const LOG_EVENT_RELAY_LOG_F = 0x40;
export const LOG_EVENT_IGNORABLE_F = 0x80;

/** Rows event flag: the last rows event of a statement. */
export const STMT_END_F = 0x1;

/** MariaDB Gtid_log_event flags2. */
export const MariaGtidFlag = {
  STANDALONE: 1,
  GROUP_COMMIT_ID: 2,
  TRANSACTIONAL: 4,
  ALLOW_PARALLEL: 8,
  WAITED: 16,
  DDL: 32,
  PREPARED_XA: 64,
  COMPLETED_XA: 128,
} as const;
