// GTID arithmetic for both flavors. Pure functions on plain values, safe in workflow code (no I/O, no
// Node builtins): the failover's decisions (src/topology) compare GTID states with it.
//
// MySQL: a GTID set is "uuid:1-5:7,uuid2:1-3" (8.4 adds tags: "uuid:1-5:tag:1-2"). Sets support the
// whole algebra: union, subtract, contains.
// MariaDB: a GTID is "domain-server-seq"; a position (gtid_binlog_pos, gtid_slave_pos) keeps the last
// GTID per domain. Within a domain, sequence numbers grow; the server id only says who wrote it. So
// positions compare per domain by seq, and a "union" is the per-domain maximum. The same seq written by
// two servers in one domain is two histories: diverged.
//
// Reading text: parseMysqlGtidSet / parseMariaGtidList validate (a malformed piece is a BinlogError);
// with { lenient: true } a malformed piece is left out instead. The *Text helpers read what servers
// print, leniently: a status string must never stop a failover's decisions (they only ever see text a
// server printed, which is well formed; whitespace and newlines, upper case and 8.4 tags are read as such).
import { BinlogError } from '../errors';

export interface GtidParseOptions {
  /** Leave malformed pieces out instead of throwing. */
  lenient?: boolean;
}

/** How one GTID state relates to another: a has more (ahead), less (behind), or each has some the other lacks. */
export type GtidOrder = 'equal' | 'ahead' | 'behind' | 'diverged';

// ---------------------------------------------------------------------------------------------------
// MySQL GTID sets

/** Inclusive interval of transaction numbers. */
export interface GnoInterval { start: bigint; end: bigint }

/** uuid (lower case) or "uuid:tag" -> sorted, merged, non-adjacent intervals. */
export type MysqlGtidSet = Map<string, GnoInterval[]>;

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const TAG_RE = /^[a-z_][a-z0-9_]{0,31}$/i;
const INTERVAL_RE = /^(\d+)(?:-(\d+))?$/;
const MAX_GNO = 2n ** 63n - 1n;

function canonicalUuid(u: string): string {
  const h = u.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function gtidError(text: string, why: string): BinlogError {
  return new BinlogError(`invalid GTID set "${text.length > 200 ? `${text.slice(0, 200)}...` : text}": ${why}`, {
    hint: 'MySQL form: uuid:1-5:7,uuid2:1-3; MariaDB form: domain-server-seq,domain-server-seq',
  });
}

/**
 * Parse gtid_executed text (whitespace and newlines allowed, as SHOW REPLICA STATUS prints it). With
 * { lenient }, an element with a bad uuid, a bad interval, or the intervals after a bad tag are left out.
 */
export function parseMysqlGtidSet(text: string, opts: GtidParseOptions = {}): MysqlGtidSet {
  const set: MysqlGtidSet = new Map();
  const invalid = (why: string): void => {
    if (!opts.lenient) throw gtidError(text, why);
  };
  for (const element of text.replace(/\s+/g, '').split(',')) {
    if (element === '') continue;
    const [uuid = '', ...parts] = element.split(':');
    if (!UUID_RE.test(uuid)) { invalid(`"${uuid}" is not a server uuid`); continue; }
    if (parts.length === 0) { invalid(`${uuid} has no transaction numbers`); continue; }
    const base = canonicalUuid(uuid);
    let key: string | undefined = base;
    for (const p of parts) {
      const m = INTERVAL_RE.exec(p);
      if (m) {
        const start = BigInt(m[1]!);
        const end = m[2] !== undefined ? BigInt(m[2]) : start;
        if (start < 1n || end < start || end > MAX_GNO) invalid(`bad interval ${p}`);
        else if (key) addInterval(set, key, { start, end });
      } else if (TAG_RE.test(p)) {
        key = `${base}:${p.toLowerCase()}`;
      } else {
        invalid(`bad interval or tag "${p}"`);
        key = undefined;
      }
    }
  }
  return set;
}

function addInterval(set: MysqlGtidSet, key: string, iv: GnoInterval): void {
  set.set(key, normalize([...(set.get(key) ?? []), iv]));
}

/** Sort and merge overlapping or adjacent intervals. */
function normalize(ivs: GnoInterval[]): GnoInterval[] {
  const sorted = [...ivs].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: GnoInterval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end + 1n) {
      if (iv.end > last.end) last.end = iv.end;
    } else out.push({ ...iv });
  }
  return out;
}

