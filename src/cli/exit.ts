// Ending the process as soon as a command's output is out, instead of when the event loop runs dry.
import { exitCodeOf, type Outcome } from './exit-codes';

/** Resolves once everything written so far to stdout and stderr has been handed to the OS (a pipe's reader may be slow). */
export function flushOutput(): Promise<void> {
  const flushed = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => {
    if (s.destroyed || !s.writable) resolve();
    else s.write('', () => resolve()); // called after every earlier write (or with the error that ended the stream)
  });
  return Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => undefined);
}

/**
 * Exit with `code` (default process.exitCode) once the output is written. After a command that talked to
 * Temporal has printed its result, closing the gRPC channel and waiting out its timers would take ~0.3 s more.
 */
export async function exitWhenFlushed(code?: number): Promise<never> {
  await flushOutput();
  process.exit(code ?? process.exitCode); // not process.exit(undefined): that exits 0
}

/** Exit with the code of the outcome a command returned (exit-codes.ts), once the output is written. */
export function exitWith(outcome: Outcome): Promise<never> {
  return exitWhenFlushed(exitCodeOf(outcome));
}
