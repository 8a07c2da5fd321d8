// Measuring a replica's silence from samples of its progress token: bounds from both sides.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { advanceMarks, progressToken, type ReplicaMarks } from '../../../src/monitor/silence';

describe('advanceMarks', () => {
  test('first sample: nothing known; same token later: silent at least since the first sample; a change: heard since the sample before', () => {
    let marks: ReplicaMarks = {};
    let r = advanceMarks(marks, [{ server: 'db2', token: 'a' }], 1000);
    assert.deepEqual(r.silence.db2, { silentMs: null, heardWithinMs: null });
    marks = r.marks;
    r = advanceMarks(marks, [{ server: 'db2', token: 'a' }], 2500);
    assert.deepEqual(r.silence.db2, { silentMs: 1500, heardWithinMs: null });
    marks = r.marks;
    r = advanceMarks(marks, [{ server: 'db2', token: 'b' }], 3000);
    // It changed after the sample at 2500 and by 3000.
    assert.deepEqual(r.silence.db2, { silentMs: 0, heardWithinMs: 500 });
    marks = r.marks;
    r = advanceMarks(marks, [{ server: 'db2', token: 'b' }], 7000);
    assert.deepEqual(r.silence.db2, { silentMs: 4000, heardWithinMs: 4500 });
  });

  test('an unreadable replica keeps its mark; its silence keeps growing', () => {
    const { marks } = advanceMarks({}, [{ server: 'db3', token: 'x' }], 0);
    const r = advanceMarks(marks, [{ server: 'db3', token: null }], 5000);
    assert.deepEqual(r.marks, marks);
    assert.deepEqual(r.silence.db3, { silentMs: 5000, heardWithinMs: null });
    assert.deepEqual(advanceMarks({}, [{ server: 'db4', token: null }], 5).silence.db4, { silentMs: null, heardWithinMs: null });
  });

  test('marks of replicas not sampled are kept', () => {
    const { marks } = advanceMarks({}, [{ server: 'db2', token: 'a' }, { server: 'db3', token: 'b' }], 0);
    assert.deepEqual(Object.keys(advanceMarks(marks, [{ server: 'db2', token: 'c' }], 10).marks).sort(), ['db2', 'db3']);
  });
});

test('progressToken: read position, GTID IO position and heartbeats received', () => {
  const base = { sourceLogFile: 'mysql-bin.000002', readSourceLogPos: 400, receivedHeartbeats: 7 };
  assert.notEqual(progressToken(base), progressToken({ ...base, receivedHeartbeats: 8 }));
  assert.notEqual(progressToken(base), progressToken({ ...base, readSourceLogPos: 500 }));
  assert.notEqual(progressToken(base), progressToken({ ...base, gtidIoPos: '0-1-5' }));
  assert.equal(progressToken(base), progressToken({ ...base }));
});
