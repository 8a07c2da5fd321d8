// The dead master: is it really dead (a second, different check than the probe), and saving what only
// its binlog holds (binlog_diff) onto every host that will need it, before anything else can lose it.
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import type { ClientChannel } from 'ssh2';
import { parseIndexFile } from '../binlog/index-file';
import { filteredLayout, layoutChunks, summarizeTails, type DiffSource } from '../binlog/rewrite';
import { binlogTail, type TailPlan } from '../binlog/tail';
import type { ByteSource } from '../binlog/source';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { durationMs } from '../config/values';
import { resolveSecret } from '../config/secrets';
import { runDir, serverByName } from '../config/servers';
import { BinlogError, errorMessage } from '../errors';
import type { BinlogCoordinates } from '../mysql/client';
import type { SshPool } from '../ssh/pool';
import type { SshSession } from '../ssh/session';
import { shellQuote } from '../ssh/quote';
import { readRemoteText, remoteSource, writeRemoteFiles } from '../ssh/sftp';
import { secureRunDir } from '../ssh/workdir';

/** What one view of the dead master saw: a server that answered, refused connections, accepted and then said nothing, or no route. */
export type MysqlAnswer = 'answered' | 'refused' | 'silent' | 'unreachable';

/**
 * The dead master examined twice, from two places. What the failover may conclude (its verdict):
 * - down: connections to its port are refused on its own host: no mysqld runs there;
 * - host-down: neither its SQL port nor its sshd answers;
 * - stalled: its host is up and its port accepts TCP, but mysqld sent nothing for the whole stall window
 *   (SIGSTOP, an I/O freeze): it may wake up, so it is dead only once fenced;
 * - alive: it answered.
 * One timeout is never a verdict: a silent master is probed again until the window has passed.
 */
export interface DeadCheck {
  /** true: it answered (SQL, even with an error, or from its own host): not dead. */
  alive: boolean;
  sshReachable: boolean;
  verdict: 'alive' | 'down' | 'host-down' | 'stalled';
  /** From the worker, and from its own host over SSH (null: SSH failed). */
  sql: MysqlAnswer;
  ownHost: MysqlAnswer | null;
  evidence: string[];
}

/** Errors that come from a running server (it answered), as opposed to no answer at all. */
function answeredSql(e: unknown): boolean {
  const err = e as { errno?: number; code?: string; sqlState?: string };
  return typeof err.sqlState === 'string' || (typeof err.errno === 'number' && err.errno >= 1000 && err.errno < 2000);
}

/** A failed connect as a view: refused (nothing listens), unreachable (no route), else silent (no handshake in time). */
export function sqlFailureOf(code: string | undefined): MysqlAnswer {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENOTFOUND') return 'unreachable';
  return 'silent';
}

export async function sqlAnswers(cfg: ClusterConfig, s: ServerConfig, timeoutMs: number): Promise<{ answers: boolean; view: MysqlAnswer; detail: string }> {
  try {
    const c = await mysql.createConnection({
      host: s.host, port: s.port, user: cfg.mysql.user, password: resolveSecret(cfg.mysql.password, 'mysql.password'), connectTimeout: timeoutMs,
    });
    c.on('error', () => {});
    c.destroy();
    return { answers: true, view: 'answered', detail: `SQL connect to ${s.host}:${s.port} succeeded` };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (answeredSql(e)) return { answers: true, view: 'answered', detail: `SQL connect to ${s.host}:${s.port} was answered: ${err.code ?? ''} ${err.message ?? ''}`.trim() };
    return { answers: false, view: sqlFailureOf(err.code), detail: `SQL connect to ${s.host}:${s.port} failed: ${err.code ?? err.message}` };
  }
}

/** What a connection from the host itself to its mysqld port found: a server spoke, nothing listens, or the port stays silent. */
export type OwnHostAnswer = 'answered' | 'refused' | 'silent';

/** What a refused connection to the port from its own host says. */
const refusedOnOwnHost = (dead: Pick<ServerConfig, 'name' | 'host' | 'port'>) =>
  `from ${dead.name}'s host, ${dead.host}:${dead.port} refuses connections: no mysqld listening`;

/** What one look at the port from the dead master's own host found. */
export interface OwnHostView { answered: boolean; view: MysqlAnswer; detail: string }

/**
 * A connection to the port from its own host: open (the server's first packet still to come), or the view its
 * failed connect gives (refused, unreachable); null: sshd forbids forwarding.
 */
export type OwnHostConnection = { channel: ClientChannel } | OwnHostView | null;

