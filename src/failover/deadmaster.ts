// The dead master: is it really dead (a second, different check than the probe), and saving what only
// its binlog holds (binlog_diff) onto every host that will need it, before anything else can lose it.
import { posix } from 'node:path';
import mysql from 'mysql2/promise';
import { parseIndexFile } from '../binlog/index-file';
import { filteredLayout, layoutChunks, summarizeTails, type DiffSource } from '../binlog/rewrite';
import { binlogTail, type TailPlan } from '../binlog/tail';
import type { ByteSource } from '../binlog/source';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { durationMs } from '../config/schema';
import { resolveSecret } from '../config/secrets';
import { runDir, serverByName } from '../config/servers';
import { errorMessage } from '../errors';
import type { BinlogCoordinates } from '../mysql/client';
import type { SshPool } from '../ssh/pool';
import type { SshSession } from '../ssh/session';
import { readRemoteText, remoteSource, writeRemoteFiles } from '../ssh/sftp';

export interface DeadCheck {
  /** true: it answered (SQL, even with an error, or mysqladmin ping on its host): not dead. */
  alive: boolean;
  sshReachable: boolean;
  evidence: string[];
}

/** Errors that come from a running server (it answered), as opposed to no answer at all. */
function answeredSql(e: unknown): boolean {
  const err = e as { errno?: number; code?: string; sqlState?: string };
  return typeof err.sqlState === 'string' || (typeof err.errno === 'number' && err.errno >= 1000 && err.errno < 2000);
}

export async function sqlAnswers(cfg: ClusterConfig, s: ServerConfig, timeoutMs: number): Promise<{ answers: boolean; detail: string }> {
  try {
    const c = await mysql.createConnection({
      host: s.host, port: s.port, user: cfg.mysql.user, password: resolveSecret(cfg.mysql.password, 'mysql.password'), connectTimeout: timeoutMs,
    });
    c.on('error', () => {});
    c.destroy();
    return { answers: true, detail: `SQL connect to ${s.host}:${s.port} succeeded` };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (answeredSql(e)) return { answers: true, detail: `SQL connect to ${s.host}:${s.port} was answered: ${err.code ?? ''} ${err.message ?? ''}`.trim() };
    return { answers: false, detail: `SQL connect to ${s.host}:${s.port} failed: ${err.code ?? err.message}` };
  }
}

/** What a connection from the host itself to its mysqld port found: a server spoke, nothing listens, or the port stays silent. */
export type OwnHostAnswer = 'answered' | 'refused' | 'silent';

/**
 * Whether mysqld answers on its own host: from there (an SSH direct-tcpip channel, so no shell runs) connect
 * to its port and wait for the server's first packet (a handshake, or an error packet: either way a server).
 * null: sshd forbids forwarding, so the caller runs mysqladmin ping there instead.
 */
export async function pingFromOwnHost(s: SshSession, dead: ServerConfig, timeoutMs: number): Promise<{ answered: boolean; kind: OwnHostAnswer; detail: string } | null> {
  const c = await s.connectFromHost(dead.host, dead.port);
  if ('failed' in c) {
    if (c.failed === 'prohibited') return null;
    return c.failed === 'refused'
      ? { answered: false, kind: 'refused', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} refuses connections: no mysqld listening` }
      : { answered: false, kind: 'silent', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} cannot be reached (${c.detail})` };
  }
  return new Promise((resolve) => {
    const done = (r: { answered: boolean; kind: OwnHostAnswer; detail: string }) => {
      clearTimeout(timer);
      c.stream.removeAllListeners('data');
      c.stream.on('error', () => {});
      c.stream.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ answered: false, kind: 'silent', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} accepts TCP but sent nothing within ${timeoutMs} ms` }), timeoutMs);
    c.stream.once('data', (d: Buffer) => done({ answered: true, kind: 'answered', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} answered (${d.length > 4 && d[4] === 0xff ? 'an error packet' : 'a handshake'})` }));
    c.stream.once('close', () => done({ answered: false, kind: 'refused', detail: `from ${dead.name}'s host, ${dead.host}:${dead.port} closed the connection without a word` }));
  });
}

