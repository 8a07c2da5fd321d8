// Resuming a diff apply: how many of the diff's transactions the target already has (checked GTID by
// GTID), the remote pipeline, and which replay errors are retried. applyDiff end to end against a
// simulated target: the real pipeline script runs here (bash, the real mariadb-binlog, a stand-in
// client that records what it is fed); the target commits what that text commits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { filteredLayout, reoriginedChunks } from '../../../src/binlog/rewrite';
import { LocalFileSource } from '../../../src/binlog/source';
import { binlogTail } from '../../../src/binlog/tail';
import type { ClusterConfig, ServerConfig } from '../../../src/config/schema';
import { ConnectionError, DiffApplyError, SafetyError } from '../../../src/errors';
import {
  alreadyApplied, applyDiff, applyFailure, applyPipeline, clientOptionWords, diffTransactions, domainStateExpr, gtidOfEvent, gtidStateExpr, optionFileValue,
  superReadOnlyMarker, transactionsSince, type ApplyOptions,
} from '../../../src/failover/apply';
import type { BinlogCoordinates, Connection } from '../../../src/mysql/client';
import type { ExecResult } from '../../../src/ssh/session';
import { binlogText, localSession, M4, M4_GTIDS, M4_SPLIT, replay, splitDiff, tempDir } from '../../support/local-remote-host';

const diff = [{ startPos: 256, gtid: '0-11-5' }, { startPos: 700, gtid: '0-11-6' }, { startPos: 1200, gtid: '0-11-7' }];

describe('alreadyApplied', () => {
  const cases: [string, string[], number][] = [
    ['nothing applied yet', [], 0],
    ['the first two (crash mid-apply)', ['0-11-5', '0-11-6'], 2],
    ['all of them (crash after the apply, before the activity completed)', ['0-11-5', '0-11-6', '0-11-7'], 3],
    ['anonymous transactions are counted (MySQL without GTIDs)', ['', ''], 2],
  ];
  for (const [name, since, n] of cases) it(name, () => assert.equal(alreadyApplied(diff, since, 'db2'), n));

  it('refuses when the target wrote something else since the recorded start', () => {
    assert.throws(() => alreadyApplied(diff, ['0-12-1'], 'db2'), (e: unknown) => e instanceof SafetyError && e.nonRetryable && /0-12-1.*0-11-5/.test(e.message));
  });
  it('refuses when the target holds more transactions than the diff', () => {
    assert.throws(() => alreadyApplied(diff, ['0-11-5', '0-11-6', '0-11-7', '0-11-8'], 'db2'), SafetyError);
  });
});

describe('gtidOfEvent', () => {
  it('reads MariaDB and MySQL SHOW BINLOG EVENTS info', () => {
    assert.equal(gtidOfEvent('mariadb', 'Gtid', 'BEGIN GTID 0-11-1234'), '0-11-1234');
    assert.equal(gtidOfEvent('mariadb', 'Gtid', 'GTID 0-11-3 cid=71'), '0-11-3');
    assert.equal(gtidOfEvent('mysql', 'Gtid', "SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:23'"), '3e11fa47-71ca-11e1-9e33-c80aa9429562:23');
    assert.equal(gtidOfEvent('mysql', 'Anonymous_Gtid', "SET @@SESSION.GTID_NEXT= 'ANONYMOUS'"), undefined);
  });
});