/** Connect to the port from its own host: an SSH direct-tcpip channel, so no shell runs. */
export async function connectFromOwnHost(s: SshSession, dead: ServerConfig): Promise<OwnHostConnection> {
  const c = await s.connectFromHost(dead.host, dead.port);
  if ('stream' in c) return { channel: c.stream };
  if (c.failed === 'prohibited') return null;
  return c.failed === 'refused'
    ? { answered: false, view: 'refused', detail: refusedOnOwnHost(dead) }
    : { answered: false, view: 'unreachable', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} cannot be reached (${c.detail})` };
}

/**
 * What a connection from its own host finds: on an open channel, wait up to timeoutMs (from this call) for the
 * server's first packet (a handshake, or an error packet: either way a server), then close it; a failed connect
 * is its own view.
 */
export function viewFromOwnHost(c: OwnHostConnection, dead: ServerConfig, timeoutMs: number): Promise<OwnHostView | null> {
  if (!c || !('channel' in c)) return Promise.resolve(c);
  const { channel } = c;
  return new Promise((resolve) => {
    const done = (r: OwnHostView) => {
      clearTimeout(timer);
      channel.removeAllListeners('data');
      channel.on('error', () => {});
      channel.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ answered: false, view: 'silent', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} accepts TCP but sent nothing within ${timeoutMs} ms` }), timeoutMs);
    channel.once('data', (d: Buffer) => done({ answered: true, view: 'answered', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} answered (${d.length > 4 && d[4] === 0xff ? 'an error packet' : 'a handshake'})` }));
    channel.once('close', () => done({ answered: false, view: 'refused', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} closed the connection without a word` }));
  });
}

/**
 * Whether mysqld answers on its own host: connect to its port from there and wait for the server's first packet.
 * null: sshd forbids forwarding, so the caller runs mysqladmin ping there instead.
 */
export async function pingFromOwnHost(s: SshSession, dead: ServerConfig, timeoutMs: number): Promise<OwnHostView | null> {
  return viewFromOwnHost(await connectFromOwnHost(s, dead), dead, timeoutMs);
}

/** mysqladmin ping on the dead master's own host, every config value quoted; exit 127 when the host has no mysqladmin. */
export function mysqladminPingScript(dead: Pick<ServerConfig, 'host' | 'port' | 'clientBindir'>): string {
  const tool = (name: string) => shellQuote(`${dead.clientBindir ? `${dead.clientBindir.replace(/\/$/, '')}/` : ''}${name}`);
  return `A=$(command -v ${tool('mariadb-admin')} || command -v ${tool('mysqladmin')}) || exit 127; `
    + `"$A" --no-defaults -h ${shellQuote(dead.host)} -P ${shellQuote(dead.port)} --connect-timeout=2 ping`;
}

/** mysqladmin ping on the host (sshd forbids forwarding): 0 alive, 127 no client there. */
async function adminPingOnHost(s: SshSession, dead: ServerConfig): Promise<{ view: MysqlAnswer | null; detail: string }> {
  const r = await s.exec(['sh', '-c', mysqladminPingScript(dead)], { timeoutMs: 8000 });
  if (r.code === 0) return { view: 'answered', detail: `mysqladmin ping on ${dead.name}'s host: ${r.stdout.trim() || 'alive'}` };
  if (r.code === 127) return { view: null, detail: `${dead.name}'s host has no mysqladmin: SSH check limited to reachability` };
  return { view: 'silent', detail: `mysqladmin ping on ${dead.name}'s host: no mysqld answering (${(r.stderr || r.stdout).trim().split('\n').pop()})` };
}

/** The verdict from the two views (pure). */
export function deadVerdict(sql: MysqlAnswer, ownHost: MysqlAnswer | null, sshReachable: boolean): DeadCheck['verdict'] {
  if (sql === 'answered' || ownHost === 'answered') return 'alive';
  if (!sshReachable) return 'host-down';
  if (ownHost === 'refused') return 'down';
  return ownHost === 'silent' || sql === 'silent' ? 'stalled' : 'down';
}

/** The master's host seen from itself: SSH to it, then its mysqld port from there (mysqladmin ping when forwarding is forbidden). */
export interface OwnHostCheck {
  ssh: 'reachable' | 'refused' | 'timeout' | 'failed';
  /** unknown: SSH failed, or the host has no mysqladmin and forbids forwarding. */
  mysqld: OwnHostAnswer | 'unknown';
  evidence: string[];
}

