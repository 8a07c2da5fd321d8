// The failover command as scripts and operators run it (issue 16), as real processes of bin/mhaflow.js:
// its exit code for a failover that lost transactions, two commands at once (the second says whose failover
// it follows), and a restart of Temporal in the middle (ridden out; or, when Temporal stays away, a distinct
// exit code and how to follow the failover, which goes on).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitCodeOf } from '../../src/cli/exit-codes';
import { injectFault } from '../../lab/faults';
import { testConfig, uniqueCluster } from '../../lab/harness';
import { resetLab } from '../../lab/lab';
import { ownTemporal, type OwnTemporal } from '../../lab/temporal-server';
import { startWriter } from '../../lab/writer';
import { queryOne, withConnection } from '../../src/mysql/client';
import { assertSurvivorsHold, deadMasterWithTail, workerProcesses } from '../support/harness';

const BIN = join(resolve(__dirname, '..', '..'), 'bin', 'mhaflow.js');
const SURVIVORS = ['db2', 'db3', 'db4'];
const spawnWorker = workerProcesses().spawn; // each test's workers are killed as it ends
let own: OwnTemporal | undefined;
after(async () => { await own?.stop(); });

interface Cli { stdout: string; stderr: string; done: Promise<number | null>; waitStderr(re: RegExp, timeoutMs?: number): Promise<void> }

