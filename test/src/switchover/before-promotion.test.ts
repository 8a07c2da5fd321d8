// What the switchover's wait hands on to its promotion (src/switchover/before-promotion.ts): the promotion waits for
// all of it, a failure stops it (and every retry of it), runs are apart, and a run whose promotion never comes is forgotten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeforePromotion } from '../../../src/switchover/before-promotion';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

describe('before the promotion', () => {
  it('settle waits for every piece of work of the run, then forgets it', async () => {
    const bp = new BeforePromotion();
    const signal = deferred();
    const ioStop = deferred();
    bp.add('run-1', signal.promise);
    bp.add('run-1', ioStop.promise);
    let settled = false;
    const s = bp.settle('run-1').then(() => { settled = true; });
    signal.resolve();
    await sleep(5);
    assert.equal(settled, false, 'the IO thread\'s stop is still under way');
    ioStop.resolve();
    await s;
    assert.equal(settled, true);
    assert.equal(bp.size, 0);
  });

  it('a run with nothing handed on settles at once; runs are apart', async () => {
    const bp = new BeforePromotion();
    bp.add('run-2', new Promise(() => {})); // never settles
    await bp.settle('run-1');
    assert.equal(bp.size, 1);
  });

  it('a failure is thrown once all of it settled, and again to a retried promotion', async () => {
    const bp = new BeforePromotion();
    const ioStop = deferred();
    bp.add('run-1', Promise.reject(new Error('signal refused')));
    bp.add('run-1', ioStop.promise);
    let outcome: string | null = null;
    const s = bp.settle('run-1').then(() => { outcome = 'ok'; }, (e: Error) => { outcome = e.message; });
    await sleep(5);
    assert.equal(outcome, null, 'it waits for the rest before it throws');
    ioStop.resolve();
    await s;
    assert.equal(outcome, 'signal refused');
    await assert.rejects(bp.settle('run-1'), /signal refused/, 'a retry does not go ahead without the signal');
    bp.forget('run-1');
    await bp.settle('run-1');
  });

  it('a run whose promotion never comes is forgotten after the idle time, without an unhandled rejection', async () => {
    const bp = new BeforePromotion(20);
    bp.add('run-1', Promise.reject(new Error('signal refused')));
    assert.equal(bp.size, 1);
    await sleep(60);
    assert.equal(bp.size, 0);
  });
});
