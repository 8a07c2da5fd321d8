// The SSH half of the check (MHA masterha_check_ssh, plus what MHA's node scripts need on each host):
// every host reachable with the configured key and a pinned host key; the binlog directory readable and
// holding the binlog files the server reports; mysqlbinlog / mariadb-binlog present; the remote workdir
// writable with free space; the SFTP subsystem available (binlog bytes are read over SFTP).
// One SSH session per host, read over SFTP: a round trip per question, where a remote shell command costs a
// channel and the login shell's start (150-550 ms per host on the lab, whose root runs pyenv in .bashrc).
// The shell script answers instead when SFTP is missing or cannot find the binlog tool in the usual places
// (only the remote $PATH can tell then). Results are plain JSON, failures per host.
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { ConfigError, ConnectionError, MhaflowError, SafetyError } from '../errors';
import { shellQuote } from './quote';
import { openSsh, sshTarget, type SshSession } from './session';
import { listRemoteDir, readRemoteHead, remoteDirWritable, remoteExecutable, remoteFreeBytes } from './sftp';

export interface SshCheckTarget {
  /** Server name in the config. */
  name: string;
  /** Where the binlogs should be (config binlogDir, else the directory of the server's log_bin_basename); null: not checked. */
  binlogDir: string | null;
  /** Binlog files (names) that must be in binlogDir: those SHOW BINARY LOGS lists. */
  expectFiles: string[];
  /** The server's flavor, to prefer mariadb-binlog or mysqlbinlog; null for binlog servers. */
  flavor: 'mysql' | 'mariadb' | null;
}

export type SshFailureKind = 'unreachable' | 'host-key' | 'auth' | 'config' | 'command';

export interface SshHostCheck {
  name: string;
  /** user@host:port actually used. */
  target: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why the host could not be checked at all (status failed). */
  failure?: { kind: SshFailureKind; message: string; hint?: string };
  /** Path of mariadb-binlog/mysqlbinlog on the host; null when neither was found. */
  binlogTool?: string | null;
  binlogDir?: {
    dir: string;
    readable: boolean;
    /** Expected files not found (or not readable). */
    missing: string[];
    /** The newest expected file does not start with the binlog magic bytes. */
    badMagic?: string;
  };
  workdir?: { dir: string; writable: boolean; freeBytes: number | null };
  sftp?: boolean;
  elapsedMs: number;
}

/** The binlog tools in the order a server of this flavor prefers them. */
const binlogTools = (flavor: SshCheckTarget['flavor']) => (flavor === 'mysql' ? ['mysqlbinlog', 'mariadb-binlog'] : ['mariadb-binlog', 'mysqlbinlog']);
/** Where the client tools usually are, after the login shell's own $PATH. */
const USUAL_BINDIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/mysql/bin'];

/** The shell command run on a host when SFTP cannot answer (sftpRemoteCheck); every value is quoted. Prints key=value lines. */
export function remoteCheckScript(opts: { binlogDir: string | null; newestFile: string | null; workdir: string; clientBindir?: string; flavor: SshCheckTarget['flavor'] }): string {
  const tools = binlogTools(opts.flavor);
  const lines = [
    `PATH=${opts.clientBindir ? `${shellQuote(opts.clientBindir)}:` : ''}"$PATH":${USUAL_BINDIRS.join(':')}; export PATH`,
    `t=$(command -v ${tools[0]} 2>/dev/null || command -v ${tools[1]} 2>/dev/null || true); echo "tool=$t"`,
  ];
  if (opts.binlogDir) {
    lines.push(
      `d=${shellQuote(opts.binlogDir)}`,
      'if [ -d "$d" ] && [ -r "$d" ] && [ -x "$d" ]; then echo "binlogdir=ok"; ls -1A "$d" 2>/dev/null | sed "s/^/file=/"; else echo "binlogdir=unreadable"; fi',
    );
    if (opts.newestFile) {
      lines.push(`f=${shellQuote(opts.newestFile)}`, 'if [ -r "$d/$f" ]; then echo "magic=$(head -c 4 "$d/$f" | od -An -tx1 | tr -d " \\n")"; else echo "magic=unreadable"; fi');
    }
  }
  lines.push(
    `w=${shellQuote(opts.workdir)}`,
    'if mkdir -p "$w" 2>/dev/null && tf=$(mktemp "$w/.mhaflow-check.XXXXXX" 2>/dev/null); then rm -f "$tf"; echo "workdir=ok"; else echo "workdir=notwritable"; fi',
    'echo "freekb=$(df -Pk "$w" 2>/dev/null | awk \'NR==2{print $4}\')"',
  );
  return lines.join('\n');
}

/** Parse the key=value output of remoteCheckScript. */
export function parseRemoteCheck(out: string, target: SshCheckTarget, workdir: string): Pick<SshHostCheck, 'binlogTool' | 'binlogDir' | 'workdir'> {
  const files = new Set<string>();
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    if (k === 'file') files.add(v);
    else kv.set(k, v);
  }
  const freeKb = kv.get('freekb');
  const result: Pick<SshHostCheck, 'binlogTool' | 'binlogDir' | 'workdir'> = {
    binlogTool: kv.get('tool') || null,
    workdir: { dir: workdir, writable: kv.get('workdir') === 'ok', freeBytes: freeKb && /^\d+$/.test(freeKb) ? Number(freeKb) * 1024 : null },
  };
  if (target.binlogDir) {
    const readable = kv.get('binlogdir') === 'ok';
    const missing = readable ? target.expectFiles.filter((f) => !files.has(f)) : [...target.expectFiles];
    const magic = kv.get('magic');
    const newest = target.expectFiles[target.expectFiles.length - 1];
    result.binlogDir = {
      dir: target.binlogDir, readable, missing,
      ...(readable && newest && !missing.includes(newest) && magic !== undefined && magic !== 'fe62696e' ? { badMagic: newest } : {}),
    };
    if (readable && magic === 'unreadable' && newest && !missing.includes(newest)) result.binlogDir.missing.push(newest);
  }
  return result;
}

