// Secret references: "env:NAME" reads an environment variable of the worker, "file:PATH" a file
// (trailing newline dropped), "file:PATH#NAME" the line NAME=value of a secrets file holding several
// (what `config import-mha` writes). Only activities resolve them, just before connecting.
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../errors';

export function resolveSecret(ref: string, what: string): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = process.env[name];
    if (v === undefined) throw new ConfigError(`${what}: environment variable ${name} is not set on this worker`, {
      hint: `export ${name} in the worker's environment, or use a file: reference`,
    });
    return v;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    const keyed = splitKeyedRef(path);
    if (keyed) return readKeyedSecret(keyed.file, keyed.key, what);
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new ConfigError(`${what}: cannot read secret file ${path} (${(e as NodeJS.ErrnoException).code ?? e})`, {
        hint: 'make the file readable by the worker (mode 0600, owned by the worker user)',
      });
    }
  }
  throw new ConfigError(`${what}: not a secret reference`, { hint: 'use "env:NAME" or "file:PATH"' });
}

/**
 * "file:PATH#NAME" names one entry of a secrets file. A path that really exists with the "#NAME" in it
 * keeps its plain meaning (the whole file is the secret).
 */
export function splitKeyedRef(path: string): { file: string; key: string } | null {
  const m = /^(.+)#([A-Za-z_][A-Za-z0-9_]*)$/.exec(path);
  if (!m || existsSync(path)) return null;
  return { file: m[1]!, key: m[2]! };
}

/** Parse a secrets file: NAME=value lines (value verbatim to the end of the line), # comments. */
export function parseSecretsFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  return out;
}

/** Write a secrets file's text (the inverse of parseSecretsFile). */
export function formatSecretsFile(entries: Record<string, string>, header?: string): string {
  for (const [k, v] of Object.entries(entries)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad secret name ${k}`);
    if (/[\r\n]/.test(v)) throw new Error(`secret ${k} holds a line break`);
  }
  const head = header ? `${header.split('\n').map((l) => `# ${l}`).join('\n')}\n` : '';
  return `${head}${Object.entries(entries).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

function readKeyedSecret(file: string, key: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${what}: cannot read secrets file ${file} (${(e as NodeJS.ErrnoException).code ?? e})`, {
      hint: 'make the file readable by the worker (mode 0600, owned by the worker user)',
    });
  }
  const v = parseSecretsFile(text).get(key);
  if (v === undefined) throw new ConfigError(`${what}: secrets file ${file} has no line ${key}=...`, {
    hint: `add a line "${key}=<secret>" to ${file}, or point the reference at another secret`,
  });
  return v;
}
