// The lab: a real replication topology on this machine (master 127.0.0.11, replicas .12 .13 .14),
// each host with its own mariadbd and sshd. Used by the tests, the demo and the benchmarks.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadClusterConfig } from '../src/config/load';
import type { ClusterConfig } from '../src/config/schema';
import { errorMessage } from '../src/errors';
import { labAddresses, labHosts, labPaths, MYSQL_PORT, SSH_PORT, TEST_DB, USERS, type LabHost, type LabMode } from './layout';
import { createDataDir, ensureTemplate, mysqldPid, rootSql, startMysqld, stopMysqld, writeCnf } from './mariadb';
import { ensureHostKey, hostKeyPath, sshdPid, startSshd, stopSshd, writeSshdConfig } from './sshd';
import { ensurePackages, isRoot, LabError, pidAlive, sh, waitFor } from './system';
import { WRITER_TABLES_SQL } from './writer';

export const LAB_PACKAGES = ['mariadb-server', 'mariadb-client', 'openssh-server'];

export interface LabState { mode: LabMode; createdAt: string; master: string; semiSync?: boolean }

type Log = (msg: string) => void;

function readState(): LabState | null {
  const p = labPaths().state;
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as LabState) : null;
}

function writeState(s: LabState): void {
  writeFileSync(labPaths().state, JSON.stringify(s, null, 2));
}

