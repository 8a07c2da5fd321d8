// Transaction boundaries. A diff is applied, counted and resumed one transaction (event group) at a time,
// so we must know where each group starts and ends:
//   MariaDB: a Gtid event opens every group; without FL_STANDALONE it is a transaction ending at Xid,
//            COMMIT/ROLLBACK or XA_prepare (MariaDB writes no BEGIN event); with FL_STANDALONE it is one
//            statement (DDL) ending at the next Query.
//   MySQL 5.7+: Gtid/Anonymous_gtid, then BEGIN..Xid/COMMIT, or one statement (DDL), or a
//            Transaction_payload (compressed transaction).
//   No GTID events (MySQL 5.6 and older): BEGIN..Xid/COMMIT, or a single statement.
// A group whose start lies before the scanned range is a "continuation"; one that never ends because
// another group starts (a relay log after a reconnect re-fetched it) is "abandoned" and must not be applied.
import { EventType, STMT_END_F, rowsEventKind } from './constants';
import type { FormatDescription } from './events';
import type { BinlogEvent, BinlogReader, EventsOptions } from './reader';

export type TransactionKind =
  /** BEGIN..COMMIT, Xid, or a MariaDB non-standalone group. */
  | 'transaction'
  /** One statement on its own (DDL, non-transactional statement, XA COMMIT). */
  | 'statement'
  /** XA PREPARE: the group ends prepared, the XA COMMIT/ROLLBACK is another group. */
  | 'xa-prepare'
  /** The rest of a group that began before the scanned range. */
  | 'continuation';

export interface Transaction {
  /** Order among the groups of this scan, from 0. */
  index: number;
  kind: TransactionKind;
  /** First event (Gtid, BEGIN, or the first event of the range for a continuation). */
  startPos: number;
  /** End of the last event: where the next group may start. */
  endPos: number;
  /** end_log_pos of the last event (in a relay log: the master's coordinate). */
  endLogPos: number;
  /** MariaDB "domain-server-seq" or MySQL "uuid:gno" when the group has a GTID event. */
  gtid?: string;
  events: number;
  /** False for an abandoned group or the unfinished tail of the range. */
  complete: boolean;
  /** Another group started before this one ended. */
  abandoned?: boolean;
  /** Timestamp of the first event (seconds). */
  timestamp: number;
}

type Mode =
  /** Inside a transaction: ends at Xid, COMMIT/ROLLBACK, XA_prepare. */
  | 'trx'
  /** MariaDB standalone: ends at the next statement. */
  | 'standalone'
  /** MySQL Gtid seen: BEGIN makes it 'trx', a statement ends it. */
  | 'after-gtid'
  /** Began before the range: ends at an end event, or before the next group start. */
  | 'continuation'
  /** No GTID events, no BEGIN: a statement with its Intvar/Rand/User_var/rows events. */
  | 'implicit';

type Role = 'meta' | 'gtid' | 'begin' | 'end' | 'statement' | 'rows-end' | 'body' | 'unknown';

interface OpenGroup {
  mode: Mode;
  startPos: number;
  gtid?: string;
  events: number;
  timestamp: number;
  lastRole: Role;
  lastEndLogPos?: number;
  xaPrepare: boolean;
}

const META_TYPES = new Set<number>([
  EventType.FORMAT_DESCRIPTION, EventType.ROTATE, EventType.STOP, EventType.PREVIOUS_GTIDS, EventType.GTID_LIST,
  EventType.BINLOG_CHECKPOINT, EventType.HEARTBEAT, EventType.HEARTBEAT_V2, EventType.INCIDENT,
  EventType.IGNORABLE, EventType.START_V3,
]);
const BODY_TYPES = new Set<number>([
  EventType.INTVAR, EventType.RAND, EventType.USER_VAR, EventType.TABLE_MAP, EventType.ANNOTATE_ROWS,
  EventType.ROWS_QUERY, EventType.BEGIN_LOAD_QUERY, EventType.EXECUTE_LOAD_QUERY, EventType.APPEND_BLOCK,
  EventType.DELETE_FILE, EventType.CREATE_FILE, EventType.EXEC_LOAD, EventType.LOAD, EventType.NEW_LOAD,
  EventType.TRANSACTION_CONTEXT, EventType.VIEW_CHANGE,
]);

const BEGIN_RE = /^\s*(BEGIN|START\s+TRANSACTION|XA\s+(START|BEGIN)\b)/i;
const END_RE = /^\s*(COMMIT|ROLLBACK|XA\s+(COMMIT|ROLLBACK)\b)\s*([;\s].*)?$/is;
const ROLLBACK_TO_RE = /^\s*ROLLBACK\s+(WORK\s+)?TO\b/i;

