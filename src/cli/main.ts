// `mhaflow` command line. Each command family lives in its own module exporting register(program): see commands/.
import { commandModules, type CommandModule } from './commands';
import { runProgram } from './program';

/** The product's commands, and any the caller adds (bin/mhaflow.js: the lab's, when the checkout has them). */
export function main(argv: string[], more: CommandModule[] = []): Promise<void> {
  return runProgram(argv, [...commandModules, ...more]);
}
