// Benchmark (not a test): the failover's binlog code on a >= 1 GB binlog and on the relay log a replica wrote
// from it, against mariadb-binlog on the same files in the same run.
//
//   sudo node --import tsx bench/binlog-scan.ts            # generates the files on first run (a few minutes)
//   MHAFLOW_BENCH_DIR=/somewhere node --import tsx bench/binlog-scan.ts
//
// Measured, with the functions a failover calls:
//  1. findRelayPosition (src/binlog/relay.ts): where the latest replica's relay logs hold a master position
//     near the end (another replica's read position): the relay logs are scanned up to it;
//  2. binlogTail (src/binlog/tail.ts): the read_diff from that relay position, the binlog_diff from the
//     master's binlog at the same position;
//  3. the diff file (src/binlog/rewrite.ts): one header, only the transactions' events, streamed;
//  4. over SSH, a throwaway loopback sshd serving the 1 GB files (SFTP ranged reads, src/ssh/pool + sftp):
//     the lookup, saveDeadMasterTail and buildDiff (src/failover) as the failover runs them;
//  5. on the lab when one is up: saveDeadMasterTail, a relay-log lookup and a read_diff between real hosts.
//
// The files are made by a throwaway mariadbd master and a replica whose IO thread copies the binlog into its
// relay logs (127.0.0.94, unix sockets in a temp dir), cached in /var/tmp/mhaflow-bench; never in the repository.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { parseIndexFile } from '../src/binlog/index-file';
import { BinlogReader } from '../src/binlog/reader';
import { findRelayPosition, type RelayPosition } from '../src/binlog/relay';
import { filteredLayout, layoutChunks } from '../src/binlog/rewrite';
import { LocalFileSource, type ByteSource } from '../src/binlog/source';
import { binlogTail } from '../src/binlog/tail';
import { loadClusterConfig, parseClusterConfig } from '../src/config/load';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { runDir } from '../src/config/servers';
import { saveDeadMasterTail } from '../src/failover/deadmaster';
import { buildDiff, relayLogFiles } from '../src/failover/diff';
import { labPaths } from '../lab/layout';
import { showMasterStatus, showReplicaStatus, withConnection, type BinlogCoordinates } from '../src/mysql/client';
import type { ReplicaStatus } from '../src/mysql/status';
import { knownHostName } from '../src/ssh/known-hosts';
import { withPool, type SshPool } from '../src/ssh/pool';
import { remoteSource } from '../src/ssh/sftp';
import { freePort, startThrowawayHost, throwawayUnavailable, type ThrowawayHost } from '../lab/throwaway-host';

const BENCH_DIR = process.env.MHAFLOW_BENCH_DIR ?? '/var/tmp/mhaflow-bench';
const BINLOG = join(BENCH_DIR, 'bench-bin.000001');
/** The replica's relay logs, listed like relay_log_index (written last: its presence means the cache is whole). */
const RELAY_INDEX = join(BENCH_DIR, 'bench-relay.index');
const MIN_SIZE = 1_000_000_000;
const GEN_IP = '127.0.0.94';

function mb(bytes: number): string { return `${(bytes / 1e6).toFixed(1)} MB`; }
function rate(bytes: number, ms: number): string { return `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`; }
function secs(ms: number): string { return `${(ms / 1000).toFixed(3)} s`; }

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Best of n runs (the files are in the page cache after the first read; we measure CPU + memory speed). */
async function best<T>(n: number, fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let b: { ms: number; value: T } | undefined;
  for (let i = 0; i < n; i++) {
    const r = await timed(fn);
    if (!b || r.ms < b.ms) b = r;
  }
  return b!;
}

async function withSources<T>(open: () => Promise<ByteSource[]> | ByteSource[], fn: (s: ByteSource[]) => Promise<T>): Promise<T> {
  const sources = await open();
  try {
    return await fn(sources);
  } finally {
    await Promise.all(sources.map((s) => s.close().catch(() => {})));
  }
}

// ---- the files -------------------------------------------------------------------------------------

interface Mariadbd { sql(q: string, delimiter?: string): string; status(q: string): Record<string, string>; port: number; stop(): Promise<void> }

