// Apply a shipped diff on its target host: `mariadb-binlog DIFF | mariadb` (mysqlbinlog | mysql for
// MySQL), which handles statement and row events and session state like replication would, and report
// exactly how many transactions were applied.
//
// Resuming after N applied transactions: the diff's index gives the start P of transaction N+1 and the
// Format_description in force there. mysqlbinlog --start-position would parse from P with the file's FIRST
// Format_description, wrong when a later part of the diff (another relay log, the master's binlog) has
// another (checksum algorithm, server version). So the resume streams magic + the right Format_description
// + the bytes from P into `mysqlbinlog -`: a valid binlog that starts exactly at transaction N+1.
//
// Credentials never appear in argv (visible in ps): they go in a temporary defaults file written over
// SFTP with mode 0600 and removed afterwards, given to the client with --defaults-extra-file.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { RemoteCommandError } from '../errors';
import { shellCommand, shellQuote } from '../ssh/quote';
import type { Flavor } from './events';
import { diffIndexPath, parseDiffIndexHeader, type RemoteHost } from './ship';
import type { FdeAt } from './tail';

export interface ApplyTarget {
  flavor: Flavor;
  /** How the client on the target host reaches the server: TCP host/port or a unix socket. */
  host?: string;
  port?: number;
  socket?: string;
  user: string;
  /** Resolved secret: written only to the 0600 defaults file on the target. */
  password: string;
  /** Directory of mysqlbinlog/mysql (MHA client_bindir). */
  clientBindir?: string;
  /** Extra library path for the client tools (MHA client_libdir). */
  clientLibdir?: string;
  /** Extra options for the mysql client (each one argument, e.g. "--ssl-mode=REQUIRED"). */
  clientOptions?: string[];
}

export interface ApplyOptions {
  /** The diff on the target host (written by shipDiff, with its .idx next to it). */
  diffPath: string;
  /** Transactions of this diff already applied (a previous attempt): they are skipped. */
  alreadyApplied?: number;
  /** false: SET sql_log_bin=0 for the session (the applied transactions are not binlogged on the target). */
  sqlLogBin: boolean;
  /** Where the temporary defaults file goes (default: the diff's directory). */
  workdir?: string;
  timeoutMs?: number;
}

export interface ApplyResult {
  /** Transactions in the diff. */
  total: number;
  skipped: number;
  /** Applied by this call. */
  applied: number;
  /** Diff position the apply started from (undefined when nothing was left to apply). */
  startPosition?: number;
  durationMs: number;
}

/** The apply failed: appliedBeforeFailure transactions of this call were committed before the error. */
export class ApplyError extends RemoteCommandError {
  constructor(message: string, readonly appliedBeforeFailure: number | undefined, readonly total: number, readonly skipped: number,
    readonly failedAtPosition: number | undefined, opts: { server?: string; hint?: string }) {
    super(message, opts);
  }
}

export function clientTools(target: Pick<ApplyTarget, 'flavor' | 'clientBindir'>): { binlog: string; client: string } {
  const dir = target.clientBindir ? `${target.clientBindir.replace(/\/+$/, '')}/` : '';
  return target.flavor === 'mariadb'
    ? { binlog: `${dir}mariadb-binlog`, client: `${dir}mariadb` }
    : { binlog: `${dir}mysqlbinlog`, client: `${dir}mysql` };
}

/** Option-file value: quoted, with the escapes option files understand. */
function optionValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The [client] section (read by mysql and mariadb clients) and the apply session's settings. */
export function defaultsFileText(target: ApplyTarget, sqlLogBin: boolean): string {
  const lines = ['[client]', `user=${optionValue(target.user)}`, `password=${optionValue(target.password)}`];
  if (target.socket) lines.push(`socket=${optionValue(target.socket)}`);
  if (target.host) lines.push(`host=${optionValue(target.host)}`);
  if (target.port) lines.push(`port=${target.port}`);
  // [mysql] is read by the mysql/mariadb command-line client only (not by mysqlbinlog).
  if (!sqlLogBin) lines.push('[mysql]', 'init-command="SET SESSION sql_log_bin=0"');
  return `${lines.join('\n')}\n`;
}

