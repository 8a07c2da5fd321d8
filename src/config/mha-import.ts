// `mhaflow config import-mha`: turn an MHA application config (app1.cnf, with /etc/masterha_default.cnf
// underneath) into a cluster config. Every parameter MHA 0.58 reads is either mapped or reported with a
// reason; nothing is dropped silently. Passwords go to a secrets file (mode 0600) the config references.
//
// The layering follows MHA: global [server default] < application [server default] < [serverN]/[binlogN].
// A few parameters MHA reads only from the server's own section (candidate_master, no_master, ignore_fail,
// skip_init_ssh_check, hostname, ip, ssh_host, ssh_ip, node_label); in [server default] MHA ignores them.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, extname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../errors';
import { loadClusterConfig, parseClusterConfig } from './load';
import { mhaUnquote, parseMhaIni, perlTrue, type MhaIni, type MhaSection } from './mha-ini';
import type { ClusterConfig, ClusterConfigInput } from './schema';
import { formatSecretsFile } from './secrets';

/** How each MHA parameter maps (the table of the closing note; the test checks it is complete). */
export interface MhaParamMapping {
  param: string;
  /** The mhaflow key, or null when there is no equivalent. */
  mapsTo: string | null;
  note: string;
}

export const MHA_PARAMETERS: readonly MhaParamMapping[] = [
  { param: 'hostname', mapsTo: 'servers[].host (servers[].aliases when ip is also set)', note: 'section only, as in MHA' },
  { param: 'ip', mapsTo: 'servers[].host', note: 'MHA connects by IP; the hostname is kept in aliases' },
  { param: 'port', mapsTo: 'servers[].port', note: '' },
  { param: 'ssh_host', mapsTo: 'servers[].ssh.host', note: 'section only' },
  { param: 'ssh_ip', mapsTo: 'servers[].ssh.host', note: 'preferred over ssh_host, as MHA connects by IP' },
  { param: 'ssh_port', mapsTo: 'ssh.port / servers[].ssh.port', note: '' },
  { param: 'ssh_user', mapsTo: 'ssh.user / servers[].ssh.user', note: 'MHA default: the manager\'s OS user' },
  { param: 'ssh_connection_timeout', mapsTo: 'ssh.connectTimeout', note: 'seconds' },
  { param: 'ssh_options', mapsTo: 'ssh.key, ssh.knownHosts, ssh.port, ssh.user, ssh.connectTimeout', note: '-i, -p, -l and -o IdentityFile/UserKnownHostsFile/Port/User/ConnectTimeout are mapped; other OpenSSH options have no equivalent (mhaflow speaks SSH itself) and are listed' },
  { param: 'node_label', mapsTo: 'servers[].label', note: '' },
  { param: 'candidate_master', mapsTo: 'servers[].candidateMaster', note: '' },
  { param: 'no_master', mapsTo: 'servers[].noMaster', note: '' },
  { param: 'ignore_fail', mapsTo: 'servers[].ignoreFail', note: '' },
  { param: 'skip_init_ssh_check', mapsTo: 'servers[].skipSshCheck', note: '' },
  { param: 'skip_reset_slave', mapsTo: 'servers[].skipResetReplica', note: '' },
  { param: 'user', mapsTo: 'mysql.user', note: 'one admin user per cluster' },
  { param: 'password', mapsTo: 'mysql.password', note: 'written to the secrets file, referenced as file:...#mysql_password' },
  { param: 'repl_user', mapsTo: 'replication.user', note: '' },
  { param: 'repl_password', mapsTo: 'replication.password', note: 'written to the secrets file, referenced as file:...#repl_password' },
  { param: 'disable_log_bin', mapsTo: 'servers[].disableLogBin', note: '' },
  { param: 'master_pid_file', mapsTo: 'servers[].pidFile', note: '' },
  { param: 'handle_raw_binlog', mapsTo: null, note: 'mhaflow always reads and ships raw binlog events itself' },
  { param: 'remote_workdir', mapsTo: 'workdirs.remote / servers[].remoteWorkdir', note: '' },
  { param: 'master_binlog_dir', mapsTo: 'servers[].binlogDir', note: 'MHA takes a comma-separated list; the first directory is kept, the others are listed' },
  { param: 'log_level', mapsTo: null, note: 'logging is set on the worker: MHAFLOW_LOG_LEVEL' },
  { param: 'manager_workdir', mapsTo: 'workdirs.manager', note: '' },
  { param: 'manager_log', mapsTo: null, note: 'the worker logs to stderr; every decision is in the Temporal workflow history' },
  { param: 'check_repl_delay', mapsTo: 'servers[].checkReplDelay', note: '' },
  { param: 'check_repl_filter', mapsTo: 'replication.checkFilters', note: 'MHA reads it from the first server; cluster-wide here' },
  { param: 'latest_priority', mapsTo: 'servers[].latestPriority', note: '' },
  { param: 'multi_tier_slave', mapsTo: 'replication.multiTier', note: 'cluster-wide' },
  { param: 'ping_interval', mapsTo: 'monitor.pingInterval', note: 'seconds' },
  { param: 'ping_type', mapsTo: 'monitor.pingType', note: 'CONNECT/SELECT/INSERT -> connect/select/insert' },
  { param: 'secondary_check_script', mapsTo: 'hooks.secondaryCheck', note: '' },
  { param: 'master_ip_failover_script', mapsTo: 'hooks.masterIpFailover', note: '' },
  { param: 'master_ip_online_change_script', mapsTo: 'hooks.masterIpOnlineChange', note: '' },
  { param: 'shutdown_script', mapsTo: 'hooks.shutdown', note: '' },
  { param: 'report_script', mapsTo: 'hooks.report', note: '' },
  { param: 'init_conf_load_script', mapsTo: null, note: 'mhaflow never runs a script to load its config; put what it printed (usually passwords) in the secrets file' },
  { param: 'client_bindir', mapsTo: 'servers[].clientBindir', note: '' },
  { param: 'client_libdir', mapsTo: 'servers[].clientLibdir', note: '' },
  { param: 'use_gtid_auto_pos', mapsTo: 'replication.useGtidAutoPosition', note: '' },
  { param: '[binlogN] section', mapsTo: 'servers[] with binlogServer: true', note: 'hostname/ip, ssh_*, master_binlog_dir, client_*dir, remote_workdir, node_label, skip_init_ssh_check apply' },
];

