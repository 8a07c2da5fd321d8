// `mhaflow temporal up|down|status`: see ../temporal.ts.
import type { Command } from 'commander';

const impl = () => require('../temporal') as typeof import('../temporal');

export function register(program: Command): void {
  const t = program.command('temporal').description('the Temporal dev server (SQLite file under .lab/temporal; UI on 8233)');
  t.command('up').description('start it (building the pinned CLI once when missing) and wait until it serves').action(() => impl().upCommand());
  t.command('down').description('stop it (history stays in the SQLite file)').action(() => impl().downCommand());
  t.command('status').action(() => impl().statusCommand());
}
