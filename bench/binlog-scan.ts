// Benchmark (not a test): finding a position near the end of a >= 1 GB binlog with mhaflow's header-only
// scanner versus mariadb-binlog on the same file in the same run, and extracting a tail over SSH.
//
//   sudo node --import tsx bench/binlog-scan.ts            # generates the binlog on first run (~1-2 min)
//   MHAFLOW_BENCH_DIR=/somewhere node --import tsx bench/binlog-scan.ts
//
// The binlog is made by a throwaway mariadbd (127.0.0.94:3394, unix socket in a temp dir) and cached as
// /var/tmp/mhaflow-bench/bench-bin.000001; it never goes into the repository.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinlogReader, LocalFileSource, binlogTail, remoteFileSource, shipDiff } from '../src/binlog';
import { loadClusterConfig } from '../src/config/load';
import { openSsh } from '../src/ssh/session';
import { startThrowawayHost, throwawayUnavailable } from '../lab/throwaway-host';

const BENCH_DIR = process.env.MHAFLOW_BENCH_DIR ?? '/var/tmp/mhaflow-bench';
const BINLOG = join(BENCH_DIR, 'bench-bin.000001');
const MIN_SIZE = 1_000_000_000;
const GEN_IP = '127.0.0.94';
const GEN_PORT = 3394;

function mb(bytes: number): string { return `${(bytes / 1e6).toFixed(1)} MB`; }
function rate(bytes: number, ms: number): string { return `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`; }
function secs(ms: number): string { return `${(ms / 1000).toFixed(3)} s`; }

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Best of n runs (the file is in the page cache after the first read; we measure CPU + memory speed). */
async function best<T>(n: number, fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let b: { ms: number; value: T } | undefined;
  for (let i = 0; i < n; i++) {
    const r = await timed(fn);
    if (!b || r.ms < b.ms) b = r;
  }
  return b!;
}

// ---- the binlog ------------------------------------------------------------------------------------