const KNOWN = new Set(MHA_PARAMETERS.map((m) => m.param).filter((p) => !p.startsWith('[')));

/** Parameters MHA reads only from a server's own section (never inherited from [server default]). */
const SECTION_ONLY = new Set(['hostname', 'ip', 'ssh_host', 'ssh_ip', 'candidate_master', 'no_master', 'ignore_fail', 'skip_init_ssh_check', 'node_label']);

/** What a binlog server section can meaningfully carry. */
const BINLOG_SERVER_PARAMS = new Set(['hostname', 'ip', 'port', 'ssh_host', 'ssh_ip', 'ssh_port', 'ssh_user', 'master_binlog_dir',
  'client_bindir', 'client_libdir', 'remote_workdir', 'node_label', 'skip_init_ssh_check', 'ssh_options', 'ssh_connection_timeout']);

export interface ImportMessage {
  /** "app1.cnf [server2] line 14" */
  where: string;
  param?: string;
  message: string;
}

export interface MhaImportInput {
  app: { file: string; text: string };
  /** MHA's global defaults (/etc/masterha_default.cnf) when present. */
  global?: { file: string; text: string };
  clusterName?: string;
  /** How the config names the secrets file (relative to the config's directory, or absolute). */
  secretsRef: string;
  /** Override the SSH private key (else from ssh_options, else ~/.ssh/id_rsa). */
  sshKey?: string;
  /** Override the known_hosts file (else from ssh_options, else ~/.ssh/known_hosts). */
  knownHosts?: string;
  /** MHA's default ssh_user: the OS user running the manager. */
  managerUser: string;
  /** Home directory of that user (for the ssh defaults). */
  home: string;
}

export interface MhaImportResult {
  config: ClusterConfigInput;
  secrets: Record<string, string>;
  /** Parameters with no equivalent: listed on stderr. */
  unmapped: ImportMessage[];
  /** Mapped, but with a difference or a choice the user should know about: listed on stderr. */
  notes: ImportMessage[];
}

interface Found { value: string; where: string; section: string }

