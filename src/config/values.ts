// What config values mean, apart from the schema that validates them: the workflows use these, and importing
// the schema would put zod in the workflow bundle, evaluated again for every workflow run the worker starts.
import type { ServerConfig } from './schema';

/** A duration of the config ("500ms", "3s", "5m", "8h", "1d", or a number of seconds) in milliseconds. */
export function durationMs(d: string | number): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** "host:port" is how servers are named on the command line and in MHA's messages. */
export function serverAddress(s: Pick<ServerConfig, 'host' | 'port'>): string {
  return `${s.host}:${s.port}`;
}
