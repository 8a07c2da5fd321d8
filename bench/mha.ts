// MHA 0.58, the reference the benchmark compares mhaflow against: its setup on the lab and a failover run.
// MHA (Debian mha4mysql-manager/-node) is installed and patched by scripts/setup-mha.sh; this module writes
// its configuration from the lab's cluster config and runs `masterha_master_switch --master_state=dead`.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClusterConfig, ServerConfig } from '../src/config/schema';
import { resolveSecret } from '../src/config/secrets';
import { labPaths, repoRoot } from '../lab/layout';

export const MHA_SWITCH = 'masterha_master_switch';

export interface MhaPaths {
  /** .lab/mha: generated, outside git; holds the cnf (mode 0600: it has the passwords) and MHA's work files. */
  dir: string;
  conf: string;
  managerWorkdir: string;
  logsDir: string;
}

export function mhaPaths(): MhaPaths {
  const dir = resolve(labPaths().root, 'mha');
  return { dir, conf: resolve(dir, 'app1.cnf'), managerWorkdir: resolve(dir, 'manager'), logsDir: resolve(dir, 'logs') };
}

/** Remote workdir MHA uses on a server's host (save_binary_logs / apply_diff_relay_logs files). */
export function mhaRemoteWorkdir(s: ServerConfig): string {
  // The lab's hosts live under .lab/hosts/<name>; their data dir is the binlog dir.
  return resolve(s.binlogDir ?? labPaths().hostsDir, '..', 'mha-workdir');
}

/** Install MHA when missing and apply the two patches (idempotent; see scripts/setup-mha.sh). */
export function ensureMhaInstalled(log: (m: string) => void = () => {}): void {
  const r = spawnSync('bash', [resolve(repoRoot(), 'scripts', 'setup-mha.sh')], { encoding: 'utf8' });
  if (r.stdout.trim()) log(r.stdout.trim());
  if (r.status !== 0) throw new Error(`scripts/setup-mha.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

/** The ssh options MHA adds to every ssh/scp it runs (manager to host, and host to host in apply_diff_relay_logs).
 *  MHA strips quotes from ssh_options, so the paths must not contain spaces. */
export function mhaSshOptions(cfg: ClusterConfig): string {
  for (const p of [cfg.ssh.key, cfg.ssh.knownHosts]) {
    if (/[\s'"]/.test(p)) throw new Error(`MHA cannot take the path "${p}" in ssh_options (it strips quotes): move the lab to a path without spaces`);
  }
  return `-i ${cfg.ssh.key} -o UserKnownHostsFile=${cfg.ssh.knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`;
}

/** MHA's app1.cnf for the lab: [server default] then one [serverN] per server, in the config's order. */
export interface MhaConfOptions {
  pingInterval?: number;
  /** master_ip_online_change_script (the online switch needs one that stops writes on the old master). */
  onlineChangeScript?: string;
}

export function mhaConfText(cfg: ClusterConfig, opts: MhaConfOptions = {}): string {
  const p = mhaPaths();
  const user = cfg.mysql.user;
  const password = resolveSecret(cfg.mysql.password, 'mysql.password');
  const replPassword = resolveSecret(cfg.replication.password, 'replication.password');
  for (const [what, v] of [['mysql.password', password], ['replication.password', replPassword]] as const) {
    // MHA's config parser (Config::Tiny) keeps the rest of the line; a '#' or leading/trailing space would break it.
    if (/[\s#;'"\\$`]/.test(v)) throw new Error(`${what} holds characters MHA's cnf cannot carry safely; use a plain token`);
  }
  const lines = [
    '# written by bench/mha.ts from the lab cluster config: MHA 0.58, the benchmark reference. Holds passwords: mode 0600.',
    '[server default]',
    `user=${user}`,
    `password=${password}`,
    `repl_user=${cfg.replication.user}`,
    `repl_password=${replPassword}`,
    `ssh_user=${cfg.ssh.user}`,
    `ssh_port=${cfg.ssh.port}`,
    `ssh_options=${mhaSshOptions(cfg)}`,
    `manager_workdir=${p.managerWorkdir}`,
    'client_bindir=/usr/bin',
    `ping_interval=${opts.pingInterval ?? 1}`,
    ...(opts.onlineChangeScript ? [`master_ip_online_change_script=${opts.onlineChangeScript}`] : []),
    '',
  ];
  cfg.servers.forEach((s, i) => {
    lines.push(`[server${i + 1}]`, `hostname=${s.host}`, `port=${s.port}`);
    if (s.binlogDir) lines.push(`master_binlog_dir=${s.binlogDir}`);
    lines.push(`remote_workdir=${mhaRemoteWorkdir(s)}`);
    if (s.candidateMaster) lines.push('candidate_master=1');
    if (s.noMaster) lines.push('no_master=1');
    lines.push('');
  });
  return lines.join('\n');
}

