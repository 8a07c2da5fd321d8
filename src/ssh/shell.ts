// A long-lived remote shell on one SSH connection. sshd runs every exec channel's command through the
// user's login shell, and bash then reads ~/.bashrc (it does so for any command sshd starts): on the lab
// (pyenv there) that cost 0.15-0.5 s before each command ran, and a failover's applies run one each. A
// worker's connection keeps one POSIX sh open instead, started once, and runs each command in a child
// `sh -c` of it (a syntax error or an `exit` stays in the child), with stdin from /dev/null (it never reads
// the shell's own input), stdout and stderr into files of a private temporary directory; then the shell
// prints a header (a nonce, the exit code, both sizes) and the two files' bytes. The nonce makes the
// header unmistakable and anything before the shell's first header (a noisy rc file) is skipped.
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { RemoteCommandError } from '../errors';
import { shellQuote } from './quote';

export interface ShellResult { code: number; stdout: string; stderr: string }

/**
 * The shell's start: a private directory for the outputs (mktemp -d makes it 0700; the umask stays the login
 * shell's, which the commands inherit), removed when the shell ends (EOF, HUP or TERM).
 */
export function shellPrologue(nonce: string): string {
  return [
    // As a command's under the login shell: `exec` lowered SHLVL, and a bash the command starts would count
    // as top level again and read ~/.bashrc once more (sshd's SSH_CLIENT is set).
    'SHLVL=1; export SHLVL',
    'T=$(mktemp -d 2>/dev/null) || exit 97',
    `trap 'rm -rf "$T"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 143' TERM`,
    `printf '%s READY\\n' ${nonce}`,
    '',
  ].join('\n');
}

/** One command's framing: run it in a child shell, then the header and its outputs. */
export function shellRequest(nonce: string, command: string): string {
  return `sh -c ${shellQuote(command)} </dev/null >"$T/o" 2>"$T/e"; c=$?; `
    + `printf '%s %s %s %s\\n' ${nonce} "$c" "$(wc -c <"$T/o")" "$(wc -c <"$T/e")"; cat "$T/o" "$T/e"\n`;
}

/**
 * A header with its outputs, read from the front of `buf`: undefined while the header is incomplete, `need` (the
 * bytes the whole reply takes) while its outputs are. Throws on a malformed header.
 */
export function parseShellReply(buf: Buffer, nonce: string): { result: ShellResult; rest: Buffer } | { need: number } | undefined {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) {
    if (buf.length > nonce.length + 64) throw new Error(`unexpected output from the remote shell: ${buf.subarray(0, 80).toString('utf8')}`);
    return undefined;
  }
  const m = new RegExp(`^${nonce} (\\d+) +(\\d+) +(\\d+)$`).exec(buf.subarray(0, nl).toString('latin1').trim());
  if (!m) throw new Error(`unexpected output from the remote shell: ${buf.subarray(0, Math.min(nl, 80)).toString('utf8')}`);
  const [out, err] = [Number(m[2]), Number(m[3])];
  const end = nl + 1 + out + err;
  if (buf.length < end) return { need: end };
  return {
    result: {
      code: Number(m[1]),
      stdout: buf.subarray(nl + 1, nl + 1 + out).toString('utf8'),
      stderr: buf.subarray(nl + 1 + out, end).toString('utf8'),
    },
    rest: Buffer.from(buf.subarray(end)),
  };
}

interface Pending { resolve: (r: ShellResult) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }

export class RemoteShell {
  private buf: Buffer = Buffer.alloc(0);
  /** Output received after `buf`, joined to it only once the reply can be whole (a large output arrives in many chunks). */
  private more: Buffer[] = [];
  private moreBytes = 0;
  private need = 0;
  private pending?: Pending;
  private shellStderr = '';
  /** A command is running. */
  busy = false;
  /** The channel closed (or was closed): open another. */
  closed = false;

  private constructor(private readonly channel: ClientChannel, private readonly nonce: string, private readonly where: { name: string; host: string }) {}

