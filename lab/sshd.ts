// One lab host's sshd, bound to the host's address: key login only, host key pinned by the lab.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LabHost } from './layout';
import { labPaths, SSH_PORT } from './layout';
import { LabError, readPid, sh, shAsync, spawnDaemon, stopPid, tcpOpen, waitFor } from './system';

/**
 * A host's key outlives its resets (outside the host's directory, which every reset deletes), as a real host's does
 * across restarts; and a reset need not run ssh-keygen four times.
 */
export function hostKeyPath(h: LabHost): string {
  return resolve(labPaths().sshDir, 'host-keys', h.name, 'ssh_host_ed25519_key');
}

export function ensureHostKey(h: LabHost): void {
  mkdirSync(h.sshDir, { recursive: true });
  mkdirSync(resolve(hostKeyPath(h), '..'), { recursive: true, mode: 0o700 });
  if (!existsSync(hostKeyPath(h))) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${h.name}-host`, '-f', hostKeyPath(h)]);
}

export function writeSshdConfig(h: LabHost, authorizedKeys: string): void {
  writeFileSync(h.sshdConfig, `# written by mhaflow lab
ListenAddress ${h.address}:${SSH_PORT}
HostKey ${hostKeyPath(h)}
PidFile ${h.sshdPid}
AuthorizedKeysFile ${authorizedKeys}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
MaxStartups 200:30:400
MaxSessions 100
PrintMotd no
`);
}

export function sshdPid(h: LabHost): number | null {
  return readPid(h.sshdPid);
}

export async function startSshd(h: LabHost): Promise<void> {
  if (sshdPid(h)) return;
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  spawnDaemon('/usr/sbin/sshd', ['-f', h.sshdConfig, '-E', resolve(h.sshDir, 'sshd.log')]);
  try {
    await waitFor(`sshd on ${h.name} (${h.address}:${SSH_PORT})`, () => tcpOpen(h.address, SSH_PORT), 10_000, 50);
  } catch (e) {
    throw new LabError(`${(e as Error).message}; see ${resolve(h.sshDir, 'sshd.log')}`, { server: h.name });
  }
}

export async function stopSshd(h: LabHost): Promise<void> {
  const pid = sshdPid(h);
  if (!pid) return;
  // Its sessions first (they outlive the listener otherwise), then the listener: the host is gone.
  await shAsync('pkill', ['-9', '-P', String(pid)], { allowFail: true });
  await stopPid(pid, { signal: 'SIGKILL', pollMs: 20 });
}
