// `mhaflow config import-mha`: turn an MHA application config (app1.cnf, with /etc/masterha_default.cnf
// underneath) into a cluster config. Every parameter MHA 0.58 reads is either mapped or reported with a
// reason; nothing is dropped silently. Passwords go to a secrets file (mode 0600) the config references.
//
// The layering follows MHA: global [server default] < application [server default] < [serverN]/[binlogN].
// A few parameters MHA reads only from the server's own section (candidate_master, no_master, ignore_fail,
// skip_init_ssh_check, hostname, ip, ssh_host, ssh_ip, node_label); in [server default] MHA ignores them.
// Each section of the config comes from its own typed piece (sources, audit, cluster, ssh, servers); the
// composed config is validated by the schema before anything is written.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, extname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../../errors';
import { loadClusterConfig, parseClusterConfig } from '../load';
import type { ClusterConfig, ClusterConfigInput } from '../schema';
import { formatSecretsFile } from '../secrets';
import { listUnimported } from './audit';
import { accounts, hooks, monitor, replicationOptions, workdirs } from './cluster';
import { serverEntries, sanitizeName } from './servers';
import { readMhaSources, type ImportMessages, type MhaFiles } from './sources';
import { effectiveSshOptions, sshSection, type SshDefaults } from './ssh';
import { applySshResolution, sshGResolver, type SshResolver } from './ssh-config';

export type { ImportMessage } from './sources';

export interface MhaImportInput extends MhaFiles, SshDefaults {
  clusterName?: string;
  /** How the config names the secrets file (relative to the config's directory, or absolute). */
  secretsRef: string;
  /** Resolve each host as MHA's ssh would (given MHA's ssh_options words); without it, ssh's defaults are assumed. */
  sshResolver?: (sshOptions: string[]) => SshResolver;
}

export interface MhaImportResult extends ImportMessages {
  config: ClusterConfigInput;
  secrets: Record<string, string>;
}

export function importMhaConfig(input: MhaImportInput): MhaImportResult {
  const msgs: ImportMessages = { unmapped: [], notes: [] };
  const src = readMhaSources(input, msgs);
  listUnimported(src, msgs);
  const sshOpts = effectiveSshOptions(src, msgs);
  const acc = accounts(src, msgs, input.secretsRef);
  const ssh = sshSection(src, msgs, sshOpts, { ...input, resolvesSsh: Boolean(input.sshResolver) });
  const dirs = workdirs(src, msgs);
  const hookScripts = hooks(src, msgs);
  const watch = monitor(src, msgs);
  const config: ClusterConfigInput = {
    cluster: sanitizeName(input.clusterName ?? basename(input.app.file, extname(input.app.file))),
    mysql: acc.mysql,
    replication: { ...acc.replication, ...replicationOptions(src, msgs) },
    ssh,
    ...(dirs ? { workdirs: dirs } : {}),
    ...(hookScripts ? { hooks: hookScripts } : {}),
    ...(watch ? { monitor: watch } : {}),
    servers: serverEntries(src, msgs, ssh),
  };
  if (input.sshResolver) {
    const resolved = applySshResolution(config, input.sshResolver(sshOpts.words ?? []), { sshKey: input.sshKey, knownHosts: input.knownHosts, where: basename(input.app.file) }, msgs);
    if (!resolved && !input.sshKey && !sshOpts.key) {
      msgs.notes.push({ where: basename(input.app.file), message: `MHA used ssh's default identity; ssh.key is set to ${ssh.key}: check it (or pass --ssh-key)` });
    }
  }
  // The schema has the last word: what it refuses is not written (the file is also loaded back after writing).
  parseClusterConfig(config, `the config imported from ${basename(input.app.file)}`, dirname(input.app.file));
  return { config, secrets: acc.secrets, ...msgs };
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
  /** ssh's configuration file for `ssh -G` (-F); default ssh's own (~/.ssh/config, /etc/ssh/ssh_config). */
  sshConfig?: string;
  /** false: do not ask ssh (assume its defaults). */
  resolveSsh?: boolean;
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
    throw new ConfigError(`${globalPath}: no such file`, {
      hint: 'pass --global with an existing file, or leave it out to use /etc/masterha_default.cnf when present',
    });
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
    ...(opts.resolveSsh === false ? {} : {
      sshResolver: (sshOptions: string[]) => sshGResolver({ sshConfig: opts.sshConfig ? resolve(opts.sshConfig) : undefined, sshOptions, home: homedir(), localUser: managerUser }),
    }),
  });
  for (const p of [outPath, secretsPath]) {
    if (existsSync(p) && !opts.force) {
      throw new ConfigError(`${p} already exists; not overwriting it`, { hint: 'choose another --out, or pass --force to overwrite' });
    }
  }
  const header = [
    `# written by \`mhaflow config import-mha\` from ${appPath}${global ? ` and ${globalPath}` : ''}`,
    `# passwords are in ${basename(secretsPath)} (mode 0600), referenced below; keep it beside this file`,
  ].join('\n');
  const secretsHeader = `secrets of cluster ${result.config.cluster}, imported from ${basename(appPath)}; mode 0600`;
  writeFileSync(secretsPath, formatSecretsFile(result.secrets, secretsHeader), { mode: 0o600 });
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