/** Write .lab/mha/app1.cnf (0600) and fresh work dirs; returns the cnf path. */
export function writeMhaConf(cfg: ClusterConfig, opts: MhaConfOptions = {}): string {
  const p = mhaPaths();
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  chmodSync(p.dir, 0o700);
  // A previous run's failover.complete / failover.error files would make MHA refuse (or need flags).
  rmSync(p.managerWorkdir, { recursive: true, force: true });
  for (const d of [p.managerWorkdir, p.logsDir]) mkdirSync(d, { recursive: true });
  for (const s of cfg.servers) mkdirSync(mhaRemoteWorkdir(s), { recursive: true });
  rmSync(p.conf, { force: true });
  writeFileSync(p.conf, mhaConfText(cfg, opts), { mode: 0o600 });
  chmodSync(p.conf, 0o600);
  return p.conf;
}

export interface MhaRun {
  exitCode: number;
  /** From spawn to exit. */
  elapsedMs: number;
  logFile: string;
  /** "host:port" MHA reports as the new master, when it says so. */
  newMaster?: string;
  /** MHA's own summary block ("----- Failover Report -----" to the end), when present. */
  report?: string;
  /** Lines MHA logged with [error]. */
  errors: string[];
}

export interface MhaFailoverOptions {
  conf: string;
  deadMaster: ServerConfig;
  newMaster?: ServerConfig;
  /** Where MHA's stdout+stderr go (the cnf sets no manager_log, so masterha_master_switch logs to them). */
  logFile: string;
  /** Called with the spawn time (ms since epoch), so callers can time from the command's start. */
  onStart?: (t0: number) => void;
  timeoutMs?: number;
}

/** The command line of MHA's failover of a dead master, non-interactive. */
export function mhaFailoverArgs(o: Pick<MhaFailoverOptions, 'conf' | 'deadMaster' | 'newMaster'>): string[] {
  const args = ['--master_state=dead', `--conf=${o.conf}`, `--dead_master_host=${o.deadMaster.host}`, `--dead_master_port=${o.deadMaster.port}`,
    '--interactive=0', '--ignore_last_failover'];
  if (o.newMaster) args.push(`--new_master_host=${o.newMaster.host}`, `--new_master_port=${o.newMaster.port}`);
  return args;
}

export function runMhaFailover(o: MhaFailoverOptions): Promise<MhaRun> {
  return runMha(mhaFailoverArgs(o), o, /Master failover to (\S+?)\((\S+?)\) completed successfully/, '----- Failover Report -----');
}

/** masterha_master_switch with `args`, its output in o.logFile; the new master and the report block found by the patterns. */
function runMha(args: string[], o: Pick<MhaFailoverOptions, 'logFile' | 'onStart' | 'timeoutMs'>, done: RegExp, reportHead: string): Promise<MhaRun> {
  return new Promise((resolvePromise, reject) => {
    mkdirSync(resolve(o.logFile, '..'), { recursive: true });
    const out = createWriteStream(o.logFile);
    let text = '';
    const t0 = Date.now();
    const child = spawn(MHA_SWITCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    o.onStart?.(t0);
    const take = (d: Buffer) => { text += d.toString(); out.write(d); };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 180_000);
    child.on('error', (e) => { clearTimeout(timer); out.end(); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const elapsedMs = Date.now() - t0;
      out.end();
      const m = done.exec(text);
      const reportAt = text.indexOf(reportHead);
      resolvePromise({
        exitCode: code ?? 1,
        elapsedMs,
        logFile: o.logFile,
        newMaster: m?.[2],
        report: reportAt >= 0 ? text.slice(reportAt).trim() : undefined,
        errors: text.split('\n').filter((l) => /\[error\]/.test(l)),
      });
    });
  });
}