function secret(name: string): string {
  const p = resolve(labPaths().secretsDir, `${name}.pw`);
  if (!existsSync(p)) {
    mkdirSync(labPaths().secretsDir, { recursive: true, mode: 0o700 });
    writeFileSync(p, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(p, 'utf8').trim();
}

/** SQL string literal for lab bootstrap (values are our own random tokens, but quote them properly anyway). */
function lit(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function ensureAliases(): void {
  const have = sh('ip', ['-o', 'addr', 'show', 'dev', 'lo']).stdout;
  for (const a of labAddresses()) {
    if (!have.includes(`inet ${a}/32`)) sh('ip', ['addr', 'add', `${a}/32`, 'dev', 'lo']);
  }
}

function removeAliases(): void {
  const have = sh('ip', ['-o', 'addr', 'show', 'dev', 'lo'], { allowFail: true }).stdout;
  for (const a of labAddresses()) {
    if (have.includes(`inet ${a}/32`)) sh('ip', ['addr', 'del', `${a}/32`, 'dev', 'lo'], { allowFail: true });
  }
}

function ensureSshKeys(hosts: LabHost[]): void {
  const p = labPaths();
  mkdirSync(p.sshDir, { recursive: true, mode: 0o700 });
  if (!existsSync(p.clientKey)) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mhaflow-lab', '-f', p.clientKey]);
  writeFileSync(p.authorizedKeys, readFileSync(`${p.clientKey}.pub`));
  const pinned: string[] = [];
  for (const h of hosts) {
    ensureHostKey(h);
    const [type, key] = readFileSync(`${hostKeyPath(h)}.pub`, 'utf8').trim().split(/\s+/);
    pinned.push(`${h.address} ${type} ${key}`);
    writeSshdConfig(h, p.authorizedKeys);
  }
  writeFileSync(p.knownHosts, `${pinned.join('\n')}\n`);
}

/** Privileges a failover manager needs on MariaDB 10.11, and why (no SUPER, no GRANT OPTION, no FILE). */
const ADMIN_PRIVILEGES = [
  // applying recovered transactions (any DML/DDL the application ran) and verifying data
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'REFERENCES', 'CREATE TEMPORARY TABLES',
  'LOCK TABLES', 'EXECUTE', 'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'EVENT', 'TRIGGER', 'SHOW DATABASES',
  // BINLOG '...' statements of row events in diffs; session server_id/gtid_seq_no of replayed transactions
  'BINLOG REPLAY', 'REPLICATION MASTER ADMIN',
  // reading and controlling replication, binlogs, read_only; killing client sessions on switchover
  'REPLICATION SLAVE ADMIN', 'SLAVE MONITOR', 'BINLOG MONITOR', 'BINLOG ADMIN', 'READ_ONLY ADMIN', 'CONNECTION ADMIN', 'PROCESS', 'RELOAD',
  // the switchover's freeze: ALTER USER ... ACCOUNT LOCK/UNLOCK of the accounts read_only does not stop
  'CREATE USER',
];

function bootstrapSql(mode: LabMode): string {
  // Loopback only; any 127.x source (each lab host connects from its own alias).
  const host = '127.%';
  return [
    'SET sql_log_bin=0',
    `CREATE USER IF NOT EXISTS ${USERS.admin}@${lit(host)} IDENTIFIED BY ${lit(secret('admin'))}`,
    `GRANT ${ADMIN_PRIVILEGES.join(', ')} ON *.* TO ${USERS.admin}@${lit(host)}`,
    `CREATE USER IF NOT EXISTS ${USERS.repl}@${lit(host)} IDENTIFIED BY ${lit(secret('repl'))}`,
    `GRANT REPLICATION SLAVE ON *.* TO ${USERS.repl}@${lit(host)}`,
    `CREATE USER IF NOT EXISTS ${USERS.app}@${lit(host)} IDENTIFIED BY ${lit(secret('app'))}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${TEST_DB}.* TO ${USERS.app}@${lit(host)}`,
    `CREATE USER IF NOT EXISTS ${USERS.appSuper}@${lit(host)} IDENTIFIED BY ${lit(secret('app_super'))}`,
    `GRANT ALL PRIVILEGES ON *.* TO ${USERS.appSuper}@${lit(host)}`,
    `SET GLOBAL gtid_strict_mode=${mode === 'gtid' ? 1 : 0}`,
    'RESET MASTER',
  ].join(';\n');
}

function changeMasterSql(master: LabHost, mode: LabMode): string {
  // A heartbeat every second: the replicas' view of the master (what the monitor confirms a death with) is fresh.
  const base = `CHANGE MASTER TO MASTER_HOST=${lit(master.address)}, MASTER_PORT=${MYSQL_PORT}, MASTER_USER=${lit(USERS.repl)}, `
    + `MASTER_PASSWORD=${lit(secret('repl'))}, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1`;
  // File/position: start at the master's first binlog (it was just reset); GTID: MariaDB slave_pos.
  return mode === 'gtid'
    ? `${base}, MASTER_USE_GTID=slave_pos`
    : `${base}, MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=4, MASTER_USE_GTID=no`;
}

export function writeClusterConfig(mode: LabMode): string {
  const p = labPaths();
  const hosts = labHosts();
  const cfg = {
    cluster: process.env.MHAFLOW_LAB_CLUSTER ?? 'lab',
    mysql: { user: USERS.admin, password: 'file:secrets/admin.pw', connectTimeout: '1s' },
    replication: { user: USERS.repl, password: 'file:secrets/repl.pw' },
    ssh: { user: 'root', port: SSH_PORT, key: 'ssh/id_ed25519', knownHosts: 'ssh/known_hosts', connectTimeout: '3s' },
    workdirs: { manager: p.managerWorkdir, remote: p.remoteWorkdir },
    // The monitor keeps every replica's heartbeat at 1 s (a failover's CHANGE MASTER resets it to the default).
    monitor: { replicaHeartbeatPeriod: '1s' },
    servers: hosts.map((h) => ({ name: h.name, host: h.address, port: MYSQL_PORT, binlogDir: h.dataDir, remoteWorkdir: resolve(h.dir, 'workdir') })),
  };
  writeFileSync(p.clusterConfig, `# written by \`mhaflow lab up --mode ${mode}\`: the lab's cluster config\n${stringify(cfg)}`);
  return p.clusterConfig;
}

async function labIsHealthy(hosts: LabHost[]): Promise<boolean> {
  if (!hosts.every((h) => mysqldPid(h) && sshdPid(h))) return false;
  const out = await rootSql(hosts[0]!, 'SELECT 1', { allowFail: true });
  return out.trim() === '1';
}

/**
 * A host's mariadbd on a fresh copy of the template, with the lab's accounts. A mariadbd that dies meanwhile is started
 * again, once, on a fresh copy: a clean-clone run saw one lose its connection during RESET MASTER here, right after it
 * started (cause unknown; its error log was gone with the next reset). That log's last lines are printed and kept in
 * .lab/died-HOST-TIME.err.
 */
async function startWithAccounts(h: LabHost, template: string, mode: LabMode): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await createDataDir(h, template);
    let failed: string;
    try {
      await startMysqld(h);
      await rootSql(h, bootstrapSql(mode));
      return;
    } catch (e) {
      failed = errorMessage(e);
    }
    const pid = mysqldPid(h);
    if (attempt > 1 || (pid && pidAlive(pid))) throw new LabError(failed, { server: h.name, hint: `see ${h.errorLog}` });
    const kept = resolve(labPaths().root, `died-${h.name}-${Date.now()}.err`);
    const tail = existsSync(h.errorLog) ? readFileSync(h.errorLog, 'utf8').split('\n').slice(-30).join('\n') : '(no error log)';
    writeFileSync(kept, tail);
    process.stderr.write(`lab: ${failed}; its mariadbd died: starting it again on a fresh datadir (its error log's end, kept in ${kept}):\n${tail}\n`);
    await stopMysqld(h, 'kill');
    rmSync(h.dataDir, { recursive: true, force: true });
  }
}

export async function labUp(opts: { mode?: LabMode; semiSync?: boolean; log?: Log; fresh?: boolean } = {}): Promise<{ configPath: string; mode: LabMode; semiSync: boolean; reused: boolean }> {
  const log = opts.log ?? (() => {});
  if (!isRoot()) throw new LabError('the lab needs root: it adds loopback aliases and runs one mariadbd and one sshd per host', { hint: 'run as root (sudo)' });
  ensurePackages(LAB_PACKAGES, log);
  const mode = opts.mode ?? readState()?.mode ?? 'filepos';
  const semiSync = opts.semiSync ?? false;
  const p = labPaths();
  const hosts = labHosts();
  const prev = readState();
  if (prev && (prev.mode !== mode || Boolean(prev.semiSync) !== semiSync)) {
    log(`lab is in ${prev.mode} mode${prev.semiSync ? ' with semi-sync' : ''}; rebuilding it in ${mode} mode${semiSync ? ' with semi-sync' : ''}`);
    await labDown({ log });
  }
  mkdirSync(p.root, { recursive: true });
  ensureAliases();
  ensureSshKeys(hosts);
  const fresh = !hosts.every((h) => existsSync(h.dataDir));
  if (!fresh && !opts.fresh && readState()) {
    // Idempotent: start whatever is down, keep data.
    await Promise.all(hosts.map(async (h) => { await startMysqld(h); await startSshd(h); }));
    if (await labIsHealthy(hosts)) return { configPath: writeClusterConfig(mode), mode, semiSync, reused: true };
  }
  await labDown({ log, keepAliases: true });
  ensureAliases();
  ensureSshKeys(hosts);
  await ensureTemplate(p.template);
  for (const dir of [p.managerWorkdir, p.remoteWorkdir]) mkdirSync(dir, { recursive: true });
  const [master, ...replicas] = hosts as [LabHost, ...LabHost[]];
  await Promise.all(hosts.map(async (h) => {
    writeCnf(h, mode, h !== master, semiSync);
    mkdirSync(resolve(h.dir, 'workdir'), { recursive: true });
    await Promise.all([startWithAccounts(h, p.template, mode), startSshd(h)]);
  }));
  await Promise.all(replicas.map((r) => rootSql(r, `${changeMasterSql(master, mode)}; START SLAVE`)));
  await rootSql(master, [`CREATE DATABASE IF NOT EXISTS ${TEST_DB}`, ...WRITER_TABLES_SQL].join(';\n'));
  writeState({ mode, createdAt: new Date().toISOString(), master: master.name, ...(semiSync ? { semiSync } : {}) });
  chmodSync(p.secretsDir, 0o700);
  return { configPath: writeClusterConfig(mode), mode, semiSync, reused: false };
}

export async function labDown(opts: { log?: Log; keepAliases?: boolean } = {}): Promise<void> {
  const p = labPaths();
  const hosts = labHosts();
  await Promise.all(hosts.map(async (h) => {
    await stopMysqld(h, 'kill');
    await stopSshd(h);
  }));
  // Strays from an earlier lab whose pid files are gone: anything started with our config files (one pkill for all:
  // each run of it reads every process's command line, 60 ms here; `--`: the pattern starts with dashes).
  const strays = hosts.flatMap((h) => [`--defaults-file=${h.cnf}`, `sshd -f ${h.sshdConfig}`]).map(escapeRegex);
  sh('pkill', ['-9', '-f', '--', strays.join('|')], { allowFail: true });
  rmSync(p.hostsDir, { recursive: true, force: true });
  for (const d of [p.managerWorkdir, p.remoteWorkdir]) rmSync(d, { recursive: true, force: true });
  rmSync(p.state, { force: true });
  if (!opts.keepAliases) removeAliases();
}

/** A literal for pkill's extended regular expression. */
const escapeRegex = (s: string) => s.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');

/** labDown + labUp in a mode, then wait until the replicas have the writer's tables (tests, durability cases). */
export async function resetLab(mode: LabMode, opts: { semiSync?: boolean } = {}): Promise<{ configPath: string; cfg: ClusterConfig }> {
  await labDown({ keepAliases: true });
  const r = await labUp({ mode, semiSync: opts.semiSync });
  await waitFor('the lab replicas to replicate the writer tables', async () => {
    const sql = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='${TEST_DB}'`;
    const counts = await Promise.all(labHosts().slice(1).map((h) => rootSql(h, sql, { allowFail: true })));
    return counts.every((c) => Number(c.trim()) >= WRITER_TABLES_SQL.length);
  }, 20_000, 100);
  return { configPath: r.configPath, cfg: loadClusterConfig(r.configPath) };
}

export function labState(): LabState | null {
  return readState();
}
