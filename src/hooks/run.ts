// Running the operator's hook scripts (master_ip_failover, shutdown, report, secondary_check) on the
// worker, with MHA-compatible arguments so existing MHA scripts work unchanged. Secrets never go in argv
// (visible to every user in ps): the new master's password, when given, is in MHAFLOW_NEW_MASTER_PASSWORD.
import { spawn } from 'node:child_process';
import { shellQuote } from '../ssh/quote';

export interface HookRun {
  hook: string;
  /** The command line as run (no secrets in it). */
  command: string;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const MAX_OUTPUT = 64 * 1024;

/** `--key=value` arguments in a stable order; undefined values are left out. */
export function hookArgs(args: Record<string, string | number | undefined>): string[] {
  return Object.entries(args).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `--${k}=${v}`);
}

export async function runHook(hook: string, script: string, args: string[], opts: { timeoutMs: number; env?: Record<string, string> }): Promise<HookRun> {
  const command = `${script} ${args.map(shellQuote).join(' ')}`.trim();
  const t0 = Date.now();
  return new Promise((resolve) => {
    // Its own process group, so a timeout kills the hook's children too (they would hold its output open).
    const child = spawn('/bin/sh', ['-c', command], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => { if (outLen < MAX_OUTPUT) { out.push(d); outLen += d.length; } });
    child.stderr.on('data', (d: Buffer) => { if (errLen < MAX_OUTPUT) { err.push(d); errLen += d.length; } });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, opts.timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({
        hook, command, code, signal, timedOut, ms: Date.now() - t0,
        stdout: Buffer.concat(out).toString('utf8').slice(0, MAX_OUTPUT), stderr: Buffer.concat(err).toString('utf8').slice(0, MAX_OUTPUT),
      });
    };
    child.on('error', (e) => { err.push(Buffer.from(String(e.message))); done(127, null); });
    child.on('close', done);
  });
}
