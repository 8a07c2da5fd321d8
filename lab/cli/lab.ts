// `mhaflow lab ...`: the local replication lab.
import { readFileSync } from 'node:fs';
import { loadClusterConfig } from '../../src/config/load';
import { injectFault, FAULTS, restoreHost, type Fault } from '../faults';
import { labDown, labUp } from '../lab';
import { labPaths, type LabMode } from '../layout';
import { labStatus } from '../status';
import { runWriter } from '../writer';
import { ConfigError } from '../../src/errors';
import { formatTable } from '../../src/cli/table';

const say = (m: string): void => { process.stderr.write(`${m}\n`); };

export async function upCommand(o: { mode?: string; fresh?: boolean; semiSync?: boolean }): Promise<void> {
  if (o.mode && o.mode !== 'filepos' && o.mode !== 'gtid') throw new ConfigError(`--mode must be filepos or gtid, not ${o.mode}`);
  const t0 = Date.now();
  const r = await labUp({ mode: o.mode as LabMode | undefined, semiSync: o.semiSync, log: say, fresh: o.fresh });
  say(`lab ${r.reused ? 'already up' : 'up'} in ${r.mode} mode${r.semiSync ? ' with semi-synchronous replication' : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  process.stdout.write(`${r.configPath}\n`);
}

export async function downCommand(): Promise<void> {
  await labDown({ log: say });
  say('lab down');
}

export async function statusCommand(o: { json?: boolean }): Promise<void> {
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
}

export async function faultCommand(fault: string, host: string, seconds?: string): Promise<void> {
  if (!(FAULTS as readonly string[]).includes(fault)) throw new ConfigError(`unknown fault ${fault}`, { hint: `one of ${FAULTS.join(', ')}` });
  say(await injectFault(fault as Fault, host, seconds));
}

export async function restoreCommand(host: string): Promise<void> {
  say(await restoreHost(host));
}

export interface WriterOptions { rate: string; log: string; config: string; count?: string; startId: string; duration?: string }

export async function writerCommand(o: WriterOptions): Promise<void> {
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
}
