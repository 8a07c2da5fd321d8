// Looking servers up in a cluster config, and what the config derives per server.
import { posix } from 'node:path';
import { ConfigError } from '../errors';
import type { ClusterConfig, ServerConfig } from './schema';

export function serverByName(cfg: ClusterConfig, name: string): ServerConfig {
  const s = cfg.servers.find((x) => x.name === name);
  if (!s) throw new ConfigError(`no server named ${name} in cluster ${cfg.cluster}`);
  return s;
}

/** Where one run's files live on a server's host: <remoteWorkdir>/<runKey> (the server's own workdir, else the cluster's). */
export function runDir(cfg: ClusterConfig, server: ServerConfig, runKey: string): string {
  return posix.join(server.remoteWorkdir ?? cfg.workdirs.remote, runKey);
}
