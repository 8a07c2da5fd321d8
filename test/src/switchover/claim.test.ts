// Table test of the caught-up result a switchover's wait signs and signals before the promotion: a retry may use it
// only when a worker of the cluster signed it, for this run, and for the position the retry's own freeze found.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimKey, claimProblem, factsOfClaim, signClaim, type CaughtUpClaim } from '../../../src/switchover/claim';

const RUN = { workflowId: 'switchover:app1', runId: 'run-1' };
const FROZEN = { file: 'mysql-bin.000007', pos: 4711, gtid: '0-11-470' };
const FACTS = { newMaster: { file: 'mysql-bin.000003', pos: 999, gtid: '0-11-470' }, origMasterNow: { file: 'mysql-bin.000007', pos: 4711 } };

describe('the signed caught-up result', () => {
  it('stands for the wait only when signed with this key, for this run and frozen position', async () => {
    const key = await claimKey('s3cret');
    const other = await claimKey('another password');
    const good = signClaim(key, { ...RUN, frozen: FROZEN, ...FACTS });
    const cases: { name: string; claim: unknown; key?: Buffer; expect?: Partial<typeof RUN & { frozen: typeof FROZEN }>; problem: RegExp | null }[] = [
      { name: 'as signed', claim: good, problem: null },
      { name: 'signed with another cluster\'s key', claim: good, key: other, problem: /signature does not match/ },
      { name: 'a forged one (another position, its signature kept)', claim: { ...good, newMaster: { ...good.newMaster, pos: 1200 } }, problem: /signature does not match/ },
      { name: 'the old master\'s position changed in it', claim: { ...good, origMasterNow: { file: FROZEN.file, pos: 9 } }, problem: /signature does not match/ },
      { name: 'a signature cut short', claim: { ...good, mac: good.mac.slice(0, 10) }, problem: /signature does not match/ },
      { name: 'for another run of the same workflow', claim: good, expect: { runId: 'run-2' }, problem: /another run/ },
      { name: 'for another frozen position (the old master took writes since)', claim: good, expect: { frozen: { ...FROZEN, pos: 5000 } }, problem: /frozen position mysql-bin.000007:4711/ },
      { name: 'for another GTID at the same position', claim: good, expect: { frozen: { ...FROZEN, gtid: '0-11-471' } }, problem: /frozen position/ },
      { name: 'not a claim at all', claim: { hello: 1 }, problem: /not a caught-up result/ },
      { name: 'a position that is not a number', claim: { ...good, newMaster: { ...good.newMaster, pos: '999' } }, problem: /not a caught-up result/ },
      { name: 'null', claim: null, problem: /not a caught-up result/ },
    ];
    for (const c of cases) {
      const got = claimProblem(c.key ?? key, c.claim, { ...RUN, frozen: FROZEN, ...c.expect });
      if (c.problem === null) assert.equal(got, null, c.name);
      else assert.match(got ?? 'accepted', c.problem, c.name);
    }
  });

  it('keys: the same password gives the same key (computed once), another password another key', async () => {
    const [a, b, c] = await Promise.all([claimKey('pw-1'), claimKey('pw-1'), claimKey('pw-2')]);
    assert.ok(a.equals(b));
    assert.ok(!a.equals(c));
    assert.equal(a.length, 32);
  });

  it('a valid claim gives the wait\'s facts: reached, the positions signed, marked as taken from the claim', async () => {
    const claim: CaughtUpClaim = signClaim(await claimKey('s3cret'), { ...RUN, frozen: FROZEN, ...FACTS });
    assert.deepEqual(factsOfClaim(claim), { reached: true, detail: '', waitedMs: 0, ...FACTS, fromClaim: true });
  });
});
