// `config import-mha` on an MHA config whose hosts are reached through an ssh config file (an IdentityFile,
// a UserKnownHostsFile, a HostName alias), as MHA's ssh reached them (issue 16): the import asks `ssh -G`,
// --scan-host-keys prints each host's fingerprint and writes the keys aside for the operator to confirm,
// and once they are confirmed (compared with the hosts' own, then accepted with the printed command) the
// imported config passes `mhaflow check` with no other edit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { labHosts, labPaths } from '../../lab/layout';
import { resetLab } from '../../lab/lab';
import { hostKeyPath } from '../../lab/sshd';

const BIN = join(resolve(__dirname, '..', '..'), 'bin', 'mhaflow.js');
const mhaflow = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('config import-mha with ssh\'s own configuration', () => {
  it('resolves hosts with ssh -G, scans host keys for confirmation, and the result passes mhaflow check', async () => {
    const lab = await resetLab('filepos');
    const hosts = labHosts();
    const dir = mkdtempSync(join(tmpdir(), 'mhaflow-import-lab-'));
    const knownHosts = join(dir, 'known_hosts');
    // ~/.ssh/config-style: the lab's key for every lab address, a known_hosts file of its own, and db4 reached through an alias.
    const prefix = hosts[0]!.address.replace(/\.\d+$/, '');
    writeFileSync(join(dir, 'ssh_config'), [
      `Host mha-db4`, `  HostName ${hosts[3]!.address}`, '',
      `Host ${prefix}.* mha-db4`, `  IdentityFile ${labPaths().clientKey}`, `  UserKnownHostsFile ${knownHosts}`, '  IdentitiesOnly yes', '',
    ].join('\n'));
    const secret = (f: string) => readFileSync(join(labPaths().root, 'secrets', f), 'utf8').trim();
    const server = (i: number) => [
      `[server${i + 1}]`, `hostname=${hosts[i]!.address}`, `master_binlog_dir=${lab.cfg.servers[i]!.binlogDir}`, `remote_workdir=${lab.cfg.servers[i]!.remoteWorkdir}`,
      ...(i === 3 ? ['ssh_host=mha-db4'] : []), '',
    ].join('\n');
    writeFileSync(join(dir, 'app1.cnf'), [
      '[server default]', `user=${lab.cfg.mysql.user}`, `password=${secret('admin.pw')}`, `repl_user=${lab.cfg.replication.user}`, `repl_password=${secret('repl.pw')}`,
      'ssh_user=root', `manager_workdir=${join(dir, 'manager')}`, '',
      ...hosts.map((_h, i) => server(i)),
    ].join('\n'));
    writeFileSync(join(dir, 'global.cnf'), '[server default]\n'); // not this machine's /etc/masterha_default.cnf
    const out = join(dir, 'cluster.yml');
    const imp = mhaflow('config', 'import-mha', join(dir, 'app1.cnf'), '--out', out, '--global', join(dir, 'global.cnf'), '--ssh-config', join(dir, 'ssh_config'), '--scan-host-keys');
    assert.equal(imp.status, 0, imp.stderr);
    process.stderr.write(`${imp.stdout}\n`);

    const cfg = parse(readFileSync(out, 'utf8')) as { ssh: { key: string; knownHosts: string }; servers: { name: string; ssh?: { host?: string } }[] };
    assert.equal(cfg.ssh.key, labPaths().clientKey, 'the IdentityFile MHA\'s ssh used, not a guessed ~/.ssh/id_rsa');
    assert.equal(cfg.ssh.knownHosts, knownHosts);
    assert.equal(cfg.servers.find((s) => s.name === 'server4')!.ssh?.host, hosts[3]!.address, 'the alias resolved to its HostName');

    // Every key printed with the fingerprint the host itself shows, and nothing trusted yet.
    for (const h of hosts) {
      const own = spawnSync('ssh-keygen', ['-lf', `${hostKeyPath(h)}.pub`], { encoding: 'utf8' }).stdout.split(' ')[1]!;
      assert.match(imp.stdout, new RegExp(`${h.address.replace(/\./g, '\\.')}:22\\s+ssh-ed25519\\s+${own.replace(/[+/]/g, '\\$&')}\\s+NEW`), h.name);
    }
    assert.equal(existsSync(knownHosts), false, 'no key accepted silently');
    const accept = /^ {2}(cat .*\.pending >> .* && rm .*\.pending)$/m.exec(imp.stdout)?.[1];
    assert.ok(accept, imp.stdout);
    // The operator compared the fingerprints (above) and accepts them with the printed command.
    assert.equal(spawnSync('/bin/sh', ['-c', accept], { encoding: 'utf8' }).status, 0);

    const check = mhaflow('check', '--local', '--config', out, '--json');
    const report = JSON.parse(check.stdout) as { outcome: string; problems: { what: string }[] };
    assert.equal(check.status, 0, `${check.stderr}\n${report.problems.map((p) => p.what).join('\n')}`);
    assert.equal(report.outcome, 'completed');

    // A second scan finds every key pinned and writes nothing.
    const again = mhaflow('config', 'import-mha', join(dir, 'app1.cnf'), '--out', out, '--global', join(dir, 'global.cnf'), '--ssh-config', join(dir, 'ssh_config'), '--scan-host-keys', '--force');
    assert.equal(again.status, 0, again.stderr);
    assert.equal((again.stdout.match(/already pinned/g) ?? []).length, 4);
    assert.equal(existsSync(`${knownHosts}.pending`), false);
  });
});
