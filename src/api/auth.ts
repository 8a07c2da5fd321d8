// Bearer tokens at two levels: read (GET) and operate (POST: start a switchover or a failover, approve, reject, start
// and signal the monitor; an operate token reads too). Tokens are given as secret references (env:NAME, file:PATH, file:PATH#KEY), resolved once
// at start; compared in constant time, by their SHA-256, so neither their length nor their prefix leaks.
import { createHash, timingSafeEqual } from 'node:crypto';
import { resolveSecret } from '../config/secrets';
import { ConfigError } from '../errors';

export type Level = 'read' | 'operate';

export interface TokenRefs { read: string[]; operate: string[] }

export interface Tokens { read: Buffer[]; operate: Buffer[] }

const digest = (t: string) => createHash('sha256').update(t, 'utf8').digest();

/** Resolve the references; an empty token, or no operate token at all, is refused (an API nobody may operate is a mistake). */
export function loadTokens(refs: TokenRefs): Tokens {
  const load = (ref: string, what: string) => {
    const v = resolveSecret(ref, what).trim();
    if (v.length < 16) throw new ConfigError(`${what} (${ref}) is ${v.length ? 'shorter than 16 characters' : 'empty'}`, { hint: 'use a long random token, e.g. openssl rand -hex 32' });
    return digest(v);
  };
  if (!refs.operate.length) throw new ConfigError('the API needs at least one operate token', { hint: '--operate-token env:MHAFLOW_API_OPERATE_TOKEN (and --read-token for read-only clients)' });
  return { read: refs.read.map((r) => load(r, 'a read token')), operate: refs.operate.map((r) => load(r, 'an operate token')) };
}

/** The level a request's Authorization header grants: null when it has no valid bearer token. */
export function levelOf(tokens: Tokens, authorization: string | undefined): Level | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) return null;
  const d = digest(m[1]!);
  const match = (list: Buffer[]) => list.reduce((hit, t) => timingSafeEqual(t, d) || hit, false);
  if (match(tokens.operate)) return 'operate';
  if (match(tokens.read)) return 'read';
  return null;
}

/** Whether a level may do what `need` asks. */
export const allows = (have: Level, need: Level) => have === 'operate' || need === 'read';
