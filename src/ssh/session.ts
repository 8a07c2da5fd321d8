// SSH sessions to the managed hosts (ssh2): key auth, pinned host keys, quoted commands, SFTP.
import { readFileSync } from 'node:fs';
import { Client, type SFTPWrapper } from 'ssh2';
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { durationMs } from '../config/values';
import { ConfigError, ConnectionError, RemoteCommandError, SafetyError } from '../errors';
import { loadKnownHosts, verifyHostKey, type HostKeyVerdict } from './known-hosts';
import { shellCommand } from './quote';
import { RemoteShell } from './shell';

export interface SshTarget { name: string; host: string; port: number; user: string }

export function sshTarget(cfg: ClusterConfig, server: ServerConfig): SshTarget {
  return {
    name: server.name,
    host: server.ssh.host ?? server.host,
    port: server.ssh.port ?? cfg.ssh.port,
    user: server.ssh.user ?? cfg.ssh.user,
  };
}

export interface ExecResult { code: number; stdout: string; stderr: string }

export class SshSession {
  private sftpWrapper?: Promise<SFTPWrapper>;
  /** The long-lived shell (keepShell): being opened, open, or undefined (none yet, or it closed). */
  private shell?: Promise<RemoteShell | undefined>;
  private shellWanted = false;
  constructor(readonly target: SshTarget, readonly client: Client) {}

  /**
   * Run commands through one long-lived remote shell from now on (src/ssh/shell.ts), opened now in the
   * background: a worker's connections do, so that a step's command does not wait for the login shell's rc files.
   */
  keepShell(): void {
    this.shellWanted = true;
    void this.idleShell();
  }

  /** The long-lived shell when it is free; undefined when busy or unavailable (an exec channel serves then). */
  private async idleShell(): Promise<RemoteShell | undefined> {
    if (!this.shellWanted) return undefined;
    let current = this.shell;
    const stale = current && await current.then((s) => !s || s.closed);
    if (!this.shellWanted) return undefined; // it could not start: unsupported there
    if (!current || stale) {
      current = RemoteShell.open(this.client, { name: this.target.name, host: this.target.host }).then(
        (s) => s,
        (e: Error & { unsupported?: boolean }) => {
          if (e.unsupported) this.shellWanted = false; // that host's shell cannot serve; exec channels it is
          return undefined;
        },
      );
      this.shell = current;
    }
    const s = await current;
    return s && !s.busy && !s.closed ? s : undefined;
  }

  /** Run a command given as argv (each argument quoted) or as a prepared shell string. */
  async exec(cmd: (string | number)[] | string, opts: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<ExecResult> {
    const command = typeof cmd === 'string' ? cmd : shellCommand(cmd);
    if (opts.stdin === undefined) {
      const shell = await this.idleShell();
      // Checked again right before run: another command may have taken it since idleShell answered.
      if (shell && !shell.busy && !shell.closed) return shell.run(command, opts.timeoutMs);
    }
    return this.execChannel(command, opts);
  }

  private execChannel(command: string, opts: { stdin?: string | Buffer; timeoutMs?: number }): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(new RemoteCommandError(`ssh exec failed on ${this.target.host}: ${err.message}`, { server: this.target.name, cause: err }));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        if (opts.timeoutMs) {
          timer = setTimeout(() => {
            stream.close();
            reject(new RemoteCommandError(`remote command timed out after ${opts.timeoutMs} ms on ${this.target.host}: ${command.slice(0, 200)}`, { server: this.target.name }));
          }, opts.timeoutMs);
        }
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errOut.push(d));
        stream.on('close', (code: number | null, signal?: string) => {
          if (timer) clearTimeout(timer);
          resolve({ code: code ?? (signal ? 128 : 255), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }

  /** exec, and throw a RemoteCommandError with stderr when the exit code is not 0. */
  async run(cmd: (string | number)[] | string, opts: { stdin?: string | Buffer; timeoutMs?: number; what?: string } = {}): Promise<string> {
    const r = await this.exec(cmd, opts);
    if (r.code !== 0) {
      const what = opts.what ?? (typeof cmd === 'string' ? cmd : shellCommand(cmd)).slice(0, 200);
      throw new RemoteCommandError(`${what} exited with ${r.code} on ${this.target.host}: ${r.stderr.trim().slice(0, 500)}`, { server: this.target.name });
    }
    return r.stdout;
  }

  /**
   * Open a TCP connection from the remote host itself (an SSH direct-tcpip channel: no shell, no login
   * scripts). Resolves 'refused' when the host's connect failed, 'prohibited' when sshd forbids forwarding.
   */
  connectFromHost(host: string, port: number): Promise<{ stream: import('ssh2').ClientChannel } | { failed: 'refused' | 'prohibited' | 'other'; detail: string }> {
    return new Promise((resolve) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (!err) return resolve({ stream });
        const reason = (err as Error & { reason?: number }).reason;
        resolve({ failed: reason === 2 ? 'refused' : reason === 1 ? 'prohibited' : 'other', detail: err.message });
      });
    });
  }

