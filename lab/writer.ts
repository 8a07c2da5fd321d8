// The data oracle's writer: inserts sequential ids through whichever server is the writable master,
// and logs every acknowledged id. After a failover, every logged id must be on every survivor, once.
import { closeSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql, { type Connection } from 'mysql2/promise';
import type { ClusterConfig } from '../src/config/schema';
import { labPaths, TEST_DB, USERS } from './layout';
import { labSnapshot } from './status';
import { LabError, waitFor } from './system';

export interface WriterOptions {
  cfg: ClusterConfig;
  user: string;
  password: string;
  rate: number;
  logFile: string;
  /** Stop after this many acknowledged ids (default: run until the signal aborts). */
  count?: number;
  startId?: number;
  name?: string;
  signal?: AbortSignal;
  onEvent?: (e: string) => void;
  /** Called after each acknowledged id with the server that took it (its host) and Date.now(): write gaps, rows per server. */
  onAck?: (id: number, host: string, at: number) => void;
  /** How long to wait before looking for a writable server again when none is (default 100 ms). */
  retryMs?: number;
}

export interface WriterSummary { acknowledged: number; inDoubt: number[]; firstId: number; lastAcked: number; reconnects: number; errors: number }

/** Both tables get each id in one transaction: `writes` has a primary key; `writes_nopk` has none, so a
 *  transaction applied twice shows up as a duplicated row there instead of failing silently elsewhere. */
export const WRITER_TABLES_SQL = [
  `CREATE TABLE IF NOT EXISTS ${TEST_DB}.writes (id BIGINT PRIMARY KEY, writer VARCHAR(64) NOT NULL, payload VARCHAR(255) NOT NULL, created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${TEST_DB}.writes_nopk (id BIGINT NOT NULL, writer VARCHAR(64) NOT NULL) ENGINE=InnoDB`,
];

/**
 * Every server asked at once (as a client with a multi-host address does): the writable one, or null. Asked one after
 * the other, each pass would cost four logins, and the write gap measured would hold up to a pass of the writer's own.
 */
async function findWritableMaster(opts: WriterOptions): Promise<Connection | null> {
  const found = await Promise.all(opts.cfg.servers.map(async (s) => {
    let conn: Connection | undefined;
    try {
      conn = await mysql.createConnection({ host: s.host, port: s.port, user: opts.user, password: opts.password, connectTimeout: 300 });
      conn.on('error', () => {});
      const [rows] = await conn.query('SELECT @@read_only AS ro');
      if (Number((rows as { ro: number }[])[0]!.ro) === 0) return conn;
      conn.destroy();
    } catch {
      conn?.destroy();
    }
    return null;
  }));
  const [first, ...others] = found.filter((c): c is Connection => c !== null);
  for (const c of others) c.destroy(); // two writable at once: the watchers of the tests report it, the writer takes one
  return first ?? null;
}

export async function runWriter(opts: WriterOptions): Promise<WriterSummary> {
  const fd = openSync(opts.logFile, 'a');
  const writer = opts.name ?? `writer-${process.pid}`;
  const summary: WriterSummary = { acknowledged: 0, inDoubt: [], firstId: opts.startId ?? 1, lastAcked: 0, reconnects: 0, errors: 0 };
  const interval = 1000 / opts.rate;
  let next = summary.firstId;
  let conn: Connection | null = null;
  let tick = Date.now();
  const note = (e: string) => opts.onEvent?.(e);
  try {
    while (!opts.signal?.aborted && (opts.count === undefined || summary.acknowledged < opts.count)) {
      if (!conn) {
        conn = await findWritableMaster(opts);
        if (!conn) { await sleep(opts.retryMs ?? 100); continue; }
        summary.reconnects++;
        note(`connected to ${conn.config.host}`);
        // Once: the tables replicate from there, and the first write after a switch waits for nothing else.
        if (summary.reconnects === 1) for (const sql of WRITER_TABLES_SQL) await conn.query(sql).catch(() => {});
      }
      const id = next++;
      try {
        await conn.query('BEGIN');
        await conn.query(`INSERT INTO ${TEST_DB}.writes (id, writer, payload) VALUES (?, ?, ?)`, [id, writer, `row ${id}`]);
        await conn.query(`INSERT INTO ${TEST_DB}.writes_nopk (id, writer) VALUES (?, ?)`, [id, writer]);
        await conn.query('COMMIT');
        writeSync(fd, `${id}\n`);
        summary.acknowledged++;
        summary.lastAcked = id;
        opts.onAck?.(id, String(conn.config.host), Date.now());
      } catch (e) {
        summary.errors++;
        const code = (e as { code?: string }).code ?? '';
        // The commit may or may not have happened: such an id is "in doubt", never "acknowledged".
        summary.inDoubt.push(id);
        writeSync(fd, `?${id}\n`);
        note(`write ${id} failed (${code || (e as Error).message}); reconnecting`);
        conn.destroy();
        conn = null;
      }
      tick += interval;
      const wait = tick - Date.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -1000) tick = Date.now();
    }
  } finally {
    conn?.destroy();
    closeSync(fd);
  }
  return summary;
}

/** Parse a writer log: acknowledged ids, and ids whose outcome is unknown. */
export function parseWriterLog(text: string): { acked: number[]; inDoubt: number[] } {
  const acked: number[] = [];
  const inDoubt: number[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('?')) inDoubt.push(Number(line.slice(1)));
    else acked.push(Number(line));
  }
  return { acked, inDoubt };
}

export interface RunningWriter {
  logFile: string;
  /** Stop it; resolves with its summary. */
  stop(): Promise<WriterSummary>;
  acked(): number[];
  /** Resolves once this many ids are acknowledged. */
  waitAcked(n: number, timeoutMs?: number): Promise<void>;
}

/** The lab's application accounts: `app` (plain) and `appSuper` (ALL PRIVILEGES: read_only does not stop it on MariaDB). */
export type WriterAccount = 'app' | 'appSuper';

/** The user name and password of a lab application account. */
export function writerCredentials(account: WriterAccount = 'app'): { user: string; password: string } {
  const user = USERS[account];
  return { user, password: readFileSync(join(labPaths().secretsDir, `${user}.pw`), 'utf8').trim() };
}

export interface StartWriterOptions extends Pick<WriterOptions, 'onAck' | 'retryMs' | 'startId'> { rate?: number; account?: WriterAccount }

/** The writer in this process as a lab application account (default `app`), logging to a file of its own (tests, durability cases). */
export function startWriter(cfg: ClusterConfig, opts: StartWriterOptions = {}): RunningWriter {
  const logFile = join(mkdtempSync(join(tmpdir(), 'mhaflow-writer-')), 'writer.log');
  const ac = new AbortController();
  const { user, password } = writerCredentials(opts.account);
  let summary: WriterSummary | undefined;
  const done = runWriter({
    cfg, user, password, rate: opts.rate ?? 200, logFile, signal: ac.signal, onAck: opts.onAck, retryMs: opts.retryMs, startId: opts.startId,
  }).then((s) => (summary = s));
  const acked = () => parseWriterLog(readFileSync(logFile, 'utf8')).acked;
  return {
    logFile,
    acked,
    async stop() { ac.abort(); await done; return summary!; },
    // A wait for progress, not a measure of speed: generous, as a loaded machine writes slowly.
    async waitAcked(n, timeoutMs = 180_000) {
      await waitFor(`the writer to acknowledge ${n} ids`, () => acked().length >= n, timeoutMs, 50)
        .catch(async (e: Error) => { throw new LabError(`${e.message}: it acknowledged ${acked().length}; the lab then:\n${await labSnapshot()}`); });
    },
  };
}
