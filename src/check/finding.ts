// Building findings, and the few phrases every rule words the same way.
import type { ReplicaStatus } from '../mysql/status';
import type { CheckCode, CheckFinding } from './types';

export function problem(code: CheckCode, server: string | null, what: string, fix: string, servers?: string[]): CheckFinding {
  return { code, severity: 'problem', server, ...(servers ? { servers } : {}), what, fix };
}

export function warning(code: CheckCode, server: string | null, what: string, fix: string, servers?: string[]): CheckFinding {
  return { code, severity: 'warning', server, ...(servers ? { servers } : {}), what, fix };
}

/** "a", "a and b", "a, b and c". */
export function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** " (channel 'name')" for a named MariaDB connection or MySQL channel, else "". */
export function channelLabel(ch: ReplicaStatus): string {
  const n = ch.connectionName ?? ch.channelName;
  return n ? ` (channel '${n}')` : '';
}

/** The directory of a path ("/" for a file at the root). */
export function dirOf(p: string): string {
  const d = p.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
  return d === '' ? '/' : d;
}

export const sameDir = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
