// The freeze's pure parts: which accounts a plan locks (the record its unfreeze undoes), and when a frozen state holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenProblems, nextSessionsStep, planFreeze, type FrozenState } from '../../../src/mysql/freeze';

const KEEP = [{ user: 'repl', why: 'the replication user' }, { user: 'mhaflow', why: 'the manager' }];

describe('planFreeze', () => {
  const cases: { name: string; bypass: { user: string; host: string; locked: boolean }[]; readOnly?: boolean; lock: string[]; left: string[] }[] = [
    { name: 'nobody bypasses read_only (MySQL with super_read_only)', bypass: [], lock: [], left: [] },
    {
      name: 'SUPER app and root are locked; the manager and replication users are kept',
      bypass: [
        { user: 'app_super', host: '10.%', locked: false }, { user: 'root', host: 'localhost', locked: false },
        { user: 'mhaflow', host: '10.%', locked: false }, { user: 'repl', host: '%', locked: false },
      ],
      lock: ["app_super@10.%", 'root@localhost'], left: ['mhaflow@10.%: the manager', 'repl@%: the replication user'],
    },
    {
      name: 'an account already locked is left alone (its unfreeze must not unlock it)',
      bypass: [{ user: 'old', host: '%', locked: true }, { user: 'app', host: '%', locked: false }],
      lock: ['app@%'], left: ['old@%: already locked'],
    },
    {
      name: 'a kept user is kept on every host',
      bypass: [{ user: 'mhaflow', host: 'a', locked: false }, { user: 'mhaflow', host: 'b', locked: true }],
      lock: [], left: ['mhaflow@a: the manager', 'mhaflow@b: the manager'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planFreeze({ readOnly: c.readOnly ?? false, superReadOnly: null, bypass: c.bypass }, KEEP);
      assert.deepEqual(p.lock.map((a) => `${a.user}@${a.host}`), c.lock);
      assert.deepEqual(p.left.map((l) => `${l.account.user}@${l.account.host}: ${l.why}`), c.left);
      assert.equal(p.readOnlyWas, c.readOnly ?? false);
    });
  }
  it('records read_only as it was, for the unfreeze of a rollback', () => {
    assert.equal(planFreeze({ readOnly: true, superReadOnly: true, bypass: [] }, KEEP).readOnlyWas, true);
  });
});

describe('frozenProblems', () => {
  const held: FrozenState = { readOnly: true, superReadOnly: null, unlocked: [], writers: [], unplanned: [] };
  const cases: [string, Partial<FrozenState>, RegExp | null][] = [
    ['holds', {}, null],
    ['holds on MySQL with super_read_only', { superReadOnly: true }, null],
    ['read_only off', { readOnly: false }, /read_only is OFF/],
    ['super_read_only off (MySQL)', { superReadOnly: false }, /super_read_only is OFF/],
    ['an account not locked', { unlocked: [{ user: 'app', host: '%' }] }, /accounts not locked: 'app'@'%'/],
    ['a session left', { writers: [{ id: 7, user: 'app' }] }, /still connected: 7 \(app\)/],
    ['a SUPER account created since the plan', { unplanned: [{ user: 'new', host: '%' }] }, /appeared since the plan: 'new'@'%'/],
  ];
  for (const [name, patch, expected] of cases) {
    it(name, () => {
      const p = frozenProblems({ ...held, ...patch });
      if (expected) assert.match(p.join('; '), expected);
      else assert.deepEqual(p, []);
    });
  }
});

describe('nextSessionsStep', () => {
  const IN = 'unauthenticated user';
  const cases: { name: string; sessions: [number, string][]; killed?: number[]; stalled?: boolean; kill: number[]; waitFor: number[] }[] = [
    { name: 'none left: done', sessions: [], kill: [], waitFor: [] },
    { name: 'sessions of a locked account are killed, then waited for', sessions: [[7, 'app_super'], [9, 'root']], kill: [7, 9], waitFor: [7, 9] },
    { name: 'a killed session still listed (rolling back) is not killed again', sessions: [[7, 'app_super']], killed: [7], kill: [], waitFor: [7] },
    { name: 'a session that logged in with the account read before the lock is killed when it shows', sessions: [[8, 'app_super']], killed: [7], kill: [8], waitFor: [8] },
    { name: 'a login under way is waited for, not killed (a replica logging in must not be cut)', sessions: [[12, IN]], kill: [], waitFor: [12] },
    { name: 'a login stalled past its grace time is killed', sessions: [[12, IN], [13, 'app_super']], killed: [13], stalled: true, kill: [12], waitFor: [12, 13] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const step = nextSessionsStep(c.sessions.map(([id, user]) => ({ id, user })), IN, { killed: new Set(c.killed ?? []), loginsStalled: c.stalled ?? false });
      assert.deepEqual(step.kill.map((s) => s.id), c.kill);
      assert.deepEqual(step.waitFor.map((s) => s.id), c.waitFor);
    });
  }
});
