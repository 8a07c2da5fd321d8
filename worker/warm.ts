// A worker warms up as it starts: for every cluster in its directory, one probe of every server (the SQL read the
// checks make first; a server that does not answer is tried again for half a minute) and an SSH session to every host
// with one command through its shell, kept open in the worker's SSH cache (src/ssh/cache.ts keep:
// opened again whenever it drops). Every failover or switchover then finds the handshakes done, the first after a
// start too, with the code they run compiled: on the lab, a fresh worker's first check step took 0.85 s where a
// warm worker's takes 0.28 s. It runs beside the polling, never before it: a failover that arrives meanwhile shares
// the SSH sessions being opened. Nothing here changes anything.
// A server that several cluster configs name is read once.
import { findSourceMap } from 'node:module';
import { posix } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Client } from '@temporalio/client';
import { coresdk, google, temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { listClusters, loadCluster } from '../src/config/registry';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { errorMessage } from '../src/errors';
import { checkFromOwnHost, sqlAnswers } from '../src/failover/deadmaster';
import { binlogTail, BufferSource } from '../src/binlog';
import { switchoverWorkflowId } from '../src/contracts/switchover';
import { probeServer } from '../src/mysql/probe';
import type { ServerProbe } from '../src/topology/roles';
import { remoteSource } from '../src/ssh/sftp';
import type { SshSession } from '../src/ssh/session';
import { runningWorkflow } from '../src/temporal/runs';
import { decideRoles } from '../src/topology/roles';
import { withPool } from '../src/ssh/pool';
import { resolveSecret } from '../src/config/secrets';
import { claimKey } from '../src/switchover/claim';
import { findUnresolvedFailover, newestCompletedFailover } from '../src/temporal/failovers';
import { SshConnectionCache, sshConnections } from '../src/ssh/cache';
import { freeLoopbackPort } from './telemetry';

/**
 * V8's flags for a process whose most important code runs rarely, set before the worker starts (flags are the
 * process's: its workflow threads get them too). By default V8 drops the bytecode of a function that has not run
 * across 5 full collections (bytecode flushing; an idle worker still collects, to give memory back), and gives a
 * function the inline caches that make its next calls fast only after it has run a few times (lazy feedback
 * allocation): code the warm-up ran once could be compiled again, and run without its caches, by the first failover.
 * Measured on the lab (bench/failover.ts kill-mysqld, 10 invocations of 3 runs with and 10 without, alternating; run 1
 * is a fresh worker's first failover): run 1 against the same invocation's later runs, to writable, +225 ms without
 * these flags and +86 ms with them (medians); the check step's share, +121 ms and +33 ms. The cost is memory: the
 * bytecode and feedback of every function that ever ran stay (+4 MB of the worker's 200 MB on the lab).
 */
export function keepWarmCode(): void {
  setFlagsFromString('--no-flush-bytecode');
  setFlagsFromString('--no-lazy-feedback-allocation');
}

export interface WarmResult {
  ms: number; sql: string[]; ssh: string[]; problems: string[];
  /** Each server's probe (the check's first read), by host:port: the rehearsal of each cluster's check starts from them. */
  probes: Map<string, ServerProbe>;
}

/** Warm every server of these clusters once; the outcome is logged (a server that does not answer is only noted). */
export async function warmUp(clusters: string[], log: Logger, configDir?: string): Promise<WarmResult> {
  const t0 = Date.now();
  const r: WarmResult = { ms: 0, sql: [], ssh: [], problems: [], probes: new Map() };
  const sql = new Map<string, () => Promise<void>>();
  const ssh = new Map<string, () => Promise<void>>();
  for (const name of clusters) {
    let cfg: ClusterConfig;
    try {
      cfg = loadCluster(name, configDir).cfg;
    } catch (e) {
      r.problems.push(`${name}: ${errorMessage(e)}`);
      continue;
    }
    for (const s of cfg.servers) {
      const at = `${s.host}:${s.port}`;
      if (!s.binlogServer && !sql.has(at)) {
        sql.set(at, async () => {
          const probe = await probeServer(cfg, s);
          r.probes.set(at, probe);
          if (!probe.state) throw new Error(probe.error);
        });
      }
      const key = SshConnectionCache.key(cfg, s);
      if (sshConnections.active && !ssh.has(key)) ssh.set(key, () => keepAndRun(cfg, s));
    }
  }
  const run = (kind: 'SQL' | 'SSH', jobs: Map<string, () => Promise<void>>, done: string[]) =>
    [...jobs].map(async ([what, job]) => {
      try {
        await job();
        done.push(what);
      } catch (e) {
        r.problems.push(`${kind} ${what}: ${errorMessage(e)}`);
        retryLater(job);
      }
    });
  await Promise.all([...run('SQL', sql, r.sql), ...run('SSH', ssh, r.ssh)]);
  r.ms = Date.now() - t0;
  const summary = { ms: r.ms, sql: r.sql.length, ssh: r.ssh.length, problems: r.problems };
  if (r.problems.length) log.warn(summary, 'warm-up: some servers did not answer (the steps that need them will say so)');
  else log.info(summary, 'warm-up: every server answered');
  return r;
}

/**
 * The failover's first reads beyond warmUp's (which probed every server as the check does): the check's roles from
 * those probes, also as they are with the master gone, and a refused SQL connect; each host's look at its own SQL port over SSH (how
 * the check examines a dead master); the binlog code of the tail's save (tailRehearsal); the lookups in Temporal (the
 * last failover, an unresolved one, a running switchover); and the key a switchover signs its caught-up result with
 * (scrypt: 50 ms a switchover's wait would otherwise spend while writes are stopped). Nothing is changed; a failure
 * only means the steps will compile that code. Measured on the lab (bench/failover.ts binlog-tail --only mhaflow, 3
 * runs per invocation; a fresh worker's first failover against the same invocation's later runs, medians): without the
 * probes' and the tail's rehearsal, +35, +37 and +42 ms in the tail's save, the relay-log search and the drains, +60 ms to
 * writable (6 invocations); with them +14, +3 and -9 ms, +41 ms to writable (5). The check step's +33-37 ms stayed: its
 * probes took 51-86 ms in run 1 against 26-44 ms later, where in one process a second probe of every server takes what
 * the tenth does.
 */
async function rehearse(name: string, configDir: string, client: Client | undefined, log: Logger, probed: Map<string, ServerProbe>): Promise<void> {
  const t0 = Date.now();
  try {
    const cfg = loadCluster(name, configDir).cfg;
    const own = cfg.servers.filter((s) => !s.binlogServer);
    // A server several clusters name was probed once, under the first one's name.
    const probes = own.flatMap((s) => { const p = probed.get(`${s.host}:${s.port}`); return p ? [{ ...p, name: s.name }] : []; });
    const { master } = decideRoles(probes);
    decideRoles(probes.map((p) => (p.name === master ? { ...p, state: null, error: 'gone (warm-up)' } : p)));
    const masterState = probes.find((p) => p.name === master)?.state;
    const masterServer = cfg.servers.find((s) => s.name === master);
    const binlogPath = masterServer?.binlogDir && masterState?.binlog ? posix.join(masterServer.binlogDir, masterState.binlog.file) : null;
    let tail: Awaited<ReturnType<typeof tailRehearsal>> | null = null;
    await Promise.all([
      sshConnections.active ? withPool(cfg, (pool) => Promise.all([
        ...own.map((s) => checkFromOwnHost(pool, s)),
        masterServer && binlogPath ? pool.get(masterServer).then((s) => tailRehearsal(s, binlogPath)).then((t) => { tail = t; }) : null,
      ])) : null,
      masterServer ? refusedConnect(cfg, masterServer) : null,
      client ? newestCompletedFailover(client, cfg.cluster, { since: new Date(Date.now() - 60_000) }) : null,
      client ? findUnresolvedFailover(client, cfg.cluster) : null,
      client ? runningWorkflow(client, switchoverWorkflowId(cfg.cluster)) : null,
      claimKey(resolveSecret(cfg.mysql.password, 'mysql.password')),
    ]);
    log.info({ cluster: name, ms: Date.now() - t0, master, tail }, 'warm-up: the failover\'s first reads rehearsed');
  } catch (e) {
    log.debug({ cluster: name, ms: Date.now() - t0, err: errorMessage(e) }, 'warm-up: the failover\'s first reads did not all answer');
  }
}

/** Bytes of the master's binlog the tail rehearsal reads: a few hundred transactions, read in one SFTP round trip or two. */
const REHEARSED_BINLOG_BYTES = 256 * 1024;

/**
 * The code of the dead master's tail save (an SFTP read, the event decoders, the cut at the last complete transaction)
 * run once on the first bytes of the master's current binlog, planned in memory as if the master had died there.
 */
export async function tailRehearsal(session: SshSession, path: string, maxBytes = REHEARSED_BINLOG_BYTES): Promise<{ bytes: number; transactions: number }> {
  const src = await remoteSource(session, path);
  let head: Buffer;
  try {
    head = await src.read(0, Math.min(await src.size(), maxBytes));
  } finally {
    await src.close();
  }
  const plan = await binlogTail(new BufferSource(`${src.name} (warm-up)`, head), 4);
  return { bytes: head.length, transactions: plan.transactions };
}

/**
 * The check's SQL connect to a master that is gone: a loopback port just closed, so the refusal comes from this host's
 * kernel and no packet leaves it.
 */
async function refusedConnect(cfg: ClusterConfig, master: ServerConfig): Promise<void> {
  await sqlAnswers(cfg, { ...master, host: '127.0.0.1', port: await freeLoopbackPort() }, 1000);
}

/** What failed is tried again in the background (the code gets compiled once the server answers): after 1, 2, 4, 8, 16 s. */
function retryLater(job: () => Promise<void>, delayMs = 1000): void {
  if (delayMs > 16_000) return;
  setTimeout(() => { job().catch(() => retryLater(job, delayMs * 2)); }, delayMs).unref();
}

/** The host's connection kept open, and one command run through its kept shell (that code compiled too). */
async function keepAndRun(cfg: ClusterConfig, s: ServerConfig): Promise<void> {
  await sshConnections.keep(cfg, s);
  const lease = sshConnections.acquire(cfg, s);
  try {
    await (await lease.session).exec('true', { timeoutMs: 5000 });
  } finally {
    lease.release();
  }
}

/**
 * Code a fresh worker's first failover would generate on the way, generated here instead. Two kinds showed in CPU
 * profiles of that failover's check step (on the lab, 0.17-0.29 s against a warm worker's 0.09-0.18 s):
 * - protobufjs writes and compiles each Temporal message type's encoder and decoder on the type's first use. The check's
 *   lookups in the visibility store and the failover's first workflow tasks met types the warm-up's own calls never
 *   did. Prepared here: what the worker exchanges with Temporal's core, the requests and replies of the service calls
 *   its steps make, and the details of a refused call;
 * - tsx gives each of our modules a source map, which Node parses when an error's stack first crosses that module: the
 *   first dead master refusing its SQL port had the check parse several of them (mysql2 formats its caller's stack).
 * A few at a time, so that a failover arriving meanwhile is not held up (0.3 s in all on the lab). Nothing is changed.
 */
export async function prepareFirstUseCode(log: Logger): Promise<void> {
  const t0 = Date.now();
  let slice = t0;
  /** After 5 ms of work, let the event loop in. */
  const letOthersIn = async () => {
    if (Date.now() - slice > 5) { await new Promise((r) => setImmediate(r)); slice = Date.now(); }
  };
  const types = temporalMessageTypes();
  for (const t of types) {
    t.setup();
    await letOthersIn();
  }
  let maps = 0;
  if (process.sourceMapsEnabled) {
    for (const file of Object.keys(require.cache).filter((f) => !f.includes('/node_modules/'))) {
      if (findSourceMap(file)) maps++;
      await letOthersIn();
    }
  }
  log.info({ ms: Date.now() - t0, types: types.length, sourceMaps: maps }, 'warm-up: Temporal\'s message codecs and our source maps prepared');
}

/** The Temporal API's service calls a worker's steps make (src/temporal, activities): list, count, describe, signal, result, start, query. */
const SERVICE_CALLS = ['ListWorkflowExecutions', 'CountWorkflowExecutions', 'DescribeWorkflowExecution', 'SignalWorkflowExecution',
  'GetWorkflowExecutionHistory', 'StartWorkflowExecution', 'QueryWorkflow'];

interface MessageType { fieldsArray: { resolve(): unknown; resolvedType: unknown }[]; setup(): void }

/**
 * Every message type reachable from the worker's exchanges with core, from SERVICE_CALLS' requests and replies, and from
 * the details of a refused call (a workflow not found, already started...).
 */
function temporalMessageTypes(): MessageType[] {
  const service = temporal.api.workflowservice.v1.WorkflowService as unknown as {
    resolveAll(): void; methods: Record<string, { resolvedRequestType: unknown; resolvedResponseType: unknown }>;
  };
  service.resolveAll();
  const roots: unknown[] = [coresdk.workflow_activation.WorkflowActivation, coresdk.workflow_completion.WorkflowActivationCompletion,
    coresdk.activity_task.ActivityTask, coresdk.ActivityTaskCompletion, coresdk.ActivityHeartbeat,
    ...SERVICE_CALLS.flatMap((m) => [service.methods[m]?.resolvedRequestType, service.methods[m]?.resolvedResponseType]),
    google.rpc.Status, ...(temporal.api.errordetails.v1 as unknown as { nestedArray: unknown[] }).nestedArray];
  const seen = new Set<MessageType>();
  const visit = (t: unknown): void => {
    const type = t as MessageType | null;
    if (!type || !Array.isArray(type.fieldsArray) || seen.has(type)) return;
    seen.add(type);
    for (const f of type.fieldsArray) {
      f.resolve();
      visit(f.resolvedType);
    }
  };
  roots.forEach(visit);
  return [...seen];
}

/**
 * A worker's first workflow pays for its workflow sandbox and its first steps' code: on the lab a fresh worker's first
 * workflow took 0.15-0.2 s longer to run one step than its next ones. One read-only workflow as the worker starts, the
 * topology of its first cluster (discoverTopology, id warm-up:IDENTITY), pays it instead of the first failover. With
 * several workers on the task queue another may take it; nothing is changed either way.
 */
export async function warmWorkflows(client: Client | undefined, o: { cluster: string | undefined; taskQueue: string; identity: string }, log: Logger): Promise<void> {
  if (!client || !o.cluster) return;
  const t0 = Date.now();
  try {
    await client.workflow.execute('discoverTopology', {
      taskQueue: o.taskQueue, workflowId: `warm-up:${o.identity}`, args: [{ cluster: o.cluster }], workflowExecutionTimeout: '30s',
    });
    log.info({ ms: Date.now() - t0, cluster: o.cluster }, 'warm-up: a first workflow ran (the topology of a cluster)');
  } catch (e) {
    log.warn({ ms: Date.now() - t0, cluster: o.cluster, err: errorMessage(e) }, 'warm-up: the first workflow did not complete (the first failover pays for it)');
  }
}

/**
 * Warm the clusters of the config directory as the worker starts, then every few seconds the ones whose config has
 * appeared since: a cluster added while the worker runs gets its kept connections and compiled code too (before, its
 * first failover opened every SSH session, 0.1-0.3 s each on the lab, in its steps). The first cluster warmed runs the
 * warm-up workflow. Returns what stops the watching (at shutdown).
 */
export function warmClusters(configDir: string, o: { client: Client | undefined; taskQueue: string; identity: string }, log: Logger, everyMs = 5000): () => void {
  const warmed = new Set<string>();
  let workflowRan = false;
  let busy = false;
  const pass = async () => {
    if (busy) return;
    busy = true;
    try {
      let names: string[];
      try {
        names = listClusters(configDir).map((c) => c.name).filter((n) => !warmed.has(n));
      } catch {
        return; // a broken directory is the workflows' to report, with the cluster they name
      }
      if (!names.length) return;
      for (const n of names) warmed.add(n);
      const warm = await warmUp(names, log, configDir).catch((e: unknown) => { log.warn({ err: errorMessage(e) }, 'warm-up failed'); return undefined; });
      for (const name of names) await rehearse(name, configDir, o.client, log, warm?.probes ?? new Map());
      if (!workflowRan) {
        workflowRan = true;
        await prepareFirstUseCode(log).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'warm-up: the codecs and source maps were not all prepared'));
        await warmWorkflows(o.client, { cluster: names[0], taskQueue: o.taskQueue, identity: o.identity }, log);
      }
    } finally {
      busy = false;
    }
  };
  void pass();
  const timer = setInterval(() => void pass(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
