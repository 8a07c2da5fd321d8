// The worker's clusters: callers (the CLI, the HTTP API, the temporal CLI) name a cluster; the worker
// resolves the name to a config file in its own directory. A config, and the hook commands it names, never
// come from a caller. The digest pins one version of a file for the length of a workflow: a config edited
// mid-failover is refused instead of mixing two topologies.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors';
import { loadClusterConfig } from './load';
import type { ClusterConfig } from './schema';

export const DEFAULT_CONFIG_DIR = '/etc/mhaflow/clusters';
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Where this process finds cluster configs: MHAFLOW_CONFIG_DIR, else /etc/mhaflow/clusters. */
export function clusterConfigDir(): string {
  return resolve(process.env.MHAFLOW_CONFIG_DIR || DEFAULT_CONFIG_DIR);
}

/** A cluster as a workflow carries it: its name and the digest of the config the workflow started with. */
export interface ClusterRef { name: string; digest: string }

export interface ResolvedCluster { cfg: ClusterConfig; path: string; digest: string }

/** sha256 of the validated config with sorted keys: the same file gives the same digest on every machine. */
export function configDigest(cfg: ClusterConfig): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(cfg))).digest('hex').slice(0, 16);
}

const YAML_FILE = /\.ya?ml$/;

type FileStamp = { mtimeMs: number; size: number };

/**
 * What `read` makes of a file, kept while its mtime and size stay: every activity looks its cluster up (parsing a YAML
 * file took 4-11 ms a time on the lab), and a changed file is read again.
 */
function keptWhileUnchanged<T>(kept: Map<string, FileStamp & { value: T }>, path: string, st: FileStamp, read: () => T): T {
  const hit = kept.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value;
  const value = read();
  kept.set(path, { mtimeMs: st.mtimeMs, size: st.size, value });
  return value;
}

/** The cluster name a YAML file declares, without validating the rest (for the directory index). */
function declaredName(path: string): string | null {
  try {
    const v = parseDocument(readFileSync(path, 'utf8')).toJS() as { cluster?: unknown } | null;
    return typeof v?.cluster === 'string' ? v.cluster : null;
  } catch {
    return null;
  }
}

const declaredNames = new Map<string, FileStamp & { value: string | null }>();

/** Every cluster config in `dir`: name -> file. Two files declaring one name is an error (which one runs?). */
export function listClusters(dir = clusterConfigDir()): { name: string; path: string }[] {
  if (!existsSync(dir)) return [];
  const seen = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => YAML_FILE.test(x)).sort()) {
    const path = join(dir, f);
    const st = statSync(path);
    if (!st.isFile()) continue;
    const name = keptWhileUnchanged(declaredNames, path, st, () => declaredName(path));
    if (!name) continue;
    const prev = seen.get(name);
    if (prev) throw new ConfigError(`${dir}: cluster ${name} is declared by both ${prev} and ${path}`, { hint: 'keep one file per cluster' });
    seen.set(name, path);
  }
  return [...seen].map(([name, path]) => ({ name, path }));
}

const resolvedConfigs = new Map<string, FileStamp & { value: ResolvedCluster }>();

function loadCached(path: string): ResolvedCluster {
  return keptWhileUnchanged(resolvedConfigs, path, statSync(path), () => {
    const cfg = loadClusterConfig(path);
    return { cfg, path, digest: configDigest(cfg) };
  });
}

/** The config of cluster `name` in `dir`: <dir>/<name>.yml (or .yaml), else the one file declaring that name. */
export function loadCluster(name: string, dir = clusterConfigDir()): ResolvedCluster {
  if (typeof name !== 'string' || !CLUSTER_NAME.test(name)) {
    throw new ConfigError(`"${String(name)}" is not a cluster name`, { hint: 'a cluster name is letters, digits, "_", "." or "-", as in the config\'s `cluster:` key' });
  }
  const direct = [`${name}.yml`, `${name}.yaml`].map((f) => join(dir, f)).find((p) => existsSync(p));
  const path = direct ?? listClusters(dir).find((c) => c.name === name)?.path;
  if (!path) {
    const known = listClusters(dir).map((c) => c.name);
    throw new ConfigError(`no config for cluster ${name} in ${dir} on this worker${known.length ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`, {
      hint: `put the cluster's YAML file in ${dir} on every worker (or start the worker with MHAFLOW_CONFIG_DIR pointing at the directory that holds it)`,
    });
  }
  const r = loadCached(path);
  if (r.cfg.cluster !== name) {
    throw new ConfigError(`${path} declares cluster ${r.cfg.cluster}, not ${name}`, { hint: 'name the file after the cluster it declares' });
  }
  return r;
}

/**
 * The config a workflow pinned: the worker's file must still have the digest the workflow started with.
 * A changed file fails the step without retry, naming both digests.
 */
export function clusterConfig(ref: ClusterRef, dir = clusterConfigDir()): ClusterConfig {
  const r = loadCluster(ref.name, dir);
  if (ref.digest && r.digest !== ref.digest) {
    throw new ConfigError(`the config of cluster ${ref.name} (${r.path}) changed since this workflow started (digest ${ref.digest}, now ${r.digest})`, {
      hint: 'a running workflow keeps the config it started with: restore that file, or let this run fail and start a new one',
    });
  }
  return r.cfg;
}
