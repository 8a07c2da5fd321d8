// Ship and apply against a real throwaway target (sshd + mariadbd on 127.0.0.93): SFTP ranged reads,
// streamed upload with sha256, reuse on re-run, apply counts, resume after a failure, no password in argv.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApplyError, BinlogReader, applyCommand, applyDiff, binlogTail, defaultsFileText, fdeAt, findRelayPosition, formatDiffIndex,
  layoutDiff, parseDiffIndexHeader, remoteFileSource, remoteRelayLogs, remoteSha256, shipDiff, type ApplyTarget, type LocalFileSource,
} from '../../src/binlog';
import { fixturePath, manifest, masterBinlogs, readAll, relayLogs, source } from '../fixtures/binlog/fixtures';
import { startThrowawayHost, throwawayUnavailable, type ThrowawayHost } from '../fixtures/binlog/throwaway';

const PASSWORD = `p@ss "w0rd' $HOME \\ ;`;

describe('pure parts', () => {
  const target: ApplyTarget = { flavor: 'mariadb', host: '127.0.0.1', port: 3306, user: 'mha', password: PASSWORD };
  test('the password is only in the defaults file, quoted for option files', () => {
    const text = defaultsFileText(target, false);
    assert.match(text, /^\[client\]\nuser="mha"\npassword="p@ss \\"w0rd' \$HOME \\\\ ;"\nhost="127.0.0.1"\nport=3306\n\[mysql\]\ninit-command="SET SESSION sql_log_bin=0"\n$/);
    assert.doesNotMatch(defaultsFileText(target, true), /sql_log_bin/);
    const cmd = applyCommand(target, '/var/tmp/mhaflow/diff.bin', '/var/tmp/mhaflow/.x.cnf', { kind: 'whole' });
    assert.ok(!cmd.includes('w0rd') && !cmd.includes('p@ss'), cmd);
    assert.match(cmd, /set -o pipefail; mariadb-binlog \/var\/tmp\/mhaflow\/diff\.bin \| mariadb --defaults-extra-file=\/var\/tmp\/mhaflow\/\.x\.cnf --binary-mode/);
    const mysql = applyCommand({ ...target, flavor: 'mysql', clientBindir: '/opt/mysql/bin/' }, '/d', '/c', { kind: 'resume', pos: 9000, fde: { pos: 4000, size: 120 } });
    assert.match(mysql, /skip=4000 count=120 .*skip=9000 bs=4M; } \| \/opt\/mysql\/bin\/mysqlbinlog - \| \/opt\/mysql\/bin\/mysql /);
  });
  test('diff index header round-trips; the Format_description in force at a position', () => {
    const fdes = [{ pos: 4, size: 252 }, { pos: 5000, size: 252 }];
    const text = formatDiffIndex({ size: 1234, transactionStarts: [256, 400, 900], formatDescriptions: fdes }, 'a'.repeat(64));
    assert.deepEqual(parseDiffIndexHeader(text.split('\n')[0]!), { size: 1234, sha256: 'a'.repeat(64), transactions: 3, formatDescriptions: fdes });
    assert.deepEqual(text.split('\n').slice(1, 4), ['256', '400', '900']);
    assert.deepEqual(fdeAt(fdes, 4000), fdes[0]);
    assert.deepEqual(fdeAt(fdes, 5252), fdes[1]);
    assert.deepEqual(fdeAt(fdes, 5100), fdes[0]);
  });
});

const unavailable = throwawayUnavailable();
if (unavailable) process.stderr.write(`\n!!!! ship/apply tests against a throwaway sshd+mariadbd are SKIPPED: ${unavailable} !!!!\n\n`);

