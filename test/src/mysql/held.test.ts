// The connections the switchover's freeze, wait and promotion hand on to each other (src/mysql/held.ts), with fake
// connections: reuse within a run, none across runs, a failure drops them, release closes them, an ended one is forgotten.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ClusterConfig, ServerConfig } from '../../../src/config/schema';
import type { Connection } from '../../../src/mysql/client';
import { HeldConnections } from '../../../src/mysql/held';

class FakeConnection extends EventEmitter {
  destroyed = false;
  constructor(readonly server: string, readonly n: number) { super(); }
  destroy(): void { this.destroyed = true; }
}

function fixture(o: { failFor?: string } = {}) {
  const opened: FakeConnection[] = [];
  const connect = async (_cfg: ClusterConfig, s: ServerConfig): Promise<Connection> => {
    if (s.name === o.failFor) throw new Error(`cannot connect to ${s.name}`);
    const c = new FakeConnection(s.name, opened.length + 1);
    opened.push(c);
    return c as unknown as Connection;
  };
  return { opened, held: new HeldConnections(60_000, connect) };
}

const cfg = {} as ClusterConfig;
const srv = (name: string) => ({ name, host: `10.0.0.${name.slice(2)}`, port: 3306 }) as ServerConfig;
const ids = (conns: Connection[]) => conns.map((c) => (c as unknown as FakeConnection).n);

describe('held connections', () => {
  it('a run reuses its connection to a server from one step to the next; another run gets its own', async () => {
    const { opened, held } = fixture();
    assert.deepEqual(await held.use('run-1', cfg, [srv('db1')], async (c) => ids(c)), [1]);
    assert.deepEqual(await held.use('run-1', cfg, [srv('db2'), srv('db1')], async (c) => ids(c)), [2, 1]);
    assert.deepEqual(await held.use('run-2', cfg, [srv('db1')], async (c) => ids(c)), [3]);
    assert.equal(opened.length, 3);
    assert.equal(held.size, 3);
    held.release('run-1');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(opened.map((c) => c.destroyed), [true, true, false], 'release closes that run\'s only');
    assert.equal(held.size, 1);
  });

  it('a step that fails drops the connections it used: the retry opens new ones', async () => {
    const { opened, held } = fixture();
    await assert.rejects(held.use('r', cfg, [srv('db1'), srv('db2')], async () => { throw new Error('statement failed'); }), /statement failed/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(opened.map((c) => c.destroyed), [true, true]);
    assert.deepEqual(await held.use('r', cfg, [srv('db1')], async (c) => ids(c)), [3]);
  });

  it('a server that cannot be reached fails the step, and the others it opened are dropped too', async () => {
    const { opened, held } = fixture({ failFor: 'db2' });
    await assert.rejects(held.use('r', cfg, [srv('db1'), srv('db2')], async () => 'never'), /cannot connect to db2/);
    await new Promise((r) => setImmediate(r));
    assert.equal(held.size, 0);
    assert.deepEqual(opened.map((c) => c.destroyed), [true]);
  });

  it('a connection the server ended is forgotten: the next step opens a new one', async () => {
    const { opened, held } = fixture();
    await held.use('r', cfg, [srv('db1')], async () => {});
    opened[0]!.emit('end');
    assert.equal(held.size, 0);
    assert.deepEqual(await held.use('r', cfg, [srv('db1')], async (c) => ids(c)), [2]);
  });
});
