// What a ping's error says about the master, and where the monitor pings it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionError } from '../../../src/errors';
import { classifyPingError, pingTarget } from '../../../src/monitor/ping';

describe('classifyPingError', () => {
  const err = (o: Record<string, unknown>) => Object.assign(new Error(String(o.message ?? 'x')), o);
  const cases: [string, unknown, string][] = [
    ['nothing listens', err({ code: 'ECONNREFUSED' }), 'refused'],
    ['the kept connection dropped', err({ code: 'PROTOCOL_CONNECTION_LOST' }), 'reset'],
    ['reset', err({ code: 'ECONNRESET' }), 'reset'],
    ['no handshake in time (a stall)', err({ code: 'ETIMEDOUT' }), 'timeout'],
    ['the query timed out', err({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }), 'timeout'],
    ['no route', err({ code: 'EHOSTUNREACH' }), 'unreachable'],
    ['too many connections: the server answered', err({ code: 'ER_CON_COUNT_ERROR', errno: 1040, sqlState: '08004' }), 'answered'],
    ['access denied: the server answered', err({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 }), 'answered'],
    ['read only (insert ping): the server answered', err({ code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290, sqlState: 'HY000' }), 'answered'],
    ['anything else', err({ code: 'EWHATEVER' }), 'other'],
    ['wrapped by connectServer: the driver\'s code is on the cause', new ConnectionError('cannot connect', { cause: err({ code: 'ECONNREFUSED' }) }), 'refused'],
  ];
  for (const [name, e, kind] of cases) test(name, () => assert.equal(classifyPingError(e).kind, kind));
  test('the code and the first line of the message are kept', () => {
    assert.deepEqual(classifyPingError(err({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:3306\nmore' })),
      { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:3306' });
  });
});

test('pingTarget: the monitorAddress when set, else host:port', () => {
  const s = { name: 'db1', host: '10.0.0.1', port: 3306 } as Parameters<typeof pingTarget>[0];
  assert.equal(pingTarget(s), s);
  const p = pingTarget({ ...s, monitorAddress: '127.0.0.1:6033' });
  assert.deepEqual([p.host, p.port, p.name], ['127.0.0.1', 6033, 'db1']);
});
