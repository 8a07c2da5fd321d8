// How the worker's metrics read a workflow's end (worker/outcome.ts): table tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeOfError, outcomeOfResult } from '../../worker/outcome';

const named = (name: string, props: Record<string, unknown> = {}) => Object.assign(new Error(name), { name }, props);

describe('workflow outcomes', () => {
  it('reads a result', () => {
    const cases: [unknown, string][] = [
      [{ dryRun: false, unrecoverable: [] }, 'completed'],
      [{ dryRun: false, unrecoverable: ['dead master binlog tail unrecoverable: 64 transactions'] }, 'completed-unrecoverable'],
      [{ dryRun: false, unrecoverable: [], leftOut: [{ server: 'db4', reason: 'x', hint: 'y' }], fence: { verified: true } }, 'completed-degraded'],
      [{ dryRun: false, unrecoverable: [], leftOut: [], fence: { method: 'none', verified: false } }, 'completed-degraded'],
      [{ dryRun: false, unrecoverable: [], leftOut: [], fence: { method: 'stop-mysqld', verified: true } }, 'completed'],
      [{ outcome: 'rolled-back' }, 'refused'],
      [{ outcome: 'rejected' }, 'refused'],
      [{ outcome: 'dry-run' }, 'dry-run'],
      [{ dryRun: true, unrecoverable: ['x'] }, 'dry-run'],
      [{ roles: {} }, 'completed'],
      [undefined, 'completed'],
    ];
    for (const [r, want] of cases) assert.equal(outcomeOfResult(r), want, JSON.stringify(r));
  });
  it('reads a thrown failure; a plain Error (a failed workflow task, retried) ends nothing', () => {
    const cases: [unknown, string | null][] = [
      [named('ApplicationFailure', { type: 'RefusedError' }), 'refused'],
      [named('ApplicationFailure', { type: 'SafetyError' }), 'refused'],
      [named('ActivityFailure', { cause: named('ApplicationFailure', { type: 'RefusedError' }) }), 'refused'],
      [named('ActivityFailure', { cause: named('ApplicationFailure', { type: 'DiffApplyError' }) }), 'failed'],
      [named('ActivityFailure', { cause: named('TimeoutFailure') }), 'failed'],
      [named('CancelledFailure'), 'cancelled'],
      [named('TypeError'), null],
      ['a string', null],
    ];
    for (const [e, want] of cases) assert.equal(outcomeOfError(e), want, String((e as Error).name ?? e));
  });
});
