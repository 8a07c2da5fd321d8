// `mhaflow` command line. Each command family lives in its own module exporting register(program): see commands/.
import { commandModules } from './commands';
import { runProgram } from './program';

export function main(argv: string[]): Promise<void> {
  return runProgram(argv, commandModules);
}
