// `mhaflow demo`: see ../demo.ts.
import type { Command } from 'commander';

const impl = () => require('../demo') as typeof import('../demo');

export function register(program: Command): void {
  const d = program.command('demo')
    .description('a real failover on the embedded lab, end to end, with verification of every acknowledged transaction')
    .option('--mode <mode>', 'filepos or gtid', 'filepos')
    .action((o: { mode: string }) => impl().demoCommand(o));
  d.command('down').description('stop the demo worker, the lab and the Temporal server').action(() => impl().downCommand());
}
