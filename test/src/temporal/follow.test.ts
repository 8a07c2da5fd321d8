// Following a workflow through a Temporal restart (src/temporal/follow.ts): what counts as "Temporal did not
// answer", and the retry loop's word on losing and regaining contact.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError } from '../../../src/errors';
import { isContactError, reconnectDelayMs, throughRestarts } from '../../../src/temporal/follow';
import { HttpAnswerError, HttpUnavailableError, WorkflowEndedError } from '../../../src/temporal/http';

const named = (name: string, props: Record<string, unknown> = {}) => Object.assign(new Error(name), { name }, props);

describe('Temporal contact', () => {
  it('tells "no answer" from an answer', () => {
    const cases: [unknown, boolean][] = [
      [new HttpUnavailableError('ECONNREFUSED'), true],
      [new ConnectionError('socket hang up'), true],
      [new HttpAnswerError(503, 'unavailable'), true],
      [new HttpAnswerError(404, 'workflow not found'), false],
      [new WorkflowEndedError('failed', null), false],
      [named('ServiceError', { cause: { code: 14 } }), true],
      [named('ServiceError', { cause: { code: 5 } }), false],
      [named('WorkflowFailedError'), false],
      [named('TypeError'), false],
      ['text', false],
    ];
    for (const [e, want] of cases) assert.equal(isContactError(e), want, String((e as Error).message ?? e));
  });

  it('backs off from 250 ms to 2 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 9].map(reconnectDelayMs), [250, 500, 1000, 2000, 2000, 2000]);
  });

  it('retries while Temporal is silent, says when contact is lost and restored, gives up after reconnectMs', async () => {
    const said: string[] = [];
    const o = (reconnectMs: number) => ({
      reconnectMs, onLost: (e: Error) => said.push(`lost: ${e.message}`), onRestored: () => said.push('restored'), lostError: () => new Error('gave up'),
    });
    let n = 0;
    assert.equal(await throughRestarts(async () => { if (++n <= 2) throw new HttpUnavailableError('ECONNREFUSED'); return 'report'; }, o(10_000)), 'report');
    assert.deepEqual(said, ['lost: ECONNREFUSED', 'restored']);
    await assert.rejects(throughRestarts(async () => { throw new ConnectionError('socket hang up'); }, o(300)), /gave up/);
    let calls = 0;
    await assert.rejects(throughRestarts(async () => { calls++; throw new WorkflowEndedError('failed', { message: 'refused' }); }, o(10_000)), WorkflowEndedError);
    assert.equal(calls, 1, 'an answer is not retried');
  });
});
