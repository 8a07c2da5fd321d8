// How every mhaflow command ends, as an outcome with an exit code scripts can trust (the README lists them).
// A command returns its outcome (or throws; outcomeOf() reads the error), and `--json` output carries the
// same outcome as a field. Loaded when the commands are registered: plain values, no dependency.
import { ConfigError, MhaflowError, RefusedError, SafetyError, TemporalContactLostError, TemporalUnreachableError, type ErrorDetails } from '../errors';

export const OUTCOMES = {
  /** Done, nothing lost. `check`: safe to fail over. */
  completed: { code: 0, meaning: 'completed (check: safe to fail over)' },
  /** It went wrong after it had started changing things: the output says what was done. */
  failed: { code: 1, meaning: 'failed partway: what was done is printed (and in the workflow\'s history)' },
  /** A precondition did not hold: nothing was changed. `check`: not safe to fail over. */
  refused: { code: 2, meaning: 'refused: nothing was changed (check: not safe to fail over)' },
  /** Done, but transactions that existed only on the dead master could not be recovered: the report lists them. */
  'completed-unrecoverable': { code: 3, meaning: 'completed with unrecoverable transactions: the report\'s "unrecoverable" lists them' },
  /** The command line or a config file is wrong: nothing was started. */
  'bad-input': { code: 4, meaning: 'bad input: an option, argument or config file is wrong; nothing was started' },
  /** Temporal did not answer: nothing was started. */
  'temporal-unreachable': { code: 5, meaning: 'Temporal unreachable: nothing was started' },
  /** Temporal stopped answering while the command followed its workflow: the workflow goes on without it. */
  'temporal-lost': { code: 6, meaning: 'lost contact with Temporal: the workflow goes on; the output says how to follow it' },
  /** Done, but not whole: replicas were left out (each listed, with what to do), or the dead master was not fenced. */
  'completed-degraded': { code: 7, meaning: 'completed, but replicas were left out or the old master was not fenced: the report says which and what to do' },
} as const;

export type Outcome = keyof typeof OUTCOMES;

export function exitCodeOf(outcome: Outcome): number {
  return OUTCOMES[outcome].code;
}

/** An error that says how the command ended, and what `--json` should carry besides. */
export class CommandError extends MhaflowError {
  readonly data: Record<string, unknown>;
  constructor(readonly outcome: Outcome, message: string, details: ErrorDetails & { data?: Record<string, unknown> } = {}) {
    super(message, details);
    this.data = details.data ?? {};
  }
}

/** The outcome a thrown error stands for. */
export function outcomeOf(e: unknown): Outcome {
  if (e instanceof CommandError) return e.outcome;
  // commander's own errors: a wrong option or argument (help and --version exit 0 before this).
  if (e instanceof Error && e.name === 'CommanderError') return 'bad-input';
  if (e instanceof ConfigError) return 'bad-input';
  if (e instanceof RefusedError || e instanceof SafetyError) return 'refused';
  if (e instanceof TemporalContactLostError) return 'temporal-lost';
  if (e instanceof TemporalUnreachableError) return 'temporal-unreachable';
  return 'failed';
}

/** The fields `--json` output carries: { outcome, exitCode, ... }. */
export function outcomeFields(outcome: Outcome): { outcome: Outcome; exitCode: number } {
  return { outcome, exitCode: exitCodeOf(outcome) };
}

/** The exit codes as `--help` lists them (every command's help ends with them). */
export function exitCodesHelp(): string {
  return `\nExit codes:\n${Object.entries(OUTCOMES).map(([name, o]) => `  ${o.code}  ${name.padEnd(24)} ${o.meaning}`).join('\n')}\n`;
}
