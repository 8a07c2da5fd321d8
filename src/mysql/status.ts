// Normalising SHOW REPLICA STATUS / SHOW SLAVE STATUS rows of MySQL 5.7/8.x and MariaDB 10.x
// into one shape, so the rest of the code never sees flavor-specific column names.

export type Flavor = 'mysql' | 'mariadb';

/** The six Replicate_* filters of SHOW REPLICA STATUS, each as a comma-separated list. */
export interface ReplicationFilters {
  replicateDoDb: string;
  replicateIgnoreDb: string;
  replicateDoTable: string;
  replicateIgnoreTable: string;
  replicateWildDoTable: string;
  replicateWildIgnoreTable: string;
}

export interface ReplicaStatus extends ReplicationFilters {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
  /** The source's binlog file the IO thread is reading (Master_Log_File / Source_Log_File). */
  sourceLogFile: string;
  /** How far the IO thread has read in sourceLogFile (Read_Master_Log_Pos). */
  readSourceLogPos: number;
  relayLogFile: string;
  relayLogPos: number;
  /** The source's binlog file of the last executed event (Relay_Master_Log_File). */
  relaySourceLogFile: string;
  /** Executed position in relaySourceLogFile (Exec_Master_Log_Pos). */
  execSourceLogPos: number;
  ioRunning: 'Yes' | 'No' | 'Connecting';
  sqlRunning: boolean;
  /** What the SQL thread is doing (Replica_SQL_Running_State / Slave_SQL_Running_State), e.g. "... has read all relay log; ...". */
  sqlRunningState?: string;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  secondsBehindSource: number | null;
  sourceServerId: number | null;
  /** MySQL only: the source's server_uuid (Source_UUID / Master_UUID); the UUID of the GTIDs it writes. */
  sourceUuid?: string;
  /** MySQL: Auto_Position=1. MariaDB: Using_Gtid = Slave_Pos or Current_Pos. */
  autoPosition: boolean;
  /** MariaDB only: No, Slave_Pos, Current_Pos. */
  usingGtid?: string;
  /** MySQL only. */
  retrievedGtidSet?: string;
  executedGtidSet?: string;
  /** MariaDB only: Gtid_IO_Pos. */
  gtidIoPos?: string;
  sqlDelay: number;
  channelName?: string;
  connectionName?: string;
}

type Row = Record<string, unknown>;

/** The first column present among the candidate names (MySQL 8 "Source"/"Replica", older "Master"/"Slave"). */
function pick(row: Row, ...names: string[]): unknown {
  for (const n of names) if (n in row && row[n] !== undefined) return row[n];
  return undefined;
}
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown) => (v === null || v === undefined || v === '' ? 0 : Number(v));

export function normalizeReplicaStatus(row: Row): ReplicaStatus {
  const io = str(pick(row, 'Replica_IO_Running', 'Slave_IO_Running'));
  const sbm = pick(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master');
  const usingGtid = pick(row, 'Using_Gtid');
  const autoPos = pick(row, 'Auto_Position');
  const sourceServerId = pick(row, 'Source_Server_Id', 'Master_Server_Id');
  return {
    sourceHost: str(pick(row, 'Source_Host', 'Master_Host')),
    sourcePort: num(pick(row, 'Source_Port', 'Master_Port')),
    sourceUser: str(pick(row, 'Source_User', 'Master_User')),
    sourceLogFile: str(pick(row, 'Source_Log_File', 'Master_Log_File')),
    readSourceLogPos: num(pick(row, 'Read_Source_Log_Pos', 'Read_Master_Log_Pos')),
    relayLogFile: str(pick(row, 'Relay_Log_File')),
    relayLogPos: num(pick(row, 'Relay_Log_Pos')),
    relaySourceLogFile: str(pick(row, 'Relay_Source_Log_File', 'Relay_Master_Log_File')),
    execSourceLogPos: num(pick(row, 'Exec_Source_Log_Pos', 'Exec_Master_Log_Pos')),
    ioRunning: io === 'Yes' ? 'Yes' : io === 'Connecting' ? 'Connecting' : 'No',
    sqlRunning: str(pick(row, 'Replica_SQL_Running', 'Slave_SQL_Running')) === 'Yes',
    ...(pick(row, 'Replica_SQL_Running_State', 'Slave_SQL_Running_State') !== undefined
      ? { sqlRunningState: str(pick(row, 'Replica_SQL_Running_State', 'Slave_SQL_Running_State')) } : {}),
    lastIoErrno: num(pick(row, 'Last_IO_Errno')),
    lastIoError: str(pick(row, 'Last_IO_Error')),
    lastSqlErrno: num(pick(row, 'Last_SQL_Errno')),
    lastSqlError: str(pick(row, 'Last_SQL_Error')),
    secondsBehindSource: sbm === null || sbm === undefined || sbm === '' ? null : Number(sbm),
    sourceServerId: sourceServerId === undefined || sourceServerId === null ? null : Number(sourceServerId),
    ...(pick(row, 'Source_UUID', 'Master_UUID') ? { sourceUuid: str(pick(row, 'Source_UUID', 'Master_UUID')) } : {}),
    autoPosition: usingGtid !== undefined ? str(usingGtid) !== 'No' && str(usingGtid) !== '' : num(autoPos) === 1,
    ...(usingGtid !== undefined ? { usingGtid: str(usingGtid) } : {}),
    ...(pick(row, 'Retrieved_Gtid_Set') !== undefined ? { retrievedGtidSet: str(pick(row, 'Retrieved_Gtid_Set')).replace(/\s+/g, '') } : {}),
    ...(pick(row, 'Executed_Gtid_Set') !== undefined ? { executedGtidSet: str(pick(row, 'Executed_Gtid_Set')).replace(/\s+/g, '') } : {}),
    ...(pick(row, 'Gtid_IO_Pos') !== undefined ? { gtidIoPos: str(pick(row, 'Gtid_IO_Pos')) } : {}),
    replicateDoDb: str(pick(row, 'Replicate_Do_DB')),
    replicateIgnoreDb: str(pick(row, 'Replicate_Ignore_DB')),
    replicateDoTable: str(pick(row, 'Replicate_Do_Table')),
    replicateIgnoreTable: str(pick(row, 'Replicate_Ignore_Table')),
    replicateWildDoTable: str(pick(row, 'Replicate_Wild_Do_Table')),
    replicateWildIgnoreTable: str(pick(row, 'Replicate_Wild_Ignore_Table')),
    sqlDelay: num(pick(row, 'SQL_Delay')),
    ...(pick(row, 'Channel_Name') !== undefined ? { channelName: str(pick(row, 'Channel_Name')) } : {}),
    ...(pick(row, 'Connection_name') !== undefined ? { connectionName: str(pick(row, 'Connection_name')) } : {}),
  };
}

export function flavorOf(version: string): Flavor {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

/** "10.11.6-MariaDB-0+deb12u1-log" -> [10, 11, 6]. */
export function parseVersion(version: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** "10.11" style major version, used to forbid promoting a server older than the oldest replica. */
export function majorVersion(version: string): string {
  const [a, b] = parseVersion(version);
  return `${a}.${b}`;
}

export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  for (let i = 0; i < 3; i++) if (va[i] !== vb[i]) return va[i]! - vb[i]!;
  return 0;
}
