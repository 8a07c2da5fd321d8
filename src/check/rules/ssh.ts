// Rule: every host over SSH (MHA masterha_check_ssh and more): reachable with a pinned key, the binlog
// tool, the binlog directory and files, a writable remote workdir with room, SFTP.
import type { SshFailureKind, SshHostCheck } from '../../ssh/check';
import type { CheckContext } from '../context';
import { problem, warning } from '../finding';
import type { CheckCode, CheckFinding } from '../types';

/** Below this, the remote workdir cannot hold even a small diff. */
export const MIN_WORKDIR_FREE_BYTES = 16 * 1024 * 1024;

const FAILURE_CODES: Record<SshFailureKind, CheckCode> = {
  'host-key': 'ssh-host-key', auth: 'ssh-auth', config: 'ssh-config', command: 'ssh-command', unreachable: 'ssh-unreachable',
};

const mib = (bytes: number) => Math.floor(bytes / 1048576);

/** What one reachable host lacks. */
function hostFindings(ctx: CheckContext, h: SshHostCheck): CheckFinding[] {
  const found: CheckFinding[] = [];
  const clientBindir = ctx.cfgOf(h.name)?.clientBindir;
  const sshUser = h.target.split('@')[0];
  if (h.binlogTool === null) {
    found.push(problem('binlog-tool-missing', h.name,
      `neither mariadb-binlog nor mysqlbinlog is on ${h.name}${clientBindir ? ` (looked in ${clientBindir} and PATH)` : ''}`,
      `install the client tools on ${h.name} (Debian: mariadb-client or mysql-client), or set clientBindir for ${h.name}`));
  }
  const bd = h.binlogDir;
  if (bd && !bd.readable) {
    found.push(problem('binlog-dir-unreadable', h.name, `the binlog directory ${bd.dir} on ${h.name} does not exist or is not readable by ${sshUser}`,
      `set binlogDir for ${h.name} to the directory of its binlogs, and let the SSH user read it`));
  } else if (bd && bd.missing.length) {
    const named = [...bd.missing.slice(0, 5), ...(bd.missing.length > 5 ? ['...'] : [])].join(', ');
    found.push(problem('binlog-files-missing', h.name, `${bd.dir} on ${h.name} lacks ${bd.missing.length} binlog file(s) the server reports: ${named}`,
      `set binlogDir for ${h.name} to where its binlogs really are (see log_bin_basename), and let the SSH user read them`));
  } else if (bd?.badMagic) {
    found.push(problem('binlog-files-missing', h.name, `${bd.dir}/${bd.badMagic} on ${h.name} is not a binary log (bad magic bytes)`,
      `check binlogDir for ${h.name}`));
  }
  const w = h.workdir;
  const maxDelayBytes = ctx.config.failover.maxDelayBytes;
  if (w && !w.writable) {
    found.push(problem('workdir-not-writable', h.name, `the remote workdir ${w.dir} on ${h.name} cannot be created or written by ${sshUser}`,
      `create ${w.dir} on ${h.name} writable by the SSH user, or set remoteWorkdir for ${h.name} (workdirs.remote for all)`));
  } else if (w && w.freeBytes !== null && w.freeBytes < MIN_WORKDIR_FREE_BYTES) {
    found.push(problem('workdir-no-space', h.name, `only ${Math.floor(w.freeBytes / 1024)} KiB free under ${w.dir} on ${h.name}`,
      `free space there, or set remoteWorkdir for ${h.name} to a filesystem with room`));
  } else if (w && w.freeBytes !== null && w.freeBytes < maxDelayBytes) {
    found.push(warning('workdir-low-space', h.name,
      `${mib(w.freeBytes)} MiB free under ${w.dir} on ${h.name}, less than failover.maxDelayBytes (${mib(maxDelayBytes)} MiB) of diffs it may receive`,
      `free space there, or set remoteWorkdir for ${h.name} to a larger filesystem`));
  }
  if (h.sftp === false) {
    found.push(problem('sftp-unavailable', h.name, `the SFTP subsystem is not available on ${h.name}: binlog bytes are read over SFTP`,
      `enable it in ${h.name}'s sshd_config (Subsystem sftp internal-sftp) and reload sshd`));
  }
  return found;
}

export function sshHosts(ctx: CheckContext): CheckFinding[] {
  if (!ctx.ssh) {
    return [warning('ssh-not-checked', null, 'the SSH check was skipped: binlog directories, mysqlbinlog and the remote workdirs were not verified',
      'run the check without --no-ssh')];
  }
  return ctx.ssh.flatMap((h): CheckFinding[] => {
    if (h.status === 'skipped') return [];
    if (h.status === 'failed' && h.failure) {
      const f = h.failure;
      const what = `SSH to ${h.name} (${h.target}): ${f.message}`;
      const fix = f.hint ?? 'check sshd on that host and the ssh settings in the config';
      // An ignoreFail host that cannot be reached is left behind by a failover, as over SQL.
      if (ctx.cfgOf(h.name)?.ignoreFail && f.kind === 'unreachable') return [warning('ssh-unreachable', h.name, `${what} (ignoreFail is set)`, fix)];
      return [problem(FAILURE_CODES[f.kind] ?? 'ssh-unreachable', h.name, what, fix)];
    }
    return hostFindings(ctx, h);
  });
}
