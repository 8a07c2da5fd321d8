// `mhaflow lab ...`: the local replication lab.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadClusterConfig } from '../config/load';
import { injectFault, FAULTS, restoreHost, type Fault } from '../lab/faults';
import { labDown, labUp } from '../lab/lab';
import { labPaths, type LabMode } from '../lab/layout';
import { labStatus } from '../lab/status';
import { runWriter } from '../lab/writer';
import { ConfigError } from '../errors';
import { formatTable } from './table';

const say = (m: string): void => { process.stderr.write(`${m}\n`); };

export function register(program: Command): void {
  const lab = program.command('lab').description('a local replication lab: 4 MariaDB hosts on 127.0.0.11-14, each with its own sshd');

  lab.command('up')
    .description('start (or reuse) the lab and write its cluster config')
    .option('--mode <mode>', 'filepos or gtid (MariaDB GTID, MASTER_USE_GTID=slave_pos)')
    .option('--fresh', 'rebuild from empty hosts even when the lab is up')
    .action(async (o: { mode?: string; fresh?: boolean }) => {
      if (o.mode && o.mode !== 'filepos' && o.mode !== 'gtid') throw new ConfigError(`--mode must be filepos or gtid, not ${o.mode}`);
      const t0 = Date.now();
      const r = await labUp({ mode: o.mode as LabMode | undefined, log: say, fresh: o.fresh });
      say(`lab ${r.reused ? 'already up' : 'up'} in ${r.mode} mode (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      process.stdout.write(`${r.configPath}\n`);
    });

  lab.command('down').description('stop every lab process, remove the aliases and the hosts\' data').action(async () => {
    await labDown({ log: say });
    say('lab down');
  });

  lab.command('status').option('--json', 'machine-readable').description('each host, its role, threads and coordinates').action(async (o: { json?: boolean }) => {
    const rows = await labStatus();
    if (o.json) { process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`); return; }
    const table: (string | number | null | undefined)[][] = [['host', 'address', 'role', 'mysqld', 'sshd', 'binlog', 'io/sql', 'read', 'exec', 'gtid']];
    for (const r of rows) {
      table.push([r.name, r.address, r.role + (r.role === 'replica' && r.readOnly === false ? '(read_only=OFF!)' : ''), r.mysqld, r.sshd, r.binlog,
        r.replication ? `${r.replication.io}/${r.replication.sql}${r.replication.delay ? ` delay=${r.replication.delay}s` : ''}` : undefined,
        r.replication?.read, r.replication?.exec, r.gtid || undefined]);
    }
    process.stdout.write(`${formatTable(table)}\n`);
    for (const r of rows) if (r.replication?.lastError) process.stdout.write(`${r.name}: replication error: ${r.replication.lastError}\n`);
  });

  lab.command('fault')
    .description(`inject a fault: ${FAULTS.join(', ')}`)
    .argument('<fault>', FAULTS.join('|'))
    .argument('<host>', 'db1..db4 or 127.0.0.11..14')
    .argument('[seconds]', 'for lag: the delay')
    .action(async (fault: string, host: string, seconds?: string) => {
      if (!(FAULTS as readonly string[]).includes(fault)) throw new ConfigError(`unknown fault ${fault}`, { hint: `one of ${FAULTS.join(', ')}` });
      say(await injectFault(fault as Fault, host, seconds));
    });

  lab.command('restore').argument('<host>').description('undo faults on a host').action(async (host: string) => say(await restoreHost(host)));

  lab.command('writer')
    .description('insert sequential ids through the writable master at a fixed rate; log every acknowledged id')
    .option('--rate <n>', 'transactions per second', '200')
    .requiredOption('--log <file>', 'append acknowledged ids here (one per line; "?id" for ids in doubt)')
    .option('--config <file>', 'cluster config', labPaths().clusterConfig)
    .option('--count <n>', 'stop after this many acknowledged ids')
    .option('--start-id <n>', 'first id', '1')
    .option('--duration <seconds>', 'stop after this many seconds')
    .action(async (o: { rate: string; log: string; config: string; count?: string; startId: string; duration?: string }) => {
      const cfg = loadClusterConfig(o.config);
      const ac = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
      if (o.duration) setTimeout(() => ac.abort(), Number(o.duration) * 1000).unref();
      const summary = await runWriter({
        cfg, user: 'app', password: readFileSync(`${labPaths().secretsDir}/app.pw`, 'utf8').trim(),
        rate: Number(o.rate), logFile: o.log, count: o.count ? Number(o.count) : undefined, startId: Number(o.startId),
        signal: ac.signal, onEvent: (e) => say(`writer: ${e}`),
      });
      say(`writer: ${summary.acknowledged} acknowledged (ids ${summary.firstId}..${summary.lastAcked}), ${summary.inDoubt.length} in doubt, ${summary.errors} errors`);
    });
}