async function ensureBinlog(): Promise<void> {
  if (existsSync(BINLOG) && statSync(BINLOG).size >= MIN_SIZE) {
    console.log(`using cached ${BINLOG} (${mb(statSync(BINLOG).size)})`);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('generating the benchmark binlog needs root (mariadbd --user=root)');
  mkdirSync(BENCH_DIR, { recursive: true });
  const dir = mkdtempSync(join(BENCH_DIR, 'gen-'));
  const socket = join(dir, 'sock');
  const sql = (q: string, delimiter = ';'): string => execFileSync('mariadb',
    ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', `--delimiter=${delimiter}`, '-e', q], { encoding: 'utf8' });
  console.log(`generating a >= ${mb(MIN_SIZE)} binlog with a throwaway mariadbd in ${dir} ...`);
  execFileSync('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${join(dir, 'data')}`, '--skip-test-db', '--auth-root-authentication-method=socket'], { stdio: 'ignore' });
  const mysqld = spawn('/usr/sbin/mariadbd', ['--no-defaults', '--user=root', `--datadir=${join(dir, 'data')}`, `--socket=${socket}`,
    `--bind-address=${GEN_IP}`, `--port=${GEN_PORT}`, `--log-error=${join(dir, 'error.log')}`, '--server-id=94',
    `--log-bin=${join(dir, 'bench-bin')}`, '--binlog-format=ROW', '--max-binlog-size=1073741824', '--sync-binlog=0',
    '--innodb-flush-log-at-trx-commit=0', '--innodb-buffer-pool-size=256M', '--skip-name-resolve'], { stdio: 'ignore' });
  try {
    for (let i = 0; spawnSync('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping'], { stdio: 'ignore' }).status !== 0; i++) {
      if (i > 100 || mysqld.exitCode !== null) throw new Error('throwaway mariadbd did not start');
      await sleep(200);
    }
    sql('CREATE DATABASE b; CREATE TABLE b.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, k INT, v VARCHAR(2000)) ENGINE=InnoDB;');
    // Small autocommit transactions of varied size (one per INSERT), then one of 200 rows, per call.
    sql(`CREATE PROCEDURE b.gen(n INT) BEGIN DECLARE i INT DEFAULT 0;
        WHILE i < n DO INSERT INTO b.t (k, v) VALUES (i, REPEAT(CHAR(65 + i % 26), 50 + (i * 7919) % 1500)); SET i = i + 1; END WHILE;
        START TRANSACTION; INSERT INTO b.t (k, v) SELECT seq, REPEAT('m', 700) FROM b.seq_1_to_200; COMMIT; END//`, '//');
    const file = join(dir, 'bench-bin.000001');
    while (statSync(file).size < MIN_SIZE + 20_000_000) {
      sql('CALL b.gen(50000); TRUNCATE TABLE b.t;');
      process.stdout.write(`\r  ${mb(statSync(file).size)}   `);
      if (existsSync(join(dir, 'bench-bin.000002'))) break; // rotated at 1 GiB
    }
    process.stdout.write('\n');
    execFileSync('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'shutdown']);
    await new Promise((r) => (mysqld.exitCode !== null ? r(null) : mysqld.once('exit', r)));
    renameSync(file, BINLOG);
  } finally {
    if (mysqld.exitCode === null) mysqld.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`cached ${BINLOG} (${mb(statSync(BINLOG).size)})`);
}

// ---- measurements ----------------------------------------------------------------------------------

async function readWholeFile(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) n += (chunk as Buffer).length;
  return n;
}

/** The end of the event nearest to `fraction` of the file, and the event's start. */
async function pickTarget(path: string, fraction: number): Promise<{ endLogPos: number; eventPos: number; events: number }> {
  const src = new LocalFileSource(path);
  const r = await BinlogReader.open(src, { decode: 'none', verify: 'none' });
  const want = r.fileSize * fraction;
  let target = { endLogPos: 0, eventPos: 0, events: 0 };
  let n = 0;
  await r.scan({}, (ev) => {
    n++;
    if (ev.nextPos <= want && ev.typeCode === 16 /* Xid: a transaction end, like a replica's read position */) target = { endLogPos: ev.endLogPos, eventPos: ev.pos, events: 0 };
  });
  await src.close();
  return { ...target, events: n };
}

/** mhaflow: scan headers from the start until the event ending at endLogPos (what a relay-log find does). */
async function mhaflowFind(path: string, endLogPos: number, verify: 'none' | 'all'): Promise<number> {
  const src = new LocalFileSource(path);
  try {
    const r = await BinlogReader.open(src, { decode: 'none', verify, chunkSize: 4 << 20 });
    let found = -1;
    await r.scan({}, (ev) => {
      if (ev.endLogPos !== endLogPos) return true;
      found = ev.nextPos;
      return false;
    });
    if (found < 0) throw new Error('target not found');
    return found;
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

async function sshTailThrowaway(fromPos: number, size: number): Promise<void> {
  const why = throwawayUnavailable();
  if (why) { console.log(`  over a throwaway loopback sshd: skipped (${why})`); return; }
  const host = await startThrowawayHost({ ip: '127.0.0.94', sshPort: 2294, mysql: false });
  try {
    const remote = await remoteFileSource(host.session, BINLOG);
    const plan = await timed(() => binlogTail(remote, fromPos));
    const ship = await timed(() => shipDiff(host.session, [{ plan: plan.value, source: remote }], { remotePath: join(host.dir, 'work', 'tail.diff') }));
    await remote.close();
    const p = plan.value;
    console.log(`  over a throwaway loopback sshd (127.0.0.94:2294), SFTP ranged reads of the ${mb(size)} binlog:`);
    console.log(`    plan (read + verify ${mb(p.diffSize)} from ${fromPos}, ${p.transactions} transactions): ${secs(plan.ms)}`);
    console.log(`    ship (read again, sha256, upload, remote sha256sum, rename): ${secs(ship.ms)} (${rate(p.diffSize, ship.ms)})`);
    console.log(`    total tail extraction: ${secs(plan.ms + ship.ms)}; bytes read from the 1 GB file: ~${mb(2 * p.diffSize)} (never the whole file)`);
  } finally {
    await host.stop();
  }
}

async function sshTailLab(): Promise<void> {
  const cfgPath = join(__dirname, '..', '.lab', 'cluster.yml');
  if (!existsSync(cfgPath)) { console.log(`  from a lab host: skipped (${cfgPath} does not exist; run "mhaflow lab up" first)`); return; }
  const cfg = loadClusterConfig(cfgPath);
  const [from, to] = cfg.servers;
  if (!from?.binlogDir || !to) { console.log('  from a lab host: skipped (the lab config names no binlogDir)'); return; }
  const ssh = await openSsh(cfg, from);
  const dest = await openSsh(cfg, to);
  try {
    const index = (await ssh.run(`cat ${from.binlogDir}/*.index`)).trim().split('\n').filter(Boolean);
    const last = index[index.length - 1]!;
    const path = last.startsWith('/') ? last : join(from.binlogDir, last.replace(/^\.\//, ''));
    const remote = await remoteFileSource(ssh, path);
    const plan = await timed(() => binlogTail(remote, 4));
    const workdir = to.remoteWorkdir ?? cfg.workdirs.remote;
    const diffPath = join(workdir, `bench-tail-${process.pid}.diff`);
    const ship = await timed(() => shipDiff(dest, [{ plan: plan.value, source: remote }], { remotePath: diffPath }));
    await remote.close();
    await dest.run(['rm', '-f', '--', diffPath, `${diffPath}.idx`]); // leave the lab as it was
    console.log(`  from lab host ${from.name} (${path}, ${mb(plan.value.fileSize)}) to ${to.name}: plan ${secs(plan.ms)}, ship ${secs(ship.ms)}, ${plan.value.transactions} transactions, ${mb(plan.value.diffSize)}`);
  } finally {
    ssh.close();
    dest.close();
  }
}

async function main(): Promise<void> {
  await ensureBinlog();
  const size = statSync(BINLOG).size;
  const cat = await best(2, () => readWholeFile(BINLOG));
  console.log(`\nfile: ${BINLOG}, ${mb(size)}; plain sequential read (page cache): ${secs(cat.ms)} (${rate(size, cat.ms)})`);
  const target = await pickTarget(BINLOG, 0.99);
  console.log(`target: the Xid event ending at end_log_pos ${target.endLogPos} (${((target.endLogPos / size) * 100).toFixed(1)}% of the file; ${target.events} events in the file)`);

  console.log('\n1) find the event ending at a master coordinate near the end (a relay-log style lookup: the file must be scanned)');
  const find = await best(3, () => mhaflowFind(BINLOG, target.endLogPos, 'none'));
  const findCrc = await best(2, () => mhaflowFind(BINLOG, target.endLogPos, 'all'));
  const mbl = Math.min(mariadbBinlog([BINLOG]), mariadbBinlog([BINLOG]));
  const mblRows = mariadbBinlog(['--base64-output=decode-rows', BINLOG]);
  console.log(`  mhaflow header-only scan:                  ${secs(find.ms)}  (${rate(target.endLogPos, find.ms)})`);
  console.log(`  mhaflow scan + CRC32 of every event:       ${secs(findCrc.ms)}  (${rate(target.endLogPos, findCrc.ms)})`);
  console.log(`  mariadb-binlog --start-position=4 FILE >/dev/null:                      ${secs(mbl)}`);
  console.log(`  mariadb-binlog --base64-output=decode-rows FILE >/dev/null:             ${secs(mblRows)}`);
  console.log(`  ratio mariadb-binlog / mhaflow header-only: ${(mbl / find.ms).toFixed(1)}x (with CRC32: ${(mbl / findCrc.ms).toFixed(1)}x)`);
  console.log(`  mhaflow header-only vs plain read of the file: ${((find.ms / cat.ms) * (size / target.endLogPos)).toFixed(2)}x the time per byte`);

  console.log('\n2) dump from a known position near the end (mariadb-binlog seeks straight there)');
  const tail = await best(3, async () => {
    const src = new LocalFileSource(BINLOG);
    try { return await binlogTail(src, target.eventPos); } finally { await src.close(); }
  });
  const mblTail = Math.min(mariadbBinlog([`--start-position=${target.eventPos}`, BINLOG]), mariadbBinlog([`--start-position=${target.eventPos}`, BINLOG]));
  console.log(`  mhaflow binlogTail from ${target.eventPos} (plan: verify + cut ${mb(tail.value.diffSize)}): ${secs(tail.ms)}`);
  console.log(`  mariadb-binlog --start-position=${target.eventPos} FILE >/dev/null:    ${secs(mblTail)}`);
  console.log(`  ratio: ${(mblTail / tail.ms).toFixed(1)}x`);

  console.log('\n3) extract a tail over SSH');
  await sshTailLab();
  await sshTailThrowaway(target.eventPos, size);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
