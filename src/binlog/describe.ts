// One-line and JSON descriptions of events, for `mhaflow binlog list` and logs.
import type { BinlogEvent } from './reader';

export interface EventSummary {
  pos: number;
  endLogPos: number;
  type: string;
  typeCode: number;
  serverId: number;
  size: number;
  timestamp: number;
  gtid?: string;
  info?: string;
}

/** The GTID an event carries (MariaDB d-s-n, MySQL uuid:n), if any. */
export function eventGtid(ev: BinlogEvent): string | undefined {
  const b = ev.body;
  if (b?.kind === 'mariadb_gtid' || b?.kind === 'mysql_gtid') return b.gtid;
  return undefined;
}

/** Short human detail, like the tail of mysqlbinlog's header comment line. */
export function eventInfo(ev: BinlogEvent): string | undefined {
  const b = ev.body;
  if (!b) return undefined;
  switch (b.kind) {
    case 'format_description':
      return `server ${b.fde.serverVersion}, binlog v${b.fde.binlogVersion}, checksum ${b.fde.checksumAlg === 1 ? 'CRC32' : 'none'}`;
    case 'rotate': return `${b.nextFile}:${b.position}`;
    case 'query': return b.compressed ? '(compressed)' : oneLine(b.sql, b.sqlTruncated);
    case 'annotate_rows': return oneLine(b.sql, b.sqlTruncated);
    case 'xid': return `xid=${b.xid}`;
    case 'xa_prepare': return `XA PREPARE X'${b.gtrid.toString('hex')}',X'${b.bqual.toString('hex')}',${b.formatId}`;
    case 'table_map': return `\`${b.db}\`.\`${b.table}\` table_id=${b.tableId}`;
    case 'rows': return `table_id=${b.tableId}${b.flags & 1 ? ' STMT_END_F' : ''}`;
    case 'mysql_gtid': return b.anonymous ? 'anonymous' : undefined;
    case 'mariadb_gtid': return [b.standalone ? 'standalone' : 'trans', b.ddl ? 'ddl' : '', b.xa ? `xa-${b.xa}` : '',
      b.commitId !== undefined ? `cid=${b.commitId}` : ''].filter(Boolean).join(' ');
    case 'previous_gtids': return `[${b.gtidSet}]`;
    case 'gtid_list': return `[${b.gtids.map((g) => `${g.domain}-${g.server}-${g.seq}`).join(',')}]`;
    case 'binlog_checkpoint': return b.file;
    case 'heartbeat': return b.file;
    case 'incident': return `incident ${b.code}: ${b.message}`;
    case 'stop': return undefined;
  }
}

function oneLine(sql: string, truncated: boolean): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 120 || truncated ? `${s.slice(0, 120)}...` : s;
}

export function summarizeEvent(ev: BinlogEvent): EventSummary {
  const out: EventSummary = {
    pos: ev.pos, endLogPos: ev.endLogPos, type: ev.type, typeCode: ev.typeCode, serverId: ev.serverId,
    size: ev.size, timestamp: ev.timestamp,
  };
  const gtid = eventGtid(ev);
  if (gtid !== undefined) out.gtid = gtid;
  const info = eventInfo(ev);
  if (info !== undefined && info !== '') out.info = info;
  return out;
}

export function formatEventLine(s: EventSummary): string {
  const cols = [String(s.pos).padStart(10), String(s.endLogPos).padStart(10), s.type.padEnd(18), `server_id=${s.serverId}`];
  if (s.gtid) cols.push(`gtid=${s.gtid}`);
  if (s.info) cols.push(s.info);
  return cols.join('  ');
}