/** Canonical text: uuids sorted, untagged intervals first then tags sorted, like MySQL prints. */
export function formatMysqlGtidSet(set: MysqlGtidSet): string {
  const byUuid = new Map<string, { tag: string; ivs: GnoInterval[] }[]>();
  for (const [key, ivs] of set) {
    if (ivs.length === 0) continue;
    const [uuid, tag = ''] = key.split(/:(.*)/s);
    const list = byUuid.get(uuid!) ?? [];
    list.push({ tag, ivs });
    byUuid.set(uuid!, list);
  }
  return [...byUuid.keys()].sort().map((uuid) => {
    const parts = byUuid.get(uuid)!.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    return [uuid, ...parts.flatMap((p) => [...(p.tag ? [p.tag] : []), ...p.ivs.map(formatInterval)])].join(':');
  }).join(',');
}

function formatInterval(iv: GnoInterval): string {
  return iv.start === iv.end ? `${iv.start}` : `${iv.start}-${iv.end}`;
}

export function mysqlGtidUnion(a: MysqlGtidSet, b: MysqlGtidSet): MysqlGtidSet {
  const out: MysqlGtidSet = new Map();
  for (const s of [a, b]) for (const [k, ivs] of s) out.set(k, normalize([...(out.get(k) ?? []), ...ivs]));
  return out;
}

/** Transactions in a that are not in b. */
export function mysqlGtidSubtract(a: MysqlGtidSet, b: MysqlGtidSet): MysqlGtidSet {
  const out: MysqlGtidSet = new Map();
  for (const [k, ivs] of a) {
    const rest = subtractIntervals(ivs, b.get(k) ?? []);
    if (rest.length) out.set(k, rest);
  }
  return out;
}

function subtractIntervals(a: GnoInterval[], b: GnoInterval[]): GnoInterval[] {
  const out: GnoInterval[] = [];
  for (const iv of a) {
    let pieces: GnoInterval[] = [{ ...iv }];
    for (const cut of b) {
      if (cut.end < iv.start || cut.start > iv.end) continue;
      pieces = pieces.flatMap((p) => {
        if (cut.end < p.start || cut.start > p.end) return [p];
        const left = cut.start > p.start ? [{ start: p.start, end: cut.start - 1n }] : [];
        const right = cut.end < p.end ? [{ start: cut.end + 1n, end: p.end }] : [];
        return [...left, ...right];
      });
    }
    out.push(...pieces);
  }
  return out;
}

export function mysqlGtidIsEmpty(s: MysqlGtidSet): boolean {
  for (const ivs of s.values()) if (ivs.length) return false;
  return true;
}

/** Every transaction of `sub` is in `sup`. */
export function mysqlGtidContains(sup: MysqlGtidSet, sub: MysqlGtidSet): boolean {
  return mysqlGtidIsEmpty(mysqlGtidSubtract(sub, sup));
}

export function mysqlGtidEquals(a: MysqlGtidSet, b: MysqlGtidSet): boolean {
  return formatMysqlGtidSet(a) === formatMysqlGtidSet(b);
}

/** Number of transactions in the set. */
export function mysqlGtidCount(s: MysqlGtidSet): bigint {
  let n = 0n;
  for (const ivs of s.values()) for (const iv of ivs) n += iv.end - iv.start + 1n;
  return n;
}

export type SetRelation = 'equal' | 'subset' | 'superset' | 'disjoint' | 'overlap';

/** How a relates to b: subset = a is strictly contained in b. */
export function compareMysqlGtidSets(a: MysqlGtidSet, b: MysqlGtidSet): SetRelation {
  const aInB = mysqlGtidContains(b, a);
  const bInA = mysqlGtidContains(a, b);
  if (aInB && bInA) return 'equal';
  if (aInB) return 'subset';
  if (bInA) return 'superset';
  const common = mysqlGtidSubtract(a, mysqlGtidSubtract(a, b));
  return mysqlGtidIsEmpty(common) ? 'disjoint' : 'overlap';
}

