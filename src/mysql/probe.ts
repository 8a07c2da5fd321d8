// Reach every configured server in parallel and read its state; unreachable servers are reported, not thrown.
import type { ClusterConfig } from '../config/schema';
import { errorMessage } from '../errors';
import type { ServerProbe } from '../topology/roles';
import { readServerState, withConnection } from './client';

export async function probeServers(cfg: ClusterConfig, opts: { connectTimeoutMs?: number } = {}): Promise<ServerProbe[]> {
  return Promise.all(cfg.servers.map(async (s): Promise<ServerProbe> => {
    try {
      const state = await withConnection(cfg, s, (c) => readServerState(c, s), { connectTimeoutMs: opts.connectTimeoutMs });
      return { name: s.name, host: s.host, port: s.port, state };
    } catch (e) {
      return { name: s.name, host: s.host, port: s.port, state: null, error: errorMessage(e) };
    }
  }));
}
