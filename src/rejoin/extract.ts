// Extracting what only an old master holds: its extra transactions as a binlog of their own (header, then their
// events, as a failover's diff), written to the manager's workdir with the readable text mariadb-binlog -v makes of
// them, and to the hosts that replay them: the old master's (its rewind) and, reorigined, the current master's
// (the reapply). Deterministic: the same binlog ranges give the same bytes, so a retried extraction rewrites
// identical files.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { finished } from 'node:stream/promises';
import { diffFileLayout, filteredLayout, layoutChunks, reoriginedChunks, type DiffSource } from '../binlog/rewrite';
import { LocalFileSource, rangeChunks, type ByteSource } from '../binlog/source';
import { binlogTail } from '../binlog/tail';
import type { ClusterConfig } from '../config/schema';
import { runDir, serverByName } from '../config/servers';
import type { ExtractedFiles } from '../contracts/rejoin';
import { BinlogError } from '../errors';
import type { Connection } from '../mysql/client';
import { shellQuote } from '../ssh/quote';
import type { SshPool } from '../ssh/pool';
import { remoteSource, writeRemoteFiles } from '../ssh/sftp';
import { binlogFilesFrom } from './extra';

export interface ExtractInput {
  server: string;
  /** Per binlog file, from the first extra transaction's start to the last one's end (ExtraTransactions.positions). */
  ranges: { file: string; from: number; to: number; transactions: number }[];
  runKey: string;
  /** Also a copy for the current master, every event's server id and every GTID's domain replaced. */
  reapply: { master: string; serverId: number; domain: number } | null;
}

/** Where a rejoin run keeps its files on the worker: <workdirs.manager>/<cluster>/<runKey>. */
export function managerRunDir(cfg: ClusterConfig, runKey: string): string {
  return join(cfg.workdirs.manager, cfg.cluster, runKey);
}

/** Write chunks to a local file atomically (a temporary name, then rename); its sha256 and size. */
async function writeLocal(path: string, chunks: AsyncIterable<Buffer>): Promise<{ sha256: string; bytes: number }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hash = createHash('sha256');
  let bytes = 0;
  const out = createWriteStream(tmp, { mode: 0o600 });
  try {
    for await (const c of chunks) {
      hash.update(c);
      bytes += c.length;
      if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    out.end();
    await finished(out);
    renameSync(tmp, path);
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function* fileChunks(src: ByteSource): AsyncGenerator<Buffer> {
  yield* rangeChunks(src, 0, await src.size());
}

export async function extractTransactions(pool: SshPool, cfg: ClusterConfig, conn: Connection, x: ExtractInput): Promise<ExtractedFiles> {
  const server = serverByName(cfg, x.server);
  const session = await pool.get(server);
  const files = await binlogFilesFrom(conn, x.ranges[0]!.file);
  const want = x.ranges.reduce((n, r) => n + r.transactions, 0);
  const sources: ByteSource[] = [];
  const dir = managerRunDir(cfg, x.runKey);
  const local = { binlog: join(dir, `extra-${x.server}.binlog`), sql: join(dir, `extra-${x.server}.sql`) };
  try {
    const parts: DiffSource[] = [];
    for (const r of x.ranges) {
      const f = files?.find((b) => b.name === r.file);
      if (!f) throw new BinlogError(`${x.server}'s binlog ${r.file} is gone since its extra transactions were counted`, { server: x.server, hint: 'someone purged its binlogs: rebuild it from a backup' });
      const source = await remoteSource(session, f.path);
      sources.push(source);
      const plan = await binlogTail(source, r.from, { to: r.to });
      parts.push({ source, plan, layout: plan.layout });
    }
    const got = parts.reduce((n, p) => n + p.plan.transactions, 0);
    if (got !== want) throw new BinlogError(`extracting ${x.server}'s extra transactions found ${got} where ${want} were counted`, { server: x.server, hint: 'its binlog changed since: check that nothing writes to it' });
    const written = await writeLocal(local.binlog, layoutChunks(await filteredLayout(parts), parts));
    const copy = new LocalFileSource(local.binlog);
    try {
      const onServerPath = posix.join(runDir(cfg, server, x.runKey), `extra-${x.server}.binlog`);
      const [onServer] = await writeRemoteFiles([{ session, path: onServerPath }], fileChunks(copy));
      let forReapply: ExtractedFiles['forReapply'] = null;
      if (x.reapply) {
        const m = serverByName(cfg, x.reapply.master);
        const path = posix.join(runDir(cfg, m, x.runKey), `reapply-${x.server}.binlog`);
        const chunks = reoriginedChunks(await diffFileLayout(copy), [copy], { serverId: x.reapply.serverId, domain: x.reapply.domain });
        const [w] = await writeRemoteFiles([{ session: await pool.get(m), path }], chunks);
        forReapply = { server: m.name, path, sha256: w!.sha256, domain: x.reapply.domain };
      }
      // The readable text, made on the old master's host (it has mariadb-binlog; the worker may not).
      const bindir = server.clientBindir ? `${server.clientBindir.replace(/\/$/, '')}/` : '';
      const text = await session.run(`${shellQuote(`${bindir}mariadb-binlog`)} -v ${shellQuote(onServerPath)}`, { what: 'mariadb-binlog -v of the extra transactions' });
      await writeLocal(local.sql, (async function* () { yield Buffer.from(text); })());
      return { ...local, sha256: written.sha256, bytes: written.bytes, onServer: { path: onServerPath, sha256: onServer!.sha256 }, forReapply, worker: hostname() };
    } finally {
      await copy.close();
    }
  } finally {
    await Promise.all(sources.map((s) => s.close().catch(() => {})));
  }
}
