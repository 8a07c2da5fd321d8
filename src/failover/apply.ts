// Applying a diff file on its target host, exactly once across crashes:
//  - the binlog stays ON on the target, so every applied transaction lands in the target's own binlog
//    with its original GTID (mariadb-binlog replays SET gtid_seq_no);
//  - before the apply began, the target's binlog coordinates were recorded (in the workflow history);
//  - a (re)try first kills any apply session still running from an earlier attempt (it holds the SQL
//    named lock mhaflow_apply), then counts the transactions in the target's binlog since that start,
//    checks they are the diff's first ones (same GTIDs), and resumes at the next one with
//    mariadb-binlog --start-position.
// The same apply takes a diff back (a flashback: its transactions undone, the last first) and replays one on
// a live master (its transactions reorigined into a GTID domain of their own): see ApplyOptions.
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mariaGtidStateHolds, parseMariaGtid, parseMariaGtidList } from '../binlog/gtid';
import { BinlogReader } from '../binlog/reader';
import { iterateTransactions } from '../binlog/transactions';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { resolveSecret } from '../config/secrets';
import { ConnectionError, DiffApplyError, MhaflowError, SafetyError } from '../errors';
import { queryOne, queryRows, showMasterStatus, sqlTargetOf, type BinlogCoordinates, type Connection } from '../mysql/client';
import { dialectOf, readOnlyQuery, setSuperReadOnly } from '../mysql/sql';
import type { Flavor } from '../mysql/status';
import type { SshSession } from '../ssh/session';
import { shellQuote } from '../ssh/quote';
import { remoteExists, remoteFileDigest, removeRemote, remoteSource, writeRemoteFiles } from '../ssh/sftp';
import { secureRunDir } from '../ssh/workdir';

export const APPLY_LOCK = 'mhaflow_apply';

export interface DiffTransaction { startPos: number; gtid?: string }

/** The complete transactions of a diff file, in order, with their start positions in the file. */
export async function diffTransactions(session: SshSession, path: string): Promise<DiffTransaction[]> {
  const src = await remoteSource(session, path);
  try {
    const reader = await BinlogReader.open(src, { decode: 'boundaries', verify: 'none', layout: 'relay' });
    const out: DiffTransaction[] = [];
    for await (const t of iterateTransactions(reader)) {
      if (t.complete && !t.abandoned) out.push({ startPos: t.startPos, ...(t.gtid ? { gtid: t.gtid } : {}) });
    }
    return out;
  } finally {
    await src.close();
  }
}

export function gtidOfEvent(flavor: Flavor, type: string, info: string): string | undefined {
  if (flavor === 'mariadb') return type === 'Gtid' ? /GTID (\d+-\d+-\d+)/.exec(info)?.[1] : undefined;
  if (type === 'Gtid') return /GTID_NEXT\s*=\s*'([^']+)'/i.exec(info)?.[1];
  return undefined;
}

/** Transactions (their GTIDs, '' when anonymous) written to the server's binlog since `start`. */
export async function transactionsSince(conn: Connection, flavor: Flavor, start: BinlogCoordinates): Promise<string[]> {
  const logs = (await queryRows(conn, 'SHOW BINARY LOGS')).map((r) => String(r.Log_name));
  const from = logs.indexOf(start.file);
  if (from < 0) throw new SafetyError(`binlog ${start.file} recorded before the apply is gone from the target (${logs.join(', ')})`, { hint: 'someone purged the binlogs during the failover; check the target by hand' });
  const gtids: string[] = [];
  for (const file of logs.slice(from)) {
    const pos = file === start.file ? start.pos : 4;
    const rows = await queryRows(conn, `SHOW BINLOG EVENTS IN ${conn.escape(file)} FROM ${Number(pos)}`);
    for (const r of rows) {
      const type = String(r.Event_type);
      if (type === 'Gtid' || type === 'Anonymous_Gtid') gtids.push(gtidOfEvent(flavor, type, String(r.Info ?? '')) ?? '');
    }
  }
  return gtids;
}

/** Kill an apply session an earlier attempt left running, and wait for the lock to be free. */
export async function fenceEarlierApply(conn: Connection): Promise<number | null> {
  const row = await queryOne(conn, 'SELECT IS_USED_LOCK(?) AS holder', [APPLY_LOCK]);
  const holder = row?.holder === null || row?.holder === undefined ? null : Number(row.holder);
  if (holder !== null) await conn.query(`KILL CONNECTION ${holder}`).catch(() => {});
  for (let i = 0; i < 100; i++) {
    const free = await queryOne(conn, 'SELECT IS_FREE_LOCK(?) AS free', [APPLY_LOCK]);
    if (Number(free?.free) === 1) return holder;
    await sleep(100);
  }
  throw new ConnectionError(`the apply session ${holder} still holds ${APPLY_LOCK} after KILL`, { hint: 'retrying' });
}

