// Rejoin step 1: what the check needs to know, gathered at once: every server's state, whether anything writes
// to the old master, and the cluster's last failover with the positions it recorded (its report, as Temporal
// keeps it). Facts only: src/rejoin/decisions.ts decideRejoinStart decides.
import { Context } from '@temporalio/activity';
import { loadCluster } from '../src/config/registry';
import { serverByName } from '../src/config/servers';
import type { FailoverReport } from '../src/contracts/failover';
import { queryRows, withConnection, type Connection } from '../src/mysql/client';
import type { FailoverRecord, FenceFacts, RejoinCheckFacts } from '../src/rejoin/decisions';
import { newestCompletedFailover } from '../src/temporal/failovers';
import { decideRoles } from '../src/topology/roles';
import { readServerSnapshots } from './failover-check';
import { guarded } from './failure';

/** GTID domain of reapplied transactions when replication.reapplyGtidDomain is not set. */
export const DEFAULT_REAPPLY_GTID_DOMAIN = 1000;

export interface RejoinCheckResult extends RejoinCheckFacts {
  /** replication.reapplyGtidDomain, or its default. */
  reapplyGtidDomain: number;
}

/** The server's own threads and replication sessions: not clients. */
const NOT_CLIENTS = new Set(['Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Slave_IO', 'Slave_SQL', 'Slave_worker', 'Killed']);

async function fenceFacts(conn: Connection): Promise<FenceFacts> {
  const [ro] = await queryRows(conn, 'SELECT @@GLOBAL.read_only AS ro, CONNECTION_ID() AS me');
  const writing = await queryRows(conn, `SELECT t.trx_id AS id, p.USER AS user, p.HOST AS host, t.trx_rows_modified AS rowsModified, t.trx_started AS startedAt
    FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE t.trx_rows_modified > 0`);
  const sessions = await queryRows(conn, 'SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command, TIME AS seconds FROM information_schema.PROCESSLIST');
  return {
    readOnly: Number(ro?.ro) === 1,
    writingTransactions: writing.map((w) => ({ id: String(w.id), user: String(w.user ?? '?'), host: String(w.host ?? '?'), rowsModified: Number(w.rowsModified), startedAt: String(w.startedAt) })),
    clientSessions: sessions
      .filter((s) => Number(s.id) !== Number(ro?.me) && !NOT_CLIENTS.has(String(s.command)) && !['system user', 'event_scheduler'].includes(String(s.user)))
      .map((s) => ({ id: Number(s.id), user: String(s.user), host: String(s.host), command: String(s.command), seconds: Number(s.seconds) })),
  };
}

/** The cluster's most recent completed failover, with what the rejoin reads of its report. */
async function lastFailover(cluster: string): Promise<FailoverRecord | null> {
  const client = Context.current().client;
  const last = await newestCompletedFailover(client, cluster);
  if (!last) return null;
  const r = await client.workflow.getHandle(last.workflowId, last.runId).result() as FailoverReport;
  return {
    ...last,
    report: {
      deadMaster: r.deadMaster, newMaster: r.newMaster, mode: r.mode, latest: r.latest, binlogTail: r.binlogTail,
      servers: r.servers.map((s) => ({ server: s.server, role: s.role, plan: '', ...(s.repointedTo ? { repointedTo: s.repointedTo } : {}) })),
      ...(r.newMasterStart ? { newMasterStart: r.newMasterStart } : {}),
    },
  };
}

export async function rejoinCheck(input: { cluster: string; server: string }): Promise<RejoinCheckResult> {
  return guarded(async () => {
    const { cfg, digest } = loadCluster(input.cluster);
    const failover = lastFailover(cfg.cluster);
    failover.catch(() => {}); // awaited below
    const servers = await readServerSnapshots(cfg);
    const master = decideRoles(servers.map((s) => ({ name: s.name, host: s.host, port: s.port, state: s.state }))).master;
    const me = servers.find((s) => s.name === input.server);
    const fence = me?.state ? await withConnection(cfg, serverByName(cfg, input.server), fenceFacts) : null;
    return {
      cluster: { name: cfg.cluster, digest, servers: cfg.servers.map((s) => ({ name: s.name, host: s.host, port: s.port, aliases: s.aliases ?? [] })) },
      servers, master, fence, lastFailover: await failover,
      reapplyGtidDomain: cfg.replication.reapplyGtidDomain ?? DEFAULT_REAPPLY_GTID_DOMAIN,
    };
  });
}
