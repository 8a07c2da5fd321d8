// `mhaflow` command line. Each command family lives in its own module exporting register(program).
import { Command, CommanderError } from 'commander';
import { errorMessage, MhaflowError } from '../errors';
import { commandModules } from './commands';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mhaflow')
    .description('MySQL/MariaDB master failover and switchover on Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const m of commandModules) m.register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    // Clear message first: which server, what is wrong, what to do. Stack only on request.
    process.stderr.write(`mhaflow: ${errorMessage(e)}\n`);
    if (process.env.MHAFLOW_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(e instanceof MhaflowError && e.nonRetryable ? 2 : 1);
  }
}