/** One look from the host itself (the monitor's view; the failover's checkDeadMaster looks again for a stall). */
export async function checkFromOwnHost(pool: SshPool, dead: ServerConfig, timeoutMs = 2000): Promise<OwnHostCheck> {
  let s: SshSession;
  try {
    s = await pool.get(dead);
  } catch (e) {
    // openSsh wraps ssh2's error (code, level) in a ConnectionError: read the one underneath.
    const raw = (e instanceof Error && e.cause ? e.cause : e) as { code?: string; level?: string };
    const ssh = raw.code === 'ECONNREFUSED' ? 'refused' : raw.level === 'client-timeout' || raw.code === 'ETIMEDOUT' ? 'timeout' : 'failed';
    return { ssh, mysqld: 'unknown', evidence: [`SSH to ${dead.name} failed: ${errorMessage(e)}`] };
  }
  const own = (await pingFromOwnHost(s, dead, timeoutMs)) ?? await adminPingOnHost(s, dead);
  // From its own host an unreachable port is as good as a silent one: no mysqld speaks there.
  const mysqld: OwnHostCheck['mysqld'] = own.view === null ? 'unknown' : own.view === 'unreachable' ? 'silent' : own.view;
  return { ssh: 'reachable', mysqld, evidence: [own.detail] };
}

/**
 * Second check of the dead master: a fresh SQL connect, then, from its own host over SSH, a connection to
 * its port (mysqladmin ping there when sshd forbids forwarding). A master that accepts TCP and says nothing
 * is probed from its host again every second for `stallWindowMs`: it is stalled only if it stays silent.
 */
export async function checkDeadMaster(pool: SshPool, cfg: ClusterConfig, dead: ServerConfig, o: { stallWindowMs?: number; heartbeat?: () => void } = {}): Promise<DeadCheck> {
  const evidence: string[] = [];
  const sql = await sqlAnswers(cfg, dead, Math.min(2000, durationMs(cfg.mysql.connectTimeout) || 2000));
  evidence.push(sql.detail);
  if (sql.answers) return { alive: true, sshReachable: false, verdict: 'alive', sql: sql.view, ownHost: null, evidence };
  let session: SshSession;
  try {
    session = await pool.get(dead);
  } catch (e) {
    evidence.push(`SSH to ${dead.name} failed: ${errorMessage(e)}`);
    return { alive: false, sshReachable: false, verdict: deadVerdict(sql.view, null, false), sql: sql.view, ownHost: null, evidence };
  }
  const look = async () => (await pingFromOwnHost(session, dead, 2000)) ?? adminPingOnHost(session, dead);
  let own = await look();
  evidence.push(own.detail);
  if (own.view === 'silent' || (own.view === null && sql.view === 'silent')) {
    // One silence proves nothing (a busy or briefly frozen server): it must last the whole window.
    const t0 = Date.now();
    let probes = 1;
    while (Date.now() - t0 < (o.stallWindowMs ?? 0)) {
      o.heartbeat?.();
      await sleep(1000);
      own = await look();
      probes++;
      if (own.view !== 'silent' && own.view !== null) break;
    }
    evidence.push(own.view === 'answered' ? own.detail : `still silent after ${Date.now() - t0} ms (${probes} probes from its own host): stalled`);
  }
  const ownHost = own.view;
  const verdict = deadVerdict(sql.view, ownHost, true);
  return { alive: verdict === 'alive', sshReachable: true, verdict, sql: sql.view, ownHost, evidence };
}

export type SavedTail =
  | {
    status: 'saved'; from: BinlogCoordinates; fileName: string; sha256: string; bytes: number; transactions: number;
    /** Where the saved events end in the dead master's binlog. */
    endsAt: BinlogCoordinates;
    cutBytes: number; cutReason?: string; startsMidTransaction: boolean;
    copies: { server: string; path: string }[];
    /** Targets that could not take their copy (after three tries): they cannot get the binlog_diff. */
    failedCopies: { server: string; error: string }[];
    firstGtid?: string; lastGtid?: string;
  }
  | { status: 'nothing-new'; from: BinlogCoordinates; note?: string }
  | { status: 'unavailable'; from: BinlogCoordinates; reason: string };

export const TAIL_FILE = 'dead-master-tail.binlog';

interface CopyWritten { server: string; path: string; sha256: string }
interface CopyFailed { server: string; error: string }

/** Write one target's copy, trying three times (a transient SSH error); then it is a failed copy, not an error. */
async function writeCopy(pool: SshPool, c: { server: string; path: string }, chunks: () => AsyncIterable<Buffer>): Promise<CopyWritten | CopyFailed> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const session = await pool.get(c.server);
      await secureRunDir(session, posix.dirname(c.path));
      const [w] = await writeRemoteFiles([{ session, path: c.path }], chunks());
      return { ...c, sha256: w!.sha256 };
    } catch (e) {
      last = e;
      await sleep(200 * (attempt + 1));
    }
  }
  return { server: c.server, error: errorMessage(last) };
}

