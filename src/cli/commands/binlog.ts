// `mhaflow binlog ...`: see ../binlog.ts.
import type { Command } from 'commander';
import type { ListOptions } from '../binlog';
import { ConfigError } from '../../errors';

const impl = () => require('../binlog') as typeof import('../binlog');

function positionArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new ConfigError(`not a byte position: ${v}`, { hint: 'give a decimal offset such as 4 or 1047906' });
  return Number(v);
}

export function register(program: Command): void {
  const binlog = program.command('binlog').description('read MySQL/MariaDB binary and relay logs');
  binlog.command('list')
    .description('one line per event: position, end_log_pos, type, server_id, GTID (positions match mysqlbinlog\'s "# at")')
    .argument('<file>', 'a binary or relay log file')
    .option('--start-position <n>', 'first event to list (an event start)', positionArg)
    .option('--stop-position <n>', 'stop before this position', positionArg)
    .option('--json', 'a JSON array of events')
    .option('--no-verify', 'do not verify CRC32 checksums')
    .action((file: string, opts: ListOptions) => impl().listCommand(file, opts));
}