describe('applyPipeline', () => {
  it('removes the option file however it ends, takes the apply lock first (or fails), then replays from the resume position, binlog on', () => {
    const cmd = applyPipeline({ binlog: 'mariadb-binlog', client: 'mariadb', diffPath: '/w/run 1/diff-db2.binlog', cnfPath: '/w/run 1/apply.cnf', startPos: 700 });
    assert.equal(cmd, `trap 'rm -f '\\''/w/run 1/apply.cnf'\\''' EXIT; { echo 'SET SESSION sql_log_bin = IF(GET_LOCK('\\''mhaflow_apply'\\'', 10) = 1, 1, NULL);'; mariadb-binlog --start-position=700 '/w/run 1/diff-db2.binlog'; } | mariadb --defaults-extra-file='/w/run 1/apply.cnf' --binary-mode`);
    assert.doesNotMatch(applyPipeline({ binlog: 'b', client: 'c', diffPath: 'd', cnfPath: 'e', startPos: null }), /start-position/);
    const fenced = applyPipeline({ binlog: 'b', client: 'c', diffPath: 'd', cnfPath: 'e', startPos: null, expect: { expr: gtidStateExpr('mariadb'), value: '0-11-5,1-12-9' } });
    assert.match(fenced, /GET_LOCK\('\\''mhaflow_apply'\\'', 10\) = 1 AND REPLACE\(@@GLOBAL.gtid_binlog_pos, CHAR\(10\), '\\'''\\''\) = '\\''0-11-5,1-12-9'\\''/);
  });
});

describe('optionFileValue', () => {
  it('writes any password so that the MySQL client reads it back unchanged (newline, tab, quotes, backslashes)', () => {
    const dir = tempDir();
    for (const pw of ['plain', 'new\nline\tand\ttab', 'q"u\'o\\te\\', '#not a comment;', ' spaced ']) {
      const cnf = join(dir, 'x.cnf');
      writeFileSync(cnf, `[client]\nuser=${optionFileValue('app user')}\npassword=${optionFileValue(pw)}\n`);
      const seen = spawnSync('my_print_defaults', [`--defaults-file=${cnf}`, 'client'], { encoding: 'utf8' });
      assert.equal(seen.status, 0, `my_print_defaults (mariadb-client, installed by scripts/install-deps.sh): ${seen.stderr}`);
      assert.equal(seen.stdout, `--user=app user\n--password=${pw}\n`, JSON.stringify(pw));
    }
  });
});

describe('applyFailure', () => {
  it('an SQL error in the replayed events is final; a lost connection is retried', () => {
    assert.ok(applyFailure('ERROR 1062 (23000) at line 40: Duplicate entry', 'db2') instanceof DiffApplyError);
    assert.ok(applyFailure('ERROR 2013 (HY000) at line 40: Lost connection to server during query', 'db2') instanceof ConnectionError);
    assert.ok(applyFailure('ERROR 1927 (70100) at line 12: Connection was killed', 'db2') instanceof ConnectionError);
    assert.ok(applyFailure('bash: mariadb-binlog: command not found', 'db2') instanceof ConnectionError);
    // The lock taken elsewhere, or the target's GTID state moved since the count: recount and retry.
    assert.ok(applyFailure("ERROR 1231 (42000) at line 1: Variable 'sql_log_bin' can't be set to the value of 'NULL'", 'db2') instanceof ConnectionError);
    // super_read_only set ON again under the replay (an earlier attempt restoring it): lowered again on retry.
    assert.ok(applyFailure('ERROR 1290 (HY000) at line 3: The MySQL server is running with the --super-read-only option so it cannot execute this statement', 'db2') instanceof ConnectionError);
    assert.ok(applyFailure('ERROR 1290 (HY000) at line 3: The MySQL server is running with the --skip-grant-tables option', 'db2') instanceof DiffApplyError);
  });
});

// Quotes, a shell variable, and backslashes an option file would read as escapes if they were not escaped.
const PASSWORD = `p@ss "w0rd' $HOME \\n;\\`;
process.env.MHAFLOW_TEST_APPLY_PASSWORD = PASSWORD;

/**
 * A MariaDB target as applyDiff sees it: its binlog (GTID events, rotated every 4), the SQL applyDiff asks,
 * and the apply pipeline, run for real by bash with the real mariadb-binlog and a stand-in client that
 * records its arguments, its defaults file and its input. The target then commits what that input commits
 * (replay), unless the session's first statement finds its GTID state moved; with crashAfter, the
 * connection is lost after that many commits.
 */