/** The part an event plays in delimiting groups. */
export function eventRole(ev: BinlogEvent): Role {
  const t = ev.typeCode;
  if (t === EventType.MARIADB_GTID || t === EventType.GTID || t === EventType.ANONYMOUS_GTID || t === EventType.GTID_TAGGED) return 'gtid';
  if (t === EventType.XID || t === EventType.XA_PREPARE || t === EventType.TRANSACTION_PAYLOAD) return 'end';
  if (t === EventType.QUERY || t === EventType.QUERY_COMPRESSED) return queryRole(ev);
  if (META_TYPES.has(t)) return 'meta';
  if (BODY_TYPES.has(t)) return 'body';
  if (rowsEventKind(t)) return ev.body?.kind === 'rows' && ev.body.flags & STMT_END_F ? 'rows-end' : 'body';
  return 'unknown';
}

function queryRole(ev: BinlogEvent): Role {
  const b = ev.body;
  if (b?.kind !== 'query' || b.compressed) return 'statement';
  if (BEGIN_RE.test(b.sql)) return 'begin';
  if (END_RE.test(b.sql) && !ROLLBACK_TO_RE.test(b.sql)) return 'end';
  return 'statement';
}

/** Whether this server writes a GTID event before every group (MariaDB 10.0.2+, MySQL 5.7+). */
export function writesGtidEvents(fde: Pick<FormatDescription, 'serverVersion' | 'flavor'>): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(fde.serverVersion);
  if (!m) return false;
  const v = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  return fde.flavor === 'mariadb' ? v >= 100002 : v >= 50706;
}

/**
 * Feed events in order; get back each group as it ends. `safeEnd` is the end of the last complete
 * group or of any event outside a group: the furthest point a diff can be cut without splitting a group.
 */
export class TransactionTracker {
  private open?: OpenGroup;
  private index = 0;
  safeEnd: number;

  constructor(startPos: number, private expectGtids: boolean) {
    this.safeEnd = startPos;
  }

  /** A new Format_description may change the flavor (a relay log's master FDE). */
  setExpectGtids(v: boolean): void { this.expectGtids = v; }

  get openGroup(): Readonly<OpenGroup> | undefined { return this.open; }

  push(ev: BinlogEvent): Transaction[] {
    const role = eventRole(ev);
    const out: Transaction[] = [];
    const g = this.open;
    if (!g) {
      this.startGroup(ev, role, out);
    } else {
      this.continueGroup(g, ev, role, out);
    }
    return out;
  }

  /** The unfinished group at the end of the range, if any (complete = false). */
  finish(endPos: number, endLogPos: number): Transaction | undefined {
    const g = this.open;
    if (!g) return undefined;
    this.open = undefined;
    return this.make(g, endPos, endLogPos, false);
  }

  private startGroup(ev: BinlogEvent, role: Role, out: Transaction[]): void {
    const base = { startPos: ev.pos, events: 1, timestamp: ev.timestamp, lastRole: role, xaPrepare: false };
    switch (role) {
      case 'meta': case 'unknown':
        this.safeEnd = ev.nextPos;
        return;
      case 'gtid': {
        const b = ev.body;
        const gtid = b?.kind === 'mariadb_gtid' || b?.kind === 'mysql_gtid' ? b.gtid : undefined;
        const mode: Mode = b?.kind === 'mariadb_gtid' ? (b.standalone ? 'standalone' : 'trx') : 'after-gtid';
        this.open = { ...base, mode, gtid };
        return;
      }
      case 'begin':
        this.open = { ...base, mode: 'trx' };
        return;
      case 'end':
        // An end with nothing open: the tail of a group that began before the range.
        this.complete({ ...base, mode: 'continuation', xaPrepare: ev.typeCode === EventType.XA_PREPARE }, ev, out);
        return;
      case 'statement':
        if (this.expectGtids) this.open = { ...base, mode: 'continuation' };
        else this.complete({ ...base, mode: 'implicit' }, ev, out);
        return;
      case 'rows-end':
        if (this.expectGtids) this.open = { ...base, mode: 'continuation' };
        else this.complete({ ...base, mode: 'implicit' }, ev, out);
        return;
      case 'body':
        this.open = { ...base, mode: this.expectGtids ? 'continuation' : 'implicit' };
        return;
    }
  }

