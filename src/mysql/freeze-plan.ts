// The freeze's plan and verdict, pure (workflow code imports them): which accounts a freeze locks (the record its
// unfreeze undoes) and whether a frozen state stops every write. The freeze itself, on a server: ./freeze.ts.
import type { Account } from './sql';

export type { Account };

/** An account that can write while read_only is ON, and whether it is locked now. */
export interface BypassAccount extends Account { locked: boolean }

/** What planFreeze needs of a server, read by readFreezeFacts. Plain JSON. */
export interface FreezeFacts {
  readOnly: boolean;
  /** MySQL 5.7.8+; null on MariaDB (it has none). */
  superReadOnly: boolean | null;
  /** Accounts read_only does not stop (none on MySQL with super_read_only: the freeze sets it). */
  bypass: BypassAccount[];
}

/** A user name that must never be locked, and why (the replication user, the manager's own). */
export interface KeptUser { user: string; why: string }

/** Exactly what a freeze changes, decided before it changes anything: the record its unfreeze undoes. Plain JSON. */
export interface FreezePlan {
  /** Accounts the freeze locks and the unfreeze unlocks. */
  lock: Account[];
  /** read_only before the freeze: an unfreeze that makes the server writable again restores it. */
  readOnlyWas: boolean;
  /** Accounts able to write under read_only that the freeze leaves alone, and why. */
  left: { account: Account; why: string }[];
}

export const accountName = (a: Account) => `'${a.user}'@'${a.host}'`;

/** The freeze of a server with these facts. Pure. */
export function planFreeze(f: FreezeFacts, keep: KeptUser[]): FreezePlan {
  const lock: Account[] = [];
  const left: FreezePlan['left'] = [];
  for (const a of f.bypass) {
    const kept = keep.find((k) => k.user === a.user);
    const account = { user: a.user, host: a.host };
    if (kept) left.push({ account, why: kept.why });
    else if (a.locked) left.push({ account, why: 'already locked' });
    else lock.push(account);
  }
  return { lock, readOnlyWas: f.readOnly, left };
}

/** A session in the process list: its user is LOGGING_IN_USER ('unauthenticated user') while it logs in. */
export interface Session { id: number; user: string }

/** What the freeze does next about the sessions it reads once the accounts are locked. */
export interface SessionsStep {
  /** Sessions to kill now: of a locked account, or a login stalled past its grace time. */
  kill: Session[];
  /** Sessions still to be gone before the freeze holds (killed, or logging in). Empty: done. */
  waitFor: Session[];
}

/**
 * The sessions that can still write once the accounts are locked, and what to do about them. Pure. `sessions` are
 * those of the locked users and the logins in progress, of ids up to the last one read after the lock: a session
 * opened later reads the account locked and is refused. The server reads the account when a client answers its
 * handshake and shows the user only once the login succeeded, so a login under way at the lock may still come in
 * as a locked account, unlocked: every such login is waited for, and killed once it took longer than a login does
 * (`loginsStalled`: a client that never answers would hold the freeze up to connect_timeout).
 */
export function nextSessionsStep(sessions: Session[], loggingInUser: string, o: { killed: ReadonlySet<number>; loginsStalled: boolean }): SessionsStep {
  const loggingIn = (s: Session) => s.user === loggingInUser;
  const kill = sessions.filter((s) => !o.killed.has(s.id) && (!loggingIn(s) || o.loginsStalled));
  return { kill, waitFor: sessions };
}

/** Whether the freeze holds, as read from the server. Plain JSON. */
export interface FrozenState {
  readOnly: boolean;
  superReadOnly: boolean | null;
  /** Accounts of the plan that are not locked. */
  unlocked: Account[];
  /** Sessions of the plan's users still connected. */
  writers: { id: number; user: string }[];
  /** Accounts that can write under read_only, unlocked, neither planned nor kept: created or granted since the plan. */
  unplanned: Account[];
}

/** Why a frozen state does not stop every write (empty: the freeze holds). Pure. */
export function frozenProblems(s: FrozenState): string[] {
  const p: string[] = [];
  if (!s.readOnly) p.push('read_only is OFF');
  if (s.superReadOnly === false) p.push('super_read_only is OFF');
  if (s.unlocked.length) p.push(`accounts not locked: ${s.unlocked.map(accountName).join(', ')}`);
  if (s.writers.length) p.push(`sessions of locked accounts still connected: ${s.writers.map((w) => `${w.id} (${w.user})`).join(', ')}`);
  if (s.unplanned.length) p.push(`accounts able to write under read_only appeared since the plan: ${s.unplanned.map(accountName).join(', ')}`);
  return p;
}