/** Where to start: the whole file, or transaction N+1 at `pos` under the Format_description `fde`. */
export type ApplyStart = { kind: 'whole' } | { kind: 'resume'; pos: number; fde: FdeAt };

/** Bytes before `pos` in the resume stream: magic + the Format_description. */
function resumePrefix(start: ApplyStart): number {
  return start.kind === 'whole' ? 0 : 4 + start.fde.size;
}

/** Shell fragment printing the diff (from `start`) as SQL text. */
export function binlogTextCommand(target: ApplyTarget, diffPath: string, start: ApplyStart): string {
  const { binlog } = clientTools(target);
  const env = target.clientLibdir ? `LD_LIBRARY_PATH=${shellQuote(target.clientLibdir)}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ` : '';
  if (start.kind === 'whole') return `${env}${shellCommand([binlog, diffPath])}`;
  const dd = (...args: string[]): string => shellCommand(['dd', `if=${diffPath}`, 'status=none', ...args]);
  const stream = `{ ${dd('bs=4', 'count=1')} && ${dd('iflag=skip_bytes,count_bytes', `skip=${start.fde.pos}`, `count=${start.fde.size}`, 'bs=65536')} && ${
    dd('iflag=skip_bytes', `skip=${start.pos}`, 'bs=4M')}; }`;
  return `${stream} | ${env}${shellCommand([binlog, '-'])}`;
}

/** The remote pipeline. pipefail: a mysqlbinlog failure must fail the apply, not look like success. */
export function applyCommand(target: ApplyTarget, diffPath: string, defaultsFile: string, start: ApplyStart): string {
  const { client } = clientTools(target);
  const env = target.clientLibdir ? `LD_LIBRARY_PATH=${shellQuote(target.clientLibdir)}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ` : '';
  const write = shellCommand([client, `--defaults-extra-file=${defaultsFile}`, '--binary-mode', ...(target.clientOptions ?? [])]);
  return `bash -c ${shellQuote(`set -o pipefail; ${binlogTextCommand(target, diffPath, start)} | ${env}${write}`)}`;
}

/** The "# at" position in mysqlbinlog's output at or before line N: the event the client failed on. */
export function failedEventCommand(target: ApplyTarget, diffPath: string, start: ApplyStart, line: number): string {
  const awk = shellCommand(['awk', '-v', `n=${line}`, 'NR > n { exit } /^# at [0-9]+$/ { p = $3 } END { print p }']);
  return `bash -c ${shellQuote(`${binlogTextCommand(target, diffPath, start)} | ${awk}`)}`;
}

/** The Format_description in force at `pos`: the last one that ends at or before it. */
export function fdeAt(fdes: FdeAt[], pos: number): FdeAt | undefined {
  let found: FdeAt | undefined;
  for (const f of fdes) if (f.pos + f.size <= pos) found = f;
  return found;
}

interface IndexSlice {
  total: number;
  start?: ApplyStart;
  /** How many transactions start at or before a diff position (counted on the target). */
  startsUpTo: (pos: number) => Promise<number>;
}

/** Header + the start of transaction N+1, with one sed call (the index can hold millions of lines). */
async function readIndex(host: RemoteHost, diffPath: string, skip: number): Promise<IndexSlice> {
  const idx = diffIndexPath(diffPath);
  const out = await host.run(['sed', '-n', '-e', '1p', '-e', `${skip + 2}p`, '--', idx], { what: `read the diff index ${idx}` });
  const [head, next] = out.split('\n');
  const meta = parseDiffIndexHeader(head ?? '');
  if (!meta) {
    throw new RemoteCommandError(`${idx} on ${host.target.host} is not a diff index`, { server: host.target.name, hint: 'ship the diff again (shipDiff writes the index)' });
  }
  let start: ApplyStart | undefined;
  if (skip === 0) start = { kind: 'whole' };
  else if (next && /^\d+$/.test(next)) {
    const pos = Number(next);
    const fde = fdeAt(meta.formatDescriptions, pos);
    if (!fde) throw new RemoteCommandError(`${idx}: no Format_description before position ${pos}`, { server: host.target.name, hint: 'ship the diff again' });
    start = { kind: 'resume', pos, fde };
  }
  return {
    total: meta.transactions,
    start,
    // (awk takes no "--" after its program: the index path is absolute, never an option.)
    startsUpTo: async (pos: number) => Number((await host.run(['awk', '-v', `p=${pos}`, 'NR > 1 && $1 <= p { n++ } END { print n + 0 }', idx])).trim()),
  };
}

