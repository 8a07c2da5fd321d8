// Running the command line over a set of command modules (main.ts: all of them; the failover bundle: one).
import { Command, CommanderError } from 'commander';
import { errorMessage, MhaflowError } from '../errors';
import type { CommandModule } from './commands';
import { exitWhenFlushed } from './exit';

export async function runProgram(argv: string[], modules: CommandModule[]): Promise<void> {
  const program = new Command('mhaflow')
    .description('MySQL/MariaDB master failover and switchover on Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const m of modules) m.register(program);
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
