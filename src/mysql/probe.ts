// Reach every configured server in parallel and read its state; unreachable servers are reported, not thrown.
// With each, the names it is known by and what they resolve to, and what its source's name resolves to: the
// facts the one resolution of "which server is this Source_Host" reads (src/topology/addresses.ts), as the
// check gathers them (src/mysql/discover.ts).
import type { ClusterConfig, ServerConfig } from '../config/schema';
import { errorMessage } from '../errors';
import type { ServerProbe } from '../topology/roles';
import { readServerState, withConnection } from './client';
import { resolveAddresses, serverAddresses } from './discover';

export async function probeServers(cfg: ClusterConfig, opts: { connectTimeoutMs?: number } = {}): Promise<ServerProbe[]> {
  return Promise.all(cfg.servers.map((s) => probeServer(cfg, s, opts)));
}

/** One server's probe: its state, or (state null) why it could not be read. */
export async function probeServer(cfg: ClusterConfig, s: ServerConfig, opts: { connectTimeoutMs?: number } = {}): Promise<ServerProbe> {
  const names = { name: s.name, host: s.host, port: s.port, aliases: s.aliases ?? [] };
  const addresses = serverAddresses(s);
  try {
    const state = await withConnection(cfg, s, (c) => readServerState(c, s), { connectTimeoutMs: opts.connectTimeoutMs });
    const sourceAddresses = state.replica ? await resolveAddresses(state.replica.sourceHost) : undefined;
    return { ...names, state, addresses: await addresses, ...(sourceAddresses ? { sourceAddresses } : {}) };
  } catch (e) {
    return { ...names, state: null, error: errorMessage(e), addresses: await addresses };
  }
}
