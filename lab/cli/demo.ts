// `mhaflow demo`: the README's main command. A real failover on the embedded lab, end to end:
// lab up, Temporal up, a worker, a writer at 200 tx/s, kill the master, fail over, verify every id.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadClusterConfig } from '../../src/config/load';
import { injectFault } from '../faults';
import { labDown, labUp } from '../lab';
import { labPaths, type LabMode } from '../layout';
import { verifySurvivors } from '../oracle';
import { waitFor } from '../system';
import { runningWorkerProcess, startWorkerProcess, type WorkerProcess } from '../worker-process';
import { parseWriterLog, runWriter } from '../writer';
import { probeServers } from '../../src/mysql/probe';
import { decideRoles } from '../../src/topology/roles';
import { closeClient, getClient } from '../../src/temporal/client';
import { TASK_QUEUE, temporalNamespace, uiBaseUrl, uiLink } from '../../src/temporal/config';
import { temporalDown, temporalUp } from '../temporal-server';
import { ConfigError } from '../../src/errors';
import { runFailoverCommand } from '../../src/cli/failover';
import { formatTopology } from '../../src/cli/topology';

const t0 = Date.now();
const say = (m: string): void => { process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}\n`); };

/** The demo's worker: a daemon on task queue mhaflow that outlives this command, until `demo down`. */
function demoWorker() {
  const root = labPaths().root;
  // The lab's cluster config (cluster.yml) is in the lab directory: the worker serves it from there.
  return { identity: 'mhaflow-demo-worker', pidFile: join(root, 'worker.pid'), log: join(root, 'worker.log'), configDir: root };
}

async function startDemoWorker(): Promise<{ worker: WorkerProcess; reused: boolean }> {
  const w = demoWorker();
  const running = runningWorkerProcess(w.pidFile, w.identity, w.log);
  return running ? { worker: running, reused: true } : { worker: await startWorkerProcess(w), reused: false };
}

async function waitForWorkerPolling(): Promise<void> {
  const client = await getClient();
  await waitFor('the worker to poll the task queue', async () => {
    const r = await client.workflowService.describeTaskQueue({ namespace: temporalNamespace(), taskQueue: { name: TASK_QUEUE, kind: 1 /* NORMAL */ }, taskQueueType: 1 /* WORKFLOW */ });
    return (r.pollers?.length ?? 0) > 0;
  }, 60_000, 200);
}

async function demo(mode: LabMode): Promise<void> {
  say(`lab up (${mode}): 4 MariaDB hosts, each with its own sshd, on loopback aliases`);
  const { configPath } = await labUp({ mode, fresh: true });
  const cfg = loadClusterConfig(configPath);
  say(`cluster config: ${configPath}`);
  say('Temporal dev server up');
  await temporalUp((m) => say(m));
  const { worker, reused } = await startDemoWorker();
  say(`worker ${reused ? 'already running' : 'started'} (pid ${worker.pid}, log ${worker.log})`);
  await waitForWorkerPolling();

  const probes = await probeServers(cfg);
  say(`topology before the failover:\n${formatTopology({ cluster: cfg.cluster, probes, roles: decideRoles(probes) })}`);

  const logFile = join(labPaths().root, 'demo-writer.log');
  writeFileSync(logFile, ''); // the lab is fresh: so is the oracle
  const writerStop = new AbortController();
  say(`writer: 200 transactions/s through the master, acknowledged ids logged to ${logFile}`);
  const writer = runWriter({
    cfg, user: 'app', password: readFileSync(join(labPaths().secretsDir, 'app.pw'), 'utf8').trim(), rate: 200, logFile, signal: writerStop.signal,
    startId: Date.now() * 10, onEvent: (e) => say(`writer: ${e}`),
  });
  await sleep(2500);
  // Make the failover earn its keep: db3 stops receiving first (it will need a read_diff from the latest
  // replica's relay log), then every replica stops (the last transactions exist only in the dead master's binlog).
  const [, , db3] = cfg.servers;
  say(`FAULT: ${db3!.name} stops receiving (IO thread stopped): it falls behind the other replicas`);
  await injectFault('stop-io', db3!.name);
  await sleep(1000);
  for (const r of cfg.servers.slice(1)) if (r !== db3) await injectFault('stop-io', r.name);
  say('FAULT: every replica stops receiving: what the master commits now exists only in its own binlog');
  await sleep(500);
  const master = cfg.servers[0]!;
  say(`FAULT: kill -9 mariadbd on the master ${master.name} (${master.host}); its host stays reachable over SSH`);
  await injectFault('kill-mysqld', master.name);
  await sleep(300);

  say('failover: mhaflow failover --config .lab/cluster.yml (a Temporal workflow; each step is an activity)');
  const client = await getClient();
  const r = await runFailoverCommand(client, { config: configPath }, { ignoreLastFailover: true });
  await sleep(1500); // the writer reconnects to the new master and goes on
  writerStop.abort();
  const summary = await writer;
  const { acked, inDoubt } = parseWriterLog(readFileSync(logFile, 'utf8'));
  say(`writer stopped: ${summary.acknowledged} acknowledged, ${inDoubt.length} in doubt (cut by the crash)`);

  const survivors = cfg.servers.filter((s) => s.name !== master.name).map((s) => s.name);
  await waitFor('survivors to converge', async () => (await verifySurvivors(cfg, survivors, acked)).checksumMismatches.length === 0, 20_000, 250).catch(() => {});
  const oracle = await verifySurvivors(cfg, survivors, acked);
  say(`verification on ${survivors.join(', ')}: ${oracle.ok ? 'OK' : 'FAILED'}: ${acked.length} acknowledged ids, each present exactly once on every survivor; tables identical (CHECKSUM TABLE)`);
  for (const p of oracle.problems) say(`  problem: ${p}`);
  say(`new master: ${r.report.newMaster}; writable ${r.cliWritableMs !== null ? `${(r.cliWritableMs / 1000).toFixed(2)} s` : '-'} after the failover command started; all replicas repointed at ${(r.cliTotalMs / 1000).toFixed(2)} s`);
  say(`Temporal UI: ${uiLink(r.report.workflowId, r.report.runId)}  (all runs: ${uiBaseUrl()})`);
  say('stop everything with: npx mhaflow demo down');
  if (!oracle.ok) process.exitCode = 1;
}

/** `mhaflow demo`. */
export async function demoCommand(o: { mode: string }): Promise<void> {
  if (o.mode !== 'filepos' && o.mode !== 'gtid') throw new ConfigError(`--mode must be filepos or gtid, not ${o.mode}`);
  try {
    await demo(o.mode);
  } finally {
    await closeClient();
  }
}

/** `mhaflow demo down`. */
export async function downCommand(): Promise<void> {
  const w = demoWorker();
  const worker = runningWorkerProcess(w.pidFile, w.identity, w.log);
  await worker?.stop();
  rmSync(w.pidFile, { force: true });
  await labDown();
  const t = await temporalDown();
  process.stdout.write(`worker ${worker ? 'stopped' : 'was not running'}; lab down; temporal ${t ? 'stopped' : 'was not running'}\n`);
}