  /** One SFTP channel per session, shared; opened again if it closes (a session can outlive an activity). */
  sftp(): Promise<SFTPWrapper> {
    if (!this.sftpWrapper) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        this.client.sftp((err, sftp) => {
          if (err) {
            reject(new RemoteCommandError(`sftp unavailable on ${this.target.host}: ${err.message}`, { server: this.target.name, hint: 'enable the sftp subsystem in sshd_config' }));
            return;
          }
          sftp.once('close', () => { if (this.sftpWrapper === p) this.sftpWrapper = undefined; });
          resolve(sftp);
        });
      });
      p.catch(() => { if (this.sftpWrapper === p) this.sftpWrapper = undefined; });
      this.sftpWrapper = p;
    }
    return this.sftpWrapper;
  }

  close(): void {
    this.client.end();
  }
}

export async function openSsh(cfg: ClusterConfig, server: ServerConfig, opts: { timeoutMs?: number } = {}): Promise<SshSession> {
  const target = sshTarget(cfg, server);
  let privateKey: Buffer;
  try {
    privateKey = readFileSync(cfg.ssh.key);
  } catch (e) {
    throw new ConfigError(`cannot read the SSH private key ${cfg.ssh.key} (${(e as NodeJS.ErrnoException).code})`, { hint: 'set ssh.key to a readable private key file' });
  }
  let knownHosts;
  try {
    knownHosts = loadKnownHosts(cfg.ssh.knownHosts);
  } catch (e) {
    throw new ConfigError(`cannot read the known_hosts file ${cfg.ssh.knownHosts} (${(e as NodeJS.ErrnoException).code})`, {
      hint: 'pin every host key in it, e.g. ssh-keyscan -p PORT HOST >> FILE after checking the fingerprints',
    });
  }
  let verdict: HostKeyVerdict = { ok: true };
  const client = new Client();
  return new Promise<SshSession>((resolve, reject) => {
    client.on('ready', () => resolve(new SshSession(target, client)));
    // sshd killed mid-handshake: ssh2 emits only 'close' (and its ready timer stops), so settle here.
    client.on('close', () => reject(new ConnectionError(`ssh to ${target.user}@${target.host}:${target.port}: the connection closed before the SSH handshake completed`, {
      server: target.name, hint: 'check that sshd runs on that host and is reachable',
    })));
    client.on('error', (err: Error & { level?: string }) => {
      if (!verdict.ok) {
        reject(new SafetyError(verdict.reason === 'unknown-host'
          ? `host key of ${target.host}:${target.port} is not in ${cfg.ssh.knownHosts}; refusing to connect`
          : `host key of ${target.host}:${target.port} does not match the one pinned in ${cfg.ssh.knownHosts} (possible man-in-the-middle); refusing to connect`, {
          server: target.name,
          hint: 'verify the host key fingerprint out of band and update the known_hosts file',
        }));
        return;
      }
      reject(new ConnectionError(`cannot ssh to ${target.user}@${target.host}:${target.port}: ${err.message}`, {
        server: target.name,
        hint: err.level === 'client-authentication' ? `authorize the key ${cfg.ssh.key} for ${target.user} on that host` : 'check that sshd runs on that host and is reachable',
        cause: err,
      }));
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey,
      readyTimeout: opts.timeoutMs ?? durationMs(cfg.ssh.connectTimeout),
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        verdict = verifyHostKey(knownHosts, target.host, target.port, key);
        return verdict.ok;
      },
    });
    // No Nagle: every SFTP request and channel message is small, and waits for the answer to the last one;
    // with Nagle each costs the peer's 40 ms delayed ACK (measured: 44 ms per SFTP stat, 0.5 ms without).
    client.setNoDelay(true);
  });
}

export async function withSsh<T>(cfg: ClusterConfig, server: ServerConfig, fn: (s: SshSession) => Promise<T>): Promise<T> {
  const s = await openSsh(cfg, server);
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}
