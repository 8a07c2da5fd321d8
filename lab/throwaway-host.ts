// A throwaway host for the benchmark (bench/binlog-scan.ts): one sshd on 127.0.0.93 (never the lab's
// addresses) on a free port unless told otherwise, in a temp dir, killed and removed by stop(). Free ports
// let two runs (two sessions) work side by side.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ssh2';
import { SshSession } from '../src/ssh/session';
import { LabError, waitFor } from './system';

export const HOST_IP = '127.0.0.93';

/** A port nobody listens on right now at `ip` (the kernel picks it). */
export function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function throwawayUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (sshd as root, mariadbd --user=root)';
  for (const bin of ['/usr/sbin/sshd', '/usr/sbin/mariadbd', 'mariadb-install-db', 'mariadb', 'mariadb-binlog', 'ssh-keygen']) {
    const r = bin.startsWith('/') ? spawnSync(bin, ['-V'], { stdio: 'ignore' }) : spawnSync('which', [bin], { stdio: 'ignore' });
    if (r.error || (!bin.startsWith('/') && r.status !== 0)) return `${bin} is missing`;
  }
  return undefined;
}

export interface ThrowawayOptions {
  ip?: string;
  sshPort?: number;
}

export interface ThrowawayHost {
  /** Holds host_key(.pub), client_key(.pub) and sshd's files; removed by stop(). */
  dir: string;
  ip: string;
  sshPort: number;
  session: SshSession;
  stop(): Promise<void>;
}

export async function startThrowawayHost(opts: ThrowawayOptions = {}): Promise<ThrowawayHost> {
  const ip = opts.ip ?? HOST_IP;
  const sshPort = opts.sshPort ?? await freePort(ip);
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-ship-test-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
    writeFileSync(join(dir, 'sshd_config'), [
      `ListenAddress ${ip}:${sshPort}`, `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
      'StrictModes no', 'Subsystem sftp internal-sftp', `PidFile ${join(dir, 'sshd.pid')}`, '',
    ].join('\n'));
    const sshdLog: string[] = [];
    const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr!.on('data', (d: Buffer) => sshdLog.push(d.toString()));
    children.push(sshd);

    const client = new Client();
    const connect = (): Promise<void> => new Promise((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.connect({ host: ip, port: sshPort, username: 'root', privateKey: readFileSync(join(dir, 'client_key')), readyTimeout: 5000 });
    });
    let lastErr: unknown;
    for (let i = 0; i < 50; i++) {
      try { await connect(); lastErr = undefined; break; } catch (e) { lastErr = e; client.removeAllListeners(); await sleep(100); }
      if (sshd.exitCode !== null) throw new Error(`sshd exited: ${sshdLog.join('')}`);
    }
    if (lastErr) throw lastErr;
    const session = new SshSession({ name: 'throwaway', host: ip, port: sshPort, user: 'root' }, client);
    return {
      dir, ip, sshPort, session,
      stop: async () => { session.close(); await stop(); },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
