// Switchover phases 3-5 and the rollback: the online-change hook, the freeze of the old master, the new master's
// catch-up, its promotion; and the way back before the promotion. Each returns facts; the workflow decides
// (src/switchover/decisions.ts). Each can run again after dying at any point.
import { Context } from '@temporalio/activity';
import { durationMs } from '../src/config/values';
import { resolveSecret } from '../src/config/secrets';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { serverByName } from '../src/config/servers';
import type { ReplicationMode } from '../src/topology/types';
import { errorMessage } from '../src/errors';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import { queryOne, showMasterStatus, showReplicaStatus, withConnection, withConnections, type BinlogCoordinates, type Connection } from '../src/mysql/client';
import { freeze, unfreeze, type FreezePlan, type FreezeResult, type UnfreezeResult } from '../src/mysql/freeze';
import { HeldConnections } from '../src/mysql/held';
import { binlogCoordinates, executedGtid, makeWritable, sqlTargetOf, startReplicaIfStopped, stopAll } from '../src/mysql/replication';
import { stopReplicaIo, stopReplicaSql, waitForGtid, waitForPosition, waitOutcome } from '../src/mysql/sql';
import { compareBinlogCoordinates, sameCoordinates } from '../src/binlog/coordinates';
import { CAUGHT_UP_SIGNAL } from '../src/contracts/switchover';
import { BeforePromotion } from '../src/switchover/before-promotion';
import { claimKey, claimProblem, factsOfClaim, signClaim, type CaughtUpClaim } from '../src/switchover/claim';
import type { CaughtUpFacts } from '../src/switchover/decisions';
import { clusterOf, guarded, heartbeatDetails, type ClusterInput } from './failure';

/**
 * The freeze's, the wait's and the promotion's connections, when they run as local activities of one workflow task
 * (one after the other, in this process): each step reuses the ones the step before opened (src/mysql/held.ts).
 */
const held = new HeldConnections();
/** What the wait hands on to the promotion (src/switchover/before-promotion.ts): its signal, the IO thread's stop. */
const beforePromotion = new BeforePromotion();

/** The run whose local activities share this process's held state (connections, work handed on); none in a regular activity. */
function localRun(): string | undefined {
  const { isLocal, workflowExecution } = Context.current().info;
  return isLocal ? workflowExecution?.runId : undefined;
}

function connectionsOf<T>(cfg: ClusterConfig, servers: ServerConfig[], fn: (conns: Connection[]) => Promise<T>): Promise<T> {
  const run = localRun();
  return run ? held.use(run, cfg, servers, fn) : withConnections(cfg, servers, fn);
}

function releaseConnections(): void {
  const run = Context.current().info.workflowExecution?.runId;
  if (!run) return;
  held.release(run);
  beforePromotion.forget(run);
}

export interface OnlineChangeInput extends ClusterInput {
  command: 'stop' | 'start';
  /** The master before the switchover, and the one after it (a rollback's start names the old master as both). */
  origMaster: string;
  newMaster: string;
  origMasterIsNewReplica: boolean;
}

/**
 * MHA's master_ip_online_change_script with MHA's arguments (--command, --orig_master_*, --new_master_*, ssh users,
 * --orig_master_is_new_slave); the passwords in the environment (MHAFLOW_ORIG_MASTER_PASSWORD,
 * MHAFLOW_NEW_MASTER_PASSWORD), never in argv. Its exit is a fact: 0 ok, 10 go on with a warning, else stop.
 */
export async function switchoverOnlineChangeHook(input: OnlineChangeInput): Promise<HookRun> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const orig = serverByName(cfg, input.origMaster);
    const nm = serverByName(cfg, input.newMaster);
    const password = resolveSecret(cfg.mysql.password, 'mysql.password');
    const args = hookArgs({
      command: input.command,
      orig_master_host: orig.host, orig_master_ip: orig.host, orig_master_port: orig.port, orig_master_user: cfg.mysql.user,
      new_master_host: nm.host, new_master_ip: nm.host, new_master_port: nm.port, new_master_user: cfg.mysql.user,
      orig_master_ssh_user: orig.ssh.user ?? cfg.ssh.user, new_master_ssh_user: nm.ssh.user ?? cfg.ssh.user,
    });
    if (input.origMasterIsNewReplica) args.push('--orig_master_is_new_slave');
    return runHook('master_ip_online_change', cfg.hooks.masterIpOnlineChange!, args, {
      timeoutMs: durationMs(cfg.hooks.timeout), env: { MHAFLOW_ORIG_MASTER_PASSWORD: password, MHAFLOW_NEW_MASTER_PASSWORD: password },
    });
  });
}

export interface FreezeInput extends ClusterInput {
  origMaster: string;
  plan: FreezePlan;
  /** The wait's server: its connection is opened beside the freeze, for the wait to find open. */
  newMaster?: string;
}