class FakeTarget {
  readonly files: { name: string; end: number; events: { pos: number; gtid: string }[] }[] = [
    { name: 't-bin.000001', end: 300, events: [{ pos: 4, gtid: '0-92-7' }] }, // before the recorded start: not the diff's
  ];
  readonly start: BinlogCoordinates = { file: 't-bin.000001', pos: 300 };
  readonly bin: string;
  readonly runs: { script: string; args: string[]; cnf: string; cnfMode: string; input: string }[] = [];
  crashAfter?: number;
  /** Runs when the pipeline starts, before the target reads its first statement (another writer). */
  meanwhile?: () => void;
  /**
   * What it answers to SELECT @@version: the dialect of its read-only variables and status statements. The
   * binlog events stay MariaDB's (the diff fixture); '8.4.3' makes it answer as MySQL 8.4 with super_read_only.
   */
  version = '10.11.6-MariaDB-log';
  superReadOnly = false;
  /** The next SET GLOBAL super_read_only = ON fails (the connection lost, or the worker died before it). */
  loseRestore = false;
  readonly globals: string[] = [];

  constructor(dir: string) {
    this.bin = join(dir, 'bin');
    mkdirSync(this.bin);
    symlinkSync(spawnSync('sh', ['-c', 'command -v mariadb-binlog'], { encoding: 'utf8' }).stdout.trim(), join(this.bin, 'mariadb-binlog'));
    const client = join(this.bin, 'mariadb');
    writeFileSync(client, `#!/bin/sh
printf '%s\\n' "$@" > "$0.args"
cnf="\${1#--defaults-extra-file=}"
cp "$cnf" "$0.cnf" && stat -c %a "$cnf" > "$0.mode"
cat > "$0.input"
`);
    chmodSync(client, 0o755);
  }

  gtids(): string[] { return this.files.flatMap((f) => f.events.map((e) => e.gtid)); }

  commit(gtid: string): void {
    let f = this.files[this.files.length - 1]!;
    if (f.events.length >= 4) this.files.push(f = { name: `t-bin.${String(this.files.length + 1).padStart(6, '0')}`, end: 4, events: [] });
    f.events.push({ pos: f.end, gtid });
    f.end += 100;
  }

  /** gtid_binlog_pos: the last GTID of each domain. */
  state(): string {
    const last = new Map<string, string>();
    for (const g of this.gtids()) last.set(g.split('-')[0]!, g);
    return [...last.values()].join(',');
  }

  /** gtid_binlog_state: the last GTID of each server in each domain. */
  binlogState(): string {
    const last = new Map<string, string>();
    for (const g of this.gtids()) last.set(g.split('-').slice(0, 2).join('-'), g);
    return [...last.values()].join(',');
  }

  /** The target's own next GTID in domain 0 (what it gives a transaction that sets none). */
  private own(): string {
    return `0-92-${this.gtids().filter((g) => g.startsWith('0-')).length + 7}`;
  }

  /** A client of the target commits a transaction of its own (a live master). */
  clientWrite(): void { this.commit(this.own()); }

