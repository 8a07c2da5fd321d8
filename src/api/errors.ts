// The HTTP API's answers other than 2xx, and the one every cluster route starts with: the cluster named in the path,
// or a 404 naming the clusters there are. Shared by the server and the modules that add routes to it (the monitor's).
import { listClusters, loadCluster } from '../config/registry';
import type { ClusterConfig } from '../config/schema';
import { ConfigError } from '../errors';

/** An answer other than 2xx, with its body. */
export class ApiError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 409 | 503, readonly code: string, message: string, readonly extra: Record<string, string> = {}) {
    super(message);
  }
}

/** The config of the cluster a request names (read from the API's directory), or a 404. */
export function clusterOrNotFound(dir: string, name: string): { cfg: ClusterConfig; digest: string } {
  try {
    const r = loadCluster(name, dir);
    return { cfg: r.cfg, digest: r.digest };
  } catch (e) {
    if (e instanceof ConfigError && /^no config for cluster|is not a cluster name/.test(e.message)) {
      const known = listClusters(dir).map((c) => c.name);
      throw new ApiError(404, 'not-found', `no cluster ${name} here${known.length ? ` (clusters: ${known.join(', ')})` : ' (no cluster is configured)'}`);
    }
    throw e;
  }
}
