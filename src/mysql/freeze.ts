// The freeze of a master: no account can write on it any more, and it stays so whatever happens to the process
// that froze it. Used by the switchover (the old master, before its replicas catch up) and reusable for fencing.
//
// Why not FLUSH TABLES WITH READ LOCK (MHA): the lock lives in one session and dies with it, so a manager that
// dies mid-switchover unfreezes the master behind its back. Why not read_only alone: on MariaDB 10.11 an account
// with SUPER or READ_ONLY ADMIN still writes under read_only (MySQL has super_read_only for that; MariaDB has not).
// So a freeze is server-side state only:
//   1. the accounts that can write under read_only are locked (ALTER USER ... ACCOUNT LOCK, binlog off: the lock
//      must not replicate to the new master): they cannot log in again;
//   2. read_only=ON (and super_read_only=ON on MySQL): every other account stops at its next statement or COMMIT;
//   3. the sessions of the locked accounts are killed (their open transactions roll back), and the freeze waits
//      until they are gone: a killed session may finish the COMMIT it was in. Logins under way at the lock are
//      waited for too (the server read the account before the lock if the client had answered its handshake; the
//      user shows only once the login succeeded); sessions opened after the lock are refused and not waited for;
//   4. the binlog position is read: nothing is written after it (readFrozenState verifies the freeze holds).
// The replication user and the manager's own user are never locked nor killed (replication would stop; the
// manager needs its connections).
//
// The record: planFreeze (pure) turns what readFreezeFacts read into the exact list of accounts to lock, before
// anything changes. The caller keeps that plan durably (a workflow passes it as an activity input: it is in the
// history) and gives the same plan to freeze, to any retry of it, and to unfreeze, which undoes exactly that:
// it unlocks those accounts and no other, and (when asked to make the server writable) restores read_only as it
// was. Every function here can run again after dying at any point: each statement is a no-op the second time.
// An account a DBA locks between the plan and the freeze is unlocked by the unfreeze (it is in the plan).
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError } from '../errors';
import { queryOne, queryRows, showMasterStatus, type BinlogCoordinates, type Connection } from './client';
import { executedGtid, sqlTargetOf, type Heartbeat } from './replication';
import { nextSessionsStep, type FreezeFacts, type FreezePlan, type FrozenState, type KeptUser, type Session } from './freeze-plan';
import {
  accountsBypassingReadOnlyQuery, accountsLockedQuery, killConnection, lastSessionIdQuery, LOGGING_IN_USER, sessionBinlogOff, sessionsOfUsersQuery,
  setAccountsLocked, setReadOnly, type Account, type SqlTarget,
} from './sql';

export * from './freeze-plan';