  private answer(sql: string): Record<string, unknown>[] {
    if (/IS_USED_LOCK/.test(sql)) return [{ holder: null }];
    if (/IS_FREE_LOCK/.test(sql)) return [{ free: 1 }];
    if (sql === `SELECT ${gtidStateExpr('mariadb')} AS g`) return [{ g: this.state() }];
    if (sql === `SELECT ${domainStateExpr(1000)} AS g`) return [{ g: this.domainEntry(1000) }];
    if (sql === 'SELECT @@GLOBAL.gtid_binlog_state AS s') return [{ s: this.binlogState() }];
    if (sql === 'SHOW BINARY LOGS') return this.files.map((f) => ({ Log_name: f.name }));
    if (sql === 'SELECT @@version AS v') return [{ v: this.version }];
    if (sql === (this.version.startsWith('8.4') ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS')) { const f = this.files[this.files.length - 1]!; return [{ File: f.name, Position: f.end }]; }
    if (sql === 'SELECT @@GLOBAL.read_only AS readOnly, @@GLOBAL.super_read_only AS superReadOnly' && this.version.startsWith('8.4')) {
      return [{ readOnly: 1, superReadOnly: this.superReadOnly ? 1 : 0 }];
    }
    const sro = /^SET GLOBAL super_read_only = (ON|OFF)$/.exec(sql);
    if (sro && this.version.startsWith('8.4')) {
      if (sro[1] === 'ON' && this.loseRestore) { this.loseRestore = false; throw Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }); }
      this.globals.push(sql);
      this.superReadOnly = sro[1] === 'ON';
      return [];
    }
    const ev = /^SHOW BINLOG EVENTS IN '(.+)' FROM (\d+)$/.exec(sql);
    if (ev) {
      return this.files.find((f) => f.name === ev[1])!.events.filter((e) => e.pos >= Number(ev[2]))
        .flatMap((e) => [{ Event_type: 'Gtid', Info: `BEGIN GTID ${e.gtid}` }, { Event_type: 'Xid', Info: 'COMMIT /* xid=1 */' }]);
    }
    throw new Error(`unexpected SQL: ${sql}`);
  }

  domainEntry(domain: number): string {
    const hit = /(^|,)(\d+-\d+-\d+)/g;
    for (const m of this.state().matchAll(hit)) if (m[2]!.startsWith(`${domain}-`)) return `${m[1]}${m[2]}`;
    return '';
  }

  readonly conn = { escape: (v: string) => `'${v}'`, query: async (sql: string) => [this.answer(sql)] } as unknown as Connection;

  exec(argv: string[]): ExecResult {
    assert.deepEqual(argv.slice(0, 4), ['bash', '-o', 'pipefail', '-c']);
    const script = argv[4]!;
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = (ext: string) => readFileSync(join(this.bin, `mariadb.${ext}`), 'utf8');
    const run = { script, args: out('args').trim().split('\n'), cnf: out('cnf'), cnfMode: out('mode').trim(), input: out('input') };
    this.runs.push(run);
    this.meanwhile?.();
    if (this.superReadOnly) {
      return { code: 1, stdout: '', stderr: 'ERROR 1290 (HY000) at line 2: The MySQL server is running with the --super-read-only option so it cannot execute this statement\n' };
    }
    const first = run.input.split('\n')[0]!;
    const lock = /^SET SESSION sql_log_bin = IF\(GET_LOCK\('mhaflow_apply', 10\) = 1 AND (.*) = '([^']*)', 1, NULL\);$/.exec(first);
    assert.ok(lock, first);
    const now = lock[1] === domainStateExpr(1000) ? this.domainEntry(1000) : lock[1] === gtidStateExpr('mariadb') ? this.state() : assert.fail(lock[1]);
    if (lock[2] !== now) return { code: 1, stdout: '', stderr: "ERROR 1231 (42000) at line 1: Variable 'sql_log_bin' can't be set to the value of 'NULL'\n" };
    // A flashback's undoing transactions set no GTID: the target gives each one of its own.
    const committed = /--flashback/.test(script)
      ? undone(run.input, this.crashAfter).map(() => this.own())
      : replay(run.input, this.crashAfter).committed;
    committed.forEach((g) => this.commit(g));
    if (committed.length === this.crashAfter) return { code: 1, stdout: '', stderr: 'ERROR 2013 (HY000) at line 90: Lost connection to server during query\n' };
    return { code: 0, stdout: '', stderr: '' };
  }
}

/** The transactions a flashback's text undoes, in order (each in its own START TRANSACTION ... COMMIT), up to `limit`. */
function undone(text: string, limit = Infinity): number[] {
  const out: number[] = [];
  let open = false;
  for (const line of text.split('\n')) {
    if (out.length >= limit) break;
    if (/^START TRANSACTION/.test(line)) open = true;
    else if (/^COMMIT\b/.test(line) && open) { out.push(out.length); open = false; }
  }
  return out;
}