  private continueGroup(g: OpenGroup, ev: BinlogEvent, role: Role, out: Transaction[]): void {
    // BEGIN right after a group's Gtid event belongs to it; anywhere else it starts a new group.
    const beginsOwnGroup = role === 'begin' && !(g.events === 1 && g.gtid !== undefined) && g.mode !== 'after-gtid';
    if (role === 'gtid' || beginsOwnGroup) {
      // A new group starts while this one is open: a continuation that ended with a statement was
      // complete (a DDL whose Gtid lay before the range); anything else never got its end.
      if (g.mode === 'continuation' && g.lastRole === 'statement') out.push(this.make(g, ev.pos, g.lastEndLogPos ?? ev.endLogPos, true));
      else out.push({ ...this.make(g, ev.pos, g.lastEndLogPos ?? ev.endLogPos, false), abandoned: true });
      this.open = undefined;
      this.startGroup(ev, role, out);
      return;
    }
    g.events++;
    g.lastRole = role;
    g.lastEndLogPos = ev.endLogPos;
    const ends = this.endsGroup(g, role);
    if (role === 'begin') g.mode = 'trx';
    if (ends) {
      g.xaPrepare = ev.typeCode === EventType.XA_PREPARE;
      this.complete(g, ev, out);
    }
  }

  private endsGroup(g: OpenGroup, role: Role): boolean {
    switch (g.mode) {
      case 'trx': case 'continuation': return role === 'end';
      case 'standalone': case 'after-gtid': return role === 'end' || role === 'statement';
      case 'implicit': return role === 'end' || role === 'statement' || role === 'rows-end';
    }
  }

  private complete(g: OpenGroup, ev: BinlogEvent, out: Transaction[]): void {
    this.open = undefined;
    this.safeEnd = ev.nextPos;
    out.push(this.make(g, ev.nextPos, ev.endLogPos, true));
  }

  private make(g: OpenGroup, endPos: number, endLogPos: number, complete: boolean): Transaction {
    const kind: TransactionKind = g.mode === 'continuation' ? 'continuation'
      : g.xaPrepare ? 'xa-prepare'
        : g.mode === 'trx' ? 'transaction' : 'statement';
    const t: Transaction = { index: this.index++, kind, startPos: g.startPos, endPos, endLogPos, events: g.events, complete, timestamp: g.timestamp };
    if (g.gtid !== undefined) t.gtid = g.gtid;
    return t;
  }
}

export interface TransactionScanOptions extends EventsOptions {
  /** Also yield the unfinished group at the end of the range (complete = false). */
  includeIncomplete?: boolean;
}

/**
 * The groups of a range of one file, in order. The reader should decode at least 'boundaries'.
 * Abandoned groups are yielded with complete = false, abandoned = true.
 */
export async function* iterateTransactions(reader: BinlogReader, opts: TransactionScanOptions = {}): AsyncGenerator<Transaction> {
  let fde = opts.fde ?? (opts.from && opts.from > 4 ? await reader.governingFde(opts.from) : reader.fde);
  const tracker = new TransactionTracker(opts.from ?? 4, writesGtidEvents(fde));
  let last: BinlogEvent | undefined;
  for await (const ev of reader.events({ ...opts, fde })) {
    if (ev.body?.kind === 'format_description' && ev.body.fde !== fde) {
      fde = ev.body.fde;
      tracker.setExpectGtids(writesGtidEvents(fde));
    }
    yield* tracker.push(ev);
    last = ev;
  }
  if (opts.includeIncomplete && last) {
    const t = tracker.finish(last.nextPos, last.endLogPos);
    if (t) yield t;
  }
}

export interface TransactionCounts {
  complete: number;
  abandoned: number;
  /** The group still open at the end of the range. */
  incompleteTail?: Transaction;
  byKind: Record<TransactionKind, number>;
}

/** Count the groups of a range (for progress and for the "N transactions applied" check). */
export async function countTransactions(reader: BinlogReader, opts: EventsOptions = {}): Promise<TransactionCounts> {
  const counts: TransactionCounts = { complete: 0, abandoned: 0, byKind: { transaction: 0, statement: 0, 'xa-prepare': 0, continuation: 0 } };
  for await (const t of iterateTransactions(reader, { ...opts, includeIncomplete: true })) {
    if (t.abandoned) counts.abandoned++;
    else if (!t.complete) counts.incompleteTail = t;
    else {
      counts.complete++;
      counts.byKind[t.kind]++;
    }
  }
  return counts;
}
