// Each piece of the MHA import on its own, one table per config section: MHA text in, the typed section
// (and the messages) out. The whole import on a realistic file is mha-import.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accounts, hooks, monitor, replicationOptions, workdirs } from '../../../src/config/mha/cluster';
import { importMhaConfig } from '../../../src/config/mha/import';
import { serverEntries } from '../../../src/config/mha/servers';
import { readMhaSources, type ImportMessages, type MhaSources } from '../../../src/config/mha/sources';
import { effectiveSshOptions, sshSection } from '../../../src/config/mha/ssh';

const TWO_SERVERS = '[server1]\nhostname=a\n[server2]\nhostname=b\n';

/** The sources of an application file (two servers appended unless the text has its own), and an empty message list. */
function read(text: string, global?: string): { src: MhaSources; msgs: ImportMessages } {
  const msgs: ImportMessages = { unmapped: [], notes: [] };
  const app = { file: '/etc/mha/app1.cnf', text: /^\[server\d/m.test(text) ? text : `${text}\n${TWO_SERVERS}` };
  const src = readMhaSources({ app, ...(global ? { global: { file: '/etc/masterha_default.cnf', text: global } } : {}) }, msgs);
  return { src, msgs };
}
const said = (msgs: ImportMessages) => [...msgs.unmapped, ...msgs.notes].map((m) => `${m.param ?? '-'}: ${m.message}`).join('\n');

describe('MHA import: accounts (user, password, repl_user, repl_password)', () => {
  const cases: { name: string; text: string; global?: string; mysql: object; replUser: string; secrets: object; notes?: RegExp[] }[] = [
    {
      name: 'all set: names in the config, passwords by reference', text: '[server default]\nuser=adm\npassword=pw\nrepl_user=r\nrepl_password=rp',
      mysql: { user: 'adm', password: 'file:s#mysql_password' }, replUser: 'r', secrets: { mysql_password: 'pw', repl_password: 'rp' },
    },
    {
      name: 'nothing set: MHA defaults, each noted', text: '',
      mysql: { user: 'root', password: 'file:s#mysql_password' }, replUser: 'repl', secrets: { mysql_password: '', repl_password: '' },
      notes: [/user: not set; MHA then connects as root/, /repl_user: not set/, /repl_password: not set/],
    },
    {
      name: 'the application file over the global one', text: '[server default]\nuser=app', global: '[server default]\nuser=glob\npassword=gp',
      mysql: { user: 'app', password: 'file:s#mysql_password' }, replUser: 'repl', secrets: { mysql_password: 'gp', repl_password: '' },
    },
    {
      name: 'a server with another password: the default is kept, the difference noted without the value',
      text: '[server default]\npassword=one\n[server1]\nhostname=a\n[server2]\nhostname=b\npassword=two',
      mysql: { user: 'root', password: 'file:s#mysql_password' }, replUser: 'repl', secrets: { mysql_password: 'one', repl_password: '' },
      notes: [/password: server2 has a different value; mhaflow has one value per cluster and uses the one from/],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { src, msgs } = read(c.text, c.global);
      const a = accounts(src, msgs, 's');
      assert.deepEqual(a.mysql, c.mysql);
      assert.deepEqual(a.replication, { user: c.replUser, password: 'file:s#repl_password' });
      assert.deepEqual(a.secrets, c.secrets);
      for (const n of c.notes ?? []) assert.match(said(msgs), n);
      assert.ok(!said(msgs).includes('two'), 'a password in a message');
    });
  }
});

describe('MHA import: replication options', () => {
  const cases: { text: string; expect: object }[] = [
    { text: '', expect: {} },
    { text: '[server default]\ncheck_repl_filter=1\nmulti_tier_slave=0\nuse_gtid_auto_pos=1', expect: {} },
    {
      text: '[server default]\ncheck_repl_filter=0\nmulti_tier_slave=1\nuse_gtid_auto_pos=0',
      expect: { checkFilters: false, multiTier: true, useGtidAutoPosition: false },
    },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.text), () => {
      const { src, msgs } = read(c.text);
      assert.deepEqual(replicationOptions(src, msgs), c.expect);
    });
  }
});