/** `mhaflow failover ARGS` in a process of its own. */
function failoverCli(args: string[], env: NodeJS.ProcessEnv): Cli {
  const child = spawn(process.execPath, [BIN, 'failover', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const cli: Cli = {
    stdout: '', stderr: '',
    done: new Promise((r) => child.once('exit', (code) => r(code))),
    async waitStderr(re, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(cli.stderr)) {
        if (Date.now() > deadline) throw new Error(`the failover command did not print ${re} within ${timeoutMs} ms:\n${cli.stderr}`);
        if (child.exitCode !== null) throw new Error(`the failover command exited ${child.exitCode} before printing ${re}:\n${cli.stderr}`);
        await sleep(20);
      }
    },
  };
  child.stdout.on('data', (c: Buffer) => { cli.stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { cli.stderr += c.toString(); });
  return cli;
}

/**
 * cli.done; if it is not done after a minute (these failovers take about 10 s), what the command, the worker and the
 * private Temporal server said so far, on stderr: a slow or hung run leaves what is needed to see why (it decides nothing).
 */
async function doneOrTell(cli: Cli, what: string, logs: string[]): Promise<number | null> {
  const tail = (f: string) => { try { return readFileSync(f, 'utf8').split('\n').slice(-40).join('\n'); } catch (e) { return String(e); } };
  const timer = setTimeout(() => process.stderr.write(`  ${what}: not done after 60 s; its stderr so far:\n${cli.stderr}\n` +
    logs.map((f) => `  --- last lines of ${f}:\n${tail(f)}\n`).join('')), 60_000);
  try { return await cli.done; } finally { clearTimeout(timer); }
}

const queue = (what: string) => `mhaflow-cli-${what}-${process.pid}-${Date.now().toString(36)}`;

const deadMaster = deadMasterWithTail;

describe('the failover command', () => {
  it('whole host down, its binlog tail lost: exit code 3 (completed with unrecoverable transactions), the outcome in --json', async () => {
    const lab = await resetLab('filepos');
    const cfg = testConfig(lab.cfg, uniqueCluster('cli-down'));
    const writer = startWriter(cfg);
    for (const [host, at] of [['db2', 200], ['db3', 300], ['db4', 400]] as const) {
      await writer.waitAcked(at);
      await injectFault('stop-io', host);
    }
    await writer.waitAcked(500);
    await injectFault('host-down', 'db1');
    await writer.stop();
    const taskQueue = queue('down');
    await spawnWorker(taskQueue);
    // Nothing can fence a host that answers neither SQL nor SSH, and the lab config has no shutdown hook: --no-fence.
    // Unrecoverable transactions outrank the missing fence in the exit code (3, not 7).
    const cli = failoverCli(['--cluster', cfg.cluster, '--no-fence', '--json'], { MHAFLOW_TASK_QUEUE: taskQueue });
    const code = await cli.done;
    assert.equal(code, exitCodeOf('completed-unrecoverable'), cli.stderr);
    assert.equal(code, 3);
    const out = JSON.parse(cli.stdout) as { outcome: string; exitCode: number; unrecoverable: string[]; newMaster: string };
    assert.equal(out.outcome, 'completed-unrecoverable');
    assert.equal(out.exitCode, 3);
    assert.ok(out.unrecoverable.some((u) => /dead master binlog tail unrecoverable/.test(u)), out.unrecoverable.join('; '));
    // What any replica received is on every survivor.
    const top = Number((await withConnection(cfg, cfg.servers.find((s) => s.name === out.newMaster)!, (c) => queryOne(c, 'SELECT MAX(id) AS m FROM mhaflow_test.writes')))!.m);
    await assertSurvivorsHold(cfg, SURVIVORS, writer.acked().filter((id) => id <= top));
  });

  it('two commands at once: one starts the failover, the other says it attached to it (which run, since when, at which step)', async () => {
    const { cfg, acked } = await deadMaster('cli-two', 300);
    const taskQueue = queue('two');
    await spawnWorker(taskQueue);
    const env = { MHAFLOW_TASK_QUEUE: taskQueue };
    const [a, b] = [failoverCli(['--cluster', cfg.cluster, '--json'], env), failoverCli(['--cluster', cfg.cluster, '--json'], env)];
    const codes = await Promise.all([a.done, b.done]);
    assert.deepEqual(codes, [0, 0], `${a.stderr}\n---\n${b.stderr}`);
    const outs = [a, b].map((c) => JSON.parse(c.stdout) as { outcome: string; attached: boolean; runId: string; attachedTo?: { runId: string; startTime: string } });
    const starter = outs.findIndex((o) => !o.attached);
    const follower = 1 - starter;
    assert.ok(starter >= 0 && outs[follower]!.attached, `exactly one started it: ${JSON.stringify(outs.map((o) => o.attached))}`);
    const [startedErr, attachedErr] = [[a, b][starter]!.stderr, [a, b][follower]!.stderr];
    assert.match(startedErr, new RegExp(`^started failover failover:${cfg.cluster}$`, 'm'));
    assert.doesNotMatch(attachedErr, /^started /m);
    const runId = outs[starter]!.runId;
    assert.match(attachedErr, new RegExp(`^attached to a failover already running: failover:${cfg.cluster} \\(run ${runId}, started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, [\\d.]+ s ago\\), (now at: .+|no step reported yet)\\. Someone else started it`, 'm'));
    assert.equal(outs[follower]!.attachedTo!.runId, runId);
    assert.equal(outs[follower]!.runId, runId, 'one failover');
    process.stderr.write(`  ${attachedErr.split('\n')[0]}\n`);
    await assertSurvivorsHold(cfg, SURVIVORS, acked);
  });

  describe('Temporal killed -9 during the failover (a private dev server)', () => {
    const port = 7533;
    const temporalEnv = () => ({ TEMPORAL_ADDRESS: own!.address, TEMPORAL_HTTP_ADDRESS: own!.httpAddress! });

    before(async () => {
      own = ownTemporal(port, { httpPort: port + 10 });
      await own.start();
    });

    it('restarted: the command rides it out and reports the completed failover (exit 0)', async () => {
      const { cfg, acked } = await deadMaster('cli-restart', 400);
      const taskQueue = queue('restart');
      const worker = await spawnWorker(taskQueue, temporalEnv());
      const cli = failoverCli(['--cluster', cfg.cluster], { ...temporalEnv(), MHAFLOW_TASK_QUEUE: taskQueue });
      await cli.waitStderr(/✔/);
      await own!.kill();
      const killedAt = Date.now();
      await sleep(1000);
      await own!.start();
      process.stderr.write(`  Temporal back after ${Date.now() - killedAt} ms\n`);
      const code = await doneOrTell(cli, 'the failover command', [worker.log, own!.log]);
      assert.equal(code, 0, cli.stderr);
      assert.match(cli.stderr, /lost contact with Temporal .*the failover goes on; retrying/);
      assert.match(cli.stderr, /contact with Temporal restored after/);
      assert.match(cli.stdout, /outcome: completed \(exit 0\)/);
      await assertSurvivorsHold(cfg, SURVIVORS, acked);
    });

    it('not back in time: exit 6 "lost contact with Temporal; the failover goes on; follow it with ..."; following it later shows it completed', async () => {
      const { cfg, acked } = await deadMaster('cli-lost', 400);
      const taskQueue = queue('lost');
      const worker = await spawnWorker(taskQueue, temporalEnv());
      const env = { ...temporalEnv(), MHAFLOW_TASK_QUEUE: taskQueue };
      const cli = failoverCli(['--cluster', cfg.cluster, '--reconnect-timeout', '2'], env);
      await cli.waitStderr(/✔/);
      await own!.kill();
      const code = await doneOrTell(cli, 'the failover command', [worker.log, own!.log]);
      assert.equal(code, exitCodeOf('temporal-lost'), cli.stderr);
      assert.equal(code, 6);
      assert.match(cli.stderr, new RegExp(`lost contact with Temporal at .* for [\\d.]+ s; the failover goes on \\(failover:${cfg.cluster}\\); ` +
        `follow it with \`mhaflow failover --cluster ${cfg.cluster} --follow\``));
      await own!.start();
      const follow = failoverCli(['--cluster', cfg.cluster, '--follow', '--json'], env);
      assert.equal(await doneOrTell(follow, 'the --follow command', [worker.log, own!.log]), 0, follow.stderr);
      const out = JSON.parse(follow.stdout) as { outcome: string; newMaster: string };
      assert.equal(out.outcome, 'completed');
      await assertSurvivorsHold(cfg, SURVIVORS, acked);
    });
  });
});