export async function applyDiff(host: RemoteHost, target: ApplyTarget, opts: ApplyOptions): Promise<ApplyResult> {
  const started = Date.now();
  const skip = opts.alreadyApplied ?? 0;
  const index = await readIndex(host, opts.diffPath, skip);
  if (skip > index.total) {
    throw new ApplyError(`${skip} transactions reported applied but ${opts.diffPath} holds ${index.total}`, undefined, index.total, skip, undefined, {
      server: host.target.name, hint: 'the applied count belongs to another diff; recompute it',
    });
  }
  if (skip === index.total || !index.start) return { total: index.total, skipped: skip, applied: 0, durationMs: Date.now() - started };
  const start = index.start;
  const startPosition = start.kind === 'resume' ? start.pos : undefined;
  const defaultsFile = posix.join(opts.workdir ?? posix.dirname(opts.diffPath), `.mhaflow-apply-${randomBytes(6).toString('hex')}.cnf`);
  const sftp = await host.sftp();
  await writeDefaultsFile(sftp, defaultsFile, defaultsFileText(target, opts.sqlLogBin));
  try {
    const r = await host.exec(applyCommand(target, opts.diffPath, defaultsFile, start), { timeoutMs: opts.timeoutMs });
    if (r.code === 0) return { total: index.total, skipped: skip, applied: index.total - skip, startPosition, durationMs: Date.now() - started };
    throw await describeFailure(host, target, opts, index, start, r.stderr);
  } finally {
    await new Promise<void>((resolve) => sftp.unlink(defaultsFile, () => resolve()));
  }
}

async function writeDefaultsFile(sftp: Awaited<ReturnType<RemoteHost['sftp']>>, path: string, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    sftp.writeFile(path, text, { mode: 0o600, flag: 'wx' }, (err) => (err
      ? reject(new RemoteCommandError(`cannot write the client defaults file ${path}: ${err.message}`, { hint: 'check the remote work directory' }))
      : resolve()));
  });
}

/**
 * Which transaction failed: the client says "ERROR ... at line N"; the "# at" position before line N
 * in the same mysqlbinlog output is the failing event, and every transaction starting before it (but
 * the one containing it) was committed.
 */
async function describeFailure(host: RemoteHost, target: ApplyTarget, opts: ApplyOptions, index: IndexSlice, start: ApplyStart, stderr: string): Promise<ApplyError> {
  const skip = opts.alreadyApplied ?? 0;
  const msg = stderr.trim().split('\n').filter((l) => !/Using a password|Deprecated program name/i.test(l)).join('\n').slice(0, 800);
  const line = /ERROR \d+ \([0-9A-Z]+\) at line (\d+)/.exec(stderr);
  let applied: number | undefined;
  let failedAt: number | undefined;
  if (line) {
    const out = (await host.exec(failedEventCommand(target, opts.diffPath, start, Number(line[1])))).stdout.trim();
    const streamPos = /^\d+$/.test(out) ? Number(out) : undefined;
    if (streamPos !== undefined && streamPos >= resumePrefix(start)) {
      failedAt = start.kind === 'whole' ? streamPos : start.pos + (streamPos - resumePrefix(start));
      // Transactions starting at or before the failing event, minus the one it belongs to.
      applied = Math.max(0, (await index.startsUpTo(failedAt)) - 1 - skip);
    } else {
      applied = 0; // failed on the Format_description or the session setup
    }
  }
  const what = applied === undefined ? 'an unknown number of transactions were applied' : `${applied} transaction(s) of ${index.total - skip} were applied before the error`;
  return new ApplyError(`applying ${opts.diffPath} failed on ${host.target.host}${failedAt !== undefined ? ` at diff position ${failedAt}` : ''}: ${what}: ${msg}`,
    applied, index.total, skip, failedAt, {
      server: host.target.name,
      hint: applied === undefined
        ? 'the client lost its connection: check the server, then compare its GTID position with the diff before retrying'
        : 'fix the cause on the target, then retry with alreadyApplied = skipped + appliedBeforeFailure',
    });
}
