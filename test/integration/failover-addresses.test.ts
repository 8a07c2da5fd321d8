// One resolution of "which configured server is this Source_Host" for the check and the failover: a config that
// names the master by something else than what the replicas' CHANGE MASTER used passes both.
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { injectFault } from '../../lab/faults';
import { testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { startWriter } from '../../lab/writer';
import { runCheckLocally } from '../../src/cli/check';
import { assertSurvivorsHold, logFailover, runFailover, startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

/**
 * Another name for an IPv4 address, that the resolver turns into it: "a.b.(c*256+d)", which getaddrinfo reads
 * as a.b.c.d, as it would read a hosts-file or DNS entry. No file of the machine is changed for the test.
 */
function otherNameOf(ip: string): string {
  const [a, b, c, d] = ip.split('.').map(Number);
  return `${a}.${b}.${c! * 256 + d!}`;
}

describe('addressing', () => {
  it('the config names db1 by a name resolving to the IP the replicas use: check passes, failover recovers every acknowledged id', async () => {
    const lab = await resetLab('filepos');
    const ip = lab.cfg.servers.find((s) => s.name === 'db1')!.host;
    const name = otherNameOf(ip);
    assert.deepEqual((await lookup(name, { all: true })).map((a) => a.address), [ip], `${name} resolves to ${ip}`);
    // SSH host keys are pinned per address: db1's SSH goes to its IP (servers[].ssh.host).
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-addr'), (ss) => ss.map((s) => (s.name === 'db1' ? { ...s, host: name, ssh: { ...s.ssh, host: ip } } : s)));

    const check = await runCheckLocally(cfg);
    assert.equal(check.master, 'db1');
    assert.deepEqual(check.problems.map((f) => `${f.code}@${f.server}: ${f.what}`), []);
    assert.ok(check.safe);

    const writer = startWriter(cfg);
    await writer.waitAcked(300);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    const run = await runFailover(t, cfg);
    logFailover(run);
    assert.equal(run.report.deadMaster, 'db1');
    assert.deepEqual(run.report.servers.map((s) => s.server).sort(), ['db2', 'db3', 'db4'], 'every replica recovered');
    await assertSurvivorsHold(cfg, ['db2', 'db3', 'db4'], writer.acked());
  });
});