/** How many of the diff's transactions the target already has, checked GTID by GTID. */
export function alreadyApplied(diff: DiffTransaction[], since: string[], server: string): number {
  if (since.length > diff.length) {
    throw new SafetyError(`the target's binlog holds ${since.length} transactions since the recorded start, more than the diff's ${diff.length}`, {
      server, hint: 'something else wrote to the target during the failover; check it by hand',
    });
  }
  since.forEach((g, i) => {
    const want = diff[i]!.gtid;
    if (g && want && g !== want) {
      throw new SafetyError(`transaction ${i + 1} in the target's binlog since the recorded start is ${g}, the diff's is ${want}`, {
        server, hint: 'something else wrote to the target during the failover; check it by hand',
      });
    }
  });
  return since.length;
}

export interface ApplyOptions {
  cfg: ClusterConfig;
  server: ServerConfig;
  flavor: Flavor;
  session: SshSession;
  conn: Connection;
  diffPath: string;
  sha256: string;
  /** The target's binlog position recorded before the apply: what it holds since is what was applied. */
  start: BinlogCoordinates;
  heartbeat: (details?: unknown) => void;
  /**
   * Take the diff back instead (MariaDB: mariadb-binlog --flashback inverts its row events, the last transaction
   * first). The server gives the undoing transactions GTIDs of its own: they are counted, not matched.
   */
  flashback?: boolean;
  /**
   * The target is live (a master taking writes): its binlog since `start` holds its clients' transactions too. The
   * diff's transactions were reorigined into this GTID domain (src/binlog/rewrite.ts reoriginedChunks), so the
   * target's GTID state says which it holds, for this run and any earlier one (MariaDB).
   */
  ownDomain?: number;
}

export interface ApplyOutcome {
  total: number;
  alreadyApplied: number;
  appliedNow: number;
  /** The target's binlog coordinates once the diff is applied. */
  end: BinlogCoordinates;
  /** MySQL: super_read_only was ON, lowered for the replay (read_only stayed ON) and set ON again. */
  superReadOnlyLowered: boolean;
}

/** servers[].mysqlClientOptions as separate arguments: split at whitespace, each quoted (a config value never reaches the shell as code). */
export function clientOptionWords(options: string | undefined): string[] {
  return (options ?? '').split(/\s+/).filter(Boolean);
}

function clientCommands(server: ServerConfig, flavor: Flavor): { binlog: string; client: string } {
  const dir = server.clientBindir ? `${server.clientBindir.replace(/\/$/, '')}/` : '';
  return flavor === 'mariadb' ? { binlog: `${dir}mariadb-binlog`, client: `${dir}mariadb` } : { binlog: `${dir}mysqlbinlog`, client: `${dir}mysql` };
}

/** The target's executed GTID state as one line (MySQL's gtid_executed has newlines). */
export function gtidStateExpr(flavor: Flavor): string {
  return `REPLACE(${flavor === 'mariadb' ? '@@GLOBAL.gtid_binlog_pos' : '@@GLOBAL.gtid_executed'}, CHAR(10), '')`;
}

/** MariaDB: the entry of one GTID domain in the target's GTID position ('' when it has none). */
export function domainStateExpr(domain: number): string {
  return `REGEXP_SUBSTR(@@GLOBAL.gtid_binlog_pos, '(^|,)${Math.floor(domain)}-[0-9]+-[0-9]+')`;
}

/**
 * The remote pipeline: take the lock (or fail), then replay the diff from `startPos` (a flashback: its inverse up
 * to `stopPos`), binlog on.
 * With `expect`, the locked session also checks that the target's GTID state is still the one the resume
 * point was counted from: an earlier attempt that was not dead (its worker only lost Temporal) and starts
 * its replay late, after this one applied everything, fails there instead of applying twice.
 */
export function applyPipeline(o: {
  binlog: string; client: string; diffPath: string; cnfPath: string; startPos: number | null; stopPos?: number | null; flashback?: boolean;
  extra?: string[]; expect?: { expr: string; value: string };
}): string {
  const ok = o.expect && /^[0-9A-Za-z:,\-]*$/.test(o.expect.value) ? ` AND ${o.expect.expr} = '${o.expect.value}'` : '';
  const lockStmt = `SET SESSION sql_log_bin = IF(GET_LOCK('${APPLY_LOCK}', 10) = 1${ok}, 1, NULL);`;
  const binlogCmd = [shellQuote(o.binlog), ...(o.flashback ? ['--flashback'] : []), ...(o.startPos ? [`--start-position=${o.startPos}`] : []),
    ...(o.stopPos ? [`--stop-position=${o.stopPos}`] : []), shellQuote(o.diffPath)].join(' ');
  const clientCmd = [shellQuote(o.client), `--defaults-extra-file=${shellQuote(o.cnfPath)}`, '--binary-mode', ...(o.extra ?? []).map(shellQuote)].join(' ');
  // The option file holds the password: the script removes it however it ends (one SFTP round trip less).
  return `trap ${shellQuote(`rm -f ${shellQuote(o.cnfPath)}`)} EXIT; { echo ${shellQuote(lockStmt)}; ${binlogCmd}; } | ${clientCmd}`;
}

