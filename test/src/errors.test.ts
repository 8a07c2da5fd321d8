// One list of the error types no retry can fix: it names exactly the non-retryable MhaflowErrors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinlogReadError } from '../../src/binlog/errors';
import * as errors from '../../src/errors';

describe('NON_RETRYABLE_ERROR_TYPES', () => {
  it('lists every non-retryable error class and no retryable one', () => {
    const classes = Object.values(errors).filter((v): v is typeof errors.MhaflowError => typeof v === 'function' && v.prototype instanceof errors.MhaflowError);
    assert.ok(classes.length >= 8, classes.map((c) => c.name).join(', '));
    for (const C of classes) {
      const e = new C('x');
      assert.equal(e.name, C.name);
      assert.equal(errors.NON_RETRYABLE_ERROR_TYPES.includes(C.name), e.nonRetryable, `${C.name}: nonRetryable ${e.nonRetryable}`);
    }
  });
  it('BinlogReadError: listed (its I/O kind is converted to a retryable failure before it reaches Temporal)', () => {
    assert.ok(errors.NON_RETRYABLE_ERROR_TYPES.includes(new BinlogReadError('corrupt', 'f', 4, 'bad').name));
  });
  it('an error says where, what and what to do', () => {
    assert.equal(new errors.RefusedError('no candidate', { server: 'db2', hint: 'fix db2' }).describe(), '[db2] no candidate\n  fix: fix db2');
  });
});
