// Fencing's pure parts: which process serves the dead master's port (from `ss -ltnp`), and the dead
// master's verdict from the two views (the lab's SIGSTOP scenario covers the real kill and its proof);
// which remote commands stopMysqldAndWait runs, against a stand-in host.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadVerdict, sqlFailureOf, type MysqlAnswer } from '../../../src/failover/deadmaster';
import { EventEmitter } from 'node:events';
import { mysqldListening, parseListeners, stopMysqldAndWait } from '../../../src/failover/fence';
import type { ServerConfig } from '../../../src/config/schema';
import type { SshSession } from '../../../src/ssh/session';

const SS = [
  'LISTEN 0      80       127.0.0.11:3306      0.0.0.0:*    users:(("mariadbd",pid=4101,fd=21))',
  'LISTEN 0      80       127.0.0.12:3306      0.0.0.0:*    users:(("mariadbd",pid=4102,fd=21))',
  'LISTEN 0      128      127.0.0.11:22        0.0.0.0:*    users:(("sshd",pid=4201,fd=3))',
  'LISTEN 0      151         0.0.0.0:3307      0.0.0.0:*    users:(("mysqld",pid=4301,fd=30))',
  'LISTEN 0      151            [::]:3308         [::]:*    users:(("mysqld",pid=4401,fd=31))',
  'LISTEN 0      70        127.0.0.1:33060     0.0.0.0:*',
].join('\n');

describe('parseListeners', () => {
  it('reads address, port, pid and command; lines without a process are skipped', () => {
    const ls = parseListeners(SS);
    assert.deepEqual(ls.find((l) => l.pid === 4101), { address: '127.0.0.11', port: 3306, pid: 4101, command: 'mariadbd' });
    assert.deepEqual(ls.find((l) => l.pid === 4401), { address: '::', port: 3308, pid: 4401, command: 'mysqld' });
    assert.equal(ls.length, 5);
  });
});

describe('mysqldListening', () => {
  const ls = parseListeners(SS);
  const cases: [string, string[], number, number[] | null][] = [
    ['the one bound to its address (another server shares the port on this host)', ['127.0.0.11'], 3306, [4101]],
    ['by an alias of it', ['db2.lab', '127.0.0.12'], 3306, [4102]],
    ['bound to every address (IPv4)', ['10.1.1.1'], 3307, [4301]],
    ['bound to every address (IPv6)', ['10.1.1.1'], 3308, [4401]],
    ['nothing on that port', ['127.0.0.11'], 3399, []],
    ['only another address on that port: ambiguous, killed nothing', ['127.0.0.13'], 3306, null],
  ];
  for (const [name, addresses, port, want] of cases) {
    it(name, () => assert.deepEqual(mysqldListening(ls, addresses, port)?.map((l) => l.pid) ?? null, want));
  }
});

describe('the dead master\'s verdict', () => {
  const cases: [MysqlAnswer, MysqlAnswer | null, boolean, string][] = [
    ['answered', null, false, 'alive'],
    ['silent', 'answered', true, 'alive'],
    ['refused', 'refused', true, 'down'],
    ['silent', 'refused', true, 'down'],
    ['silent', 'silent', true, 'stalled'],
    ['refused', null, true, 'down'],
    ['silent', null, true, 'stalled'],
    ['silent', null, false, 'host-down'],
    ['unreachable', null, false, 'host-down'],
  ];
  for (const [sql, own, ssh, want] of cases) it(`SQL ${sql}, own host ${own}, SSH ${ssh}: ${want}`, () => assert.equal(deadVerdict(sql, own, ssh), want));
  it('connect errors as views', () => {
    assert.deepEqual(['ECONNREFUSED', 'EHOSTUNREACH', 'ETIMEDOUT', undefined].map(sqlFailureOf), ['refused', 'unreachable', 'silent', 'silent']);
  });
});

describe('stopMysqldAndWait: the remote commands it runs', () => {
  /** A host whose port 3306 on 10.0.0.1 is served by pid 77 until a kill -9 of it; every exec recorded. */
  const host = (listening: boolean) => {
    const execs: string[][] = [];
    const session = {
      target: { name: 'db1', host: '10.0.0.1', port: 22, user: 'root' },
      execs,
      connectFromHost: async () => {
        if (!listening) return { failed: 'refused', detail: 'Connection refused' };
        const stream = Object.assign(new EventEmitter(), { close: () => stream.emit('close') });
        setImmediate(() => stream.emit('data', Buffer.from([0x4a, 0, 0, 0, 0x0a, 0x31])));
        return { stream };
      },
      exec: async (argv: (string | number)[]) => {
        execs.push(argv.map(String));
        if (argv[0] === 'ss') return { code: 0, stdout: listening ? 'LISTEN 0 80 10.0.0.1:3306 0.0.0.0:* users:(("mariadbd",pid=77,fd=21))\n' : '', stderr: '' };
        if (argv[0] === 'kill') listening = false;
        return { code: 0, stdout: '', stderr: '' };
      },
    };
    return session as unknown as SshSession & { execs: string[][] };
  };
  const dead = (over: Partial<ServerConfig> = {}) => ({ name: 'db1', host: '10.0.0.1', port: 3306, ...over }) as ServerConfig;

  it('refused from its own host and no alias: nothing to kill, no remote command, the refusal is the proof', async () => {
    const s = host(false);
    const r = await stopMysqldAndWait(s, dead());
    assert.deepEqual(s.execs, []);
    assert.deepEqual(r.stop.killed, []);
    assert.match(r.stop.notes.join(), /nothing listens on 10\.0\.0\.1:3306 .*nothing to kill/);
    assert.equal(r.port.refused, true);
  });

  it('refused on its address but it has aliases: ss looks for a mysqld on those', async () => {
    const s = host(false);
    const r = await stopMysqldAndWait(s, dead({ aliases: ['10.0.0.9'] }));
    assert.deepEqual(s.execs, [['ss', '-Hltnp']]);
    assert.equal(r.port.refused, true);
  });

  it('a mysqld answering: killed (ss, kill -9), then the port refuses', async () => {
    const s = host(true);
    const r = await stopMysqldAndWait(s, dead());
    assert.deepEqual(s.execs, [['ss', '-Hltnp'], ['kill', '-9', '77']]);
    assert.deepEqual(r.stop.killed, [{ pid: 77, command: 'mariadbd' }]);
    assert.equal(r.port.refused, true);
  });
});
