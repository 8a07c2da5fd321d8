// The failover scenarios, run by failover.test.ts (file/position) and failover-gtid.test.ts (GTID): a
// writer at ~200 tx/s until the fault, a failover through Temporal, then the data oracle on every survivor.
import assert from 'node:assert/strict';
import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import type { ClusterConfig } from '../../src/config/schema';
import { injectFault } from '../../lab/faults';
import { findHost, labHosts, repoRoot } from '../../lab/layout';
import { mysqldPid, rootQuery, rootSql } from '../../lab/mariadb';
import { tcpOpen } from '../../lab/system';
import { setTimeout as sleep } from 'node:timers/promises';
import { countTransactions, LocalFileSource, withReader } from '../../src/binlog';
import type { BinlogCoordinates } from '../../src/mysql/client';
import type { LabMode } from '../../lab/layout';
import { registerCluster, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { startWriter } from '../../lab/writer';
import { queryOne, withConnection } from '../../src/mysql/client';
import { LAB_SHUTDOWN_HOOK } from '../../lab/harness';
import { assertSurvivorsHold, logFailover, runFailover as run1, waitCaughtUp, type TestTemporal } from './harness';

const SURVIVORS = ['db2', 'db3', 'db4'];
export { LAB_SHUTDOWN_HOOK };

/** Stop the IO thread of each replica after `at` acknowledged ids, kill the master at `killAt`. */
async function staggeredFault(cfg: ClusterConfig, stops: [string, number][], killAt: number, fault: 'kill-mysqld' | 'host-down' = 'kill-mysqld') {
  const writer = startWriter(cfg);
  for (const [host, at] of stops) {
    await writer.waitAcked(at);
    await injectFault('stop-io', host);
  }
  await writer.waitAcked(killAt);
  await injectFault(fault, 'db1');
  await writer.stop();
  return writer;
}

async function maxIdOn(cfg: ClusterConfig, server: string): Promise<number> {
  const row = await withConnection(cfg, cfg.servers.find((s) => s.name === server)!, (c) => queryOne(c, 'SELECT MAX(id) AS m FROM mhaflow_test.writes'));
  return Number(row!.m);
}

/** A replica's read position on the master (Master_Log_File:Read_Master_Log_Pos). */
async function readPosition(host: string): Promise<BinlogCoordinates> {
  const r = (await rootQuery(findHost(labHosts(), host), 'SHOW SLAVE STATUS'))[0]!;
  return { file: String(r.Master_Log_File), pos: Number(r.Read_Master_Log_Pos) };
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Complete transactions in db1's binlog from `from` up to `to` (one binlog file: the lab's scenarios stay in one). */
async function transactionsBetween(from: BinlogCoordinates, to: BinlogCoordinates): Promise<number> {
  assert.equal(from.file, to.file, 'both positions in the same binlog file');
  const src = new LocalFileSource(join(labHosts()[0]!.dataDir, from.file));
  return withReader(src, {}, async (r) => (await countTransactions(r, { from: from.pos, to: to.pos })).complete);
}

export function scenarios(mode: LabMode, temporal: () => TestTemporal): void {
  const runFailover = (_t: unknown, cfg: ClusterConfig) => run1(temporal(), cfg);
  const t = null;
  const tag = mode === 'gtid' ? 'fo-g' : 'fo-f';

  it('master mysqld killed, host reachable: zero acknowledged transactions lost', async () => {
    const lab = await resetLab(mode);
    const cfg = testConfig(lab.cfg, uniqueCluster(`${tag}-kill`));
    const writer = await staggeredFault(cfg, [], 400);
    const run = await runFailover(t, cfg);
    logFailover(run);
    assert.equal(run.report.mode, mode);
    assert.equal(run.report.deadMaster, 'db1');
    assert.ok(run.report.newMaster && run.report.newMaster !== 'db1');
    assert.deepEqual(run.report.unrecoverable, []);
    assert.ok(writer.acked().length >= 400);
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked());
  });

  it('replicas at different positions, the latest not a candidate: the candidate gets what the latest received', async () => {
    const lab = await resetLab(mode);
    const cfg = testConfig(lab.cfg, uniqueCluster(`${tag}-behind`), (ss) => ss.map((s) => (s.name === 'db3' ? { ...s, candidateMaster: true } : s)));
    const writer = startWriter(cfg);
    await writer.waitAcked(200);
    await injectFault('stop-io', 'db3');
    // db3 receives nothing more: its read position is final. The scenario needs another replica to receive
    // beyond it before the master dies (on a slow machine the replicas' IO threads lag the writer).
    const db3Read = await readPosition('db3');
    await waitFor(async () => (await Promise.all(['db2', 'db4'].map(readPosition))).some((p) => p.file !== db3Read.file || p.pos > db3Read.pos));
    await writer.waitAcked(600);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    const run = await runFailover(t, cfg);
    logFailover(run);
    assert.equal(run.report.newMaster, 'db3');
    const db3 = run.report.servers.find((s) => s.server === 'db3')!;
    if (mode === 'filepos') {
      // Its read_diff is exactly what the dead master's binlog holds between db3's read position and the
      // latest replica's, counted here in the binlog file itself.
      const latest = run.report.latest!.latestPosition;
      const expected = await transactionsBetween(db3Read, latest);
      assert.ok(expected > 0, `the latest replica received more than db3 (${db3Read.file}:${db3Read.pos} < ${latest.file}:${latest.pos})`);
      const readDiff = db3.diff?.parts.find((p) => p.purpose === 'read_diff');
      assert.equal(readDiff?.transactions, expected, `db3's read_diff: ${JSON.stringify(db3.diff?.parts)}`);
      assert.equal(db3.applied, db3.diff!.transactions);
    } else {
      assert.ok(run.report.steps.some((s) => s.id === 'catch-up-db3' && s.status === 'done'), 'db3 caught up from the latest replica');
    }
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked());
  });

  it('every replica behind the dead master: its binlog tail, saved over SSH, fills the gap', async () => {
    const lab = await resetLab(mode);
    const cfg = testConfig(lab.cfg, uniqueCluster(`${tag}-tail`));
    // relay_log_purge on: the failover must keep the relay logs (read_diff sources) while it runs, then give it back.
    for (const h of ['db2', 'db3', 'db4']) await rootSql(findHost(labHosts(), h), 'SET GLOBAL relay_log_purge = 1');
    const writer = await staggeredFault(cfg, [['db2', 200], ['db3', 300], ['db4', 400]], 600);
    const run = await runFailover(t, cfg);
    logFailover(run);
    assert.equal(run.report.newMaster, 'db4');
    const tail = run.report.binlogTail;
    assert.ok(tail?.status === 'saved' && tail.transactions >= 150, `the dead master's tail holds the last ~200 transactions: ${JSON.stringify(tail)}`);
    for (const s of run.report.servers) assert.equal(s.applied ?? 0, s.diff?.transactions ?? 0, `${s.server} applied its whole diff`);
    assert.deepEqual(run.report.unrecoverable, []);
    for (const h of ['db2', 'db3']) {
      const purge = (await rootQuery(findHost(labHosts(), h), 'SELECT @@GLOBAL.relay_log_purge AS p'))[0]!.p;
      assert.equal(Number(purge), 1, `${h}: relay_log_purge given back`);
    }
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked());
  });

  it('dead host unreachable: fenced by the shutdown hook, everything any replica received is recovered, the lost tail is reported', async () => {
    const lab = await resetLab(mode);
    // Nothing can reach the host: only the operator's STONITH can fence it (the lab's powers a lab host off).
    const cfg = registerCluster({ ...testConfig(lab.cfg, uniqueCluster(`${tag}-down`)), hooks: { ...lab.cfg.hooks, shutdown: LAB_SHUTDOWN_HOOK } });
    const writer = await staggeredFault(cfg, [['db2', 200], ['db3', 300], ['db4', 400]], 500, 'host-down');
    const run = await runFailover(t, cfg);
    logFailover(run);
    assert.equal(run.report.deadCheck.verdict, 'host-down');
    assert.deepEqual([run.report.fence?.method, run.report.fence?.verified], ['shutdown-hook', true]);
    assert.equal(run.report.newMaster, 'db4');
    assert.equal(run.report.binlogTail?.status, 'unavailable');
    assert.ok(run.report.unrecoverable.some((u) => /dead master binlog tail unrecoverable/.test(u)), run.report.unrecoverable.join('; '));
    // Everything db4 (the latest) received is on every survivor: every acked id up to its highest one.
    const top = await maxIdOn(cfg, 'db4');
    assert.ok(top >= 100, `db4 holds up to ${top}`);
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked().filter((id) => id <= top));
  });

  it('a stalled master (SIGSTOP): silent for the whole stall window, killed over SSH before a replica turns writable, not writable after SIGCONT', async () => {
    const lab = await resetLab(mode);
    const cfg = registerCluster({ ...testConfig(lab.cfg, uniqueCluster(`${tag}-stall`)), failover: { ...lab.cfg.failover, stallWindow: '3s' } });
    const writer = startWriter(cfg);
    await writer.waitAcked(300);
    const db1 = findHost(labHosts(), 'db1');
    const pid = mysqldPid(db1)!;
    await injectFault('stall', 'db1');
    const run = await runFailover(t, cfg);
    const stopped = writer.stop(); // its write to db1 hung until db1 was killed
    logFailover(run);
    assert.equal(run.report.deadCheck.verdict, 'stalled');
    assert.ok(run.report.deadCheck.evidence.some((e) => /still silent after \d+ ms \(\d+ probes from its own host\)/.test(e)), run.report.deadCheck.evidence.join('; '));
    assert.deepEqual([run.report.fence?.method, run.report.fence?.verified], ['stop-mysqld', true]);
    const fence = run.report.steps.find((s) => s.id === 'fence')!;
    const promote = run.report.steps.find((s) => s.id === 'promote')!;
    assert.ok(fence.startedAt + fence.ms! <= promote.startedAt, 'fenced before the new master turned writable');
    assert.match(fence.detail ?? '', new RegExp(`killed mariadbd pid ${pid}`));
    // The wake-up call reaches nobody: the stalled process is gone, and nothing takes writes on db1's port.
    try { process.kill(pid, 'SIGCONT'); } catch { /* killed: nothing to wake */ }
    await sleep(500);
    assert.equal(await tcpOpen(db1.address, 3306, 500), false, 'db1 accepts no connection after SIGCONT');
    await stopped;
    // The writer went on with the new master: the other survivors must have executed all it holds first.
    await waitCaughtUp(cfg, run.report.newMaster!, SURVIVORS.filter((x) => x !== run.report.newMaster));
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked());
  });

  it('a replica with a stopped SQL thread and one far behind (not a candidate) are both recovered; the candidate gets from the delayed latest replica only what it lacks', async () => {
    const lab = await resetLab(mode);
    // db2 is the candidate and stops receiving before the end; db3, delayed by an hour, is the only latest
    // replica, so the candidate catches up from a replica that executed less than the candidate holds.
    const base = testConfig(lab.cfg, uniqueCluster(`${tag}-sql`), (ss) => ss.map((s) => (s.name === 'db2' ? { ...s, candidateMaster: true } : s)));
    const writer = startWriter(base);
    await writer.waitAcked(150);
    await injectFault('lag', 'db3', '3600');
    await writer.waitAcked(300);
    await injectFault('stop-sql', 'db4');
    await writer.waitAcked(450);
    await injectFault('stop-io', 'db4');
    await writer.waitAcked(550);
    await injectFault('stop-io', 'db2');
    const status = async (host: string) => (await rootQuery(findHost(labHosts(), host), 'SHOW SLAVE STATUS'))[0]!;
    // Its SQL thread applies what it received (a transaction cut by the IO stop stays unapplied).
    await waitFor(async () => /read all relay log/.test(String((await status('db2')).Slave_SQL_Running_State)));
    await writer.waitAcked(650);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    // The limit of "too far behind", between what db2 and the others executed (measured): db2 stays a candidate,
    // db3 (delayed) and db4 (SQL stopped) do not.
    // db3 has read everything once its IO thread saw the connection end (the socket may hold the master's last events).
    await waitFor(async () => (await status('db3')).Slave_IO_Running !== 'Yes');
    const [s2, s3, s4] = await Promise.all(['db2', 'db3', 'db4'].map(status));
    const latest = Number(s3!.Read_Master_Log_Pos);
    const behind = [s2, s3, s4].map((r) => latest - Number(r!.Exec_Master_Log_Pos));
    assert.ok(behind[0]! < Math.min(behind[1]!, behind[2]!), `db2 executed most (bytes behind db3's read position: ${behind.join(', ')})`);
    const cfg = registerCluster({ ...base, failover: { ...lab.cfg.failover, maxDelayBytes: Math.floor((behind[0]! + Math.min(behind[1]!, behind[2]!)) / 2) } });
    const seqOf = (gtid: string) => Number(/(?:^|,)0-\d+-(\d+)/.exec(gtid)?.[1] ?? 0);
    const db2Received = seqOf(String(s2!.Gtid_IO_Pos));
    const db3Executed = seqOf(String((await rootQuery(findHost(labHosts(), 'db3'), 'SELECT @@GLOBAL.gtid_slave_pos AS p'))[0]!.p));
    const run = await runFailover(t, cfg);
    logFailover(run);
    const db3 = run.report.candidates.find((c) => c.name === 'db3')!;
    assert.ok(!db3.eligible && db3.reasons.some((r) => /too far behind/.test(r)), `db3 is excluded: ${db3.reasons.join('; ')}`);
    assert.ok(run.report.steps.some((s) => s.id === 'start-sql' && /db4/.test(s.detail ?? '')), 'db4\'s SQL thread was started');
    assert.equal(run.report.newMaster, 'db2');
    if (mode === 'gtid') {
      // db2 executed more than db3 (asserted above): its catch-up from db3 is a no-op, the read_diff must skip.
      const read = run.report.servers.find((s) => s.server === 'db2')?.diff?.parts.find((p) => p.purpose === 'read_diff');
      assert.equal(read?.skippedHeld, db2Received - db3Executed,
        `db3 executed up to seq ${db3Executed}, db2 received up to ${db2Received}: the read_diff leaves out what db2 holds (${JSON.stringify(read)})`);
    }
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked());
    // db3 keeps its MASTER_DELAY once repointed.
    const delay = await withConnection(cfg, cfg.servers[2]!, (c) => queryOne(c, 'SHOW SLAVE STATUS'));
    assert.equal(Number(delay!.SQL_Delay), 3600);
  });

  it('the dead master\'s last binlog event truncated: cut off, everything before it recovered', async () => {
    const lab = await resetLab(mode);
    const cfg = testConfig(lab.cfg, uniqueCluster(`${tag}-trunc`));
    const writer = await staggeredFault(cfg, [['db2', 200], ['db3', 200], ['db4', 200]], 400);
    const binlog = join(labHosts()[0]!.dataDir, 'mysql-bin.000001');
    truncateSync(binlog, statSync(binlog).size - 3);
    const run = await runFailover(t, cfg);
    logFailover(run);
    const tail = run.report.binlogTail;
    assert.ok(tail?.status === 'saved' && tail.cutBytes > 0, `the cut event is reported: ${JSON.stringify(tail)}`);
    assert.ok(run.report.warnings.some((w) => /incomplete/.test(w)));
    // The cut transaction is the last one written: at most the last acknowledged id.
    const acked = writer.acked();
    const last = Math.max(...acked);
    await assertSurvivorsHold(cfg, SURVIVORS, acked.filter((id) => id !== last));
  });
}

