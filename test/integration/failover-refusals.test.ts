// When the failover must not happen (a live master, a failover of this cluster too recently, no server
// that can become master), and how it is started: two requests attach to one workflow; the CLI's dry run.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { runFailoverCommand } from '../../src/cli/failover';
import { CommandError } from '../../src/cli/exit-codes';
import type { ClusterConfig } from '../../src/config/schema';
import { startFailover } from '../../src/failover/start';
import { temporalNamespace } from '../../src/temporal/config';
import { TemporalHttp, temporalHttpAddress } from '../../src/temporal/http';
import { injectFault } from '../../lab/faults';
import { registerCluster, resultOf, testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { startWriter } from '../../lab/writer';
import { withConnection, queryOne } from '../../src/mysql/client';
import type { FailoverReport } from '../../src/contracts/failover';
import { assertSurvivorsHold, failoverFailure, logFailover, runFailover, startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

function writeConfig(cfg: ClusterConfig): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mhaflow-cfg-')), 'cluster.yml');
  writeFileSync(path, stringify(cfg));
  return path;
}

describe('failover refusals', () => {
  it('refuses a live master (it answers SQL) and changes nothing', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-live'));
    const f = await failoverFailure(t, cfg);
    assert.equal(f.type, 'RefusedError');
    assert.match(f.message, /answers SQL.*live master/);
    const ro = await withConnection(cfg, cfg.servers[0]!, (c) => queryOne(c, 'SELECT @@read_only AS ro'));
    assert.equal(Number(ro!.ro), 0, 'db1 is still the writable master');
  });

  it('refuses when no server can become master, when --new-master is not eligible, when the secondary check sees the master', async () => {
    const lab = await resetLab('filepos');
    await injectFault('kill-mysqld', 'db1');
    const none = testConfig(lab.cfg, uniqueCluster('fo-nocand'), (ss) => ss.map((s) => (s.name === 'db1' ? s : { ...s, noMaster: true })));
    const f = await failoverFailure(t, none);
    assert.equal(f.type, 'RefusedError');
    assert.match(f.message, /no server can become the new master.*db2: no_master/);
    const one = testConfig(lab.cfg, uniqueCluster('fo-badnew'), (ss) => ss.map((s) => (s.name === 'db3' ? { ...s, noMaster: true } : s)));
    const g = await failoverFailure(t, one, { newMaster: 'db3' });
    assert.equal(g.type, 'RefusedError');
    assert.match(g.message, /--new-master db3 cannot become master: no_master/);
    // MHA's secondary_check_script: the master reachable through another route means no failover.
    const hook = join(mkdtempSync(join(tmpdir(), 'hook-')), 'secondary.sh');
    writeFileSync(hook, '#!/bin/sh\necho "master reachable from 10.1.1.1"\nexit 3\n', { mode: 0o755 });
    const h = await failoverFailure(t, registerCluster({ ...testConfig(lab.cfg, uniqueCluster('fo-second')), hooks: { ...lab.cfg.hooks, secondaryCheck: hook } }));
    assert.equal(h.type, 'RefusedError');
    assert.match(h.message, /secondary check did not confirm .*exit 3.*reachable from 10\.1\.1\.1/);
  });

  it('refuses a dead host that nothing can fence (no SSH, no shutdown hook) before changing anything', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-unfenced'));
    await injectFault('host-down', 'db1');
    const f = await failoverFailure(t, cfg);
    assert.equal(f.type, 'RefusedError');
    assert.match(f.message, /db1's host answers neither SQL nor SSH and no shutdown hook is configured: it cannot be fenced.*--no-fence/);
    assert.doesNotMatch(f.message, /already done/);
    for (const s of cfg.servers.slice(1)) {
      const st = await withConnection(cfg, s, (c) => queryOne(c, 'SHOW SLAVE STATUS'));
      assert.notEqual(st!.Slave_IO_Running, 'No', `${s.name}'s IO thread was left as it was`);
    }
  });

  it('refuses a second failover of the same cluster within the window, unless told to ignore it', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-flap'));
    const writer = startWriter(cfg);
    await writer.waitAcked(200);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    const first = await runFailover(t, cfg);
    logFailover(first);
    const nm = first.report.newMaster!;
    await injectFault('kill-mysqld', nm);
    // As an operator would: the first dead master leaves the config.
    const next = registerCluster({ ...cfg, servers: cfg.servers.filter((s) => s.name !== 'db1') });
    let f = await failoverFailure(t, next);
    for (let i = 0; i < 10 && !/failed over at/.test(f.message); i++) {
      await sleep(300); // visibility is eventually consistent
      f = await failoverFailure(t, next);
    }
    assert.equal(f.type, 'RefusedError');
    assert.match(f.message, /failed over at .* less than 480 minutes ago/);
    const second = await runFailover(t, next, { ignoreLastFailover: true });
    logFailover(second);
    assert.equal(second.report.deadMaster, nm);
    const survivors = ['db2', 'db3', 'db4'].filter((s) => s !== nm);
    await assertSurvivorsHold(cfg, survivors, writer.acked());
  });

  it('a second request attaches to the running failover; the CLI follows it, and its dry run changes nothing', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('fo-cli'));
    const writer = startWriter(cfg);
    await writer.waitAcked(200);
    await injectFault('kill-mysqld', 'db1');
    await writer.stop();
    const path = writeConfig(cfg);
    const dry = await runFailoverCommand(t.client, { config: path }, { dryRun: true }, { taskQueue: t.taskQueue });
    assert.equal(dry.report.dryRun, true);
    assert.ok(dry.report.newMaster && dry.report.planSummary.length > 0);
    const ro = await withConnection(cfg, cfg.servers.find((s) => s.name === dry.report.newMaster)!, (c) => queryOne(c, 'SELECT @@read_only AS ro'));
    assert.equal(Number(ro!.ro), 1, 'the dry run left the planned new master read-only');
    const a = await startFailover(t.client, { cluster: cfg.cluster }, { taskQueue: t.taskQueue });
    const b = await startFailover(t.client, { cluster: cfg.cluster }, { taskQueue: t.taskQueue });
    assert.equal(a.workflowId, b.workflowId);
    assert.equal(b.started, false, 'the second request attached');
    // The failover command's own way in too: Temporal's HTTP API (no gRPC client loaded), attaching the same way.
    const api = new TemporalHttp(temporalHttpAddress()!, temporalNamespace());
    const [viaCli, viaHttp] = await Promise.all([
      runFailoverCommand(t.client, { config: path }, {}, { taskQueue: t.taskQueue }),
      runFailoverCommand(api, { config: path }, {}, { taskQueue: t.taskQueue }),
    ]);
    const report = await resultOf<FailoverReport>(a.handle);
    assert.equal(viaCli.report.runId, report.runId, 'one failover, followed four times');
    assert.equal(viaHttp.report.runId, report.runId);
    assert.deepEqual(viaHttp.report.steps.map((x) => x.id), report.steps.map((x) => x.id));
    assert.equal(report.newMaster, dry.report.newMaster);
    assert.ok(viaCli.cliWritableMs !== null);
    await assertSurvivorsHold(cfg, ['db2', 'db3', 'db4'], writer.acked());
    await assert.rejects(runFailoverCommand(t.client, { config: path }, {}, { taskQueue: t.taskQueue }), (e: unknown) => e instanceof CommandError && e.outcome === 'refused' && /refused/.test(e.message));
    // The same refusal read from the HTTP API's failure JSON: the reason, not "workflow failed".
    await assert.rejects(runFailoverCommand(api, { config: path }, {}, { taskQueue: t.taskQueue }), (e: unknown) => e instanceof CommandError && e.outcome === 'refused' && /refused: .*(live master|not the current master|failed over at)/.test(e.message));
  });
});
