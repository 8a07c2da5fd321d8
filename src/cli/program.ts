// Running the command line over a set of command modules (main.ts: all of them; the failover bundle: one).
// Every command ends with an outcome and its exit code (exit-codes.ts); an error is one clear line on
// stderr and, with --json, an { outcome, exitCode, error } object on stdout.
import { Command, CommanderError, Option } from 'commander';
import { errorMessage } from '../errors';
import type { CommandModule } from './commands';
import { exitWhenFlushed } from './exit';
import { CommandError, exitCodeOf, exitCodesHelp, outcomeFields, outcomeOf } from './exit-codes';

/**
 * How to reach Temporal, for every command (the worker's and the API's too): each flag sets the variable
 * src/temporal/config.ts reads, the names the temporal CLI uses. The API key is never a flag (argv is
 * visible to every user of the machine): TEMPORAL_API_KEY, or a file.
 */
const TEMPORAL_FLAGS: [Option, string][] = [
  [new Option('--temporal-address <host:port>', 'Temporal frontend (gRPC)'), 'TEMPORAL_ADDRESS'],
  [new Option('--temporal-namespace <ns>', 'Temporal namespace'), 'TEMPORAL_NAMESPACE'],
  [new Option('--tls', 'connect to Temporal with TLS (implied by the other --tls-* options and an API key)'), 'TEMPORAL_TLS'],
  [new Option('--tls-ca <file>', 'CA certificate that signed the Temporal server\'s certificate'), 'TEMPORAL_TLS_CA_PATH'],
  [new Option('--tls-cert <file>', 'client certificate for mTLS'), 'TEMPORAL_TLS_CERT_PATH'],
  [new Option('--tls-key <file>', 'client private key for mTLS'), 'TEMPORAL_TLS_KEY_PATH'],
  [new Option('--tls-server-name <name>', 'server name to verify the certificate against (default: the address\'s host)'), 'TEMPORAL_TLS_SERVER_NAME'],
  [new Option('--api-key-file <file>', 'file holding the Temporal API key (or set TEMPORAL_API_KEY)'), 'TEMPORAL_API_KEY_FILE'],
];

export async function runProgram(argv: string[], modules: CommandModule[]): Promise<void> {
  const program = new Command('mhaflow')
    .description('MySQL/MariaDB master failover and switchover on Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const [option] of TEMPORAL_FLAGS) program.addOption(option.helpGroup('Connecting to Temporal (also TEMPORAL_* variables):'));
  program.hook('preAction', (cmd) => {
    const o = cmd.optsWithGlobals() as Record<string, string | boolean | undefined>;
    for (const [option, env] of TEMPORAL_FLAGS) {
      const v = o[option.attributeName()];
      if (v !== undefined) process.env[env] = v === true ? 'true' : String(v);
    }
  });
  for (const m of modules) m.register(program);
  for (const c of [program, ...program.commands]) c.addHelpText('after', exitCodesHelp());
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode === 0) await exitWhenFlushed(0); // --help, --version
    const outcome = outcomeOf(e);
    // commander already printed its message (and the help).
    if (!(e instanceof CommanderError)) {
      // Clear message first: which server, what is wrong, what to do. Stack only on request.
      process.stderr.write(`mhaflow: ${errorMessage(e)}\n`);
      if (process.env.MHAFLOW_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    }
    if (argv.includes('--json')) {
      const data = e instanceof CommandError ? e.data : {};
      process.stdout.write(`${JSON.stringify({ ...outcomeFields(outcome), error: errorMessage(e), ...data }, null, 2)}\n`);
    }
    await exitWhenFlushed(exitCodeOf(outcome));
  }
}
