// MHA's SSH parameters -> the config's `ssh` section: ssh_user, ssh_port, ssh_connection_timeout, and
// what mhaflow can take from ssh_options (MHA hands those to the ssh command; mhaflow speaks SSH itself).
import { basename, resolve } from 'node:path';
import type { ClusterConfigInput } from '../schema';
import { mhaUnquote } from './ini';
import { clusterValue, positiveInt, type ImportMessages, type MhaSources } from './sources';

/** ssh_options split the way MHA hands them to ssh (quotes removed, whitespace separated). */
export interface SshOptions {
  key?: string;
  knownHosts?: string;
  port?: number;
  user?: string;
  connectTimeout?: number;
  strictHostKeyCheckingOff?: boolean;
  unmapped: string[];
  /** The words themselves, as MHA hands them to ssh (the import hands them to `ssh -G`). */
  words?: string[];
}

export function parseSshOptions(options: string): SshOptions {
  const words = options.replace(/['"]/g, '').split(/\s+/).filter(Boolean);
  const out: SshOptions = { unmapped: [], words };
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

/** The ssh_options MHA applies to every ssh call: the last one it parses, in any section. */
export function effectiveSshOptions(src: MhaSources, msgs: ImportMessages): SshOptions {
  const finds = src.sections.flatMap(({ file, section }) => {
    const p = section.params.get('ssh_options');
    return p ? [{ value: mhaUnquote(p.value), where: `${basename(file)} [${section.name}] line ${p.line}` }] : [];
  });
  const last = finds[finds.length - 1];
  if (!last) return { unmapped: [] };
  if (new Set(finds.map((f) => f.value)).size > 1) {
    msgs.notes.push({
      where: finds.map((f) => f.where).join('; '), param: 'ssh_options',
      message: `differs between sections; MHA applies the last one parsed to every ssh call, and so does the import (${last.where})`,
    });
  }
  const opts = parseSshOptions(last.value);
  for (const u of opts.unmapped) {
    msgs.unmapped.push({
      where: last.where, param: 'ssh_options', message: `no equivalent for "${u}": mhaflow speaks SSH itself (ssh2) and does not run the ssh command`,
    });
  }
  if (opts.strictHostKeyCheckingOff) {
    msgs.notes.push({
      where: last.where, param: 'ssh_options',
      message: 'StrictHostKeyChecking is off there; mhaflow always refuses a host whose key is not pinned in ssh.knownHosts',
    });
  }
  return opts;
}

export interface SshDefaults {
  /** --ssh-key / --known-hosts of the command, over ssh_options. */
  sshKey?: string;
  knownHosts?: string;
  /** MHA's default ssh_user: the OS user running the manager; its home holds ssh's default files. */
  managerUser: string;
  home: string;
  /** ssh's own configuration is read for each host (ssh-config.ts): no guessed identity to warn about. */
  resolvesSsh?: boolean;
}

export type SshSection = NonNullable<ClusterConfigInput['ssh']>;

/** The cluster's `ssh`: [server default] values over ssh_options over MHA's defaults. Servers that differ override it. */
export function sshSection(src: MhaSources, msgs: ImportMessages, opts: SshOptions, d: SshDefaults): SshSection {
  const app = basename(src.appFile);
  const user = src.defaults.get('ssh_user')?.value ?? opts.user ?? d.managerUser;
  if (!src.defaults.get('ssh_user') && !opts.user && src.servers.some((s) => !s.layers.get('ssh_user'))) {
    msgs.notes.push({ where: app, param: 'ssh_user', message: `not set; MHA uses the OS user running the manager, so ssh.user is "${user}"` });
  }
  const portFound = src.defaults.get('ssh_port');
  const port = portFound ? positiveInt(portFound, 'ssh_port', 65535) : opts.port ?? 22;
  const timeout = clusterValue(src, msgs, 'ssh_connection_timeout', (f) => positiveInt(f, 'ssh_connection_timeout'));
  const key = d.sshKey ?? opts.key ?? resolve(d.home, '.ssh', 'id_rsa');
  if (!d.sshKey && !opts.key && !d.resolvesSsh) {
    msgs.notes.push({ where: app, message: `MHA used ssh's default identity; ssh.key is set to ${key}: check it (or pass --ssh-key)` });
  }
  const knownHosts = d.knownHosts ?? opts.knownHosts ?? resolve(d.home, '.ssh', 'known_hosts');
  msgs.notes.push({
    where: app,
    message: `MHA ran ssh with StrictHostKeyChecking=no; mhaflow refuses any host whose key is not pinned in ${knownHosts}: ` +
      'verify each host\'s fingerprint and add it (`mhaflow config import-mha --scan-host-keys` fetches them and prints the fingerprints)',
  });
  const connectTimeout = timeout?.value ?? opts.connectTimeout;
  return { user, port, key, knownHosts, ...(connectTimeout !== undefined ? { connectTimeout } : {}) };
}
