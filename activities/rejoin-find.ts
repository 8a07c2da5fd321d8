// Rejoin steps 2-3: what only the old master holds (its binlog after the cluster's copy, with the GTID states of
// both sides), then those transactions extracted to the manager's workdir and to the hosts that replay them.
import type { BinlogCoordinates } from '../src/binlog/coordinates';
import { mariaGtidStateHolds, mysqlGtidText, parseMariaGtid, parseMariaGtidList } from '../src/binlog/gtid';
import { serverByName } from '../src/config/servers';
import type { ExtractedFiles } from '../src/contracts/rejoin';
import { queryOne, withConnection } from '../src/mysql/client';
import { summarizeExtra, type ExtraScanFacts } from '../src/rejoin/decisions';
import { extractTransactions, type ExtractInput } from '../src/rejoin/extract';
import { gtidStateOf, scanExtraTransactions } from '../src/rejoin/extra';
import { withPool } from '../src/ssh/pool';
import { clusterOf, guarded, type ClusterInput } from './failure';

export interface FindExtraInput extends ClusterInput {
  server: string;
  /** The current master: the cluster's GTID state is its. */
  master: string;
  /** Where the cluster's copy of the server's binlog ends. */
  from: BinlogCoordinates;
}

/** At most this many GTIDs the cluster already holds are named (the count says how many). */
const HELD_SHOWN = 10;

export async function rejoinFindExtra(input: FindExtraInput): Promise<ExtraScanFacts> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const server = serverByName(cfg, input.server);
    const scan = await withPool(cfg, (pool) => withConnection(cfg, server, (conn) => scanExtraTransactions(pool, server, conn, input.from)));
    const masterGtidState = await withConnection(cfg, serverByName(cfg, input.master), (c) => gtidStateOf(c, scan.flavor));
    const held = scan.transactions.filter((t) => t.gtid && (scan.flavor === 'mariadb'
      ? mariaGtidStateHolds(parseMariaGtidList(masterGtidState, { lenient: true }), parseMariaGtid(t.gtid))
      : mysqlGtidText.contains(masterGtidState, t.gtid))).map((t) => t.gtid!);
    return {
      server: input.server, flavor: scan.flavor, from: input.from, purged: scan.purged, binlogEnd: scan.binlogEnd,
      serverGtidState: scan.gtidState, masterGtidState, extra: summarizeExtra(scan.transactions),
      heldByCluster: held.slice(0, HELD_SHOWN), heldByClusterCount: held.length,
    };
  });
}

export interface ExtractActivityInput extends ClusterInput, Omit<ExtractInput, 'reapply'> {
  /** With --reapply: the current master, which replays them in this GTID domain. */
  reapply: { master: string; domain: number } | null;
}

export async function rejoinExtract(input: ExtractActivityInput): Promise<ExtractedFiles> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const reapply = input.reapply
      ? { ...input.reapply, serverId: await withConnection(cfg, serverByName(cfg, input.reapply.master), async (c) => Number((await queryOne(c, 'SELECT @@server_id AS id'))!.id)) }
      : null;
    return withPool(cfg, (pool) => withConnection(cfg, serverByName(cfg, input.server), (conn) => extractTransactions(pool, cfg, conn, { ...input, reapply })));
  });
}
