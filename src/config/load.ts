// Loading and validating a cluster config. Every error names the file, the key path,
// what was found and what is expected; no stack traces reach the user.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors';
import { clusterSchema, type ClusterConfig } from './schema';

function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function keyPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

export function formatIssues(source: string, raw: unknown, issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => {
    const found = i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : `found ${describeFound(valueAt(raw, i.path))}`;
    const expected = i.code === 'unrecognized_keys' ? 'only documented keys (see README "Cluster config")' : i.message;
    return `${source}: ${keyPath(i.path)}: ${found}; expected ${expected}`;
  }).join('\n');
}

/** Paths in a config are relative to the config file; make them absolute so workers anywhere agree. */
function absolutize(cfg: ClusterConfig, baseDir: string): ClusterConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const ref = (r: string) => (r.startsWith('file:') ? `file:${abs(r.slice(5))}` : r);
  const hooks = { ...cfg.hooks };
  for (const k of ['masterIpFailover', 'masterIpOnlineChange', 'shutdown', 'report', 'secondaryCheck'] as const) {
    const h = hooks[k];
    // A hook is a command line; only resolve its first word when it looks like a relative path.
    if (h && /^\.{1,2}\//.test(h)) hooks[k] = abs(h);
  }
  return {
    ...cfg,
    mysql: { ...cfg.mysql, password: ref(cfg.mysql.password) },
    replication: { ...cfg.replication, password: ref(cfg.replication.password) },
    ssh: { ...cfg.ssh, key: abs(cfg.ssh.key), knownHosts: abs(cfg.ssh.knownHosts) },
    hooks,
  };
}

function checkUnique(cfg: ClusterConfig, source: string): void {
  const seen = new Map<string, string>();
  for (const [i, s] of cfg.servers.entries()) {
    for (const key of [`name ${s.name}`, `address ${s.host}:${s.port}`]) {
      const prev = seen.get(key);
      if (prev) throw new ConfigError(`${source}: servers[${i}]: ${key} is also used by ${prev}; expected each server once`, {
        hint: 'give every server a unique name and host:port',
      });
      seen.set(key, `servers[${i}]`);
    }
  }
}

/** Validate an already-parsed config object (from a file, a workflow input or the API). */
export function parseClusterConfig(raw: unknown, source = 'config', baseDir = process.cwd()): ClusterConfig {
  const r = clusterSchema.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(formatIssues(source, raw, r.error.issues), { hint: 'correct the keys listed above' });
  }
  checkUnique(r.data, source);
  return absolutize(r.data, baseDir);
}

export function loadClusterConfig(path: string): ClusterConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the cluster config (${(e as NodeJS.ErrnoException).code ?? e})`, {
      hint: 'pass --config with the path of a cluster YAML file (`npx mhaflow lab up` writes .lab/cluster.yml)',
    });
  }
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => `${file}: YAML syntax: ${e.message}`).join('\n'), { hint: 'fix the YAML syntax' });
  }
  return parseClusterConfig(doc.toJS(), file, dirname(file));
}

/** Workflows accept either a path (read on the worker) or the config object itself. */
export type ConfigSource = string | Record<string, unknown>;

export function resolveConfigSource(src: ConfigSource): ClusterConfig {
  return typeof src === 'string' ? loadClusterConfig(src) : parseClusterConfig(src, 'workflow input');
}