/** M4's transactions as reorigined for a live target: domain 1000, server 12. */
async function reorigined(): Promise<Buffer> {
  const src = new LocalFileSource(M4);
  try {
    const plan = await binlogTail(src, 4);
    const parts = [{ source: src, plan, layout: 'binlog' as const }];
    const chunks: Buffer[] = [];
    for await (const c of reoriginedChunks(await filteredLayout(parts), [src], { serverId: 12, domain: 1000 })) chunks.push(c);
    return Buffer.concat(chunks);
  } finally {
    await src.close();
  }
}

/** The M4 diff split inside 0-91-88 (or the given one), on a simulated target. */
async function applySetup(bytes?: Buffer): Promise<{ target: FakeTarget; opts: ApplyOptions; diffPath: string; cnfPath: string }> {
  const dir = tempDir();
  const target = new FakeTarget(dir);
  const diff = bytes ?? await splitDiff(M4, 4, M4_SPLIT);
  mkdirSync(join(dir, 'run-1'), { mode: 0o700 });
  const diffPath = join(dir, 'run-1', 'diff-db2.binlog');
  writeFileSync(diffPath, diff);
  const cfg = { mysql: { user: 'mha', password: 'env:MHAFLOW_TEST_APPLY_PASSWORD' } } as unknown as ClusterConfig;
  const server = { name: 'db2', host: '127.0.0.1', port: 3306, clientBindir: `${target.bin}/` } as unknown as ServerConfig;
  const opts: ApplyOptions = {
    cfg, server, flavor: 'mariadb', session: localSession('db2', (argv) => target.exec(argv)), conn: target.conn, diffPath,
    sha256: createHash('sha256').update(diff).digest('hex'), start: target.start, heartbeat: () => {},
  };
  return { target, opts, diffPath, cnfPath: join(dir, 'run-1', 'apply-db2.cnf') };
}