const ORDER_OF_RELATION: Record<SetRelation, GtidOrder> = {
  equal: 'equal', superset: 'ahead', subset: 'behind', disjoint: 'diverged', overlap: 'diverged',
};

/** compareMysqlGtidSets as a GtidOrder: a superset is ahead, a subset behind, anything else diverged. */
export function mysqlGtidOrder(a: MysqlGtidSet, b: MysqlGtidSet): GtidOrder {
  return ORDER_OF_RELATION[compareMysqlGtidSets(a, b)];
}

const readMysql = (text: string): MysqlGtidSet => parseMysqlGtidSet(text, { lenient: true });

/** The algebra on text as servers print it (read leniently), returning canonical text. */
export const mysqlGtidText = {
  union: (a: string, b: string): string => formatMysqlGtidSet(mysqlGtidUnion(readMysql(a), readMysql(b))),
  subtract: (a: string, b: string): string => formatMysqlGtidSet(mysqlGtidSubtract(readMysql(a), readMysql(b))),
  contains: (sup: string, sub: string): boolean => mysqlGtidContains(readMysql(sup), readMysql(sub)),
  equals: (a: string, b: string): boolean => mysqlGtidEquals(readMysql(a), readMysql(b)),
  compare: (a: string, b: string): SetRelation => compareMysqlGtidSets(readMysql(a), readMysql(b)),
  order: (a: string, b: string): GtidOrder => mysqlGtidOrder(readMysql(a), readMysql(b)),
  canonical: (a: string): string => formatMysqlGtidSet(readMysql(a)),
};

// ---------------------------------------------------------------------------------------------------
// MariaDB GTID positions

export interface MariaGtid { domain: number; server: number; seq: bigint }

const MARIA_GTID_RE = /^(\d+)-(\d+)-(\d+)$/;
const U32_MAX = 2 ** 32 - 1;
const U64_MAX = 2n ** 64n - 1n;

/** The GTID, or why `text` is not one. */
function readMariaGtid(text: string): MariaGtid | string {
  const m = MARIA_GTID_RE.exec(text.trim());
  if (!m) return 'expected domain-server-seq';
  const domain = Number(m[1]);
  const server = Number(m[2]);
  const seq = BigInt(m[3]!);
  if (domain > U32_MAX || server > U32_MAX || seq > U64_MAX) return 'number out of range';
  return { domain, server, seq };
}

export function parseMariaGtid(text: string): MariaGtid {
  const g = readMariaGtid(text);
  if (typeof g === 'string') throw gtidError(text, g);
  return g;
}

export function formatMariaGtid(g: MariaGtid): string {
  return `${g.domain}-${g.server}-${g.seq}`;
}

/**
 * A comma-separated list as the server prints it (gtid_binlog_pos, gtid_binlog_state, Gtid_IO_Pos).
 * With { lenient }, a malformed GTID is left out.
 */
export function parseMariaGtidList(text: string, opts: GtidParseOptions = {}): MariaGtid[] {
  const out: MariaGtid[] = [];
  for (const item of text.replace(/\s+/g, '').split(',')) {
    if (item === '') continue;
    const g = readMariaGtid(item);
    if (typeof g !== 'string') out.push(g);
    else if (!opts.lenient) throw gtidError(item, g);
  }
  return out;
}

