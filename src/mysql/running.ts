// What runs on a server now, for at least a threshold: statements, and InnoDB transactions (an idle session holding an
// uncommitted change shows only there). The switchover's check refuses a master with long-running updates (MHA
// running_updates_limit): they would hold the freeze up, or be cut by it.
import { queryRows, type Connection } from './client';
import { longQueriesQuery, longTransactionsQuery } from './sql';

/** What runs for at least the threshold. Plain JSON. */
export interface MasterActivity {
  queries: { id: number; user: string; host: string; command: string; time: number; state: string; info: string | null }[];
  transactions: { id: number; seconds: number; rowsModified: number; lockedTables: number; query: string | null }[];
}

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

export async function readLongRunning(conn: Connection, seconds: number): Promise<MasterActivity> {
  const s = Math.max(0, Math.floor(seconds));
  const [queries, transactions] = [await queryRows(conn, longQueriesQuery(s)), await queryRows(conn, longTransactionsQuery(s))];
  return {
    queries: queries.map((r) => ({
      id: Number(r.id), user: String(r.user), host: String(r.host), command: String(r.command), time: Number(r.time), state: String(r.state ?? ''), info: text(r.info),
    })),
    transactions: transactions.map((r) => ({
      id: Number(r.id), seconds: Number(r.seconds), rowsModified: Number(r.rowsModified), lockedTables: Number(r.lockedTables), query: text(r.query),
    })),
  };
}
