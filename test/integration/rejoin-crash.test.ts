// A worker killed (SIGKILL) in the middle of the rejoin's reapply (on the master), then of its rewind (on the old
// master), each time with the apply session on the target killed too (as when the worker's host dies with the
// connection): other workers take the steps over, each resumes where the killed one stopped, nothing is applied or
// undone twice, and every acknowledged id is on all four servers afterwards.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { killApplySession } from '../../lab/durability';
import { resultOf } from '../../lab/harness';
import type { LabMode } from '../../lab/layout';
import { waitFor } from '../../lab/system';
import { startWorkerProcess } from '../../lab/worker-process';
import type { ClusterConfig } from '../../src/config/schema';
import type { FailoverReport } from '../../src/contracts/failover';
import type { RejoinReport } from '../../src/contracts/rejoin';
import { startFailover } from '../../src/failover/start';
import { queryOne, withConnection } from '../../src/mysql/client';
import { startRejoin } from '../../src/rejoin/start';
import { temporalAddress, temporalNamespace } from '../../src/temporal/config';
import { assertSurvivorsHold, waitProgress } from '../support/harness';
import { ALL, caughtUp, logRejoin, oldMasterAhead } from '../support/rejoin-scenarios';
import { restoreHost } from '../../lab/faults';
import { findHost, labHosts } from '../../lab/layout';
import { rootSql } from '../../lab/mariadb';
import { workersOfEachTest } from '../support/test-workers';

const workers = workersOfEachTest();
let connection: Connection | undefined;
after(async () => { await connection?.close(); });

const gtidPos = (cfg: ClusterConfig, name: string) =>
  withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => String((await queryOne(c, 'SELECT @@gtid_binlog_pos AS g'))!.g));

/** Once `step` runs and the target's binlog shows it under way: kill -9 the worker, kill its apply session, start another worker. */
async function killDuring(handle: Parameters<typeof waitProgress>[0], step: string, cfg: ClusterConfig, target: string, moved: (before: string, now: string) => boolean, spawn: () => Promise<void>): Promise<void> {
  await waitProgress(handle, (p) => p.steps.some((s) => s.id === step && s.status === 'running'), 120_000);
  const before = await gtidPos(cfg, target);
  await waitFor(`${target}'s binlog to show the ${step} under way`, async () => moved(before, await gtidPos(cfg, target)), 60_000, 5);
  await workers[workers.length - 1]!.kill();
  const killed = await killApplySession(cfg, cfg.servers.find((s) => s.name === target)!);
  process.stderr.write(`  killed the worker during ${step} (${target} at ${await gtidPos(cfg, target)}; apply session ${killed ?? 'already gone'})\n`);
  await spawn();
}

async function scenario(mode: LabMode): Promise<void> {
  const { cfg, acked } = await oldMasterAhead(mode, { extra: 800, fault: 'host-down' });
  const taskQueue = `mhaflow-rejoin-crash-${process.pid}-${Date.now().toString(36)}`;
  const spawn = async () => { workers.push(await startWorkerProcess({ taskQueue, sharedBundle: true })); };
  await spawn();
  connection ??= await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: temporalNamespace() });
  const fo = await resultOf<FailoverReport>((await startFailover(client, { cluster: cfg.cluster }, { taskQueue })).handle, 180_000);
  const master = fo.newMaster!;
  await restoreHost('db1');
  await rootSql(findHost(labHosts(), 'db1'), 'SET GLOBAL read_only = 1');

  const { handle } = await startRejoin(client, { cluster: cfg.cluster, server: 'db1', reapply: true }, { taskQueue });
  await killDuring(handle, 'reapply', cfg, master, (_, now) => /(^|,)1000-/.test(now), spawn);
  await killDuring(handle, 'rewind', cfg, 'db1', (before, now) => now !== before, spawn);
  const report = await resultOf<RejoinReport>(handle, 300_000);
  logRejoin(report);
  const n = report.extraTransactions!.count;
  assert.ok(n >= 800);
  assert.equal(report.reapplied!.applied + report.reapplied!.alreadyApplied, n, 'every extra transaction reapplied once');
  assert.ok(report.reapplied!.alreadyApplied > 0 && report.reapplied!.applied > 0, 'the reapply resumed in the middle');
  assert.equal(report.rewound!.undone + report.rewound!.alreadyUndone, n, 'every extra transaction undone once');
  assert.ok(report.rewound!.alreadyUndone > 0 && report.rewound!.undone > 0, 'the rewind resumed in the middle');
  for (const r of ALL.filter((x) => x !== master)) await caughtUp(cfg, r, master);
  await assertSurvivorsHold(cfg, ALL, acked);
}

// MHAFLOW_TEST_MODES=gtid runs one mode only.
const modes = (process.env.MHAFLOW_TEST_MODES ?? 'filepos,gtid').split(',');
describe('rejoin durability: kill -9 of the worker mid-reapply and mid-rewind', () => {
  for (const mode of modes as LabMode[]) it(mode, () => scenario(mode));
});
