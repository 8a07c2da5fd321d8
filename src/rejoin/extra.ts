// What only an old master holds: the complete transactions of its binlog after the position where the cluster's
// copy ends (the failover's record), read over SFTP on its host, each with its GTID, commit time and rows. The
// position may fall inside a transaction (the latest replica had received part of it): that transaction is the
// first extra one, found from the start of its file.
import { posix } from 'node:path';
import type { BinlogCoordinates } from '../binlog/coordinates';
import { inventoryTransactions, type TransactionInventory } from '../binlog/inventory';
import type { ByteSource } from '../binlog/source';
import type { ServerConfig } from '../config/schema';
import { queryOne, queryRows, showMasterStatus, type Connection } from '../mysql/client';
import { flavorOf, type Flavor } from '../mysql/status';
import type { SshPool } from '../ssh/pool';
import { remoteSource } from '../ssh/sftp';

export type ExtraTransaction = TransactionInventory & { file: string };

export interface BinlogFile { name: string; size: number; path: string }

/** The server's binlog files from `fromFile` on, with their sizes and paths on its host; null when `fromFile` is gone. */
export async function binlogFilesFrom(conn: Connection, fromFile: string): Promise<BinlogFile[] | null> {
  const base = String((await queryOne(conn, 'SELECT @@GLOBAL.log_bin_basename AS b'))?.b ?? '');
  const logs = (await queryRows(conn, 'SHOW BINARY LOGS')).map((r) => ({ name: String(r.Log_name), size: Number(r.File_size) }));
  const i = logs.findIndex((l) => l.name === fromFile);
  if (i < 0) return null;
  return logs.slice(i).map((l) => ({ ...l, path: posix.join(posix.dirname(base), l.name) }));
}

async function collect(source: ByteSource, file: string, from: number, to: number): Promise<ExtraTransaction[]> {
  const out: ExtraTransaction[] = [];
  for await (const t of inventoryTransactions(source, { from, to })) out.push({ ...t, file });
  return out;
}

export interface ExtraScan {
  flavor: Flavor;
  /** The file of `from` is gone (purged); nothing was scanned. */
  purged: string | null;
  transactions: ExtraTransaction[];
  binlogEnd: BinlogCoordinates | null;
  /** gtid_binlog_state (MariaDB) or gtid_executed (MySQL). */
  gtidState: string;
}

/** The server's GTID history: every server's last GTID per domain (MariaDB), the executed set (MySQL). */
export async function gtidStateOf(conn: Connection, flavor: Flavor): Promise<string> {
  const sql = flavor === 'mariadb' ? 'SELECT @@GLOBAL.gtid_binlog_state AS g' : 'SELECT REPLACE(@@GLOBAL.gtid_executed, CHAR(10), \'\') AS g';
  return String((await queryOne(conn, sql))?.g ?? '');
}

/** Every complete transaction of the server's binlog that ends after `from`, in order. */
export async function scanExtraTransactions(pool: SshPool, server: ServerConfig, conn: Connection, from: BinlogCoordinates): Promise<ExtraScan> {
  const flavor = flavorOf(String((await queryOne(conn, 'SELECT @@version AS v'))?.v ?? ''));
  const gtidState = await gtidStateOf(conn, flavor);
  const files = await binlogFilesFrom(conn, from.file);
  if (!files) return { flavor, purged: from.file, transactions: [], binlogEnd: await showMasterStatus(conn), gtidState };
  const session = await pool.get(server);
  const transactions: ExtraTransaction[] = [];
  for (const [i, f] of files.entries()) {
    const source = await remoteSource(session, f.path);
    try {
      const start = i === 0 ? from.pos : 4;
      const found = start < f.size ? await collect(source, f.name, start, f.size) : [];
      const first = found[0];
      if (first?.continuation) {
        // `from` is inside this transaction: the cluster has only part of it, so it is an extra one. Its start is
        // found from the head of the file.
        const whole = (await collect(source, f.name, 4, first.endPos)).find((t) => t.endPos === first.endPos && !t.continuation);
        found[0] = whole ?? first;
      }
      transactions.push(...found);
    } finally {
      await source.close();
    }
  }
  return { flavor, purged: null, transactions, binlogEnd: await showMasterStatus(conn), gtidState };
}
