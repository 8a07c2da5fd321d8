// One lab host's mariadbd: its my.cnf, start/stop, and local root SQL over its unix socket.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LabHost, LabMode } from './layout';
import { MYSQL_PORT } from './layout';
import { LabError, readPid, sh, shAsync, socketOpen, spawnDaemon, stopPid, tcpOpen, waitFor } from './system';

/**
 * MariaDB's built-in semi-synchronous replication, the zero-loss configuration: a master commits (acknowledges) a
 * transaction only once a replica has it in its relay log (one ack; AFTER_SYNC: not visible to others before), and
 * waits up to an hour for that ack rather than fall back to asynchronous replication, even with no replica connected
 * (wait_no_slave=1). Every server has both sides, so a promoted replica is a semi-sync master at once; but a replica
 * waits for no ack of its own (wait_no_slave=0): with 1, MariaDB holds its SQL thread on every replicated commit,
 * waiting for replicas it does not have.
 */
export function semiSyncCnf(master: boolean): string {
  return `rpl_semi_sync_master_enabled=1
rpl_semi_sync_slave_enabled=1
rpl_semi_sync_master_wait_point=AFTER_SYNC
rpl_semi_sync_master_wait_no_slave=${master ? 1 : 0}
rpl_semi_sync_master_timeout=3600000
`;
}

export function mycnf(h: LabHost, mode: LabMode, opts: { readOnly: boolean; semiSync?: boolean }): string {
  return `# written by mhaflow lab; one "host" of the lab
[mariadbd]
datadir=${h.dataDir}
socket=${h.socket}
pid-file=${h.pidFile}
log-error=${h.errorLog}
bind-address=${h.address}
port=${MYSQL_PORT}
server_id=${h.serverId}
log_bin=${h.dataDir}/mysql-bin
log_bin_index=${h.dataDir}/mysql-bin.index
relay_log=${h.dataDir}/relay-bin
relay_log_index=${h.dataDir}/relay-bin.index
log_slave_updates=1
binlog_format=ROW
sync_binlog=1
innodb_flush_log_at_trx_commit=1
relay_log_purge=0
# MariaDB's defaults: an fsync per relay-log event (sync_relay_log=1, sync_master_info=1) made the replicas' IO threads
# fall behind a 200 tx/s writer on a slow disk, so every scenario carried a backlog that grew with its length. Written
# events still reach the file at once (a replica's mysqld killed loses nothing); only a power loss could.
sync_master_info=10000
sync_relay_log=10000
sync_relay_log_info=10000
max_binlog_size=64M
read_only=${opts.readOnly ? 1 : 0}
gtid_strict_mode=${mode === 'gtid' ? 1 : 0}
skip_name_resolve=1
skip_slave_start=0
# small memory: four of these run on one small machine
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
innodb_log_buffer_size=4M
key_buffer_size=1M
aria_pagecache_buffer_size=1M
performance_schema=0
table_open_cache=256
max_connections=200
thread_cache_size=8
innodb_use_native_aio=0
${opts.semiSync ? semiSyncCnf(!opts.readOnly) : ''}`;
}

export function mysqldPid(h: LabHost): number | null {
  return readPid(h.pidFile);
}

/** One initialised, empty datadir, copied for each host: far faster than four mariadb-install-db runs. */
export async function ensureTemplate(templateDir: string): Promise<void> {
  if (existsSync(resolve(templateDir, 'mysql', 'user.frm')) || existsSync(resolve(templateDir, 'mysql', 'global_priv.frm'))) return;
  rmSync(templateDir, { recursive: true, force: true });
  mkdirSync(templateDir, { recursive: true });
  await shAsync('mariadb-install-db', ['--no-defaults', `--datadir=${templateDir}`, '--user=root', '--auth-root-authentication-method=socket',
    '--skip-test-db', '--innodb-log-file-size=16M', '--innodb-buffer-pool-size=32M']);
}

/**
 * The host's data directory, a copy of the template: by cp(1), not fs.cpSync, whose per-file JavaScript took 0.2-0.3 s
 * a host (the system tables are hundreds of small files) against 10 ms; sparse, as the redo log is mostly zeros.
 */
export async function createDataDir(h: LabHost, templateDir: string): Promise<void> {
  await shAsync('cp', ['-a', '--sparse=always', templateDir, h.dataDir]);
}

export async function startMysqld(h: LabHost): Promise<void> {
  if (mysqldPid(h)) return;
  spawnDaemon('/usr/sbin/mariadbd', [`--defaults-file=${h.cnf}`, '--user=root'], { log: resolve(h.dir, 'mysqld.out') });
  try {
    // Both listeners: mariadbd opens its TCP port a moment before its unix socket, which rootSql uses.
    await waitFor(`mariadbd on ${h.name} (${h.address}:${MYSQL_PORT} and ${h.socket})`,
      async () => (await tcpOpen(h.address, MYSQL_PORT)) && socketOpen(h.socket), 30_000, 50);
  } catch (e) {
    throw new LabError(`${(e as Error).message}; see ${h.errorLog}`, { server: h.name });
  }
}

export async function stopMysqld(h: LabHost, how: 'clean' | 'kill' = 'clean'): Promise<void> {
  const pid = mysqldPid(h);
  if (!pid) return;
  await stopPid(pid, { signal: how === 'kill' ? 'SIGKILL' : 'SIGTERM', killAfterMs: 30_000 });
  if (how === 'kill') rmSync(h.pidFile, { force: true });
}

/**
 * Local root SQL over the host's socket (unix_socket auth as OS root), for lab plumbing only: its output; a failure
 * throws, naming the host and the SQL, its passwords masked. The SQL goes in on stdin, not in argv, which every process
 * can read: it may hold the lab's passwords.
 */
export async function rootSql(h: LabHost, sql: string, opts: { allowFail?: boolean } = {}): Promise<string> {
  const r = await shAsync('mariadb', ['--no-defaults', '-S', h.socket, '-uroot', '--batch', '--skip-column-names'], { input: sql, allowFail: true });
  if (r.code !== 0 && !opts.allowFail) {
    const shown = sql.replace(/(IDENTIFIED BY|MASTER_PASSWORD\s*=)\s*'(?:[^'\\]|\\.)*'/gi, "$1 '***'");
    throw new LabError(`${h.name}: root SQL failed (exit ${r.code}): ${r.stderr.trim()}\n${shown}`, { server: h.name });
  }
  return r.stdout;
}

export function rootSqlSync(h: LabHost, sql: string): string {
  return sh('mariadb', ['--no-defaults', '-S', h.socket, '-uroot', '--batch', '--skip-column-names', '-e', sql]).stdout;
}

export function writeCnf(h: LabHost, mode: LabMode, readOnly: boolean, semiSync = false): void {
  mkdirSync(h.dir, { recursive: true });
  writeFileSync(h.cnf, mycnf(h, mode, { readOnly, semiSync }));
}

/** Rows of a local root query, as objects (mariadb --batch output: a header line, tab-separated). */
export async function rootQuery(h: LabHost, sql: string): Promise<Record<string, string>[]> {
  const r = await shAsync('mariadb', ['--no-defaults', '-S', h.socket, '-uroot', '--batch', '-e', sql]);
  const lines = r.stdout.split('\n').filter((l) => l.length);
  if (!lines.length) return [];
  const cols = lines[0]!.split('\t');
  return lines.slice(1).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}