  /**
   * Start a shell on `client`. Rejects with `unsupported: true` when the host's shell ended before it was ready
   * (no mktemp, a restricted shell): exec channels then serve that connection.
   */
  static open(client: Client, where: { name: string; host: string }, timeoutMs = 10_000): Promise<RemoteShell> {
    const nonce = `mhaflow-${randomBytes(12).toString('hex')}`;
    return new Promise((resolve, reject) => {
      client.exec('exec sh -s', (err, channel) => {
        if (err) return reject(new RemoteCommandError(`cannot start a remote shell on ${where.host}: ${err.message}`, { server: where.name, cause: err }));
        const shell = new RemoteShell(channel, nonce, where);
        const marker = Buffer.from(`${nonce} READY\n`);
        let ready = false;
        const timer = setTimeout(() => {
          channel.close();
          reject(new RemoteCommandError(`the remote shell on ${where.host} did not start within ${timeoutMs} ms`, { server: where.name }));
        }, timeoutMs);
        channel.stderr.on('data', (d: Buffer) => { shell.shellStderr = (shell.shellStderr + d.toString('utf8')).slice(-2000); });
        channel.on('data', (d: Buffer) => {
          if (ready) return shell.received(d);
          shell.buf = Buffer.concat([shell.buf, d]);
          const at = shell.buf.indexOf(marker);
          if (at < 0) return;
          ready = true;
          clearTimeout(timer);
          shell.buf = Buffer.from(shell.buf.subarray(at + marker.length));
          resolve(shell);
        });
        channel.on('close', (code: number | null) => {
          clearTimeout(timer);
          shell.closed = true;
          if (!ready) {
            const e = new RemoteCommandError(`the remote shell on ${where.host} ended before it was ready (exit ${code ?? '?'}): ${shell.shellStderr.trim().slice(0, 300)}`, { server: where.name });
            reject(Object.assign(e, { unsupported: true }));
            return;
          }
          shell.settle((p) => p.resolve({ code: 255, stdout: '', stderr: `the remote shell on ${where.host} closed before the command ended` }));
        });
        channel.write(shellPrologue(nonce));
      });
    });
  }

  /** Run `command` (a shell string); one at a time per shell (see busy). Resolves with its exit code and outputs. */
  run(command: string, timeoutMs?: number): Promise<ShellResult> {
    if (this.busy || this.closed) return Promise.reject(new Error('remote shell not available'));
    this.busy = true;
    return new Promise<ShellResult>((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (timeoutMs) {
        p.timer = setTimeout(() => {
          // As with an exec channel: the channel goes, the command may run on (nothing waits for it).
          this.settle((q) => q.reject(new RemoteCommandError(`remote command timed out after ${timeoutMs} ms on ${this.where.host}: ${command.slice(0, 200)}`, { server: this.where.name })));
          this.close();
        }, timeoutMs);
      }
      this.pending = p;
      this.channel.write(shellRequest(this.nonce, command));
    });
  }

  close(): void {
    this.closed = true;
    this.channel.close();
  }

  private received(d: Buffer): void {
    this.more.push(d);
    this.moreBytes += d.length;
    if (this.buf.length + this.moreBytes < this.need) return;
    this.buf = Buffer.concat([this.buf, ...this.more]);
    this.more = [];
    this.moreBytes = 0;
    this.consume();
  }

  private consume(): void {
    if (!this.pending) return;
    let reply;
    try {
      reply = parseShellReply(this.buf, this.nonce);
    } catch (e) {
      this.settle((p) => p.reject(new RemoteCommandError(`${(e as Error).message} on ${this.where.host}`, { server: this.where.name })));
      this.close();
      return;
    }
    if (!reply) return;
    if ('need' in reply) {
      this.need = reply.need;
      return;
    }
    this.need = 0;
    this.buf = reply.rest;
    this.settle((p) => p.resolve(reply.result));
  }

  private settle(fn: (p: Pending) => void): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    if (p.timer) clearTimeout(p.timer);
    this.busy = false;
    fn(p);
  }
}
