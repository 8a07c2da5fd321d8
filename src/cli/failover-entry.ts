// Entry of the prebuilt failover bundle (scripts/build-cli.mjs, run by `npm ci`): the failover command alone,
// the same registration and code as `mhaflow failover`, without the other commands. bin/mhaflow.js runs it
// for `mhaflow failover` when it is newer than every source file it was built from, else the TypeScript through tsx.
import type { CommandModule } from './commands';
import * as failover from './commands/failover';
import { runProgram } from './program';

export function main(argv: string[]): Promise<void> {
  return runProgram(argv, [failover as CommandModule]);
}
