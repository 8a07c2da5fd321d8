// The one pino logger. JSON by default; readable when stdout is a terminal (or MHAFLOW_LOG_PRETTY=1).
// Secrets never reach it by design (configs hold references), and redaction is the second guard.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'passwd', '*.passwd',
  'privateKey', '*.privateKey', '*.*.privateKey', 'passphrase', '*.passphrase',
  'secret', '*.secret', 'key', 'ssh.key', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization',
];

function wantPretty(): boolean {
  if (process.env.MHAFLOW_LOG_PRETTY === '1') return true;
  if (process.env.MHAFLOW_LOG_PRETTY === '0') return false;
  return Boolean(process.stderr.isTTY);
}

export function createLogger(opts: { name?: string; level?: string; pretty?: boolean; destination?: number; stream?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.MHAFLOW_LOG_LEVEL ?? 'info';
  const base = { name: opts.name ?? 'mhaflow', level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  if (opts.stream) return pino(base, opts.stream);
  if (opts.pretty ?? wantPretty()) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: opts.destination ?? 2 },
      },
    });
  }
  return pino(base, pino.destination(opts.destination ?? 2));
}

let root: Logger | undefined;
export function logger(): Logger {
  root ??= createLogger();
  return root;
}