class Layers {
  constructor(private readonly ini: { file: string; section: MhaSection }[]) {}
  /** The effective value (MHA-unquoted) of an inherited parameter; SECTION_ONLY ones come from the last layer only. */
  get(param: string): Found | undefined {
    const layers = SECTION_ONLY.has(param) ? this.ini.slice(-1) : this.ini;
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      const p = l.section.params.get(param);
      if (p) return { value: mhaUnquote(p.value), where: `${basename(l.file)} [${l.section.name}] line ${p.line}`, section: l.section.name };
    }
    return undefined;
  }
}

function sanitizeName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return n || 'server';
}

function positiveInt(f: Found, param: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(f.value) || Number(f.value) < 1 || Number(f.value) > max) {
    throw new ConfigError(`${f.where}: ${param}=${f.value} is not valid; expected a whole number from 1${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`, {
      hint: `correct ${param} in the MHA configuration (MHA itself would refuse it too)`,
    });
  }
  return Number(f.value);
}

/** Split ssh_options the way MHA hands them to ssh (quotes removed, whitespace separated). */
export interface SshOptions {
  key?: string;
  knownHosts?: string;
  port?: number;
  user?: string;
  connectTimeout?: number;
  strictHostKeyCheckingOff?: boolean;
  unmapped: string[];
}