/** Sorted by domain, then server (the server's own order). */
export function formatMariaGtidList(list: MariaGtid[]): string {
  return [...list].sort((a, b) => a.domain - b.domain || a.server - b.server || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
    .map(formatMariaGtid).join(',');
}

/**
 * A position: the last GTID per domain (highest seq; a list with several servers in a domain, like
 * gtid_binlog_state, collapses to the one with the highest seq, the first of equals).
 */
export type MariaGtidPos = Map<number, MariaGtid>;

export function mariaGtidPos(list: MariaGtid[] | string, opts: GtidParseOptions = {}): MariaGtidPos {
  const items = typeof list === 'string' ? parseMariaGtidList(list, opts) : list;
  const pos: MariaGtidPos = new Map();
  for (const g of items) {
    const cur = pos.get(g.domain);
    if (!cur || g.seq > cur.seq) pos.set(g.domain, g);
  }
  return pos;
}

export function formatMariaGtidPos(pos: MariaGtidPos): string {
  return formatMariaGtidList([...pos.values()]);
}

/** Per-domain maximum: a position at or beyond both (on equal seqs, a's GTID). */
export function mariaGtidUnion(a: MariaGtidPos, b: MariaGtidPos): MariaGtidPos {
  return mariaGtidPos([...a.values(), ...b.values()]);
}

export interface MariaPosComparison {
  relation: GtidOrder;
  /** Domains where a has more than b (missing in b counts as seq 0). */
  ahead: number[];
  behind: number[];
  /** Domains where both stand at the same seq, written by different servers: two histories. */
  conflicting: number[];
}

/**
 * Compare per domain by sequence number. 'diverged' when a is ahead in one domain and behind in another,
 * or when a domain has the same seq from two servers.
 */
export function compareMariaGtidPos(a: MariaGtidPos, b: MariaGtidPos): MariaPosComparison {
  const ahead: number[] = [];
  const behind: number[] = [];
  const conflicting: number[] = [];
  const domains = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  for (const d of domains) {
    const ga = a.get(d);
    const gb = b.get(d);
    const sa = ga?.seq ?? 0n;
    const sb = gb?.seq ?? 0n;
    if (sa > sb) ahead.push(d);
    else if (sa < sb) behind.push(d);
    else if (ga && gb && ga.server !== gb.server) conflicting.push(d);
  }
  const relation: GtidOrder = conflicting.length || (ahead.length && behind.length)
    ? 'diverged' : ahead.length ? 'ahead' : behind.length ? 'behind' : 'equal';
  return { relation, ahead, behind, conflicting };
}

/** a has applied everything b has (in every domain of b, a's seq >= b's, and the same GTID where equal). */
export function mariaGtidAtOrBeyond(a: MariaGtidPos, b: MariaGtidPos): boolean {
  const c = compareMariaGtidPos(a, b);
  return c.behind.length === 0 && c.conflicting.length === 0;
}

/** Per domain, the sequence numbers a has beyond b: [from, to] inclusive; the count is to - from + 1. */
export function mariaGtidMissing(a: MariaGtidPos, b: MariaGtidPos): { domain: number; from: bigint; to: bigint }[] {
  const out: { domain: number; from: bigint; to: bigint }[] = [];
  for (const [d, g] of [...a].sort(([x], [y]) => x - y)) {
    const have = b.get(d)?.seq ?? 0n;
    if (g.seq > have) out.push({ domain: d, from: have + 1n, to: g.seq });
  }
  return out;
}

/**
 * Subtract b from a: the domains where a is strictly ahead, with a's GTID (the "what does a have that b
 * lacks" question in position form).
 */
export function mariaGtidSubtract(a: MariaGtidPos, b: MariaGtidPos): MariaGtidPos {
  const out: MariaGtidPos = new Map();
  for (const [d, g] of a) if (g.seq > (b.get(d)?.seq ?? 0n)) out.set(d, g);
  return out;
}

/**
 * A gtid_binlog_state (the last GTID of each server in each domain) holds `g`: that server's last transaction in
 * g's domain is g or a later one. Sequence numbers grow within a domain, so a server's own transactions are in
 * order there (as long as the binlog was not reset).
 */
export function mariaGtidStateHolds(state: MariaGtid[], g: MariaGtid): boolean {
  return state.some((s) => s.domain === g.domain && s.server === g.server && s.seq >= g.seq);
}

/**
 * What state `a` holds beyond state `b` (both gtid_binlog_state): per domain and server, the sequence numbers
 * after b's last transaction of that server up to a's. This is the GTID difference of two MariaDB histories that
 * forked (an old master's and its cluster's): positions, which keep one GTID per domain, cannot tell it.
 */
export function mariaGtidStateBeyond(a: MariaGtid[], b: MariaGtid[]): { domain: number; server: number; from: bigint; to: bigint }[] {
  const out: { domain: number; server: number; from: bigint; to: bigint }[] = [];
  for (const g of [...a].sort((x, y) => x.domain - y.domain || x.server - y.server)) {
    const have = b.filter((x) => x.domain === g.domain && x.server === g.server).reduce((m, x) => (x.seq > m ? x.seq : m), 0n);
    if (g.seq > have) out.push({ domain: g.domain, server: g.server, from: have + 1n, to: g.seq });
  }
  return out;
}

export function mariaGtidEquals(a: MariaGtidPos, b: MariaGtidPos): boolean {
  return compareMariaGtidPos(a, b).relation === 'equal';
}

const readMaria = (text: string): MariaGtidPos => mariaGtidPos(text, { lenient: true });

/** The operations on text as servers print it (read leniently), returning canonical text. */
export const mariaGtidText = {
  union: (a: string, b: string): string => formatMariaGtidPos(mariaGtidUnion(readMaria(a), readMaria(b))),
  subtract: (a: string, b: string): string => formatMariaGtidPos(mariaGtidSubtract(readMaria(a), readMaria(b))),
  atOrBeyond: (a: string, b: string): boolean => mariaGtidAtOrBeyond(readMaria(a), readMaria(b)),
  compare: (a: string, b: string): MariaPosComparison => compareMariaGtidPos(readMaria(a), readMaria(b)),
  equals: (a: string, b: string): boolean => mariaGtidEquals(readMaria(a), readMaria(b)),
  canonical: (a: string): string => formatMariaGtidPos(readMaria(a)),
};

// ---------------------------------------------------------------------------------------------------
// Either flavor

export type GtidFlavor = 'mysql' | 'mariadb';

/** How GTID state `a` relates to `b`, from text as servers print it: MySQL GTID sets or MariaDB positions. */
export function compareGtidText(flavor: GtidFlavor, a: string, b: string): GtidOrder {
  return flavor === 'mariadb' ? mariaGtidText.compare(a, b).relation : mysqlGtidText.order(a, b);
}

/**
 * Whether one transaction's GTID is in a server's state, as a test to run on many: MySQL a GTID set; MariaDB a
 * position (one GTID per domain, sequence numbers grow within a domain).
 */
export function gtidHeldBy(flavor: GtidFlavor, state: string): (gtid: string) => boolean {
  if (flavor === 'mysql') {
    const set = readMysql(state);
    return (gtid) => mysqlGtidContains(set, readMysql(gtid));
  }
  const pos = readMaria(state);
  return (gtid) => {
    const g = parseMariaGtid(gtid);
    return (pos.get(g.domain)?.seq ?? -1n) >= g.seq;
  };
}

// ---------------------------------------------------------------------------------------------------
// Errant transactions

export interface ErrantInput {
  /** What the server executed: MySQL gtid_executed, MariaDB gtid_current_pos. */
  executed: string;
  /** What it received through replication: MySQL Retrieved_Gtid_Set, MariaDB Gtid_IO_Pos. */
  received?: string;
  /** What every other replica holds (executed and received). */
  others: string[];
  /** The source they all replicate from: MySQL its server_uuid(s); MariaDB its server_id. */
  source: { uuids?: string[]; serverId?: number | null };
}

/**
 * Errant transactions: what a server executed that came neither from the source the replicas share nor from
 * its own replication, and that no other replica holds (written on it directly, or replicated from elsewhere).
 * Canonical text, '' when none: MySQL a GTID set; MariaDB the last such GTID of each domain (a position tells
 * no more: a local write followed by replicated ones in the same domain is not seen). With no other replica
 * there is nothing to compare: ''.
 */
export function errantGtids(flavor: GtidFlavor, o: ErrantInput): string {
  if (o.others.length === 0) return '';
  if (flavor === 'mysql') {
    let legit = readMysql(o.received ?? '');
    for (const other of o.others) legit = mysqlGtidUnion(legit, readMysql(other));
    const errant = mysqlGtidSubtract(readMysql(o.executed), legit);
    const sources = new Set((o.source.uuids ?? []).filter((u) => UUID_RE.test(u)).map(canonicalUuid));
    for (const key of [...errant.keys()]) if (sources.has(key.split(':')[0]!)) errant.delete(key);
    return formatMysqlGtidSet(errant);
  }
  let legit = readMaria(o.received ?? '');
  for (const other of o.others) legit = mariaGtidUnion(legit, readMaria(other));
  const errant = [...readMaria(o.executed).values()].filter((g) => {
    if (o.source.serverId && g.server === o.source.serverId) return false;
    const have = legit.get(g.domain);
    return !(have && (have.seq > g.seq || (have.seq === g.seq && have.server === g.server)));
  });
  return formatMariaGtidList(errant);
}