describe('ship and apply on a throwaway target host', { skip: unavailable ?? false, timeout: 120_000 }, () => {
  let host: ThrowawayHost;
  const target = (): ApplyTarget => ({ flavor: 'mariadb', host: host.ip, port: host.mysqlPort, user: 'applier', password: PASSWORD });

  before(async () => {
    host = await startThrowawayHost();
    // The client on the target connects from 127.0.0.1 (loopback source address): allow any host.
    host.sql(`CREATE USER 'applier'@'%' IDENTIFIED BY '${PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'; GRANT ALL ON *.* TO 'applier'@'%' WITH GRANT OPTION;`);
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await host?.stop();
  });
  /** Fixture sources, closed at the end (ship and tail leave closing to their caller). */
  const opened: LocalFileSource[] = [];
  const src = (file: string): LocalFileSource => {
    const s = source(file);
    opened.push(s);
    return s;
  };

  test('SFTP ranged reads of a remote binlog give the same events as the local file', async () => {
    const remote = await remoteFileSource(host.session, fixturePath(masterBinlogs[0]!));
    assert.equal(remote.name, `throwaway:${masterBinlogs[0]}`);
    const r = await BinlogReader.open(remote, { chunkSize: 1 << 20 });
    const positions: number[] = [];
    for await (const ev of r.events()) positions.push(ev.pos);
    await remote.close();
    assert.deepEqual(positions, (await readAll(masterBinlogs[0]!)).map((e) => e.pos));
  });

  test('relay-log lookup over SFTP from the replica host\'s relay-log.index', async () => {
    const relays = await remoteRelayLogs(host.session, fixturePath('relay-bin.index'));
    assert.equal(relays.length, relayLogs.length);
    for (const pair of manifest.relayPairs) {
      const found = await findRelayPosition({ relayLogs: relays, masterFile: pair.masterFile, masterPos: pair.masterPos });
      assert.deepEqual([found.relayFile, found.relayPos], [`throwaway:${pair.relayFile}`, pair.relayPos]);
    }
  });

  test('ship writes the diff with its sha256; a re-run reuses it; a changed file is rewritten', async () => {
    const plan = await binlogTail(src(masterBinlogs[0]!), 4);
    const path = `${host.dir}/work/m1.diff`;
    const first = await shipDiff(host.session, [{ plan, source: src(masterBinlogs[0]!) }], { remotePath: path });
    assert.equal(first.reused, false);
    assert.equal(first.size, plan.diffSize);
    assert.equal(await remoteSha256(host.session, path), first.sha256);
    assert.equal(first.transactions, 57);
    const mode = (await host.session.run(['stat', '-c', '%a', path])).trim();
    assert.equal(mode, '600');
    const again = await shipDiff(host.session, [{ plan, source: src(masterBinlogs[0]!) }], { remotePath: path });
    assert.equal(again.reused, true);
    assert.equal(again.sha256, first.sha256);
    // Same size, different bytes: not reused.
    await host.session.run(`printf 'X' | dd of=${path} bs=1 seek=300 conv=notrunc status=none`);
    const third = await shipDiff(host.session, [{ plan, source: src(masterBinlogs[0]!) }], { remotePath: path });
    assert.equal(third.reused, false);
    assert.equal(await remoteSha256(host.session, path), first.sha256);
    assert.equal((await host.session.run(['ls', `${host.dir}/work`])).split('\n').filter((f) => f.includes('.tmp-')).length, 0, 'no temp files left');
  });

  test('apply: every transaction, counted; sql_log_bin=0 keeps them out of the target binlog', async () => {
    const parts = [0, 1].map((i) => ({ file: masterBinlogs[i]! }));
    const plans = await Promise.all(parts.map((p) => binlogTail(src(p.file), 4)));
    const path = `${host.dir}/work/m12.diff`;
    const shipped = await shipDiff(host.session, plans.map((plan, i) => ({ plan, source: src(parts[i]!.file) })), { remotePath: path });
    assert.equal(shipped.transactions, 58);
    assert.equal(shipped.size, layoutDiff(plans).size);
    const gtidBefore = host.sql('SELECT @@gtid_binlog_pos');
    const r = await applyDiff(host.session, target(), { diffPath: path, sqlLogBin: false });
    assert.deepEqual({ total: r.total, skipped: r.skipped, applied: r.applied }, { total: 58, skipped: 0, applied: 58 });
    assert.equal(host.sql('SELECT COUNT(*) FROM fx.big'), '1000');
    assert.equal(host.sql('SELECT COUNT(*) FROM fx.m'), '2');
    assert.equal(host.sql('SELECT @@gtid_binlog_pos'), gtidBefore, 'nothing binlogged on the target');
    assert.equal((await host.session.run(['ls', '-a', `${host.dir}/work`])).split('\n').filter((f) => f.endsWith('.cnf')).length, 0, 'defaults file removed');
    const none = await applyDiff(host.session, target(), { diffPath: path, sqlLogBin: false, alreadyApplied: 58 });
    assert.equal(none.applied, 0);
  });

  test('a failure reports how many transactions were applied; the retry applies exactly the rest', async () => {
    // master-bin.000003 starts with statement-based INSERTs using INSERT_ID (Intvar): take the 5th one's id
    // and put a row there first, so its transaction (index 4) fails on a duplicate key.
    const file = masterBinlogs[2]!;
    const evs = await readAll(file, { decode: 'all' });
    const intvars = evs.filter((e) => e.typeCode === 5);
    const raw = (await import('node:fs')).readFileSync(fixturePath(file));
    const insertId = raw.readBigUInt64LE(intvars[4]!.pos + 19 + 1);
    const before = Number(host.sql('SELECT COUNT(*) FROM fx.t'));
    host.sql(`SET sql_log_bin=0; INSERT INTO fx.t (id, v, n) VALUES (${insertId}, 'conflict', 0)`);

    const plan = await binlogTail(src(file), 4);
    const path = `${host.dir}/work/m3.diff`;
    await shipDiff(host.session, [{ plan, source: src(file) }], { remotePath: path });
    let failure: ApplyError | undefined;
    try {
      await applyDiff(host.session, target(), { diffPath: path, sqlLogBin: true });
    } catch (e) {
      failure = e as ApplyError;
    }
    assert.ok(failure instanceof ApplyError, String(failure));
    assert.equal(failure.appliedBeforeFailure, 4, failure.message);
    assert.match(failure.message, /Duplicate entry/);
    assert.ok(!failure.message.includes('w0rd'));
    assert.equal(Number(host.sql('SELECT COUNT(*) FROM fx.t')), before + 1 + 4);
    assert.match(host.sql('SELECT @@gtid_binlog_pos'), /^0-91-62$/, 'sql_log_bin=1: the applied GTIDs are binlogged (59..62)');

    host.sql(`SET sql_log_bin=0; DELETE FROM fx.t WHERE id = ${insertId}`);
    const r = await applyDiff(host.session, target(), { diffPath: path, sqlLogBin: true, alreadyApplied: failure.appliedBeforeFailure });
    assert.equal(r.skipped, 4);
    assert.equal(r.applied, plan.transactions - 4);
    assert.equal(host.sql('SELECT @@gtid_binlog_pos'), '0-91-83,1-91-2');
    assert.equal(host.sql("SELECT COUNT(*) FROM fx.t WHERE v = 'xa'"), '1', 'the XA transaction was prepared and committed');
  });

  test('a two-part diff (CRC32 binlog + checksum-less binlog) resumes inside the second part with its own Format_description', async () => {
    const [f4, f5] = [masterBinlogs[3]!, masterBinlogs[4]!];
    const plans = [await binlogTail(src(f4), 4), await binlogTail(src(f5), 4)];
    // Make the CREATE TABLE fx.u group of the second part fail: the table already exists on the target.
    const groups = (await readAll(f5, { decode: 'all' })).filter((e) => e.typeCode === 162);
    const ddl = (await readAll(f5, { decode: 'all' })).find((e) => e.body?.kind === 'query' && /CREATE TABLE fx\.u/.test(e.body.sql))!;
    const k = groups.filter((g) => g.pos < ddl.pos).length - 1;
    host.sql('SET sql_log_bin=0; CREATE TABLE fx.u (id INT PRIMARY KEY)');
    const path = `${host.dir}/work/m45.diff`;
    const shipped = await shipDiff(host.session, [{ plan: plans[0]!, source: src(f4) }, { plan: plans[1]!, source: src(f5) }], { remotePath: path });
    assert.equal(shipped.transactions, 15 + 33);
    let failure: ApplyError | undefined;
    try {
      await applyDiff(host.session, target(), { diffPath: path, sqlLogBin: true });
    } catch (e) {
      failure = e as ApplyError;
    }
    assert.ok(failure instanceof ApplyError, String(failure));
    assert.equal(failure.appliedBeforeFailure, 15 + k, failure.message);
    host.sql('SET sql_log_bin=0; DROP TABLE fx.u');
    const r = await applyDiff(host.session, target(), { diffPath: path, sqlLogBin: true, alreadyApplied: failure.appliedBeforeFailure });
    assert.equal(r.applied, 48 - (15 + k));
    assert.ok(r.startPosition! > plans[0]!.diffSize, 'resumed inside the second part');
    assert.equal(host.sql('SELECT @@gtid_binlog_pos'), '0-91-131,1-91-2');
    assert.equal(host.sql("SELECT COUNT(*) FROM fx.t WHERE v = 'none-stmt'"), '1');
  });
});