async function binlogFilesFrom(pool: SshPool, dead: ServerConfig, from: BinlogCoordinates): Promise<string[]> {
  const s = await pool.get(dead);
  const dir = dead.binlogDir!;
  const base = from.file.replace(/\.\d+$/, '');
  const index = posix.join(dir, `${base}.index`);
  const listed = parseIndexFile(await readRemoteText(s, index).catch(() => ''), index);
  const names = listed.length ? listed : [posix.join(dir, from.file)];
  const i = names.findIndex((f) => posix.basename(f) === from.file);
  return i < 0 ? [posix.join(dir, from.file)] : names.slice(i);
}

/**
 * Plan the dead master's tail from `from` (the latest replica's read position) through its later binlogs,
 * cut at the last complete transaction, and (unless dryRun) write it to every target's run directory.
 */
export async function saveDeadMasterTail(pool: SshPool, cfg: ClusterConfig, o: {
  dead: string; from: BinlogCoordinates; targets: string[]; runKey: string; dryRun: boolean;
}): Promise<SavedTail> {
  const dead = serverByName(cfg, o.dead);
  if (!dead.binlogDir) return { status: 'unavailable', from: o.from, reason: `binlogDir is not set for ${dead.name} in the config` };
  let sources: ByteSource[] = [];
  let planned: { files: string[]; plans: TailPlan[] };
  try {
    const session = await pool.get(dead);
    const files = await binlogFilesFrom(pool, dead, o.from);
    sources = await Promise.all(files.map((f) => remoteSource(session, f)));
    const firstSize = await sources[0]!.size();
    if (o.from.pos >= firstSize && sources.length === 1) {
      await Promise.all(sources.map((s) => s.close().catch(() => {})));
      return { status: 'nothing-new', from: o.from, ...(o.from.pos > firstSize ? { note: `the binlog ends at ${firstSize}, before the latest replica's read position ${o.from.pos}: its tail was lost (truncated)` } : {}) };
    }
    const plans: TailPlan[] = [];
    for (let i = 0; i < sources.length; i++) {
      plans.push(await binlogTail(sources[i]!, i === 0 ? o.from.pos : 4, { keepIncompleteTail: i < sources.length - 1 }));
    }
    planned = { files, plans };
  } catch (e) {
    await Promise.all(sources.map((s) => s.close().catch(() => {})));
    return { status: 'unavailable', from: o.from, reason: errorMessage(e) };
  }
  // Reading the dead master worked: from here on, failures (writing to the targets) are retried.
  try {
    const { files, plans } = planned;
    const parts: DiffSource[] = plans.map((plan, i) => ({ source: sources[i]!, plan, layout: plan.layout }));
    const layout = await filteredLayout(parts);
    const { transactions, ...gtids } = summarizeTails(plans);
    const last = plans[plans.length - 1]!;
    const endsAt = { file: posix.basename(files[files.length - 1]!), pos: last.lastCompleteEndPos };
    if (transactions === 0) return { status: 'nothing-new', from: o.from, ...(last.cutReason ? { note: `cut: ${last.cutReason} (${last.cutBytes} bytes)` } : {}) };
    const wanted = o.targets.map((t) => ({ server: t, path: posix.join(runDir(cfg, serverByName(cfg, t), o.runKey), TAIL_FILE) }));
    // One copy per target, each on its own: a replica with a full disk or a broken SSH is left out (reported),
    // it does not stop the others, nor the promotion of one that has its copy.
    const written = o.dryRun ? [] : await Promise.all(wanted.map((c) => writeCopy(pool, c, () => layoutChunks(layout, parts))));
    const copies = written.filter((w): w is CopyWritten => 'sha256' in w);
    const failedCopies = written.filter((w): w is CopyFailed => 'error' in w);
    if (new Set(copies.map((c) => c.sha256)).size > 1) throw new BinlogError(`the copies of ${dead.name}'s binlog tail differ (${copies.map((c) => `${c.server} ${c.sha256}`).join(', ')})`);
    return {
      status: 'saved', from: o.from, fileName: TAIL_FILE, sha256: copies[0]?.sha256 ?? '', bytes: layout.size, transactions, endsAt,
      cutBytes: last.cutBytes, ...(last.cutReason ? { cutReason: `${last.cutReason}: ${last.cutDetail ?? ''}` } : {}),
      startsMidTransaction: plans[0]!.startsMidTransaction, copies: copies.map(({ server, path }) => ({ server, path })), failedCopies,
      ...gtids,
    };
  } finally {
    await Promise.all(sources.map((s) => s.close().catch(() => {})));
  }
}
