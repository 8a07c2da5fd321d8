// Entry of the prebuilt switchover bundle (scripts/build-cli.mjs): the switchover command alone, as `mhaflow switchover`
// registers it. bin/mhaflow.js runs it while it is newer than every source it was built from, else the TypeScript through tsx.
import type { CommandModule } from './commands';
import * as switchover from './commands/switchover';
import { runProgram } from './program';

export function main(argv: string[]): Promise<void> {
  return runProgram(argv, [switchover as CommandModule]);
}
