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