export function parseSshOptions(options: string): SshOptions {
  const words = options.replace(/['"]/g, '').split(/\s+/).filter(Boolean);
  const out: SshOptions = { unmapped: [] };
  const applyO = (kv: string): void => {
    const m = /^([A-Za-z]+)\s*=?\s*(.*)$/.exec(kv);
    const k = m?.[1]?.toLowerCase();
    const v = m?.[2] ?? '';
    if (k === 'identityfile' && v) out.key = v;
    else if (k === 'userknownhostsfile' && v) out.knownHosts = v.split(/\s+/)[0];
    else if (k === 'port' && /^\d+$/.test(v)) out.port = Number(v);
    else if (k === 'user' && v) out.user = v;
    else if (k === 'connecttimeout' && /^\d+$/.test(v)) out.connectTimeout = Number(v);
    else if (k === 'stricthostkeychecking' && /^(no|off|accept-new)$/i.test(v)) out.strictHostKeyCheckingOff = true;
    else out.unmapped.push(`-o ${kv}`);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = () => words[++i];
    if (w === '-i') { const v = next(); if (v) out.key = v; }
    else if (w.startsWith('-i') && w.length > 2) out.key = w.slice(2);
    else if (w === '-p') { const v = next(); if (v && /^\d+$/.test(v)) out.port = Number(v); else out.unmapped.push(`-p ${v ?? ''}`.trim()); }
    else if (w === '-l') { const v = next(); if (v) out.user = v; }
    else if (w === '-o') {
      let v = next() ?? '';
      // "-o Key Value" (no "="): take the value word too.
      if (v && !v.includes('=') && i + 1 < words.length && !words[i + 1]!.startsWith('-')) v = `${v}=${next()}`;
      applyO(v);
    } else if (w.startsWith('-o') && w.length > 2) applyO(w.slice(2));
    else out.unmapped.push(w);
  }
  return out;
}

/** Pick one cluster-wide value from per-server values; report the servers that differ. */
function clusterValue<T>(param: string, perServer: { name: string; found: Found | undefined }[], defaults: Layers,
  convert: (f: Found) => T, notes: ImportMessage[], opts: { secret?: boolean } = {}): { value: T; found: Found } | undefined {
  const def = defaults.get(param);
  const present = perServer.filter((s) => s.found);
  if (!present.length) return undefined;
  const chosen = def ?? present[0]!.found!;
  const differing = perServer.filter((s) => (s.found?.value ?? undefined) !== chosen.value);
  if (differing.length) {
    const show = (f: Found | undefined) => (f === undefined ? 'MHA\'s default' : opts.secret ? 'a different value' : `"${f.value}"`);
    notes.push({
      where: differing.map((s) => s.found?.where ?? `[${s.name}] (not set)`).join('; '),
      param,
      message: `${differing.map((s) => `${s.name} has ${show(s.found)}`).join(', ')}; mhaflow has one value per cluster and uses ${opts.secret ? 'the one' : `"${chosen.value}"`} from ${chosen.where}`,
    });
  }
  return { value: convert(chosen), found: chosen };
}

export function importMhaConfig(input: MhaImportInput): MhaImportResult {
  const unmapped: ImportMessage[] = [];
  const notes: ImportMessage[] = [];
  const app = parseMhaIni(input.app.text, input.app.file);
  const global: MhaIni | undefined = input.global ? parseMhaIni(input.global.text, input.global.file) : undefined;

  const emptySection = (name: string): MhaSection => ({ name, line: 0, params: new Map() });
  const globalDefault = global?.sections.find((s) => s.name === 'server default') ?? emptySection('server default');
  const appDefault = app.sections.find((s) => s.name === 'server default') ?? emptySection('server default');
  const defaultLayers: { file: string; section: MhaSection }[] = [
    { file: input.global?.file ?? 'global', section: globalDefault },
    { file: input.app.file, section: appDefault },
  ];
  const defaults = new Layers(defaultLayers);

  // Sections MHA would refuse, and sections of the global file other than [server default] (MHA ignores those).
  for (const s of global?.sections ?? []) {
    if (s.name !== 'server default') unmapped.push({ where: `${basename(global!.file)} [${s.name}] line ${s.line}`, message: 'MHA reads only [server default] from the global file; this section is ignored' });
  }
  const serverSections: MhaSection[] = [];
  const binlogSections: MhaSection[] = [];
  for (const s of app.sections) {
    if (s.name === 'server default') continue;
    if (/^server\S+/.test(s.name)) serverSections.push(s);
    else if (/^binlog\S+/.test(s.name)) binlogSections.push(s);
    else unmapped.push({ where: `${basename(app.file)} [${s.name}] line ${s.line}`, message: 'not a section MHA knows ([server default], [serverN] or [binlogN]; MHA would refuse the file); ignored' });
  }
  // MHA's order: by the number in the name when every [server...] has one, else by name.
  const numbered = serverSections.map((s) => ({ s, n: /^server\D*(\d+)/.exec(s.name)?.[1] }));
  if (numbered.every((x) => x.n !== undefined)) numbered.sort((a, b) => Number(a.n) - Number(b.n));
  else numbered.sort((a, b) => (a.s.name < b.s.name ? -1 : 1));
  const orderedServers = numbered.map((x) => x.s);
  binlogSections.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!orderedServers.length) {
    throw new ConfigError(`${input.app.file}: no [serverN] section; expected one per MySQL server`, { hint: 'pass the MHA application config (app1.cnf), not the global defaults file' });
  }

  // Every parameter occurrence: unknown names, and section-only names in [server default].
  const allSections: { file: string; section: MhaSection }[] = [
    ...(global ? [{ file: global.file, section: globalDefault }] : []),
    ...app.sections.map((section) => ({ file: app.file, section })),
  ];
  for (const { file, section } of allSections) {
    for (const [param, p] of section.params) {
      const where = `${basename(file)} [${section.name}] line ${p.line}`;
      if (!KNOWN.has(param)) {
        unmapped.push({ where, param, message: 'not an MHA parameter (MHA 0.58 would refuse the file); ignored' });
      } else if (section.name === 'server default' && SECTION_ONLY.has(param) && param !== 'ssh_options') {
        unmapped.push({ where, param, message: 'MHA ignores it in [server default] (it applies only in a server\'s own section); ignored here too' });
      } else if (section.name.startsWith('binlog') && !BINLOG_SERVER_PARAMS.has(param)) {
        unmapped.push({ where, param, message: 'has no meaning for a binlog server; ignored' });
      }
    }
  }

  const layersOf = (s: MhaSection) => new Layers([...defaultLayers, { file: input.app.file, section: s }]);
  const servers = orderedServers.map((s) => ({ section: s, layers: layersOf(s) }));
  const per = (param: string) => servers.map((x) => ({ name: x.section.name, found: x.layers.get(param) }));

  // --- parameters without an equivalent (reported once per occurrence) ---
  for (const m of MHA_PARAMETERS) {
    if (m.mapsTo !== null) continue;
    for (const { file, section } of allSections) {
      const p = section.params.get(m.param);
      if (!p || (section.name.startsWith('binlog') && !BINLOG_SERVER_PARAMS.has(m.param))) continue;
      const extra = m.param === 'handle_raw_binlog' && !perlTrue(mhaUnquote(p.value)) ? ' (handle_raw_binlog=0 asked MHA to convert binlogs to text first; mhaflow never does)' : '';
      unmapped.push({ where: `${basename(file)} [${section.name}] line ${p.line}`, param: m.param, message: `no equivalent: ${m.note}${extra}` });
    }
  }

  // --- ssh_options: MHA applies the last one it parses to every ssh call ---
  const sshOptionFinds = allSections.flatMap(({ file, section }) => {
    const p = section.params.get('ssh_options');
    return p ? [{ value: mhaUnquote(p.value), where: `${basename(file)} [${section.name}] line ${p.line}` }] : [];
  });
  let sshOpts: SshOptions = { unmapped: [] };
  if (sshOptionFinds.length) {
    const last = sshOptionFinds[sshOptionFinds.length - 1]!;
    if (new Set(sshOptionFinds.map((f) => f.value)).size > 1) {
      notes.push({ where: sshOptionFinds.map((f) => f.where).join('; '), param: 'ssh_options', message: `differs between sections; MHA applies the last one parsed to every ssh call, and so does the import (${last.where})` });
    }
    sshOpts = parseSshOptions(last.value);
    for (const u of sshOpts.unmapped) unmapped.push({ where: last.where, param: 'ssh_options', message: `no equivalent for "${u}": mhaflow speaks SSH itself (ssh2) and does not run the ssh command` });
    if (sshOpts.strictHostKeyCheckingOff) notes.push({ where: last.where, param: 'ssh_options', message: 'StrictHostKeyChecking is off there; mhaflow always refuses a host whose key is not pinned in ssh.knownHosts' });
  }

  // --- MySQL and replication credentials ---
  const secrets: Record<string, string> = {};
  const user = clusterValue('user', per('user'), defaults, (f) => f.value, notes);
  const password = clusterValue('password', per('password'), defaults, (f) => f.value, notes, { secret: true });
  const replUser = clusterValue('repl_user', per('repl_user'), defaults, (f) => f.value, notes);
  const replPassword = clusterValue('repl_password', per('repl_password'), defaults, (f) => f.value, notes, { secret: true });
  secrets.mysql_password = password?.value ?? '';
  secrets.repl_password = replPassword?.value ?? '';
  if (!user) notes.push({ where: basename(input.app.file), param: 'user', message: 'not set; MHA then connects as root, so mysql.user is root' });
  if (!password) notes.push({ where: basename(input.app.file), param: 'password', message: 'not set; MHA then uses an empty password, so the secrets file holds mysql_password= (empty)' });
  if (!replUser) notes.push({ where: basename(input.app.file), param: 'repl_user', message: 'not set; MHA takes the user from SHOW SLAVE STATUS at run time, mhaflow needs it in the config: replication.user is set to "repl", change it to the user the replicas connect as (`mhaflow check` reports a mismatch)' });
  if (!replPassword) notes.push({ where: basename(input.app.file), param: 'repl_password', message: 'not set; the secrets file holds repl_password= (empty): put the replication user\'s password there before a failover' });

  // --- SSH ---
  const sshUser = defaults.get('ssh_user')?.value ?? sshOpts.user ?? input.managerUser;
  if (!defaults.get('ssh_user') && !sshOpts.user && servers.some((s) => !s.layers.get('ssh_user'))) {
    notes.push({ where: basename(input.app.file), param: 'ssh_user', message: `not set; MHA uses the OS user running the manager, so ssh.user is "${sshUser}"` });
  }
  const sshPortFound = defaults.get('ssh_port');
  const sshPort = sshPortFound ? positiveInt(sshPortFound, 'ssh_port', 65535) : sshOpts.port ?? 22;
  const timeoutFound = clusterValue('ssh_connection_timeout', per('ssh_connection_timeout'), defaults, (f) => positiveInt(f, 'ssh_connection_timeout'), notes);
  const sshKey = input.sshKey ?? sshOpts.key ?? resolve(input.home, '.ssh', 'id_rsa');
  if (!input.sshKey && !sshOpts.key) notes.push({ where: basename(input.app.file), message: `MHA used ssh's default identity; ssh.key is set to ${sshKey}: check it (or pass --ssh-key)` });
  const knownHosts = input.knownHosts ?? sshOpts.knownHosts ?? resolve(input.home, '.ssh', 'known_hosts');
  notes.push({ where: basename(input.app.file), message: `MHA ran ssh with StrictHostKeyChecking=no; mhaflow refuses any host whose key is not pinned in ${knownHosts}: verify each host's fingerprint and add it (ssh-keyscan -p PORT HOST)` });

  // --- workdirs ---
  const remoteWorkdir = defaults.get('remote_workdir')?.value;
  const managerWorkdir = clusterValue('manager_workdir', per('manager_workdir'), defaults, (f) => f.value, notes);

  // --- hooks, monitor, replication options ---
  const hookKeys = [
    ['master_ip_failover_script', 'masterIpFailover'], ['master_ip_online_change_script', 'masterIpOnlineChange'],
    ['shutdown_script', 'shutdown'], ['report_script', 'report'], ['secondary_check_script', 'secondaryCheck'],
  ] as const;
  const hooks: Record<string, string> = {};
  for (const [param, key] of hookKeys) {
    const v = clusterValue(param, per(param), defaults, (f) => f.value, notes);
    if (v && v.value) hooks[key] = v.value;
  }
  const monitor: Record<string, unknown> = {};
  const pingInterval = clusterValue('ping_interval', per('ping_interval'), defaults, (f) => positiveInt(f, 'ping_interval'), notes);
  if (pingInterval) monitor.pingInterval = pingInterval.value;
  const pingType = clusterValue('ping_type', per('ping_type'), defaults, (f) => f.value.toLowerCase(), notes);
  if (pingType) {
    if (!['select', 'connect', 'insert'].includes(pingType.value)) {
      throw new ConfigError(`${pingType.found.where}: ping_type=${pingType.found.value} is not valid; expected CONNECT, SELECT or INSERT`, { hint: 'correct ping_type (MHA itself would refuse it too)' });
    }
    monitor.pingType = pingType.value;
  }
  if (pingInterval) notes.push({ where: pingInterval.found.where, param: 'ping_interval', message: `MHA declares the master dead after 4 failed pings; mhaflow after monitor.failuresBeforeDead (default 3) failed pings every ${pingInterval.value}s` });

  const replication: Record<string, unknown> = {
    user: replUser?.value ?? 'repl',
    password: `file:${input.secretsRef}#repl_password`,
  };
  const checkFilter = clusterValue('check_repl_filter', per('check_repl_filter'), defaults, (f) => perlTrue(f.value), notes);
  if (checkFilter && !checkFilter.value) replication.checkFilters = false;
  const multiTier = clusterValue('multi_tier_slave', per('multi_tier_slave'), defaults, (f) => perlTrue(f.value), notes);
  if (multiTier?.value) replication.multiTier = true;
  const gtidAuto = clusterValue('use_gtid_auto_pos', per('use_gtid_auto_pos'), defaults, (f) => perlTrue(f.value), notes);
  if (gtidAuto && !gtidAuto.value) replication.useGtidAutoPosition = false;

  // --- servers ---
  const serverOut: Record<string, unknown>[] = [];
  const binlogDirOf = (f: Found | undefined, name: string): string | undefined => {
    if (!f) return undefined;
    const dirs = f.value.replace(/\s/g, '').split(',').filter(Boolean);
    if (dirs.length > 1) {
      notes.push({ where: f.where, param: 'master_binlog_dir', message: `${name}: MHA searches ${dirs.join(', ')}; mhaflow reads one directory per server and uses ${dirs[0]} (${dirs.slice(1).join(', ')} dropped): check it is where the binlogs are (\`mhaflow check\` verifies it)` });
    }
    return dirs[0];
  };
  const common = (section: MhaSection, layers: Layers, kind: 'server' | 'binlog') => {
    const hostname = layers.get('hostname');
    if (!hostname || !hostname.value) {
      throw new ConfigError(`${basename(input.app.file)} [${section.name}]: no hostname; expected hostname=<the ${kind === 'server' ? 'MySQL server' : 'binlog server'}'s name or address>`, {
        hint: `add hostname= to [${section.name}] (MHA itself refuses a server without one)`,
      });
    }
    const ip = layers.get('ip');
    const host = ip?.value || hostname.value;
    const portFound = layers.get('port');
    const port = portFound ? positiveInt(portFound, 'port', 65535) : 3306;
    const out: Record<string, unknown> = { name: sanitizeName(section.name), host, port };
    if (out.name !== section.name) notes.push({ where: `${basename(input.app.file)} [${section.name}]`, message: `server name "${section.name}" is written as "${out.name}" (letters, digits, "_", "." or "-")` });
    if (ip?.value && ip.value !== hostname.value) out.aliases = [hostname.value];
    const ssh: Record<string, unknown> = {};
    const sshHost = layers.get('ssh_ip')?.value || layers.get('ssh_host')?.value;
    if (sshHost && sshHost !== host) ssh.host = sshHost;
    const sp = layers.get('ssh_port');
    if (sp) { const n = positiveInt(sp, 'ssh_port', 65535); if (n !== sshPort) ssh.port = n; }
    const su = layers.get('ssh_user');
    if (su && su.value !== sshUser) ssh.user = su.value;
    if (Object.keys(ssh).length) out.ssh = ssh;
    const bd = binlogDirOf(layers.get('master_binlog_dir'), section.name);
    if (bd) out.binlogDir = bd;
    const rw = layers.get('remote_workdir');
    if (rw && rw.value !== remoteWorkdir) out.remoteWorkdir = rw.value;
    for (const [param, key] of [['client_bindir', 'clientBindir'], ['client_libdir', 'clientLibdir']] as const) {
      const v = layers.get(param);
      if (v?.value) out[key] = v.value;
    }
    const label = layers.get('node_label');
    if (label?.value) out.label = label.value;
    if (perlTrue(layers.get('skip_init_ssh_check')?.value)) out.skipSshCheck = true;
    return out;
  };

  for (const { section, layers } of servers) {
    const out = common(section, layers, 'server');
    if (perlTrue(layers.get('candidate_master')?.value)) out.candidateMaster = true;
    if (perlTrue(layers.get('no_master')?.value)) out.noMaster = true;
    if (perlTrue(layers.get('ignore_fail')?.value)) out.ignoreFail = true;
    const crd = layers.get('check_repl_delay');
    if (crd && !perlTrue(crd.value)) out.checkReplDelay = false;
    const lp = layers.get('latest_priority');
    if (lp && !perlTrue(lp.value)) out.latestPriority = false;
    if (perlTrue(layers.get('disable_log_bin')?.value)) out.disableLogBin = true;
    if (perlTrue(layers.get('skip_reset_slave')?.value)) out.skipResetReplica = true;
    const pid = layers.get('master_pid_file');
    if (pid?.value) out.pidFile = pid.value;
    if (out.candidateMaster && out.noMaster) notes.push({ where: `${basename(input.app.file)} [${section.name}]`, message: 'both candidate_master and no_master are set; no_master wins (the server is never promoted)' });
    serverOut.push(out);
  }
  if (!defaults.get('master_binlog_dir') && servers.some((s) => !s.layers.get('master_binlog_dir'))) {
    notes.push({ where: basename(input.app.file), param: 'master_binlog_dir', message: 'not set for every server; MHA then searches /var/lib/mysql and /var/log/mysql. Set servers[].binlogDir (`mhaflow check` shows where each server writes its binlogs)' });
  }

  const taken = new Set(serverOut.map((s) => `${s.host}:${s.port}`));
  const names = new Set(serverOut.map((s) => String(s.name)));
  for (const section of binlogSections) {
    const out = common(section, layersOf(section), 'binlog');
    out.binlogServer = true;
    const addr = `${out.host}:${out.port}`;
    if (taken.has(addr) || names.has(String(out.name))) {
      unmapped.push({ where: `${basename(input.app.file)} [${section.name}] line ${section.line}`, message: `binlog server ${addr} is the same host:port as a [serverN]; mhaflow lists each host:port once, so it is left out (that server's binlogs are read through it anyway)` });
      continue;
    }
    taken.add(addr);
    names.add(String(out.name));
    serverOut.push(out);
  }

  const ssh: Record<string, unknown> = { user: sshUser, port: sshPort, key: sshKey, knownHosts };
  const timeout = timeoutFound?.value ?? sshOpts.connectTimeout;
  if (timeout !== undefined) ssh.connectTimeout = timeout;

  const config: Record<string, unknown> = {
    cluster: sanitizeName(input.clusterName ?? basename(input.app.file, extname(input.app.file))),
    mysql: { user: user?.value || 'root', password: `file:${input.secretsRef}#mysql_password` },
    replication,
    ssh,
  };
  if (managerWorkdir || remoteWorkdir) {
    config.workdirs = {
      manager: managerWorkdir?.value ?? '/var/lib/mhaflow',
      remote: remoteWorkdir ?? '/var/tmp/mhaflow',
    };
  }
  if (Object.keys(hooks).length) config.hooks = hooks;
  if (Object.keys(monitor).length) config.monitor = monitor;
  config.servers = serverOut;
  return { config: config as ClusterConfigInput, secrets, unmapped, notes };
}

export interface ImportFilesOptions {
  appPath: string;
  outPath: string;
  /** Default /etc/masterha_default.cnf, read when present. */
  globalPath?: string;
  clusterName?: string;
  sshKey?: string;
  knownHosts?: string;
  /** Overwrite existing output files. */
  force?: boolean;
}

export interface ImportFilesResult extends MhaImportResult {
  outPath: string;
  secretsPath: string;
  globalRead: string | null;
  validated: ClusterConfig;
}

export const MHA_GLOBAL_CONFIG = '/etc/masterha_default.cnf';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? e})`, { hint: `pass the path of the ${what}` });
  }
}

/** Read the MHA files, write cluster.yml and its secrets file (0600), and validate the result as `check` will load it. */
export function importMhaFiles(opts: ImportFilesOptions): ImportFilesResult {
  const appPath = resolve(opts.appPath);
  const outPath = resolve(opts.outPath);
  const globalPath = resolve(opts.globalPath ?? MHA_GLOBAL_CONFIG);
  const secretsPath = resolve(dirname(outPath), `${basename(outPath, extname(outPath))}.secrets`);
  const global = existsSync(globalPath) ? { file: globalPath, text: readText(globalPath, 'MHA global config') } : undefined;
  if (!global && opts.globalPath) {
    throw new ConfigError(`${globalPath}: no such file`, { hint: 'pass --global with an existing file, or leave it out to use /etc/masterha_default.cnf when present' });
  }
  let managerUser = 'root';
  try { managerUser = userInfo().username; } catch { /* no passwd entry: keep root */ }
  const result = importMhaConfig({
    app: { file: appPath, text: readText(appPath, 'MHA application config') },
    global,
    clusterName: opts.clusterName,
    secretsRef: basename(secretsPath),
    sshKey: opts.sshKey ? resolve(opts.sshKey) : undefined,
    knownHosts: opts.knownHosts ? resolve(opts.knownHosts) : undefined,
    managerUser,
    home: homedir(),
  });
  // Validate before writing anything: the output must load as is.
  parseClusterConfig(result.config, outPath, dirname(outPath));
  for (const p of [outPath, secretsPath]) {
    if (existsSync(p) && !opts.force) {
      throw new ConfigError(`${p} already exists; not overwriting it`, { hint: 'choose another --out, or pass --force to overwrite' });
    }
  }
  const header = [
    `# written by \`mhaflow config import-mha\` from ${appPath}${global ? ` and ${globalPath}` : ''}`,
    `# passwords are in ${basename(secretsPath)} (mode 0600), referenced below; keep it beside this file`,
  ].join('\n');
  writeFileSync(secretsPath, formatSecretsFile(result.secrets, `secrets of cluster ${String((result.config as { cluster: string }).cluster)}, imported from ${basename(appPath)}; mode 0600`), { mode: 0o600 });
  chmodSync(secretsPath, 0o600);
  writeFileSync(outPath, `${header}\n${stringify(result.config, { lineWidth: 0 })}`);
  const validated = loadClusterConfig(outPath);
  return { ...result, outPath, secretsPath, globalRead: global ? globalPath : null, validated };
}

/** The stderr listing: every parameter with no equivalent, then the notes. */
export function formatImportMessages(r: Pick<MhaImportResult, 'unmapped' | 'notes'>): string {
  const lines: string[] = [];
  if (r.unmapped.length) {
    lines.push(`Not imported (${r.unmapped.length}):`);
    for (const u of r.unmapped) lines.push(`  - ${u.where}${u.param ? `: ${u.param}` : ''}: ${u.message}`);
  }
  if (r.notes.length) {
    lines.push(`Notes (${r.notes.length}):`);
    for (const n of r.notes) lines.push(`  - ${n.where}${n.param ? `: ${n.param}` : ''}: ${n.message}`);
  }
  return lines.join('\n');
}
