// `mhaflow lab ...`: see ../lab.ts.
import type { Command } from 'commander';
import { FAULTS } from '../../faults';
import { labPaths } from '../../layout';
import type { WriterOptions } from '../lab';

const impl = () => require('../lab') as typeof import('../lab');

export function register(program: Command): void {
  const lab = program.command('lab').description('a local replication lab: 4 MariaDB hosts on 127.0.0.11-14, each with its own sshd');

  lab.command('up')
    .description('start (or reuse) the lab and write its cluster config')
    .option('--mode <mode>', 'filepos or gtid (MariaDB GTID, MASTER_USE_GTID=slave_pos)')
    .option('--fresh', 'rebuild from empty hosts even when the lab is up')
    .option('--semi-sync', 'MariaDB semi-synchronous replication: the master acknowledges a commit once a replica has it (one ack, AFTER_SYNC, 1 h timeout)')
    .action((o: { mode?: string; fresh?: boolean; semiSync?: boolean }) => impl().upCommand(o));

  lab.command('down').description('stop every lab process, remove the aliases and the hosts\' data').action(() => impl().downCommand());

  lab.command('status').option('--json', 'machine-readable').description('each host, its role, threads and coordinates').action((o: { json?: boolean }) => impl().statusCommand(o));

  lab.command('fault')
    .description(`inject a fault: ${FAULTS.join(', ')}`)
    .argument('<fault>', FAULTS.join('|'))
    .argument('<host>', 'db1..db4 or 127.0.0.11..14')
    .argument('[seconds]', 'for lag: the delay')
    .action((fault: string, host: string, seconds?: string) => impl().faultCommand(fault, host, seconds));

  lab.command('restore').argument('<host>').description('undo faults on a host').action((host: string) => impl().restoreCommand(host));

  lab.command('writer')
    .description('insert sequential ids through the writable master at a fixed rate; log every acknowledged id')
    .option('--rate <n>', 'transactions per second', '200')
    .requiredOption('--log <file>', 'append acknowledged ids here (one per line; "?id" for ids in doubt)')
    .option('--config <file>', 'cluster config', labPaths().clusterConfig)
    .option('--count <n>', 'stop after this many acknowledged ids')
    .option('--start-id <n>', 'first id', '1')
    .option('--duration <seconds>', 'stop after this many seconds')
    .action((o: WriterOptions) => impl().writerCommand(o));
}
