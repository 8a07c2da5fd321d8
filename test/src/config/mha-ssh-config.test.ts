// The import asks ssh how MHA's ssh reached each host (src/config/mha/ssh-config.ts): `ssh -G` output read,
// paths expanded as ssh does, the cluster's key and known_hosts taken from what the hosts share.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importMhaConfig } from '../../../src/config/mha/import';
import { applySshResolution, expandSshPath, parseSshG, sshGResolver, type ResolvedSsh, type SshResolver } from '../../../src/config/mha/ssh-config';
import type { ClusterConfigInput } from '../../../src/config/schema';

const ctx = { home: '/home/mha', localUser: 'mha' };

describe('ssh -G', () => {
  it('expands ~ and the %-tokens ssh expands in IdentityFile and UserKnownHostsFile', () => {
    const c = { ...ctx, remoteUser: 'root', host: '10.0.0.5', port: 2222 };
    assert.equal(expandSshPath('~/.ssh/id_%r_%h_%p', c), '/home/mha/.ssh/id_root_10.0.0.5_2222');
    assert.equal(expandSshPath('%d/k%%%u', c), '/home/mha/k%mha');
    assert.equal(expandSshPath('/etc/~x', c), '/etc/~x');
  });

  it('reads the effective host, user, port, identity files and known_hosts files', () => {
    const r = parseSshG('user root\nhostname 10.0.0.5\nport 22\nidentityfile ~/.ssh/id_rsa\nidentityfile ~/.ssh/id_ed25519\n' +
      'userknownhostsfile ~/.ssh/known_hosts ~/.ssh/known_hosts2\nstricthostkeychecking ask\n', ctx);
    assert.deepEqual(r, { hostname: '10.0.0.5', user: 'root', port: 22, identityFiles: ['/home/mha/.ssh/id_rsa', '/home/mha/.ssh/id_ed25519'],
      knownHostsFiles: ['/home/mha/.ssh/known_hosts', '/home/mha/.ssh/known_hosts2'] });
  });

  it('runs the real ssh -G with -F, and MHA\'s user and port win over the file\'s (MHA passes -p and USER@)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-sshg-'));
    const file = join(dir, 'config');
    writeFileSync(file, 'Host db-*\n  HostName 10.1.2.3\n  IdentityFile ~/.ssh/mha_%r\n  UserKnownHostsFile /etc/mha/known_hosts\n  User ignored\n  Port 2200\n');
    const r = sshGResolver({ sshConfig: file, ...ctx })('db-1', 'root', 22) as ResolvedSsh;
    assert.deepEqual(r, { hostname: '10.1.2.3', user: 'root', port: 22, identityFiles: ['/home/mha/.ssh/mha_root'], knownHostsFiles: ['/etc/mha/known_hosts'] });
    const o = sshGResolver({ sshConfig: file, sshOptions: ['-o', 'IdentityFile=/k/first'], ...ctx })('db-1', 'root', 22) as ResolvedSsh;
    assert.equal(o.identityFiles[0], '/k/first', 'ssh_options go to ssh -G as MHA hands them to ssh');
    assert.match((sshGResolver({ sshConfig: join(dir, 'missing'), ...ctx })('x', 'root', 22) as { error: string }).error, /ssh -G x failed/);
  });
});

describe('applying what ssh resolved', () => {
  const config = (): ClusterConfigInput => ({
    cluster: 'app1', mysql: { user: 'm', password: 'env:P' }, replication: { user: 'r', password: 'env:R' },
    ssh: { user: 'root', port: 22, key: '/home/mha/.ssh/id_rsa', knownHosts: '/home/mha/.ssh/known_hosts' },
    servers: [{ name: 'db1', host: 'db1.example' }, { name: 'db2', host: 'db2.example' }, { name: 'db3', host: 'db3.example', ssh: { host: 'db3-ssh' } }],
  });
  const resolver = (per: Record<string, Partial<ResolvedSsh>>): SshResolver => (host, user, port) => ({
    hostname: host, user, port, identityFiles: ['/home/mha/.ssh/id_rsa', '/home/mha/.ssh/id_ed25519'], knownHostsFiles: ['/home/mha/.ssh/known_hosts'], ...per[host],
  });
  const only = (...paths: string[]) => (p: string) => paths.includes(p);

  it('takes the first identity file that exists (ssh\'s own order), the shared known_hosts, and HostName as ssh.host', () => {
    const c = config();
    const msgs = { unmapped: [], notes: [] as { where: string; message: string }[] };
    const ok = applySshResolution(c, resolver({ 'db3-ssh': { hostname: '10.0.0.3' } }), { where: 'app1.cnf', exists: only('/home/mha/.ssh/id_ed25519') }, msgs);
    assert.equal(ok, true);
    assert.equal(c.ssh!.key, '/home/mha/.ssh/id_ed25519');
    assert.equal(c.ssh!.knownHosts, '/home/mha/.ssh/known_hosts');
    assert.deepEqual(c.servers.map((s) => s.ssh?.host), [undefined, undefined, '10.0.0.3']);
    assert.match(msgs.notes.map((n) => n.message).join('\n'), /db3: ssh reaches db3-ssh at 10\.0\.0\.3/);
  });

  it('says which host uses another key or known_hosts file (one of each per cluster); --ssh-key and --known-hosts win', () => {
    const c = config();
    const msgs = { unmapped: [], notes: [] as { where: string; message: string }[] };
    applySshResolution(c, resolver({ 'db2.example': { identityFiles: ['/keys/db2'], knownHostsFiles: ['/kh/db2'] } }),
      { where: 'app1.cnf', exists: only('/home/mha/.ssh/id_rsa', '/keys/db2') }, msgs);
    assert.equal(c.ssh!.key, '/home/mha/.ssh/id_rsa');
    const text = msgs.notes.map((n) => n.message).join('\n');
    assert.match(text, /db2: ssh uses \/keys\/db2 for this host; mhaflow uses one key per cluster/);
    assert.match(text, /db2: ssh pins its key in \/kh\/db2/);
    const d = config();
    applySshResolution(d, resolver({}), { where: 'x', sshKey: '/given', knownHosts: '/given_kh', exists: only('/home/mha/.ssh/id_rsa') }, { unmapped: [], notes: [] });
    assert.deepEqual([d.ssh!.key, d.ssh!.knownHosts], ['/given', '/given_kh']);
  });

  it('an ssh that cannot answer leaves ssh\'s defaults, with a note; importMhaConfig uses the resolver it is given', () => {
    const msgs = { unmapped: [], notes: [] as { where: string; message: string }[] };
    assert.equal(applySshResolution(config(), () => ({ error: 'cannot run ssh -G (ENOENT)' }), { where: 'app1.cnf' }, msgs), false);
    assert.match(msgs.notes[0]!.message, /cannot run ssh -G \(ENOENT\)/);
    const seen: string[][] = [];
    const r = importMhaConfig({
      app: { file: '/etc/app1.cnf', text: '[server default]\nuser=m\npassword=p\nrepl_password=r\nssh_options="-o IdentityFile=/k/mha"\n[server1]\nhostname=h1\n[server2]\nhostname=h2\n' },
      secretsRef: 's', managerUser: 'mha', home: '/home/mha',
      sshResolver: (words) => { seen.push(words); return (host, user, port) => ({ hostname: host, user, port, identityFiles: ['/nonexistent/key'], knownHostsFiles: ['/kh'] }); },
    });
    assert.deepEqual(seen, [['-o', 'IdentityFile=/k/mha']]);
    assert.equal(r.config.ssh!.knownHosts, '/kh');
  });
});