describe('MHA import: workdirs, hooks, monitor', () => {
  it('workdirs: absent unless set; manager_workdir kept (the rejoin extracts there)', () => {
    const none = read('');
    assert.equal(workdirs(none.src, none.msgs), undefined);
    const { src, msgs } = read('[server default]\nmanager_workdir=/m\nremote_workdir=/r');
    assert.deepEqual(workdirs(src, msgs), { manager: '/m', remote: '/r' });
    assert.equal(msgs.notes.length, 0);
    const remoteOnly = read('[server default]\nremote_workdir=/r');
    assert.deepEqual(workdirs(remoteOnly.src, remoteOnly.msgs), { manager: '/var/lib/mhaflow', remote: '/r' });
    assert.equal(remoteOnly.msgs.notes.length, 0);
  });

  it('hooks: every script, an empty one is no hook; the online-change hook is read by the switchover (no note)', () => {
    const { src, msgs } = read('[server default]\nmaster_ip_failover_script=/f\nmaster_ip_online_change_script=/o\nshutdown_script=\nreport_script=/r');
    assert.deepEqual(hooks(src, msgs), { masterIpFailover: '/f', masterIpOnlineChange: '/o', report: '/r' });
    assert.doesNotMatch(said(msgs), /master_ip_online_change_script/);
    assert.equal(msgs.notes.length, 0);
    const none = read('');
    assert.equal(hooks(none.src, none.msgs), undefined);
  });

  it('monitor: ping_interval in seconds, ping_type lower-cased, how detection differs noted; a bad ping_type refused', () => {
    const { src, msgs } = read('[server default]\nping_interval=2\nping_type=CONNECT');
    assert.deepEqual(monitor(src, msgs), { pingInterval: 2, pingType: 'connect' });
    assert.match(said(msgs), /ping_interval: MHA declares the master dead after 4 failed pings/);
    assert.match(said(msgs), /once the replicas and the master's own host agree/);
    assert.doesNotMatch(said(msgs), /nothing reads yet/);
    const none = read('');
    assert.equal(monitor(none.src, none.msgs), undefined);
    const bad = read('[server default]\nping_interval=0');
    assert.throws(() => monitor(bad.src, bad.msgs), /ping_interval=0 is not valid; expected a whole number from 1/);
  });
});

describe('MHA import: ssh', () => {
  const defaults = { managerUser: 'mgr', home: '/home/mgr' };
  const cases: { name: string; text: string; over?: object; expect: object; notes?: RegExp[] }[] = [
    {
      name: 'nothing set: the manager user, port 22, ssh\'s default files', text: '',
      expect: { user: 'mgr', port: 22, key: '/home/mgr/.ssh/id_rsa', knownHosts: '/home/mgr/.ssh/known_hosts' },
      notes: [/ssh_user: not set; MHA uses the OS user running the manager/, /MHA used ssh's default identity/],
    },
    {
      name: 'ssh_options, under ssh_user and ssh_port',
      text: '[server default]\nssh_options=-i /k -p 2200 -l ops -o ConnectTimeout=7\nssh_user=u\nssh_port=2201',
      expect: { user: 'u', port: 2201, key: '/k', knownHosts: '/home/mgr/.ssh/known_hosts', connectTimeout: 7 },
    },
    {
      name: 'ssh_connection_timeout over ssh_options; --ssh-key and --known-hosts over both',
      text: '[server default]\nssh_options=-i /k -o UserKnownHostsFile=/kh -o ConnectTimeout=7\nssh_connection_timeout=9\nssh_user=u',
      over: { sshKey: '/cli-key', knownHosts: '/cli-kh' },
      expect: { user: 'u', port: 22, key: '/cli-key', knownHosts: '/cli-kh', connectTimeout: 9 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { src, msgs } = read(c.text);
      const ssh = sshSection(src, msgs, effectiveSshOptions(src, msgs), { ...defaults, ...c.over });
      assert.deepEqual(ssh, c.expect);
      assert.match(said(msgs), /MHA ran ssh with StrictHostKeyChecking=no/);
      for (const n of c.notes ?? []) assert.match(said(msgs), n);
    });
  }

  it('ssh_options with options mhaflow has no use for: listed as not imported', () => {
    const { src, msgs } = read('[server default]\nssh_options=-C -o ServerAliveInterval=30');
    effectiveSshOptions(src, msgs);
    assert.deepEqual(msgs.unmapped.map((m) => m.message.slice(0, 35)), ['no equivalent for "-C": mhaflow spe', 'no equivalent for "-o ServerAliveIn']);
  });
});

describe('MHA import: servers and binlog servers', () => {
  const ssh = { user: 'root', port: 22, key: '/k', knownHosts: '/kh' };
  const entries = (text: string) => {
    const { src, msgs } = read(text);
    return { servers: serverEntries(src, msgs, ssh), msgs };
  };

  it('address, aliases, ssh where it differs from the cluster, directories, flags', () => {
    const { servers } = entries([
      '[server default]\nremote_workdir=/r\nclient_bindir=/bin',
      '[server1]\nhostname=db1\nip=10.0.0.1\nssh_ip=10.1.0.1\nssh_user=root\ncandidate_master=1\ncheck_repl_delay=0',
      '[server2]\nhostname=db2\nport=3307\nssh_port=2222\nremote_workdir=/other\nno_master=1\nignore_fail=1\nlatest_priority=0\nskip_reset_slave=1',
    ].join('\n'));
    assert.deepEqual(servers, [
      {
        name: 'server1', host: '10.0.0.1', port: 3306, aliases: ['db1'], ssh: { host: '10.1.0.1' }, clientBindir: '/bin',
        candidateMaster: true, checkReplDelay: false,
      },
      {
        name: 'server2', host: 'db2', port: 3307, ssh: { port: 2222 }, remoteWorkdir: '/other', clientBindir: '/bin',
        noMaster: true, ignoreFail: true, latestPriority: false, skipResetReplica: true,
      },
    ]);
  });

  it('disable_log_bin and client_libdir are kept and noted as unread, once per place they are set', () => {
    const { servers, msgs } = entries('[server default]\nclient_libdir=/lib\n[server1]\nhostname=a\ndisable_log_bin=1\n[server2]\nhostname=b\n');
    assert.deepEqual(servers.map((s) => [s.clientLibdir, s.disableLogBin]), [['/lib', true], ['/lib', undefined]]);
    assert.deepEqual(msgs.notes.filter((n) => /nothing reads yet/.test(n.message)).map((n) => n.param), ['client_libdir', 'disable_log_bin']);
    assert.match(said(msgs), /disable_log_bin: written as servers\[\]\.disableLogBin, which nothing reads yet: diffs are always applied with the binlog on/);
  });

  it('binlog servers after the servers; one on a server\'s host:port is left out and listed', () => {
    const { servers, msgs } = entries(`${TWO_SERVERS}[binlog2]\nhostname=z\nport=3310\n[binlog1]\nhostname=a\n`);
    const listed = servers.map((s) => `${s.name}@${s.host}:${s.port}${s.binlogServer ? ' binlog' : ''}`);
    assert.deepEqual(listed, ['server1@a:3306', 'server2@b:3306', 'binlog2@z:3310 binlog']);
    assert.match(said(msgs), /binlog server a:3306 is the same host:port as a \[serverN\]/);
  });

  it('a name the schema refuses is rewritten, and noted', () => {
    const { servers, msgs } = entries('[server#1]\nhostname=a\n[server2]\nhostname=b\n');
    assert.equal(servers[0]!.name, 'server-1');
    assert.match(said(msgs), /server name "server#1" is written as "server-1"/);
  });
});

describe('MHA import: composed and validated by the schema', () => {
  it('a config the schema refuses is refused at import (one server)', () => {
    assert.throws(() => importMhaConfig({ app: { file: '/etc/x.cnf', text: '[server1]\nhostname=a\n' }, secretsRef: 's', managerUser: 'u', home: '/h' }),
      /the config imported from x\.cnf: servers: .*expected at least two servers/);
  });
});
