// The failover's step table: every step has a phase of the failover, a title and a summary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILOVER_STEPS, stepId } from '../../../src/failover/steps';

describe('failover steps', () => {
  const phases = ['check', 'fence', 'recover', 'promote', 'replicas'];
  for (const [kind, spec] of Object.entries(FAILOVER_STEPS)) {
    it(kind, () => {
      assert.ok(phases.includes(spec.phase), spec.phase);
      const a = { server: 'db2', servers: ['db2', 'db3'], deadMaster: 'db1', newMaster: 'db2', source: 'db4', at: 'f:4', detail: 'd' };
      assert.ok(spec.title(a).length > 5 && !spec.title(a).includes('undefined'), spec.title(a));
      assert.ok(spec.summary(a).length > 5 && !spec.summary(a).includes('undefined'), spec.summary(a));
    });
  }
  it('ids: the kind, with the server a step acts on', () => {
    assert.equal(stepId('apply', 'db2'), 'apply-db2');
    assert.equal(stepId('promote'), 'promote');
  });
  it('phases follow the story: the new master\'s steps are numbered 3.x, the others\' 4', () => {
    assert.match(FAILOVER_STEPS.apply.title({ server: 'db2', newMaster: 'db2', detail: '3 transactions' }), /^3\.5 /);
    assert.match(FAILOVER_STEPS.apply.title({ server: 'db3', newMaster: 'db2', detail: '3 transactions' }), /^4 /);
  });
});
