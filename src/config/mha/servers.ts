// MHA's [serverN] and [binlogN] sections -> the config's servers: the address, SSH and directories every
// host has, the promotion flags of a MySQL server, and binlog servers (each host:port once).
import { basename } from 'node:path';
import { ConfigError } from '../../errors';
import type { ServerConfigInput } from '../schema';
import { perlTrue } from './ini';
import { noteUnread } from './cluster';
import type { SshSection } from './ssh';
import { positiveInt, type Found, type ImportMessages, type MhaSources, type SectionLayers } from './sources';

/** A name the schema accepts (letters, digits, "_", "." or "-"), from an MHA section or file name. */
export function sanitizeName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return n || 'server';
}

/** master_binlog_dir: MHA searches a comma-separated list; mhaflow reads one directory (the first). */
function binlogDirOf(f: Found | undefined, name: string, msgs: ImportMessages): string | undefined {
  if (!f) return undefined;
  const dirs = f.value.replace(/\s/g, '').split(',').filter(Boolean);
  if (dirs.length > 1) {
    msgs.notes.push({
      where: f.where, param: 'master_binlog_dir',
      message: `${name}: MHA searches ${dirs.join(', ')}; mhaflow reads one directory per server and uses ${dirs[0]} (${dirs.slice(1).join(', ')} dropped): ` +
        'check it is where the binlogs are (`mhaflow check` verifies it)',
    });
  }
  return dirs[0];
}

/** What every host has, MySQL or binlog server: address, SSH (where it differs from the cluster's), directories, label. */
function hostEntry(src: MhaSources, msgs: ImportMessages, { section, layers }: SectionLayers, kind: 'server' | 'binlog', ssh: SshSection): ServerConfigInput {
  const app = basename(src.appFile);
  const hostname = layers.get('hostname');
  if (!hostname || !hostname.value) {
    const what = kind === 'server' ? 'MySQL server' : 'binlog server';
    throw new ConfigError(`${app} [${section.name}]: no hostname; expected hostname=<the ${what}'s name or address>`, {
      hint: `add hostname= to [${section.name}] (MHA itself refuses a server without one)`,
    });
  }
  const ip = layers.get('ip');
  const host = ip?.value || hostname.value;
  const portFound = layers.get('port');
  const out: ServerConfigInput = { name: sanitizeName(section.name), host, port: portFound ? positiveInt(portFound, 'port', 65535) : 3306 };
  if (out.name !== section.name) {
    msgs.notes.push({
      where: `${app} [${section.name}]`, message: `server name "${section.name}" is written as "${out.name}" (letters, digits, "_", "." or "-")`,
    });
  }
  if (ip?.value && ip.value !== hostname.value) out.aliases = [hostname.value];
  const sshOut: NonNullable<ServerConfigInput['ssh']> = {};
  const sshHost = layers.get('ssh_ip')?.value || layers.get('ssh_host')?.value;
  if (sshHost && sshHost !== host) sshOut.host = sshHost;
  const sp = layers.get('ssh_port');
  if (sp) {
    const n = positiveInt(sp, 'ssh_port', 65535);
    if (n !== ssh.port) sshOut.port = n;
  }
  const su = layers.get('ssh_user');
  if (su && su.value !== ssh.user) sshOut.user = su.value;
  if (Object.keys(sshOut).length) out.ssh = sshOut;
  const bd = binlogDirOf(layers.get('master_binlog_dir'), section.name, msgs);
  if (bd) out.binlogDir = bd;
  const rw = layers.get('remote_workdir');
  if (rw && rw.value !== src.defaults.get('remote_workdir')?.value) out.remoteWorkdir = rw.value;
  const bindir = layers.get('client_bindir');
  if (bindir?.value) out.clientBindir = bindir.value;
  const libdir = layers.get('client_libdir');
  if (libdir?.value) {
    out.clientLibdir = libdir.value;
    noteUnread(msgs, libdir, 'client_libdir', 'servers[].clientLibdir');
  }
  const label = layers.get('node_label');
  if (label?.value) out.label = label.value;
  if (perlTrue(layers.get('skip_init_ssh_check')?.value)) out.skipSshCheck = true;
  return out;
}

/** A [serverN]: a host, plus whether and how it may be promoted and how diffs are applied to it. */
function serverEntry(src: MhaSources, msgs: ImportMessages, s: SectionLayers, ssh: SshSection): ServerConfigInput {
  const { section, layers } = s;
  const out = hostEntry(src, msgs, s, 'server', ssh);
  const flag = (param: string) => perlTrue(layers.get(param)?.value);
  if (flag('candidate_master')) out.candidateMaster = true;
  if (flag('no_master')) out.noMaster = true;
  if (flag('ignore_fail')) out.ignoreFail = true;
  const crd = layers.get('check_repl_delay');
  if (crd && !perlTrue(crd.value)) out.checkReplDelay = false;
  const lp = layers.get('latest_priority');
  if (lp && !perlTrue(lp.value)) out.latestPriority = false;
  if (flag('disable_log_bin')) {
    out.disableLogBin = true;
    noteUnread(msgs, layers.get('disable_log_bin')!, 'disable_log_bin', 'servers[].disableLogBin');
  }
  if (flag('skip_reset_slave')) out.skipResetReplica = true;
  const pid = layers.get('master_pid_file');
  if (pid?.value) out.pidFile = pid.value;
  if (out.candidateMaster && out.noMaster) {
    msgs.notes.push({
      where: `${basename(src.appFile)} [${section.name}]`,
      message: 'both candidate_master and no_master are set; no_master wins (the server is never promoted)',
    });
  }
  return out;
}

/** Every [serverN] in MHA's order, then every [binlogN] whose host:port and name are not taken. */
export function serverEntries(src: MhaSources, msgs: ImportMessages, ssh: SshSection): ServerConfigInput[] {
  const servers = src.servers.map((s) => serverEntry(src, msgs, s, ssh));
  if (!src.defaults.get('master_binlog_dir') && src.servers.some((s) => !s.layers.get('master_binlog_dir'))) {
    msgs.notes.push({
      where: basename(src.appFile), param: 'master_binlog_dir',
      message: 'not set for every server; MHA then searches /var/lib/mysql and /var/log/mysql. ' +
        'Set servers[].binlogDir (`mhaflow check` shows where each server writes its binlogs)',
    });
  }
  const taken = new Set(servers.map((s) => `${s.host}:${s.port}`));
  const names = new Set(servers.map((s) => s.name));
  for (const s of src.binlogs) {
    const out = { ...hostEntry(src, msgs, s, 'binlog', ssh), binlogServer: true };
    const addr = `${out.host}:${out.port}`;
    if (taken.has(addr) || names.has(out.name)) {
      msgs.unmapped.push({
        where: `${basename(src.appFile)} [${s.section.name}] line ${s.section.line}`,
        message: `binlog server ${addr} is the same host:port as a [serverN]; mhaflow lists each host:port once, so it is left out ` +
          '(that server\'s binlogs are read through it anyway)',
      });
      continue;
    }
    taken.add(addr);
    names.add(out.name);
    servers.push(out);
  }
  return servers;
}