export interface MhaSwitchOptions extends Pick<MhaFailoverOptions, 'logFile' | 'onStart' | 'timeoutMs'> {
  conf: string;
  newMaster: ServerConfig;
}

/** MHA's online switch, as the issue compares it: --master_state=alive --orig_master_is_new_slave, non-interactive. */
export function mhaSwitchArgs(o: Pick<MhaSwitchOptions, 'conf' | 'newMaster'>): string[] {
  return ['--master_state=alive', `--conf=${o.conf}`, `--new_master_host=${o.newMaster.host}`, `--new_master_port=${o.newMaster.port}`,
    '--orig_master_is_new_slave', '--interactive=0'];
}

export function runMhaOnlineSwitch(o: MhaSwitchOptions): Promise<MhaRun> {
  return runMha(mhaSwitchArgs(o), o, /Switching master to (\S+?)\((\S+?)\) completed successfully/, 'Switching master to');
}

/**
 * The online-change script MHA needs to stop writes on the old master: --command=stop sets read_only=1 there (as
 * the issue says; MHA then takes FLUSH TABLES WITH READ LOCK itself). MHA passes the password on the command line.
 */
export function writeMhaOnlineChangeScript(): string {
  const path = resolve(mhaPaths().dir, 'master_ip_online_change');
  mkdirSync(mhaPaths().dir, { recursive: true, mode: 0o700 });
  writeFileSync(path, `#!/bin/sh
# written by bench/mha.ts: MHA's master_ip_online_change_script for the lab (no address to move): stop = read_only=1 on the old master
for a in "$@"; do
  case "$a" in
    --command=*) cmd=\${a#*=} ;; --orig_master_host=*) host=\${a#*=} ;; --orig_master_port=*) port=\${a#*=} ;;
    --orig_master_user=*) user=\${a#*=} ;; --orig_master_password=*) pass=\${a#*=} ;;
  esac
done
if [ "$cmd" = stop ] || [ "$cmd" = stopssh ]; then
  exec mariadb --no-defaults -h "$host" -P "$port" -u "$user" -p"$pass" -e 'SET GLOBAL read_only = 1'
fi
exit 0
`, { mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}

/** MHA ran here before: true when its binary and patched modules are in place (cheap check, no apt). */
export function mhaLooksInstalled(): boolean {
  return existsSync('/usr/bin/masterha_master_switch') && existsSync('/usr/share/perl5/MHA/NodeUtil.pm');
}

// `npx tsx bench/mha.ts conf|failover`: MHA on the lab by hand (the lab must be up; take the lab lock).
if (require.main === module) {
  void (async () => {
    const { loadClusterConfig } = await import('../src/config/load');
    const { labState } = await import('../lab/lab');
    const cmd = process.argv[2];
    if (cmd !== 'conf' && cmd !== 'failover') {
      process.stderr.write('usage: npx tsx bench/mha.ts conf|failover\n');
      process.exit(2);
    }
    ensureMhaInstalled((m) => process.stderr.write(`${m}\n`));
    const cfg = loadClusterConfig(labPaths().clusterConfig);
    const conf = writeMhaConf(cfg);
    if (cmd === 'conf') { process.stdout.write(`${conf}\n`); return; }
    const dead = cfg.servers.find((s) => s.name === (labState()?.master ?? cfg.servers[0]!.name))!;
    const logFile = resolve(mhaPaths().logsDir, `failover-${Date.now()}.log`);
    const r = await runMhaFailover({ conf, deadMaster: dead, logFile });
    process.stdout.write(`${r.report ?? r.errors.join('\n')}\nexit ${r.exitCode} after ${(r.elapsedMs / 1000).toFixed(2)} s; log ${logFile}\n`);
    process.exit(r.exitCode);
  })().catch((e) => { process.stderr.write(`${(e as Error).message}\n`); process.exit(1); });
}
