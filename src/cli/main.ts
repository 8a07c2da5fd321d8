// `mhaflow` command line. Each command family lives in its own module exporting register(program): see commands/.
import { Command, CommanderError } from 'commander';
import { errorMessage, MhaflowError } from '../errors';
import { commandModules } from './commands';
import { exitWhenFlushed } from './exit';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mhaflow')
    .description('MySQL/MariaDB master failover and switchover on Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const m of commandModules) m.register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) await exitWhenFlushed(e.exitCode);
    // Clear message first: which server, what is wrong, what to do. Stack only on request.
    process.stderr.write(`mhaflow: ${errorMessage(e)}\n`);
    if (process.env.MHAFLOW_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    await exitWhenFlushed(e instanceof MhaflowError && e.nonRetryable ? 2 : 1);
  }
}