describe('applyDiff on a simulated target', () => {
  it('every transaction start of a joined diff is a resume point: mariadb-binlog from it gives exactly the transactions after it', async () => {
    const { opts, diffPath } = await applySetup();
    const txs = await diffTransactions(opts.session, diffPath);
    assert.deepEqual(txs.map((t) => t.gtid), M4_GTIDS);
    const { positions } = replay(binlogText(diffPath));
    assert.deepEqual(txs.map((t) => t.startPos), M4_GTIDS.map((g) => positions.get(g)));
    txs.forEach((t, k) => assert.deepEqual(replay(binlogText(diffPath, k ? t.startPos : undefined)).committed, M4_GTIDS.slice(k), `resumed at transaction ${k}`));
  });

  it('an interrupted replay resumes at the next transaction: each one lands once, and the counts say so', async () => {
    const { target, opts, diffPath } = await applySetup();
    target.crashAfter = 9; // inside the second part of the diff: 0-91-88 was split between the parts
    await assert.rejects(applyDiff(opts), (e: unknown) => e instanceof ConnectionError && !e.nonRetryable);
    assert.doesNotMatch(target.runs[0]!.script, /start-position/);
    assert.deepEqual(target.gtids().slice(1), M4_GTIDS.slice(0, 9));

    target.crashAfter = undefined;
    const r = await applyDiff(opts);
    assert.deepEqual({ total: r.total, alreadyApplied: r.alreadyApplied, appliedNow: r.appliedNow }, { total: 15, alreadyApplied: 9, appliedNow: 6 });
    const resumedAt = (await diffTransactions(opts.session, diffPath))[9]!.startPos;
    assert.match(target.runs[1]!.script, new RegExp(`/mariadb-binlog --start-position=${resumedAt} ${diffPath}; `));
    assert.deepEqual(target.gtids(), ['0-92-7', ...M4_GTIDS], 'every transaction once, after what the target had');
    assert.ok(target.files.length > 2, 'counted across rotated binlogs');
    const last = target.files[target.files.length - 1]!;
    assert.deepEqual(r.end, { file: last.name, pos: last.end });

    // The activity retried after the apply finished: nothing is replayed again.
    const again = await applyDiff(opts);
    assert.deepEqual({ alreadyApplied: again.alreadyApplied, appliedNow: again.appliedNow }, { alreadyApplied: 15, appliedNow: 0 });
    assert.equal(target.runs.length, 2);
  });

  it('the password is only in a 0600 defaults file, removed afterwards (after a failure too)', async () => {
    const { target, opts, cnfPath } = await applySetup();
    target.crashAfter = 2;
    await assert.rejects(applyDiff(opts), ConnectionError);
    assert.ok(!existsSync(cnfPath), 'removed after the failure');
    target.crashAfter = undefined;
    await applyDiff(opts);
    assert.ok(!existsSync(cnfPath), 'removed after the apply');
    assert.equal(target.runs.length, 2);
    for (const run of target.runs) {
      assert.ok(!run.script.includes('w0rd') && !run.args.join(' ').includes('w0rd'), 'no password in the command line');
      assert.deepEqual(run.args, [`--defaults-extra-file=${cnfPath}`, '--binary-mode']);
      assert.equal(run.cnfMode, '600');
      const cnfCopy = join(target.bin, 'seen.cnf');
      writeFileSync(cnfCopy, run.cnf);
      const seen = spawnSync('my_print_defaults', [`--defaults-file=${cnfCopy}`, 'client'], { encoding: 'utf8' });
      if (seen.status === 0) assert.deepEqual(seen.stdout.split('\n').filter(Boolean), ['--user=mha', `--password=${PASSWORD}`, '--host=127.0.0.1', '--port=3306']);
      else assert.match(run.cnf, /^password="p@ss \\"w0rd' \$HOME \\\\n;\\\\"$/m);
    }
  });

  it('config values (client options, host, bindir) reach the client as arguments and option values, never as shell code', async () => {
    const { target, opts, diffPath } = await applySetup();
    const dir = join(diffPath, '..', '..');
    const options = "--ssl-mode=REQUIRED --init-command='$(touch PWNED-1)' ;touch PWNED-2 `touch PWNED-3`";
    opts.server = { ...opts.server, host: "127.0.0.1\nuser=root; $(touch PWNED-4)", mysqlClientOptions: options };
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await applyDiff(opts);
    } finally {
      process.chdir(cwd);
    }
    const run = target.runs[0]!;
    assert.deepEqual(run.args.slice(2), clientOptionWords(options));
    assert.deepEqual(clientOptionWords(options), ['--ssl-mode=REQUIRED', "--init-command='$(touch", "PWNED-1)'", ';touch', 'PWNED-2', '`touch', 'PWNED-3`']);
    assert.match(run.cnf, /^host="127\.0\.0\.1\\nuser=root; \$\(touch PWNED-4\)"$/m, 'one option-file value, its newline escaped');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('PWNED')), []);
    assert.deepEqual(readdirSync(process.cwd()).filter((f) => f.startsWith('PWNED')), []);
  });

  it('a run directory others can write into is refused before anything is replayed', async () => {
    const { target, opts, diffPath } = await applySetup();
    chmodSync(join(diffPath, '..'), 0o777);
    await assert.rejects(applyDiff(opts), (e: unknown) => e instanceof SafetyError && e.nonRetryable && /run-1 is open to group or others .*mode 0777/.test(e.message));
    assert.equal(target.runs.length, 0);
  });

  it('a diff changed or removed on the target since it was written is refused before anything is replayed', async () => {
    const { target, opts, diffPath } = await applySetup();
    const bytes = readFileSync(diffPath);
    bytes[bytes.length - 10] ^= 0xff; // same size, other bytes
    writeFileSync(diffPath, bytes);
    await assert.rejects(applyDiff(opts), (e: unknown) => e instanceof SafetyError && /has sha256 [0-9a-f]{64}, expected/.test(e.message));
    rmSync(diffPath);
    await assert.rejects(applyDiff(opts), (e: unknown) => e instanceof SafetyError && /is missing/.test(e.message));
    assert.equal(target.runs.length, 0);
    assert.deepEqual(target.gtids(), ['0-92-7']);
  });

  it('a replay that starts after the target moved (an earlier attempt still running) is refused by the target, then resumed', async () => {
    const { target, opts } = await applySetup();
    // Between this attempt's count and its replay, an earlier attempt commits the first 3 transactions.
    target.meanwhile = () => { M4_GTIDS.slice(0, 3).forEach((g) => target.commit(g)); target.meanwhile = undefined; };
    await assert.rejects(applyDiff(opts), (e: unknown) => e instanceof ConnectionError && /apply lock is held or the target's binlog moved/.test(e.message));
    assert.deepEqual(target.gtids().slice(1), M4_GTIDS.slice(0, 3), 'the late replay applied nothing');
    const r = await applyDiff(opts);
    assert.deepEqual([r.alreadyApplied, r.appliedNow], [3, 12]);
    assert.deepEqual(target.gtids(), ['0-92-7', ...M4_GTIDS]);
    assert.deepEqual(readdirSync(join(opts.diffPath, '..')), ['diff-db2.binlog']);
  });
});