/** Freeze the old master as the plan says (src/mysql/freeze.ts): its frozen position and whether the freeze holds. */
export async function switchoverFreeze(input: FreezeInput): Promise<FreezeResult> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const keep = [{ user: cfg.replication.user, why: 'replication' }, { user: cfg.mysql.user, why: 'manager' }];
    if (input.newMaster && localRun()) connectionsOf(cfg, [serverByName(cfg, input.newMaster)], async () => {}).catch(() => { /* the wait will say */ });
    return connectionsOf(cfg, [serverByName(cfg, input.origMaster)], ([c]) => freeze(c!, input.plan, { keep, heartbeat: heartbeatDetails }));
  });
}

export interface WaitInput extends ClusterInput {
  origMaster: string;
  newMaster: string;
  mode: ReplicationMode;
  /** The old master's frozen position and GTIDs. */
  frozen: { file: string; pos: number; gtid: string };
  /** Give up at this instant (ms since the epoch): set by the workflow once, so a retried wait keeps the same deadline. */
  deadline: number;
  /**
   * The promotion follows in the same workflow task: once caught up, sign the result and signal it to this workflow;
   * the promotion waits until it is in the history before the new master takes a write (src/switchover/claim.ts).
   */
  signalBeforePromotion?: boolean;
  /** The result an earlier attempt signalled: it stands for the wait when it is valid for this run and frozen position. */
  claim?: CaughtUpClaim;
}

/** Whether the new master executed up to the frozen position (file/position), or the frozen GTIDs. */
async function reachedFrozen(conn: Connection, w: WaitInput, chunkSeconds: number): Promise<{ reached: boolean; error?: string }> {
  const target = await sqlTargetOf(conn);
  const st = await showReplicaStatus(conn);
  if (!st) return { reached: false, error: 'it is not a replica' };
  if (st.lastSqlErrno) return { reached: false, error: `SQL thread error ${st.lastSqlErrno}: ${st.lastSqlError}` };
  if (w.mode === 'gtid') {
    const r = await queryOne(conn, waitForGtid(target, w.frozen.gtid, chunkSeconds));
    return { reached: waitOutcome('gtid', r?.result) === 'reached' };
  }
  // A stopped SQL thread (an earlier attempt stopped it there, or a fault) makes MASTER_POS_WAIT answer NULL: compare.
  const exec = { file: st.relaySourceLogFile, pos: st.execSourceLogPos };
  if (compareBinlogCoordinates(exec, w.frozen) >= 0) return { reached: true };
  if (!st.sqlRunning) return { reached: false };
  const r = await queryOne(conn, waitForPosition(target, w.frozen, chunkSeconds));
  return { reached: waitOutcome('position', r?.result) === 'reached' };
}

/**
 * The new master, caught up: its replication stopped, then its own binlog position and GTIDs (read-only: they stay).
 * With `stopIoLater`, only the SQL thread is stopped first (it alone moves the position) and the IO thread's stop is
 * handed on: the promotion waits for it, while the workflow task moves on to it.
 */
async function readStoppedNewMaster(c: Connection, name: string, stopIoLater?: (stop: Promise<unknown>) => void): Promise<NonNullable<CaughtUpFacts['newMaster']>> {
  const target = await sqlTargetOf(c);
  if (stopIoLater) await c.query(stopReplicaSql(target));
  else await stopAll(c);
  const [at, gtid] = await Promise.all([binlogCoordinates(c, name), executedGtid(c)]);
  // After the reads (they are not queued behind it). Should it fail, the promotion's stopAll stops the thread.
  if (stopIoLater) stopIoLater(c.query(stopReplicaIo(target)).catch(() => {}));
  return { file: at.file, pos: at.pos, gtid };
}

/**
 * Wait (until the deadline) for the new master to execute everything up to the old master's frozen position; once it
 * has, stop its replication and read its own binlog position and GTIDs (nothing else writes there: it is still
 * read-only, so a retry reads the same). Beside that, read the old master's position again: it must not have moved.
 * When the promotion follows in the same workflow task, only the SQL thread is stopped here, and the result is signed
 * and signalled to the workflow: the promotion waits for that signal and the IO thread's stop, which go on while the
 * workflow task moves on to it. A retry's wait takes the signalled result (src/switchover/claim.ts): by then writes
 * may have moved the new master.
 */