const CONNECTION_ERRNOS = new Set([1040, 1053, 1927, 2002, 2003, 2006, 2013, 2026]);

export function applyFailure(stderr: string, server: string): MhaflowError {
  const m = /ERROR (\d+)[^\n]*/.exec(stderr);
  const text = (m?.[0] ?? stderr.trim()).slice(0, 600);
  if (m && Number(m[1]) === 1290 && /super[-_]read[-_]only/i.test(m[0])) {
    // Set ON again under the replay (an earlier attempt that was not dead restored it): lowered again on retry.
    return new ConnectionError(`super_read_only was ON during the replay (${text})`, { server, hint: 'retried: it lowers super_read_only again for the replay' });
  }
  if (/sql_log_bin/.test(m?.[0] ?? '')) {
    return new ConnectionError(`the apply session could not start: the apply lock is held or the target's binlog moved since the resume point was counted (${text})`, {
      server, hint: 'retried: it recounts what the target holds and resumes from there',
    });
  }
  if (m && !CONNECTION_ERRNOS.has(Number(m[1]))) {
    return new DiffApplyError(`replaying the diff failed: ${text}`, { server, hint: 'the transactions before it are applied; fix what it conflicts with on the target (inspect the diff file with mariadb-binlog), then resume: mhaflow failover --resume applies the rest, each once' });
  }
  return new ConnectionError(`replaying the diff was interrupted: ${text}`, { server, hint: 'retried: it resumes at the next unapplied transaction' });
}

/** A value for a MySQL option file, quoted, with the escapes the client reads back (\\ \" \n \r \t). */
export function optionFileValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

async function writeDefaultsFile(o: ApplyOptions): Promise<string> {
  const cnfPath = posix.join(posix.dirname(o.diffPath), `apply-${o.server.name}.cnf`);
  const pw = resolveSecret(o.cfg.mysql.password, 'mysql.password');
  const text = `[client]\nuser=${optionFileValue(o.cfg.mysql.user)}\npassword=${optionFileValue(pw)}\nhost=${optionFileValue(o.server.host)}\nport=${o.server.port}\n`;
  await writeRemoteFiles([{ session: o.session, path: cnfPath, mode: 0o600 }], [Buffer.from(text)]);
  return cnfPath;
}

/** How many of the diff's transactions the target holds: they must be its first ones (else a SafetyError). */
export async function heldOf(o: ApplyOptions, diff: DiffTransaction[]): Promise<number> {
  if (o.ownDomain !== undefined) {
    const state = parseMariaGtidList(String((await queryOne(o.conn, 'SELECT @@GLOBAL.gtid_binlog_state AS s'))?.s ?? ''));
    const held = diff.map((t) => Boolean(t.gtid && mariaGtidStateHolds(state, parseMariaGtid(t.gtid))));
    const n = held.indexOf(false) < 0 ? held.length : held.indexOf(false);
    if (held.slice(n).some(Boolean)) {
      throw new SafetyError(`the target holds transaction ${held.lastIndexOf(true) + 1} of the diff but not transaction ${n + 1}`, {
        server: o.server.name, hint: `something else wrote to GTID domain ${o.ownDomain} on it; check it by hand`,
      });
    }
    return n;
  }
  // A flashback's undoing transactions get GTIDs of the target's own: only their number is known.
  const expected = o.flashback ? diff.map((t) => ({ startPos: t.startPos })) : diff;
  return alreadyApplied(expected, await transactionsSince(o.conn, o.flavor, o.start), o.server.name);
}