/** What the freeze of this server needs to know: read_only and the accounts read_only does not stop. */
export async function readFreezeFacts(conn: Connection, target?: SqlTarget): Promise<FreezeFacts> {
  const t = target ?? await sqlTargetOf(conn);
  const ro = await queryOne(conn, t.flavor === 'mysql' ? 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.super_read_only AS sro' : 'SELECT @@GLOBAL.read_only AS ro');
  const sql = accountsBypassingReadOnlyQuery(t);
  const rows = sql ? await queryRows(conn, sql) : [];
  return {
    readOnly: Number(ro?.ro) === 1,
    superReadOnly: t.flavor === 'mysql' ? Number(ro?.sro) === 1 : null,
    bypass: rows.map((r) => ({ user: String(r.user), host: String(r.host), locked: Number(r.locked) === 1 })),
  };
}

export interface FreezeResult {
  /** Sessions killed (users of the locked accounts). */
  killed: { id: number; user: string }[];
  /** The binlog position once frozen: nothing is written after it. */
  position: BinlogCoordinates;
  /** Its executed GTIDs then (MariaDB gtid_binlog_pos, MySQL gtid_executed). */
  gtid: string;
  state: FrozenState;
  ms: number;
}

export interface FreezeOptions {
  /** The users never touched (replication, manager): any bypass account of theirs is not "unplanned". */
  keep: KeptUser[];
  /** How long the killed sessions may take to end (default 10 s). */
  sessionsGoneTimeoutMs?: number;
  /** How long a login under way at the lock may take before it is killed (default 1 s: a login takes milliseconds). */
  loginGraceMs?: number;
  heartbeat?: Heartbeat;
}

const userNames = (accounts: Account[]) => [...new Set(accounts.map((a) => a.user))];

/** The sessions of these users (sessionsOfUsersQuery's options: ids up to `upToId`, the logins in progress too). */
async function sessionsOf(conn: Connection, users: string[], o: { upToId?: number; loggingIn?: boolean } = {}): Promise<Session[]> {
  if (!users.length) return [];
  return (await queryRows(conn, sessionsOfUsersQuery(users, o))).map((r) => ({ id: Number(r.id), user: String(r.user) }));
}

const lastSessionId = async (conn: Connection) => Number((await queryOne(conn, lastSessionIdQuery))?.id ?? 0);

/**
 * Step 3 of the freeze: end the sessions that may write once the accounts are locked (nextSessionsStep says which)
 * and wait until they are gone. Returns those killed.
 */
async function endSessionsOf(conn: Connection, users: string[], lockedAt: number, o: FreezeOptions): Promise<Session[]> {
  const killed: Session[] = [];
  const ids = new Set<number>();
  const t0 = Date.now();
  const timeoutMs = o.sessionsGoneTimeoutMs ?? 10_000;
  for (;;) {
    const sessions = await sessionsOf(conn, users, { upToId: lockedAt, loggingIn: true });
    const step = nextSessionsStep(sessions, LOGGING_IN_USER, { killed: ids, loginsStalled: Date.now() - t0 > (o.loginGraceMs ?? 1000) });
    for (const s of step.kill) {
      await conn.query(killConnection(s.id)).catch(() => { /* already gone */ });
      ids.add(s.id);
      if (s.user !== LOGGING_IN_USER) killed.push(s);
    }
    if (!step.waitFor.length) return killed;
    if (Date.now() - t0 > timeoutMs) {
      throw new ConnectionError(`sessions ${step.waitFor.map((s) => `${s.id} (${s.user})`).join(', ')} did not end within ${timeoutMs} ms of KILL CONNECTION`, {
        hint: 'look at SHOW PROCESSLIST on the master: a session stuck in a long rollback holds the freeze up',
      });
    }
    o.heartbeat?.({ waitingForSessions: step.waitFor.map((s) => s.id) });
    // A killed session ends within a millisecond or two, and writes are stopped until the freeze returns: look again soon.
    await sleep(1);
  }
}

async function setLocked(conn: Connection, accounts: Account[], locked: boolean): Promise<void> {
  if (!accounts.length) return;
  await conn.query(sessionBinlogOff);
  await conn.query(setAccountsLocked(accounts, locked));
}

/**
 * Freeze the server this connection is on, as `plan` says (see the top of this file). Returns its frozen binlog
 * position and the verification; a caller must check the state (frozenProblems) before it relies on the freeze.
 */
export async function freeze(conn: Connection, plan: FreezePlan, o: FreezeOptions): Promise<FreezeResult> {
  const t0 = Date.now();
  const target = await sqlTargetOf(conn);
  // Locked before read_only: a manager without READ_ONLY ADMIN could not ALTER USER afterwards.
  await setLocked(conn, plan.lock, true);
  const users = userNames(plan.lock);
  // Read once the lock holds: a session of a higher id logs in after it, reads the account locked, and is refused.
  // Before read_only, which stops the other writers: one statement less while they wait.
  const lockedAt = users.length ? await lastSessionId(conn) : 0;
  for (const s of setReadOnly(target, true)) await conn.query(s);
  const killed = await endSessionsOf(conn, users, lockedAt, o);
  const position = await showMasterStatus(conn);
  if (!position) throw new ConnectionError('has no binary log (log_bin is off): there is no position for the replicas to reach');
  const gtid = await executedGtid(conn);
  const state = await readFrozenState(conn, plan, o.keep, target, lockedAt);
  return { killed, position, gtid, state, ms: Date.now() - t0 };
}

/**
 * Read whether the freeze of `plan` holds on this server now (readOnly, locks, sessions, accounts added since).
 * `lockedAt`: the last session id once the accounts were locked; sessions above it were refused at their login.
 */
export async function readFrozenState(conn: Connection, plan: FreezePlan, keep: KeptUser[], target?: SqlTarget, lockedAt?: number): Promise<FrozenState> {
  const t = target ?? await sqlTargetOf(conn);
  const facts = await readFreezeFacts(conn, t);
  const locked = plan.lock.length ? await queryRows(conn, accountsLockedQuery(t, plan.lock)) : [];
  const isLocked = (a: Account) => locked.some((r) => String(r.user) === a.user && String(r.host) === a.host && Number(r.locked) === 1);
  const planned = (a: Account) => plan.lock.some((p) => p.user === a.user && p.host === a.host);
  return {
    readOnly: facts.readOnly,
    superReadOnly: facts.superReadOnly,
    unlocked: plan.lock.filter((a) => !isLocked(a)),
    writers: await sessionsOf(conn, userNames(plan.lock), { upToId: lockedAt }),
    unplanned: facts.bypass.filter((a) => !a.locked && !planned(a) && !keep.some((k) => k.user === a.user)).map((a) => ({ user: a.user, host: a.host })),
  };
}

export interface UnfreezeResult {
  /** The plan's accounts, unlocked now. */
  unlocked: Account[];
  /** read_only after the unfreeze. */
  readOnly: boolean;
}

/**
 * Undo exactly what freeze(plan) did: unlock the plan's accounts (binlog off), and with `writable`, set read_only
 * back to what it was before (OFF for a master that took writes). Without `writable` the server stays read-only:
 * a demoted master, now a replica, gets its accounts back but takes no writes (unlocking under read_only needs
 * READ_ONLY ADMIN or SUPER on MariaDB; on MySQL with super_read_only the plan locks nothing).
 */
export async function unfreeze(conn: Connection, plan: FreezePlan, o: { writable: boolean }): Promise<UnfreezeResult> {
  const target = await sqlTargetOf(conn);
  // Writable first (the reverse of freeze's order): unlocking under read_only needs READ_ONLY ADMIN on MariaDB.
  if (o.writable && !plan.readOnlyWas) for (const s of setReadOnly(target, false)) await conn.query(s);
  await setLocked(conn, plan.lock, false);
  const ro = await queryOne(conn, 'SELECT @@GLOBAL.read_only AS ro');
  return { unlocked: plan.lock, readOnly: Number(ro?.ro) === 1 };
}
