// Which cluster a command is about: `--cluster NAME` (as the workers know it) or `--config FILE` (a config
// file naming it). Workflows only ever get the name; a file's digest goes along so the worker can refuse a
// copy that differs from the one the operator looked at.
import { resolve } from 'node:path';
import { loadClusterConfig } from '../config/load';
import { clusterConfigDir, configDigest, loadCluster } from '../config/registry';
import type { ClusterConfig } from '../config/schema';
import { ConfigError } from '../errors';

export interface ClusterOptions { cluster?: string; config?: string }

export interface TargetCluster {
  name: string;
  /** The digest of the config read here, when one was (the worker's copy must match). */
  digest?: string;
  /** The config read here: from --config, or from this machine's config directory for --cluster. */
  cfg?: ClusterConfig;
}

export function targetCluster(o: ClusterOptions): TargetCluster {
  if (Boolean(o.cluster) === Boolean(o.config)) {
    throw new ConfigError('name the cluster: --cluster NAME (as the workers know it) or --config FILE', { hint: 'e.g. --cluster app1' });
  }
  if (o.config) {
    const cfg = loadClusterConfig(resolve(o.config)); // clear errors before anything starts
    return { name: cfg.cluster, digest: configDigest(cfg), cfg };
  }
  try {
    const r = loadCluster(o.cluster!);
    return { name: r.cfg.cluster, digest: r.digest, cfg: r.cfg };
  } catch (e) {
    // Not on this machine: the workers have it (or say they do not).
    if (e instanceof ConfigError && /^no config for cluster/.test(e.message)) return { name: o.cluster! };
    throw e;
  }
}

/** The config itself, for what runs in this process (a local check). */
export function localConfig(t: TargetCluster): ClusterConfig {
  if (!t.cfg) throw new ConfigError(`no config for cluster ${t.name} in ${clusterConfigDir()} on this machine`, { hint: 'pass --config FILE, or set MHAFLOW_CONFIG_DIR' });
  return t.cfg;
}
