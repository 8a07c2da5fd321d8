// Entry of the prebuilt check bundle (scripts/build-cli.mjs): the check command alone, as `mhaflow check` registers it.
// A script may run the check before every planned change: loading one file instead of compiling the CLI through
// tsx takes ~0.6 s off each. bin/mhaflow.js runs it while it is newer than every source it was built from.
import type { CommandModule } from './commands';
import * as check from './commands/check';
import { runProgram } from './program';

export function main(argv: string[]): Promise<void> {
  return runProgram(argv, [check as CommandModule]);
}
