// What MHA's ssh would have used for each host: MHA runs the system's ssh as `ssh OPTIONS -p PORT USER@HOST`
// (its ssh_options, ssh_port and ssh_user), so ssh's own configuration (~/.ssh/config, /etc/ssh/ssh_config)
// decides the rest: the real address (HostName), the identity files (IdentityFile, else ssh's defaults) and
// the known_hosts files (UserKnownHostsFile). `ssh -G` prints that effective configuration; the import asks
// it for each host instead of guessing ~/.ssh/id_rsa. mhaflow speaks SSH itself (ssh2) with one key and one
// known_hosts file per cluster, so the import takes what the hosts share and says where one differs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ClusterConfigInput } from '../schema';
import type { ImportMessages } from './sources';

/** One host as `ssh -G` resolves it (paths with ~ and %-tokens expanded). */
export interface ResolvedSsh { hostname: string; user: string; port: number; identityFiles: string[]; knownHostsFiles: string[] }

/** Resolve a host as ssh would for `ssh -p PORT USER@HOST`, or say why ssh cannot (no ssh client, a bad config). */
export type SshResolver = (host: string, user: string, port: number) => ResolvedSsh | { error: string };

/** Expand what ssh expands in IdentityFile and UserKnownHostsFile: ~, %d, %u, %r, %h, %p, %%. */
export function expandSshPath(path: string, ctx: { home: string; localUser: string; remoteUser: string; host: string; port: number }): string {
  const p = path.replace(/^~(?=\/|$)/, ctx.home);
  return p.replace(/%([%durhp])/g, (_m, t: string) => ({ '%': '%', d: ctx.home, u: ctx.localUser, r: ctx.remoteUser, h: ctx.host, p: String(ctx.port) })[t]!);
}

/** `ssh -G` output -> the fields the import uses. */
export function parseSshG(text: string, ctx: { home: string; localUser: string }): ResolvedSsh {
  const values = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m) values.set(m[1]!.toLowerCase(), [...(values.get(m[1]!.toLowerCase()) ?? []), m[2]!]);
  }
  const one = (k: string) => values.get(k)?.[0];
  const hostname = one('hostname') ?? '';
  const user = one('user') ?? ctx.localUser;
  const port = Number(one('port') ?? 22);
  const x = (p: string) => expandSshPath(p, { ...ctx, remoteUser: user, host: hostname, port });
  return {
    hostname, user, port,
    identityFiles: (values.get('identityfile') ?? []).map(x),
    knownHostsFiles: (values.get('userknownhostsfile') ?? []).flatMap((v) => v.split(/\s+/)).filter((p) => p && p !== 'none').map(x),
  };
}

/** A resolver that runs `ssh -G` (with -F when given, and MHA's ssh_options words, as MHA passes them). */
export function sshGResolver(opts: { sshConfig?: string; sshOptions?: string[]; home: string; localUser: string }): SshResolver {
  return (host, user, port) => {
    const args = [...(opts.sshConfig ? ['-F', opts.sshConfig] : []), ...(opts.sshOptions ?? []), '-G', '-p', String(port), '-l', user, host];
    const r = spawnSync('ssh', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return { error: `cannot run ssh -G (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
    if (r.status !== 0) return { error: `ssh -G ${host} failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${r.status}`}` };
    return parseSshG(r.stdout, opts);
  };
}

/** The value most hosts have (ties: the first seen), and the hosts that differ from it. */
function common<T>(byHost: [string, T][]): { value: T; others: [string, T][] } | null {
  if (!byHost.length) return null;
  const counts = new Map<T, number>();
  for (const [, v] of byHost) counts.set(v, (counts.get(v) ?? 0) + 1);
  const value = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return { value, others: byHost.filter(([, v]) => v !== value) };
}

export interface ResolveOptions {
  /** The command's --ssh-key / --known-hosts: they win over what ssh would use. */
  sshKey?: string;
  knownHosts?: string;
  exists?: (path: string) => boolean;
  /** Where the messages point at (the MHA application config's name). */
  where: string;
}

/**
 * Resolve every server's SSH endpoint as MHA's ssh would and write the result into the config: the cluster's
 * key (the first identity file that exists on each host's list; the one most hosts share), its known_hosts
 * file (each host's first UserKnownHostsFile; the most shared), and a server's ssh.host where ssh's HostName
 * differs from the name MHA used (mhaflow does not read ~/.ssh/config). Returns false when ssh could not resolve.
 */
export function applySshResolution(config: ClusterConfigInput, resolve: SshResolver, o: ResolveOptions, msgs: ImportMessages): boolean {
  const exists = o.exists ?? existsSync;
  const ssh = config.ssh!;
  const keys: [string, string][] = [];
  const knowns: [string, string][] = [];
  for (const s of config.servers) {
    const host = s.ssh?.host ?? s.host;
    const user = s.ssh?.user ?? ssh.user ?? 'root';
    const port = s.ssh?.port ?? ssh.port ?? 22;
    const r = resolve(host, user, port);
    if ('error' in r) {
      msgs.notes.push({ where: o.where, message: `${r.error}: ssh's own configuration could not be read for ${s.name}; ssh.key and ssh.knownHosts are ssh's defaults: check them` });
      return false;
    }
    if (r.hostname && r.hostname !== host) {
      s.ssh = { ...s.ssh, host: r.hostname };
      msgs.notes.push({ where: o.where, message: `${s.name}: ssh reaches ${host} at ${r.hostname} (HostName in ssh's config); ssh.host is ${r.hostname}` });
    }
    const key = r.identityFiles.find((f) => exists(f));
    if (key) keys.push([s.name, key]);
    else msgs.notes.push({ where: o.where, message: `${s.name}: none of ssh's identity files exists (${r.identityFiles.join(', ') || 'none'}); pass --ssh-key` });
    if (r.knownHostsFiles[0]) knowns.push([s.name, r.knownHostsFiles[0]]);
  }
  const key = common(keys);
  if (o.sshKey) ssh.key = o.sshKey;
  else if (key) {
    ssh.key = key.value;
    msgs.notes.push({ where: o.where, message: `ssh.key is ${key.value}: the identity MHA's ssh used for ${keys.length - key.others.length} of ${config.servers.length} host(s) (from ssh -G)` });
    for (const [name, k] of key.others) {
      msgs.notes.push({ where: o.where, message: `${name}: ssh uses ${k} for this host; mhaflow uses one key per cluster (${key.value}): authorize it on ${name}` });
    }
  }
  const known = common(knowns);
  if (o.knownHosts) ssh.knownHosts = o.knownHosts;
  else if (known) {
    ssh.knownHosts = known.value;
    for (const [name, k] of known.others) {
      msgs.notes.push({ where: o.where, message: `${name}: ssh pins its key in ${k}; mhaflow reads one known_hosts file per cluster (${known.value}): pin it there too` });
    }
  }
  return true;
}
