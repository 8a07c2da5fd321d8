// The rejoin's step table: every step has a phase of the rejoin, a title and a summary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REJOIN_STEPS } from '../../../src/rejoin/steps';

describe('rejoin steps', () => {
  const phases = ['check', 'find', 'extract', 'reapply', 'rewind', 'repoint'];
  for (const [kind, spec] of Object.entries(REJOIN_STEPS)) {
    it(kind, () => {
      assert.ok(phases.includes(spec.phase), spec.phase);
      const a = { server: 'db1', master: 'db2', at: 'mysql-bin.000003:5000', detail: '64 transactions' };
      assert.ok(spec.title(a).length > 5 && !spec.title(a).includes('undefined'), spec.title(a));
      assert.ok(spec.summary(a).length > 5 && !spec.summary(a).includes('undefined'), spec.summary(a));
    });
  }
});