async function startMariadbd(dir: string, name: string, serverId: number, args: string[]): Promise<Mariadbd> {
  const data = join(dir, `${name}-data`);
  const socket = join(dir, `${name}.sock`);
  const port = await freePort(GEN_IP);
  execFileSync('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${data}`, '--skip-test-db', '--auth-root-authentication-method=socket'], { stdio: 'ignore' });
  const mysqld: ChildProcess = spawn('/usr/sbin/mariadbd', ['--no-defaults', '--user=root', `--datadir=${data}`, `--socket=${socket}`,
    `--bind-address=${GEN_IP}`, `--port=${port}`, `--log-error=${join(dir, `${name}-error.log`)}`, `--server-id=${serverId}`,
    '--skip-name-resolve', ...args], { stdio: 'ignore' });
  const client = (extra: string[], q: string): string => execFileSync('mariadb',
    ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', ...extra, '-e', q], { encoding: 'utf8' });
  for (let i = 0; spawnSync('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping'], { stdio: 'ignore' }).status !== 0; i++) {
    if (i > 100 || mysqld.exitCode !== null) throw new Error(`throwaway mariadbd ${name} did not start (see ${dir})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    sql: (q, delimiter = ';') => client([`--delimiter=${delimiter}`], q),
    /** One row of a SHOW statement, by column name (vertical output). */
    status: (q) => Object.fromEntries(client(['--vertical'], q).split('\n')
      .map((l) => /^\s*(\w+): ?(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1]!, m[2]!])),
    stop: async () => {
      if (mysqld.exitCode !== null) return;
      spawnSync('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'shutdown'], { stdio: 'ignore' });
      await new Promise((r) => (mysqld.exitCode !== null ? r(null) : mysqld.once('exit', r)));
    },
  };
}

/** Fill a master's binlog to >= MIN_SIZE while a replica's IO thread copies it into relay logs. */
async function generateFiles(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('generating the benchmark files needs root (mariadbd --user=root)');
  mkdirSync(BENCH_DIR, { recursive: true });
  const dir = mkdtempSync(join(BENCH_DIR, 'gen-'));
  console.log(`generating a >= ${mb(MIN_SIZE)} binlog and its relay logs with two throwaway mariadbd in ${dir} ...`);
  const started: Mariadbd[] = [];
  try {
    const master = await startMariadbd(dir, 'master', 94, [`--log-bin=${join(dir, 'bench-bin')}`, '--binlog-format=ROW',
      '--max-binlog-size=1073741824', '--sync-binlog=0', '--innodb-flush-log-at-trx-commit=0', '--innodb-buffer-pool-size=256M']);
    started.push(master);
    const replica = await startMariadbd(dir, 'replica', 95, [`--relay-log=${join(dir, 'bench-relay')}`, '--skip-slave-start',
      '--relay-log-purge=0', '--innodb-buffer-pool-size=32M']);
    started.push(replica);
    master.sql("CREATE USER repl@'%' IDENTIFIED BY 'bench'; GRANT REPLICATION SLAVE ON *.* TO repl@'%';");
    replica.sql(`CHANGE MASTER TO MASTER_HOST='${GEN_IP}', MASTER_PORT=${master.port}, MASTER_USER='repl', MASTER_PASSWORD='bench',
      MASTER_LOG_FILE='bench-bin.000001', MASTER_LOG_POS=4, MASTER_USE_GTID=no; START SLAVE IO_THREAD;`);
    master.sql('CREATE DATABASE b; CREATE TABLE b.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, k INT, v VARCHAR(2000)) ENGINE=InnoDB;');
    // Small autocommit transactions of varied size (one per INSERT), then one of 200 rows, per call.
    master.sql(`CREATE PROCEDURE b.gen(n INT) BEGIN DECLARE i INT DEFAULT 0;
        WHILE i < n DO INSERT INTO b.t (k, v) VALUES (i, REPEAT(CHAR(65 + i % 26), 50 + (i * 7919) % 1500)); SET i = i + 1; END WHILE;
        START TRANSACTION; INSERT INTO b.t (k, v) SELECT seq, REPEAT('m', 700) FROM b.seq_1_to_200; COMMIT; END//`, '//');
    const file = join(dir, 'bench-bin.000001');
    while (statSync(file).size < MIN_SIZE + 20_000_000) {
      master.sql('CALL b.gen(50000); TRUNCATE TABLE b.t;');
      process.stdout.write(`\r  ${mb(statSync(file).size)}   `);
      if (existsSync(join(dir, 'bench-bin.000002'))) break; // rotated at 1 GiB
    }
    process.stdout.write('\n  waiting for the replica\'s IO thread ...');
    const end = master.status('SHOW MASTER STATUS');
    for (;;) {
      const s = replica.status('SHOW SLAVE STATUS');
      if (s.Slave_IO_Running === 'No') throw new Error(`replica IO thread: ${s.Last_IO_Error}`);
      if (s.Master_Log_File === end.File && s.Read_Master_Log_Pos === end.Position) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    replica.sql('STOP SLAVE IO_THREAD;');
    const relayIndex = replica.sql('SELECT @@GLOBAL.relay_log_index').trim();
    for (const m of started) await m.stop();
    const relays = parseIndexFile(readFileSync(relayIndex, 'utf8'), relayIndex);
    renameSync(file, BINLOG);
    for (const r of relays) renameSync(r, join(BENCH_DIR, basename(r)));
    writeFileSync(RELAY_INDEX, relays.map((r) => `./${basename(r)}\n`).join(''));
    process.stdout.write(' done\n');
  } finally {
    for (const m of started) await m.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ensureFiles(): Promise<string[]> {
  if (!(existsSync(BINLOG) && statSync(BINLOG).size >= MIN_SIZE && existsSync(RELAY_INDEX))) await generateFiles();
  const relays = parseIndexFile(readFileSync(RELAY_INDEX, 'utf8'), RELAY_INDEX);
  console.log(`binlog ${BINLOG} (${mb(statSync(BINLOG).size)}); relay logs ${relays.map((r) => `${basename(r)} (${mb(statSync(r).size)})`).join(', ')}`);
  return relays;
}

// ---- measurements ----------------------------------------------------------------------------------

async function readWholeFile(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) n += (chunk as Buffer).length;
  return n;
}

/** The end of the transaction (Xid event) nearest below `fraction` of the binlog: a replica's read position. */
async function pickTarget(path: string, fraction: number): Promise<{ endLogPos: number; events: number }> {
  const src = new LocalFileSource(path);
  try {
    const r = await BinlogReader.open(src, { decode: 'none', verify: 'none' });
    const want = r.fileSize * fraction;
    let endLogPos = 0;
    let events = 0;
    await r.scan({}, (ev) => {
      events++;
      if (ev.nextPos <= want && ev.typeCode === 16 /* Xid */) endLogPos = ev.endLogPos;
    });
    return { endLogPos, events };
  } finally {
    await src.close();
  }
}

function mariadbBinlog(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `mariadb-binlog ${args.join(' ')} > /dev/null`], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`mariadb-binlog failed: ${r.stderr}`);
  return performance.now() - t0;
}

const bestOf2 = (args: string[]): number => Math.min(mariadbBinlog(args), mariadbBinlog(args));

/** The relay position the failover's lookup finds for (BINLOG, pos), over local files. */
function findLocal(relays: string[], masterPos: number): Promise<RelayPosition> {
  return withSources(() => relays.map((r) => new LocalFileSource(r)), (relayLogs) =>
    findRelayPosition({ relayLogs, masterFile: basename(BINLOG), masterPos }));
}

/** The binlog_diff from `from` written as the failover writes a diff (one header, transactions only), into `out`. */
async function writeDiffLocally(from: number, out: string): Promise<{ bytes: number; transactions: number }> {
  return withSources(() => [new LocalFileSource(BINLOG)], async ([source]) => {
    const plan = await binlogTail(source!, from);
    const parts = [{ source: source!, plan, layout: plan.layout }];
    const layout = await filteredLayout(parts);
    await pipeline(layoutChunks(layout, parts), createWriteStream(out));
    return { bytes: layout.size, transactions: plan.transactions };
  });
}

async function local(relays: string[], pos: number): Promise<RelayPosition> {
  const size = statSync(BINLOG).size;
  const relayBytes = relays.reduce((n, r) => n + statSync(r).size, 0);
  console.log(`target: ${basename(BINLOG)}:${pos}, the end of a transaction at ${((pos / size) * 100).toFixed(1)}% of the binlog`);

  console.log('\n1) find that master position in the relay logs (the read_diff lookup: the relay logs are scanned up to it)');
  const find = await best(3, () => findLocal(relays, pos));
  const found = find.value;
  const upTo = relays.slice(0, found.relayIndex).reduce((n, r) => n + statSync(r).size, 0) + found.relayPos;
  const mbl = bestOf2(relays);
  console.log(`  mhaflow findRelayPosition: ${secs(find.ms)} (${rate(upTo, find.ms)}), found at ${basename(found.relayFile)}:${found.relayPos}`);
  const cat = await best(2, async () => { let n = 0; for (const r of relays) n += await readWholeFile(r); return n; });
  console.log(`  mariadb-binlog RELAY_LOGS > /dev/null (${mb(relayBytes)}): ${secs(mbl)}`);
  console.log(`  plain sequential read of the relay logs (page cache): ${secs(cat.ms)} (${rate(relayBytes, cat.ms)})`);
  console.log(`  ratio mariadb-binlog / mhaflow: ${(mbl / find.ms).toFixed(1)}x; mhaflow vs the plain read: ${((find.ms / cat.ms) * (relayBytes / upTo)).toFixed(1)}x the time per byte`);

  console.log('\n2) plan the tails from there (mariadb-binlog seeks straight to a position)');
  const relayTail = await best(3, () => withSources(() => [new LocalFileSource(relays[found.relayIndex]!)], ([s]) => binlogTail(s!, found.relayPos)));
  const binlogDiff = await best(3, () => withSources(() => [new LocalFileSource(BINLOG)], ([s]) => binlogTail(s!, pos)));
  const mblTail = bestOf2([`--start-position=${pos}`, BINLOG]);
  console.log(`  mhaflow binlogTail, read_diff from the relay log (verify + cut ${mb(relayTail.value.diffSize)}, ${relayTail.value.transactions} transactions): ${secs(relayTail.ms)}`);
  console.log(`  mhaflow binlogTail, binlog_diff from the binlog (verify + cut ${mb(binlogDiff.value.diffSize)}, ${binlogDiff.value.transactions} transactions): ${secs(binlogDiff.ms)}`);
  console.log(`  mariadb-binlog --start-position=${pos} BINLOG > /dev/null: ${secs(mblTail)}`);

  console.log('\n3) the binlog_diff as a diff file (plan + one header + the transactions\' events, streamed to a local file)');
  const out = join(BENCH_DIR, `diff-${process.pid}.binlog`);
  try {
    const diff = await best(3, () => writeDiffLocally(pos, out));
    console.log(`  mhaflow: ${secs(diff.ms)} (${mb(diff.value.bytes)}, ${diff.value.transactions} transactions, ${rate(diff.value.bytes, diff.ms)})`);
  } finally {
    rmSync(out, { force: true });
  }
  return found;
}

// ---- over SSH ------------------------------------------------------------------------------------------

const SOURCE = 'bench-source';
const TARGET = 'bench-target';

/** A cluster config naming the throwaway host twice: the dead master / latest replica, and a target. */
function throwawayCluster(host: ThrowawayHost): ClusterConfig {
  const knownHosts = join(host.dir, 'known_hosts');
  const [type, key] = readFileSync(join(host.dir, 'host_key.pub'), 'utf8').trim().split(/\s+/);
  writeFileSync(knownHosts, `${knownHostName(host.ip, host.sshPort)} ${type} ${key}\n`);
  const server = (name: string, port: number) => ({ name, host: host.ip, port, ssh: { port: host.sshPort }, remoteWorkdir: join(host.dir, 'work') });
  return parseClusterConfig({
    cluster: 'bench',
    mysql: { user: 'unused', password: 'env:MHAFLOW_BENCH_NO_SQL' },
    replication: { user: 'unused', password: 'env:MHAFLOW_BENCH_NO_SQL' },
    ssh: { user: 'root', key: join(host.dir, 'client_key'), knownHosts },
    servers: [{ ...server(SOURCE, 3394), binlogDir: BENCH_DIR }, server(TARGET, 3395)],
  }, 'the benchmark\'s throwaway host');
}

async function findRemote(pool: SshPool, server: string, files: string[], masterFile: string, masterPos: number): Promise<RelayPosition> {
  const session = await pool.get(server);
  return withSources(() => Promise.all(files.map((f) => remoteSource(session, f))), (relayLogs) => findRelayPosition({ relayLogs, masterFile, masterPos }));
}

async function overSsh(relays: string[], pos: number): Promise<void> {
  const why = throwawayUnavailable();
  if (why) { console.log(`  over a throwaway loopback sshd: skipped (${why})`); return; }
  const host = await startThrowawayHost({ ip: GEN_IP });
  try {
    const cfg = throwawayCluster(host);
    console.log(`  over a throwaway loopback sshd (${host.ip}:${host.sshPort}), SFTP ranged reads of the files above:`);
    await withPool(cfg, async (pool) => {
      await Promise.all([pool.get(SOURCE), pool.get(TARGET)]);
      const find = await timed(() => findRemote(pool, SOURCE, relays, basename(BINLOG), pos));
      console.log(`    findRelayPosition over SFTP: ${secs(find.ms)}`);
      const runKey = `bench-${process.pid}`;
      const saved = await timed(() => saveDeadMasterTail(pool, cfg, { dead: SOURCE, from: { file: basename(BINLOG), pos }, targets: [TARGET], runKey, dryRun: false }));
      if (saved.value.status !== 'saved') throw new Error(`saveDeadMasterTail: ${JSON.stringify(saved.value)}`);
      const t = saved.value;
      console.log(`    saveDeadMasterTail (read, plan, write to ${TARGET}): ${secs(saved.ms)} (${mb(t.bytes)}, ${t.transactions} transactions, ${rate(t.bytes, saved.ms)})`);
      const built = await timed(() => buildDiff(pool, cfg, TARGET, runKey, [{ kind: 'savedTail', purpose: 'binlog_diff', path: t.copies[0]!.path, sha256: t.sha256 }]));
      console.log(`    buildDiff of that binlog_diff on ${TARGET}: ${secs(built.ms)} (${mb(built.value.bytes)}, ${rate(built.value.bytes, built.ms)})`);
    });
  } finally {
    await host.stop(); // removes its directory, the written diffs with it
  }
}

/** The lab's servers as they are now (a test's failover may have moved the master): alive, with their binlog and replica status. */
async function labServers(cfg: ClusterConfig): Promise<{ server: ServerConfig; binlog: BinlogCoordinates | null; replica: ReplicaStatus | null }[]> {
  const all = await Promise.all(cfg.servers.map((server) => withConnection(cfg, server, async (c) => ({
    server, binlog: await showMasterStatus(c), replica: await showReplicaStatus(c),
  })).catch(() => undefined)));
  return all.filter((s) => s !== undefined);
}

async function onTheLab(): Promise<void> {
  const cfgPath = labPaths().clusterConfig;
  if (!existsSync(cfgPath)) { console.log(`  on the lab: skipped (${cfgPath} does not exist; run "mhaflow lab up" first)`); return; }
  const cfg = loadClusterConfig(cfgPath);
  const alive = await labServers(cfg);
  const m = alive.find((s) => !s.replica && s.binlog && s.server.binlogDir);
  const [r, t] = alive.filter((s) => s.replica);
  if (!m || !r || !t) { console.log('  on the lab: skipped (no master with a binlogDir and two replicas answer)'); return; }
  const [master, binlog, latest, replica, target] = [m.server, m.binlog!, r.server, r.replica!, t.server];
  const runKey = `bench-${process.pid}`;
  await withPool(cfg, async (pool) => {
    try {
      await Promise.all([pool.get(master), pool.get(latest), pool.get(target)]);
      const saved = await timed(() => saveDeadMasterTail(pool, cfg, { dead: master.name, from: { file: binlog.file, pos: 4 }, targets: [target.name], runKey, dryRun: false }));
      const what = saved.value.status === 'saved' ? `${mb(saved.value.bytes)}, ${saved.value.transactions} transactions` : saved.value.status;
      console.log(`  on the lab: saveDeadMasterTail of ${master.name}'s ${binlog.file} from 4 to ${target.name}: ${secs(saved.ms)} (${what})`);
      const { files } = await relayLogFiles(pool, cfg, latest.name);
      const find = await timed(() => findRemote(pool, latest.name, files, replica.relaySourceLogFile, replica.execSourceLogPos));
      console.log(`  on the lab: findRelayPosition of ${latest.name}'s executed position in its ${files.length} relay log(s): ${secs(find.ms)}`);
      const diff = await timed(() => buildDiff(pool, cfg, target.name, runKey, [
        { kind: 'relay', purpose: 'read_diff', server: latest.name, relayFile: basename(files[0]!), relayPos: 4 }]));
      console.log(`  on the lab: buildDiff of a read_diff of all ${latest.name}'s relay logs on ${target.name}: ${secs(diff.ms)} `
        + `(${mb(diff.value.bytes)}, ${diff.value.transactions} transactions)`);
    } finally {
      await (await pool.get(target)).run(['rm', '-rf', '--', runDir(cfg, target, runKey)]); // leave the lab as it was
    }
  });
}

async function main(): Promise<void> {
  const relays = await ensureFiles();
  const target = await pickTarget(BINLOG, 0.99);
  await local(relays, target.endLogPos);
  console.log('\n4) over SSH, the failover\'s own steps (src/ssh pool and SFTP, src/failover deadmaster and diff)');
  await overSsh(relays, target.endLogPos);
  console.log('\n5) on the lab');
  await onTheLab();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