describe('applyDiff and MySQL super_read_only', () => {
  it('lowered for the replay only, read_only left ON, set ON again; recorded first, so a retry after a crash restores it', async () => {
    const { target, opts, diffPath } = await applySetup();
    target.version = '8.4.3';
    target.superReadOnly = true;
    const marker = superReadOnlyMarker(diffPath, 'db2');
    target.crashAfter = 4;
    target.loseRestore = true; // the attempt dies mid-replay without restoring anything
    await assert.rejects(applyDiff(opts), (e: unknown) => e instanceof ConnectionError && /super_read_only ON again/.test(e.message));
    assert.equal(target.superReadOnly, false, 'left lowered by the attempt that died');
    assert.ok(existsSync(marker), 'what was changed is recorded on the target');
    target.crashAfter = undefined;
    const r = await applyDiff(opts);
    assert.equal(r.superReadOnlyLowered, true);
    assert.deepEqual([r.alreadyApplied, r.appliedNow], [4, 11]);
    assert.equal(target.superReadOnly, true, 'restored by the retry, though it found super_read_only OFF');
    assert.ok(!existsSync(marker));
    assert.deepEqual(target.globals, ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL super_read_only = ON'], 'never read_only');
    assert.deepEqual(target.gtids(), ['0-92-7', ...M4_GTIDS]);
  });

  it('restored after a replay that fails; untouched when it was OFF, and on MariaDB', async () => {
    const { target, opts, diffPath } = await applySetup();
    target.version = '8.4.3';
    target.superReadOnly = true;
    target.crashAfter = 2;
    await assert.rejects(applyDiff(opts), ConnectionError);
    assert.equal(target.superReadOnly, true, 'set ON again after the failed replay');
    assert.ok(!existsSync(superReadOnlyMarker(diffPath, 'db2')));
    target.crashAfter = undefined;
    target.superReadOnly = false;
    target.globals.length = 0;
    const r = await applyDiff(opts);
    assert.equal(r.superReadOnlyLowered, false);
    assert.deepEqual(target.globals, [], 'super_read_only OFF before: nothing set');
    const maria = await applySetup();
    const m = await applyDiff(maria.opts);
    assert.equal(m.superReadOnlyLowered, false);
    assert.equal(m.appliedNow, 15);
  });
});

describe('transactionsSince', () => {
  const conn = (files: Record<string, { pos: number; type: string; info: string }[]>): Connection => ({
    escape: (v: string) => `'${v}'`,
    query: async (sql: string) => {
      if (sql === 'SHOW BINARY LOGS') return [Object.keys(files).map((f) => ({ Log_name: f }))];
      const m = /^SHOW BINLOG EVENTS IN '(.+)' FROM (\d+)$/.exec(sql)!;
      return [files[m[1]!]!.filter((e) => e.pos >= Number(m[2])).map((e) => ({ Event_type: e.type, Info: e.info }))];
    },
  }) as unknown as Connection;
  const gtid = (pos: number, n: number) => ({ pos, type: 'Gtid', info: `SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:${n}'` });

  it('MySQL: from the recorded position on, across binlogs; anonymous transactions count as ""', async () => {
    const c = conn({
      'b.000007': [gtid(4, 1), gtid(900, 2), { pos: 950, type: 'Xid', info: 'COMMIT' }],
      'b.000008': [{ pos: 4, type: 'Anonymous_Gtid', info: "SET @@SESSION.GTID_NEXT= 'ANONYMOUS'" }, gtid(400, 3)],
    });
    assert.deepEqual(await transactionsSince(c, 'mysql', { file: 'b.000007', pos: 900 }),
      ['3e11fa47-71ca-11e1-9e33-c80aa9429562:2', '', '3e11fa47-71ca-11e1-9e33-c80aa9429562:3']);
  });

  it('refuses when the binlog recorded before the apply was purged', async () => {
    await assert.rejects(transactionsSince(conn({ 'b.000008': [] }), 'mysql', { file: 'b.000007', pos: 4 }), SafetyError);
  });
});

describe('applyDiff taking a diff back (flashback)', () => {
  it('undoes the last transactions first; a retry counts what was undone and undoes only the first ones left', async () => {
    const { target, opts, diffPath } = await applySetup();
    const o = { ...opts, flashback: true };
    target.crashAfter = 5;
    await assert.rejects(applyDiff(o), ConnectionError);
    assert.match(target.runs[0]!.script, /mariadb-binlog --flashback \S*diff-db2\.binlog; /);
    target.crashAfter = undefined;
    const r = await applyDiff(o);
    assert.deepEqual([r.total, r.alreadyApplied, r.appliedNow], [15, 5, 10]);
    const txs = await diffTransactions(opts.session, diffPath);
    assert.match(target.runs[1]!.script, new RegExp(`--flashback --stop-position=${txs[10]!.startPos} `), 'the first 10 transactions are left to undo');
    assert.equal(undone(binlogText(diffPath)).length, 15);
    assert.equal(target.gtids().length, 1 + 15, 'one undoing transaction per diff transaction, with the target\'s own GTIDs');
    const again = await applyDiff(o);
    assert.deepEqual([again.alreadyApplied, again.appliedNow], [15, 0]);
    assert.equal(target.runs.length, 2);
  });
});

describe('applyDiff on a live target (its transactions in a GTID domain of their own)', () => {
  it('counts the diff\'s transactions from the target\'s GTID state: its clients\' writes between attempts do not count, nothing lands twice', async () => {
    const { target, opts } = await applySetup(await reorigined());
    const o = { ...opts, ownDomain: 1000 };
    target.meanwhile = () => target.clientWrite();
    target.crashAfter = 4;
    await assert.rejects(applyDiff(o), ConnectionError);
    target.clientWrite();
    target.crashAfter = undefined;
    target.meanwhile = () => target.clientWrite(); // the target's GTID position moves in domain 0 only: the replay starts all the same
    const r = await applyDiff(o);
    assert.deepEqual([r.total, r.alreadyApplied, r.appliedNow], [15, 4, 11]);
    const mine = target.gtids().filter((g) => g.startsWith('1000-'));
    assert.deepEqual(mine, M4_GTIDS.map((g) => g.replace(/^0-91-/, '1000-12-')), 'each once, in order, with its sequence number');
    assert.ok(target.gtids().filter((g) => g.startsWith('0-92-')).length >= 3, 'the clients wrote in between');
    // A later run (another start position recorded) finds them all there too.
    const again = await applyDiff({ ...o, start: { file: target.files[target.files.length - 1]!.name, pos: 4 } });
    assert.deepEqual([again.alreadyApplied, again.appliedNow], [15, 0]);
  });
});