/**
 * What remoteCheckScript finds, read over SFTP. The tool is looked for in clientBindir and the usual
 * directories; binlogTool undefined: not found there, the script must look in the remote $PATH.
 */
export async function sftpRemoteCheck(session: SshSession, target: SshCheckTarget, opts: { workdir: string; clientBindir?: string }): Promise<Pick<SshHostCheck, 'binlogTool' | 'binlogDir' | 'workdir'>> {
  const dirs = [...(opts.clientBindir ? [opts.clientBindir] : []), ...USUAL_BINDIRS];
  const candidates = binlogTools(target.flavor).flatMap((tool) => dirs.map((d) => `${d.replace(/\/+$/, '')}/${tool}`));
  const newest = target.expectFiles[target.expectFiles.length - 1];
  const [found, files, head, writable, freeBytes] = await Promise.all([
    Promise.all(candidates.map((c) => remoteExecutable(session, c))),
    target.binlogDir ? listRemoteDir(session, target.binlogDir) : null,
    target.binlogDir && newest ? readRemoteHead(session, `${target.binlogDir.replace(/\/+$/, '')}/${newest}`, 4) : null,
    remoteDirWritable(session, opts.workdir),
    remoteFreeBytes(session, opts.workdir),
  ]);
  const tool = candidates[found.indexOf(true)];
  const result: Pick<SshHostCheck, 'binlogTool' | 'binlogDir' | 'workdir'> = {
    ...(tool ? { binlogTool: tool } : {}),
    // df reports the filesystem of the directory once created; before, of nothing: freeBytes null as the script's.
    workdir: { dir: opts.workdir, writable, freeBytes: writable ? freeBytes : null },
  };
  if (target.binlogDir) {
    const readable = files !== null;
    const listed = new Set(files ?? []);
    const missing = readable ? target.expectFiles.filter((f) => !listed.has(f)) : [...target.expectFiles];
    if (readable && newest && !missing.includes(newest) && head === null) missing.push(newest);
    result.binlogDir = {
      dir: target.binlogDir, readable, missing,
      ...(readable && head && !missing.includes(newest!) && head.toString('hex') !== 'fe62696e' ? { badMagic: newest } : {}),
    };
  }
  return result;
}

function classify(e: unknown): { kind: SshFailureKind; message: string; hint?: string } {
  const m = e instanceof MhaflowError ? e.message : e instanceof Error ? e.message : String(e);
  const hint = e instanceof MhaflowError ? e.hint : undefined;
  if (e instanceof SafetyError) return { kind: 'host-key', message: m, hint };
  if (e instanceof ConfigError) return { kind: 'config', message: m, hint };
  if (e instanceof ConnectionError && /authentication|authorize/i.test(`${m} ${hint ?? ''}`)) return { kind: 'auth', message: m, hint };
  if (e instanceof ConnectionError) return { kind: 'unreachable', message: m, hint };
  return { kind: 'command', message: m, hint };
}

export async function checkSshHost(cfg: ClusterConfig, server: ServerConfig, target: SshCheckTarget): Promise<SshHostCheck> {
  const t = sshTarget(cfg, server);
  const base = { name: server.name, target: `${t.user}@${t.host}:${t.port}` };
  const started = Date.now();
  if (server.skipSshCheck) return { ...base, status: 'skipped', elapsedMs: 0 };
  const workdir = server.remoteWorkdir ?? cfg.workdirs.remote;
  let session;
  try {
    session = await openSsh(cfg, server);
  } catch (e) {
    return { ...base, status: 'failed', failure: classify(e), elapsedMs: Date.now() - started };
  }
  try {
    const sftp = await session.sftp().then(() => true, () => false);
    const viaSftp = sftp ? await sftpRemoteCheck(session, target, { workdir, clientBindir: server.clientBindir }) : null;
    if (viaSftp?.binlogTool) return { ...base, status: 'ok', ...viaSftp, sftp, elapsedMs: Date.now() - started };
    const script = remoteCheckScript({
      binlogDir: target.binlogDir, newestFile: target.expectFiles[target.expectFiles.length - 1] ?? null,
      workdir, clientBindir: server.clientBindir, flavor: target.flavor,
    });
    const r = await session.exec(script, { timeoutMs: 20_000 });
    if (r.code !== 0) {
      return { ...base, status: 'failed', failure: { kind: 'command', message: `the check command exited with ${r.code} on ${t.host}: ${r.stderr.trim().slice(0, 300)}`, hint: 'the SSH user needs a POSIX shell with ls, mktemp, df, head and od' }, elapsedMs: Date.now() - started };
    }
    return { ...base, status: 'ok', ...parseRemoteCheck(r.stdout, target, workdir), sftp, elapsedMs: Date.now() - started };
  } catch (e) {
    return { ...base, status: 'failed', failure: classify(e), elapsedMs: Date.now() - started };
  } finally {
    session.close();
  }
}

/** Check every target host in parallel. Targets name servers of cfg; unknown names are a ConfigError. */
export async function checkSshHosts(cfg: ClusterConfig, targets: SshCheckTarget[]): Promise<SshHostCheck[]> {
  return Promise.all(targets.map((t) => {
    const server = cfg.servers.find((s) => s.name === t.name);
    if (!server) throw new ConfigError(`SSH check: no server named ${t.name} in cluster ${cfg.cluster}`, { hint: 'pass targets built from the same config' });
    return checkSshHost(cfg, server, t);
  }));
}