/** The master's host seen from itself: SSH to it, then its mysqld port from there (mysqladmin ping when forwarding is forbidden). */
export interface OwnHostCheck {
  ssh: 'reachable' | 'refused' | 'timeout' | 'failed';
  /** unknown: SSH failed, or the host has no mysqladmin and forbids forwarding. */
  mysqld: OwnHostAnswer | 'unknown';
  evidence: string[];
}

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
  const ping = await pingFromOwnHost(s, dead, timeoutMs);
  if (ping) return { ssh: 'reachable', mysqld: ping.kind, evidence: [ping.detail] };
  const bindir = dead.clientBindir ? `${dead.clientBindir.replace(/\/$/, '')}/` : '';
  const script = `A=$(command -v ${bindir}mariadb-admin || command -v ${bindir}mysqladmin) || exit 127; `
    + `"$A" --no-defaults -h ${dead.host} -P ${dead.port} --connect-timeout=2 ping`;
  const r = await s.exec(['sh', '-c', script], { timeoutMs: 8000 });
  if (r.code === 0) return { ssh: 'reachable', mysqld: 'answered', evidence: [`mysqladmin ping on ${dead.name}'s host: ${r.stdout.trim() || 'alive'}`] };
  if (r.code === 127) return { ssh: 'reachable', mysqld: 'unknown', evidence: [`${dead.name}'s host has no mysqladmin: SSH check limited to reachability`] };
  return { ssh: 'reachable', mysqld: 'refused', evidence: [`mysqladmin ping on ${dead.name}'s host: no mysqld answering (${(r.stderr || r.stdout).trim().split('\n').pop()})`] };
}

/**
 * Second check of the dead master: a fresh SQL connect, then, from its own host over SSH, a connection to
 * its port (mysqladmin ping there when sshd forbids forwarding).
 */
export async function checkDeadMaster(pool: SshPool, cfg: ClusterConfig, dead: ServerConfig): Promise<DeadCheck> {
  const sql = await sqlAnswers(cfg, dead, Math.min(2000, durationMs(cfg.mysql.connectTimeout) || 2000));
  if (sql.answers) return { alive: true, sshReachable: false, evidence: [sql.detail] };
  const host = await checkFromOwnHost(pool, dead);
  return { alive: host.mysqld === 'answered', sshReachable: host.ssh === 'reachable', evidence: [sql.detail, ...host.evidence] };
}

export type SavedTail =
  | {
    status: 'saved'; from: BinlogCoordinates; fileName: string; sha256: string; bytes: number; transactions: number;
    /** Where the saved events end in the dead master's binlog. */
    endsAt: BinlogCoordinates;
    cutBytes: number; cutReason?: string; startsMidTransaction: boolean;
    copies: { server: string; path: string }[];
    firstGtid?: string; lastGtid?: string;
  }
  | { status: 'nothing-new'; from: BinlogCoordinates; note?: string }
  | { status: 'unavailable'; from: BinlogCoordinates; reason: string };

export const TAIL_FILE = 'dead-master-tail.binlog';

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
    const copies = o.targets.map((t) => ({ server: t, path: posix.join(runDir(cfg, serverByName(cfg, t), o.runKey), TAIL_FILE) }));
    let sha256 = '';
    if (!o.dryRun) {
      const targets = await Promise.all(copies.map(async (c) => ({ session: await pool.get(c.server), path: c.path })));
      sha256 = (await writeRemoteFiles(targets, layoutChunks(layout, parts)))[0]!.sha256;
    }
    return {
      status: 'saved', from: o.from, fileName: TAIL_FILE, sha256, bytes: layout.size, transactions, endsAt,
      cutBytes: last.cutBytes, ...(last.cutReason ? { cutReason: `${last.cutReason}: ${last.cutDetail ?? ''}` } : {}),
      startsMidTransaction: plans[0]!.startsMidTransaction, copies: o.dryRun ? [] : copies,
      ...gtids,
    };
  } finally {
    await Promise.all(sources.map((s) => s.close().catch(() => {})));
  }
}