export async function switchoverWaitCaughtUp(input: WaitInput): Promise<CaughtUpFacts> {
  return guarded(async () => {
    const t0 = Date.now();
    const cfg = clusterOf(input);
    const ctx = Context.current();
    const run = { workflowId: ctx.info.workflowExecution?.workflowId ?? '', runId: ctx.info.workflowExecution?.runId ?? '' };
    const key = input.claim || input.signalBeforePromotion ? await claimKey(resolveSecret(cfg.mysql.password, 'mysql.password')) : null;
    if (input.claim && key) {
      const problem = claimProblem(key, input.claim, { ...run, frozen: input.frozen });
      if (!problem) return factsOfClaim(input.claim);
      ctx.log.warn(`the caught-up result signalled to this run is ignored (${problem}): waiting again`);
    }
    const nm = serverByName(cfg, input.newMaster);
    // Both connections open at once. The old master's position is read once the new master has reached the frozen
    // one, beside the new master's own reads rather than after them: the promotion waits for both.
    const result = await connectionsOf(cfg, [nm, serverByName(cfg, input.origMaster)], async ([c, orig]) => {
      // Looked at once even past the deadline: a retry after a crash finds the new master caught up (and its
      // replication stopped by the killed attempt) and goes on, instead of rolling back a switchover that was done waiting.
      let last: { reached: boolean; error?: string } = { reached: false };
      for (let first = true; ; first = false) {
        const left = input.deadline - Date.now();
        if (left <= 0 && !first) break;
        last = await reachedFrozen(c!, input, Math.max(1, Math.min(5, Math.ceil(left / 1000))));
        if (last.reached || last.error || left <= 0) break;
        heartbeatDetails({ waitingFor: `${input.frozen.file}:${input.frozen.pos}` });
        if (left < 1000) await new Promise((r) => setTimeout(r, 20));
      }
      const handOn = input.signalBeforePromotion ? (work: Promise<unknown>) => beforePromotion.add(run.runId, work) : undefined;
      const [newMaster, origMasterNow] = await Promise.all([
        last.reached ? readStoppedNewMaster(c!, nm.name, handOn) : null,
        showMasterStatus(orig!) as Promise<BinlogCoordinates>,
      ]);
      if (newMaster && handOn && key && sameCoordinates(origMasterNow, input.frozen)) {
        // In the history before the promotion makes the new master writable: the promotion waits for it (a retry
        // finds it there, see claim.ts). Sent once more if it fails; failing twice fails the promotion, before it.
        const claim = signClaim(key, { ...run, frozen: input.frozen, newMaster, origMasterNow: { file: origMasterNow.file, pos: origMasterNow.pos } });
        const workflow = ctx.client.workflow.getHandle(run.workflowId, run.runId);
        handOn(workflow.signal(CAUGHT_UP_SIGNAL, claim).catch(() => workflow.signal(CAUGHT_UP_SIGNAL, claim)));
      }
      return newMaster ? { reached: true, detail: '', newMaster, origMasterNow }
        : { reached: false, detail: last.error ?? `not reached within the wait timeout (${Date.now() - t0} ms in this attempt)`, newMaster: null, origMasterNow };
    });
    return { ...result, waitedMs: Date.now() - t0 };
  });
}

/**
 * The new master takes writes: once what the wait handed on is done (its signal is in the history, its IO thread
 * stopped), its replication stopped (again: a no-op after the wait), read_only OFF.
 */
export async function switchoverPromote(input: ClusterInput & { newMaster: string }): Promise<{ readOnlyWasOn: boolean; writableAt: string }> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const run = localRun();
    try {
      return await connectionsOf(cfg, [serverByName(cfg, input.newMaster)], async ([c]) => {
        await Promise.all([run ? beforePromotion.settle(run) : null, stopAll(c!)]);
        const w = await makeWritable(c!);
        return { readOnlyWasOn: w.changed, writableAt: new Date().toISOString() };
      });
    } finally {
      releaseConnections(); // the last of the three
    }
  });
}

/** read_only of a server, or null when it cannot be read (after a failed promotion: may the old master be unfrozen?). */
export async function switchoverReadReadOnly(input: ClusterInput & { server: string }): Promise<{ readOnly: boolean } | null> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    try {
      return await withConnection(cfg, serverByName(cfg, input.server), async (c) => ({ readOnly: Number((await queryOne(c, 'SELECT @@GLOBAL.read_only AS ro'))?.ro) === 1 }));
    } catch {
      return null;
    }
  });
}

export interface RollbackInput extends ClusterInput {
  origMaster: string;
  plan: FreezePlan;
  /** The new master whose replication the wait stopped: it replicates again. Absent when the wait did not stop it. */
  restartReplicationOn?: string;
}

export interface RollbackResult {
  origMaster: UnfreezeResult;
  /** What became of the new master's replication; null when it was not touched. */
  newMaster: { started: boolean; error?: string } | null;
}

/** Undo the freeze exactly (src/mysql/freeze.ts unfreeze, writable again), and restart the replication the wait stopped. */
export async function switchoverRollback(input: RollbackInput): Promise<RollbackResult> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    releaseConnections(); // a freeze or a wait before it may have left some (same worker)
    const origMaster = await withConnection(cfg, serverByName(cfg, input.origMaster), (c) => unfreeze(c, input.plan, { writable: true }));
    let newMaster: RollbackResult['newMaster'] = null;
    if (input.restartReplicationOn) {
      try {
        newMaster = await withConnection(cfg, serverByName(cfg, input.restartReplicationOn), (c) => startReplicaIfStopped(c));
      } catch (e) {
        // The old master takes writes again either way: the new master, read-only, catches up once it replicates.
        newMaster = { started: false, error: errorMessage(e) };
      }
    }
    return { origMaster, newMaster };
  });
}
