// The lab scenarios of the rejoin tests: an old master that holds transactions no replica received (their IO
// threads stopped while the writer went on), a failover, the host back (fenced: read_only, as an operator
// brings it back), then the rejoin. The writer's log of acknowledged ids is the oracle of what was lost.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { ClusterConfig } from '../../src/config/schema';
import type { RejoinInput, RejoinReport } from '../../src/contracts/rejoin';
import type { FailoverReport } from '../../src/contracts/failover';
import { startRejoin } from '../../src/rejoin/start';
import { queryOne, queryRows, withConnection } from '../../src/mysql/client';
import { injectFault, restoreHost } from '../../lab/faults';
import { LAB_SHUTDOWN_HOOK, registerCluster, resultOf, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { findHost, labHosts, TEST_DB, type LabMode } from '../../lab/layout';
import { rootQuery, rootSql } from '../../lab/mariadb';
import { waitFor } from '../../lab/system';
import { startWriter, type WriterSummary } from '../../lab/writer';
import { logFailover, runFailover, saveHistory, type TestTemporal } from './harness';

export const ALL = ['db1', 'db2', 'db3', 'db4'];

export interface OldMaster {
  cfg: ClusterConfig;
  acked: number[];
  summary: WriterSummary;
}

/**
 * A fresh lab; the writer acknowledges ~150 ids everywhere, then every replica's IO thread stops and it goes on
 * for at least `extra` more ids, which only db1's binlog holds; optionally a DDL there too; the writer stops (no id
 * in doubt); then the fault.
 */
export async function oldMasterAhead(mode: LabMode, o: { extra: number; fault: 'host-down' | 'kill-mysqld'; ddl?: string; semiSync?: boolean }): Promise<OldMaster> {
  const lab = await resetLab(mode, { semiSync: o.semiSync });
  // A host that goes down is fenced by the shutdown hook (STONITH), as a production cluster would be configured.
  const base = testConfig(lab.cfg, uniqueCluster(`rj-${mode === 'gtid' ? 'g' : 'f'}`));
  const cfg = registerCluster({ ...base, hooks: { ...base.hooks, shutdown: LAB_SHUTDOWN_HOOK } });
  const writer = startWriter(cfg);
  await writer.waitAcked(150);
  for (const r of ['db2', 'db3', 'db4']) await injectFault('stop-io', r);
  // Acknowledged once no replica receives anything: at least `extra` ids only db1 holds.
  await writer.waitAcked(writer.acked().length + o.extra);
  const summary = await writer.stop();
  if (o.ddl) await rootSql(findHost(labHosts(), 'db1'), o.ddl);
  await injectFault(o.fault, 'db1');
  return { cfg, acked: writer.acked(), summary };
}

/** Fail over, then bring db1 back read-only (its my.cnf makes it writable: the operator fences it first). */
export async function failOverAndRestore(t: TestTemporal, cfg: ClusterConfig): Promise<FailoverReport> {
  const fo = await runFailover(t, cfg);
  logFailover(fo);
  await restoreHost('db1');
  await rootSql(findHost(labHosts(), 'db1'), 'SET GLOBAL read_only = 1');
  return fo.report;
}

export async function idsOn(cfg: ClusterConfig, server: string): Promise<Set<number>> {
  return withConnection(cfg, cfg.servers.find((s) => s.name === server)!, async (c) => new Set((await queryRows(c, `SELECT id FROM ${TEST_DB}.writes`)).map((r) => Number(r.id))));
}

export interface RejoinRun { report: RejoinReport; handle: WorkflowHandle; ms: number }

export async function rejoinOf(t: TestTemporal, cfg: ClusterConfig, input: Omit<RejoinInput, 'cluster' | 'server'> = {}): Promise<RejoinRun> {
  const t0 = Date.now();
  const { handle } = await startRejoin(t.client, { cluster: cfg.cluster, server: 'db1', ...input }, { taskQueue: t.taskQueue });
  const report = await resultOf<RejoinReport>(handle, 180_000);
  await saveHistory(handle, cfg.cluster);
  logRejoin(report);
  return { report, handle, ms: Date.now() - t0 };
}

export function logRejoin(r: RejoinReport): void {
  const x = r.extraTransactions;
  const say = (l: string) => process.stderr.write(`${l}\n`);
  say(`  rejoin ${r.server} (${r.mode}): ${r.outcome}; extra ${x?.count ?? '-'}${x?.count ? ` (${x.gtids.join(', ')}; ${x.tables.map((t) => `${t.table} +${t.rows.write}`).join(', ')})` : ''}`
    + `${r.reapplied ? `; reapplied ${r.reapplied.applied}+${r.reapplied.alreadyApplied}` : ''}${r.rewound ? `; rewound ${r.rewound.undone}+${r.rewound.alreadyUndone}` : ''}; ${r.timings.totalMs} ms`);
  if (r.repointedTo) say(`    ${r.repointedTo.derivation}`);
  say(`    steps: ${r.steps.map((s) => `${s.id} ${s.ms ?? '?'} ms`).join(', ')}`);
}

/** Until `replica` executed everything `master`'s binlog holds (nothing writes meanwhile). */
export async function caughtUp(cfg: ClusterConfig, replica: string, master: string): Promise<void> {
  const pos = async (name: string, sql: string) => withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => String((await queryOne(c, sql))!.g));
  const want = await pos(master, 'SELECT @@gtid_binlog_pos AS g');
  await waitFor(`${replica} to reach ${master}'s ${want}`, async () => (await pos(replica, 'SELECT @@gtid_slave_pos AS g')) === want, 60_000, 100);
}

/** The old master replicates from the master with both threads running. */
export async function assertReplicatesFrom(cfg: ClusterConfig, replica: string, master: string): Promise<void> {
  const m = cfg.servers.find((s) => s.name === master)!;
  const st = (await rootQueryOf(replica, 'SHOW SLAVE STATUS'))[0];
  assert.ok(st, `${replica} is a replica`);
  assert.deepEqual([st.Master_Host, Number(st.Master_Port), st.Slave_IO_Running, st.Slave_SQL_Running], [m.host, m.port, 'Yes', 'Yes']);
}

const rootQueryOf = (host: string, sql: string) => rootQuery(findHost(labHosts(), host), sql);
