// GTID arithmetic for both flavors, and ordering by binlog coordinates. Pure functions on plain values.
//
// MySQL: a GTID set is "uuid:1-5:7,uuid2:1-3" (8.4 adds tags: "uuid:1-5:tag:1-2"). Sets support the
// whole algebra: union, subtract, contains.
// MariaDB: a GTID is "domain-server-seq"; a position (gtid_binlog_pos, gtid_slave_pos) keeps the last
// GTID per domain. Within a domain, sequence numbers grow; the server id only says who wrote it. So
// positions compare per domain by seq, and a "union" is the per-domain maximum.
import { BinlogError } from '../errors';

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

/** Parse gtid_executed text (whitespace and newlines allowed, as SHOW REPLICA STATUS prints it). */
export function parseMysqlGtidSet(text: string): MysqlGtidSet {
  const set: MysqlGtidSet = new Map();
  const clean = text.replace(/\s+/g, '');
  if (clean === '') return set;
  for (const element of clean.split(',')) {
    if (element === '') continue;
    const parts = element.split(':');
    const uuid = parts.shift()!;
    if (!UUID_RE.test(uuid)) throw gtidError(text, `"${uuid}" is not a server uuid`);
    let key = canonicalUuid(uuid);
    const base = key;
    if (parts.length === 0) throw gtidError(text, `${uuid} has no transaction numbers`);
    for (const p of parts) {
      const m = INTERVAL_RE.exec(p);
      if (m) {
        const start = BigInt(m[1]!);
        const end = m[2] !== undefined ? BigInt(m[2]) : start;
        if (start < 1n || end < start || end > MAX_GNO) throw gtidError(text, `bad interval ${p}`);
        addInterval(set, key, { start, end });
      } else if (TAG_RE.test(p)) {
        key = `${base}:${p.toLowerCase()}`;
      } else {
        throw gtidError(text, `bad interval or tag "${p}"`);
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

/** Convenience: operate on text, return canonical text. */
export const mysqlGtidText = {
  union: (a: string, b: string): string => formatMysqlGtidSet(mysqlGtidUnion(parseMysqlGtidSet(a), parseMysqlGtidSet(b))),
  subtract: (a: string, b: string): string => formatMysqlGtidSet(mysqlGtidSubtract(parseMysqlGtidSet(a), parseMysqlGtidSet(b))),
  contains: (sup: string, sub: string): boolean => mysqlGtidContains(parseMysqlGtidSet(sup), parseMysqlGtidSet(sub)),
  equals: (a: string, b: string): boolean => mysqlGtidEquals(parseMysqlGtidSet(a), parseMysqlGtidSet(b)),
  compare: (a: string, b: string): SetRelation => compareMysqlGtidSets(parseMysqlGtidSet(a), parseMysqlGtidSet(b)),
  canonical: (a: string): string => formatMysqlGtidSet(parseMysqlGtidSet(a)),
};

// ---------------------------------------------------------------------------------------------------
// MariaDB GTID positions

export interface MariaGtid { domain: number; server: number; seq: bigint }

const MARIA_GTID_RE = /^(\d+)-(\d+)-(\d+)$/;
const U32_MAX = 2 ** 32 - 1;
const U64_MAX = 2n ** 64n - 1n;

export function parseMariaGtid(text: string): MariaGtid {
  const m = MARIA_GTID_RE.exec(text.trim());
  if (!m) throw gtidError(text, 'expected domain-server-seq');
  const domain = Number(m[1]);
  const server = Number(m[2]);
  const seq = BigInt(m[3]!);
  if (domain > U32_MAX || server > U32_MAX || seq > U64_MAX) throw gtidError(text, 'number out of range');
  return { domain, server, seq };
}

export function formatMariaGtid(g: MariaGtid): string {
  return `${g.domain}-${g.server}-${g.seq}`;
}

/** A comma-separated list as the server prints it (gtid_binlog_pos, gtid_binlog_state, Gtid_IO_Pos). */
export function parseMariaGtidList(text: string): MariaGtid[] {
  const clean = text.replace(/\s+/g, '');
  if (clean === '') return [];
  return clean.split(',').filter((s) => s !== '').map(parseMariaGtid);
}

/** Sorted by domain, then server (the server's own order). */
export function formatMariaGtidList(list: MariaGtid[]): string {
  return [...list].sort((a, b) => a.domain - b.domain || a.server - b.server || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
    .map(formatMariaGtid).join(',');
}

/**
 * A position: the last GTID per domain (highest seq; a list with several servers in a domain, like
 * gtid_binlog_state, collapses to the one with the highest seq).
 */
export type MariaGtidPos = Map<number, MariaGtid>;

export function mariaGtidPos(list: MariaGtid[] | string): MariaGtidPos {
  const items = typeof list === 'string' ? parseMariaGtidList(list) : list;
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

/** Per-domain maximum: a position at or beyond both. */
export function mariaGtidUnion(a: MariaGtidPos, b: MariaGtidPos): MariaGtidPos {
  return mariaGtidPos([...a.values(), ...b.values()]);
}

export type PosRelation = 'equal' | 'ahead' | 'behind' | 'diverged';

export interface MariaPosComparison {
  relation: PosRelation;
  /** Domains where a has more than b (missing in b counts as seq 0). */
  ahead: number[];
  behind: number[];
}

/** Compare per domain by sequence number; 'diverged' when a is ahead in one domain and behind in another. */
export function compareMariaGtidPos(a: MariaGtidPos, b: MariaGtidPos): MariaPosComparison {
  const ahead: number[] = [];
  const behind: number[] = [];
  const domains = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  for (const d of domains) {
    const sa = a.get(d)?.seq ?? 0n;
    const sb = b.get(d)?.seq ?? 0n;
    if (sa > sb) ahead.push(d);
    else if (sa < sb) behind.push(d);
  }
  const relation: PosRelation = ahead.length && behind.length ? 'diverged' : ahead.length ? 'ahead' : behind.length ? 'behind' : 'equal';
  return { relation, ahead, behind };
}

/** a has applied everything b has (in every domain of b, a's seq >= b's). */
export function mariaGtidAtOrBeyond(a: MariaGtidPos, b: MariaGtidPos): boolean {
  return compareMariaGtidPos(a, b).behind.length === 0;
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

export function mariaGtidEquals(a: MariaGtidPos, b: MariaGtidPos): boolean {
  return compareMariaGtidPos(a, b).relation === 'equal';
}

/** Convenience: operate on text, return canonical text. */
export const mariaGtidText = {
  union: (a: string, b: string): string => formatMariaGtidPos(mariaGtidUnion(mariaGtidPos(a), mariaGtidPos(b))),
  subtract: (a: string, b: string): string => formatMariaGtidPos(mariaGtidSubtract(mariaGtidPos(a), mariaGtidPos(b))),
  atOrBeyond: (a: string, b: string): boolean => mariaGtidAtOrBeyond(mariaGtidPos(a), mariaGtidPos(b)),
  compare: (a: string, b: string): MariaPosComparison => compareMariaGtidPos(mariaGtidPos(a), mariaGtidPos(b)),
  equals: (a: string, b: string): boolean => mariaGtidEquals(mariaGtidPos(a), mariaGtidPos(b)),
  canonical: (a: string): string => formatMariaGtidPos(mariaGtidPos(a)),
};

// ---------------------------------------------------------------------------------------------------
// Binlog coordinates

export interface Coordinates { file: string; pos: number }

/** "mysql-bin.000123" -> { base: "mysql-bin", seq: 123 }. */
export function splitBinlogName(file: string): { base: string; seq: number } {
  const m = /^(.*)\.(\d+)$/.exec(file);
  if (!m) throw new BinlogError(`"${file}" is not a binlog file name (base.NNNNNN)`, { hint: 'binlog names end in a dot and a sequence number' });
  return { base: m[1]!, seq: Number(m[2]) };
}

/**
 * Order two master coordinates: by the file's sequence number, then position (-1, 0, 1).
 * Files of different base names are not comparable (different masters or log_bin settings): error.
 */
export function compareCoordinates(a: Coordinates, b: Coordinates): -1 | 0 | 1 {
  const fa = splitBinlogName(a.file);
  const fb = splitBinlogName(b.file);
  if (fa.base !== fb.base) {
    throw new BinlogError(`cannot order ${a.file} and ${b.file}: different binlog base names`, {
      hint: 'the servers do not replicate from the same binlog; check the replication sources',
    });
  }
  if (fa.seq !== fb.seq) return fa.seq < fb.seq ? -1 : 1;
  return a.pos === b.pos ? 0 : a.pos < b.pos ? -1 : 1;
}

/** The next binlog file name (same base, sequence + 1, same zero padding). */
export function nextBinlogName(file: string): string {
  const { base, seq } = splitBinlogName(file);
  const width = file.length - base.length - 1;
  return `${base}.${String(seq + 1).padStart(width, '0')}`;
}

export function previousBinlogName(file: string): string | undefined {
  const { base, seq } = splitBinlogName(file);
  if (seq === 0) return undefined;
  const width = file.length - base.length - 1;
  return `${base}.${String(seq - 1).padStart(width, '0')}`;
}