export async function applyDiff(o: ApplyOptions): Promise<ApplyOutcome> {
  await secureRunDir(o.session, posix.dirname(o.diffPath));
  await fenceEarlierApply(o.conn);
  const digest = await remoteFileDigest(o.session, o.diffPath);
  if (!digest || digest.sha256 !== o.sha256) {
    throw new SafetyError(`diff file ${o.diffPath} ${digest ? `has sha256 ${digest.sha256}, expected ${o.sha256}` : 'is missing'}`, {
      server: o.server.name, hint: 'the diff file was changed or removed on the target since it was generated',
    });
  }
  const diff = await diffTransactions(o.session, o.diffPath);
  // The GTID state first, then the count: anything applied in between makes the replay refuse to start.
  const expr = o.ownDomain !== undefined ? domainStateExpr(o.ownDomain) : gtidStateExpr(o.flavor);
  const state = String((await queryOne(o.conn, `SELECT ${expr} AS g`))?.g ?? '');
  const done = await heldOf(o, diff);
  const lowered = await lowerSuperReadOnly(o, done < diff.length);
  try {
    if (done < diff.length) {
      // A flashback undoes the last transactions first: what is left to undo are the first diff.length - done.
      const range = o.flashback ? { startPos: null, stopPos: done > 0 ? diff[diff.length - done]!.startPos : null } : { startPos: done > 0 ? diff[done]!.startPos : null };
      await runPipeline(o, range, done, { expr, value: state });
    }
  } finally {
    if (lowered) await restoreSuperReadOnly(o);
  }
  const after = await heldOf(o, diff);
  if (after !== diff.length) {
    throw new ConnectionError(`after the replay the target holds ${after} of the diff's ${diff.length} transactions`, { server: o.server.name });
  }
  const end = await showMasterStatus(o.conn);
  if (!end) throw new SafetyError('the target has no binlog after the apply', { server: o.server.name });
  return { total: diff.length, alreadyApplied: done, appliedNow: diff.length - done, end, superReadOnlyLowered: lowered };
}

/** Where a lowered super_read_only is recorded on the target's host, beside the diff: a retry after a crash restores it. */
export function superReadOnlyMarker(diffPath: string, server: string): string {
  return posix.join(posix.dirname(diffPath), `super-read-only-${server}.was-on`);
}

/**
 * MySQL's super_read_only also stops the apply session (the admin user has SUPER): lower it for the replay,
 * read_only stays ON so ordinary clients still cannot write, as MHA does. What was changed is recorded
 * first, in a marker file beside the diff: an attempt that died before restoring it leaves the marker, and
 * the retry (which finds super_read_only OFF) knows to set it ON again. Returns whether it must be restored.
 * `replay` false: nothing to replay, only an earlier attempt's change to undo.
 */
async function lowerSuperReadOnly(o: ApplyOptions, replay: boolean): Promise<boolean> {
  const target = await sqlTargetOf(o.conn);
  if (!dialectOf(target).superReadOnly) return false;
  const marker = superReadOnlyMarker(o.diffPath, o.server.name);
  const on = Number((await queryOne(o.conn, readOnlyQuery(target)))?.superReadOnly) === 1;
  const recorded = await remoteExists(o.session, marker);
  if (!on && !recorded) return false;
  if (!replay) return true;
  if (!recorded) {
    const note = `super_read_only was ON on ${o.server.name}; lowered for the failover's apply of ${posix.basename(o.diffPath)}, to be set ON again\n`;
    await writeRemoteFiles([{ session: o.session, path: marker, mode: 0o600 }], [Buffer.from(note)]);
  }
  if (on) await o.conn.query(setSuperReadOnly(target, false));
  return true;
}

async function restoreSuperReadOnly(o: ApplyOptions): Promise<void> {
  try {
    await o.conn.query(setSuperReadOnly(await sqlTargetOf(o.conn), true));
  } catch (e) {
    throw new ConnectionError(`could not set super_read_only ON again after the apply: ${(e as Error).message}`, {
      server: o.server.name, hint: 'retried: the marker left on the target says it must be restored', cause: e,
    });
  }
  await removeRemote(o.session, superReadOnlyMarker(o.diffPath, o.server.name));
}

async function runPipeline(o: ApplyOptions, range: { startPos: number | null; stopPos?: number | null }, done: number, expect: { expr: string; value: string }): Promise<void> {
  const cnfPath = await writeDefaultsFile(o);
  const timer = setInterval(() => o.heartbeat({ phase: 'replaying', from: done }), 1000);
  let ran = false;
  try {
    const cmds = clientCommands(o.server, o.flavor);
    const script = applyPipeline({ ...cmds, diffPath: o.diffPath, cnfPath, ...range, flashback: o.flashback, extra: clientOptionWords(o.server.mysqlClientOptions), expect });
    const r = await o.session.exec(['bash', '-o', 'pipefail', '-c', script]);
    ran = true;
    if (r.code !== 0) throw applyFailure(r.stderr, o.server.name);
  } finally {
    clearInterval(timer);
    // The script removed it when it ended; a lost connection may have stopped it before.
    if (!ran) await removeRemote(o.session, cnfPath).catch(() => {});
  }
}
