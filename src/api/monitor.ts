// The monitor's routes in the HTTP API, under /v1/clusters/{cluster}/monitor: its view (read), starting it and its
// signals pause, resume, reload and stop (operate). Everything goes through ClusterRuns, which calls
// src/monitor/control.ts as `mhaflow monitor` does. The caller names the cluster; the config is the API's copy (its
// digest goes with the start: a worker whose file differs refuses), never a config or a command from the request.
import type { FastifyInstance } from 'fastify';
import type { MonitorInput, PauseRequest } from '../contracts/monitor';
import { monitorWorkflowId } from '../contracts/monitor';
import { RefusedError } from '../errors';
import type { MonitorSignal } from '../monitor/control';
import { ApiError, clusterOrNotFound } from './errors';
import type { ClusterRuns } from './runs';
import { routes } from './schemas';

export interface MonitorRoutesOptions { runs: ClusterRuns; configDir: string }

type ClusterParams = { Params: { cluster: string } };
/** What a caller may set of the monitor's input: the rest (cluster, digest, carry, history limit) is the API's or the workflow's. */
type StartBody = Pick<MonitorInput, 'paused'>;

const SIGNAL_SCHEMAS = { pause: routes.monitorPause, resume: routes.monitorResume, reload: routes.monitorReload, stop: routes.monitorStop };

/** The reason shown when a pause through the API gives none. */
export const DEFAULT_PAUSE_REASON = 'paused through the HTTP API';

export function register(app: FastifyInstance, o: MonitorRoutesOptions): void {
  const { runs, configDir } = o;

  app.get<ClusterParams>('/v1/clusters/:cluster/monitor', { schema: routes.monitor, config: { level: 'read' } }, async (req) => {
    const { cfg } = clusterOrNotFound(configDir, req.params.cluster);
    return { cluster: cfg.cluster, ...(await runs.monitorView(cfg.cluster)) };
  });

  app.post<ClusterParams & { Body: StartBody }>('/v1/clusters/:cluster/monitor', { schema: routes.monitorStart, config: { level: 'operate' } },
    async (req, reply) => {
      const { cfg, digest } = clusterOrNotFound(configDir, req.params.cluster);
      const r = await runs.startMonitor({ ...(req.body.paused ? { paused: req.body.paused } : {}), cluster: cfg.cluster, configDigest: digest });
      return reply.code(202).send(r);
    });

  for (const signal of Object.keys(SIGNAL_SCHEMAS) as MonitorSignal[]) {
    app.post<ClusterParams & { Body: PauseRequest }>(`/v1/clusters/:cluster/monitor/${signal}`, { schema: SIGNAL_SCHEMAS[signal], config: { level: 'operate' } },
      async (req, reply) => {
        const { cfg } = clusterOrNotFound(configDir, req.params.cluster);
        const pause = signal === 'pause' ? { reason: req.body.reason ?? DEFAULT_PAUSE_REASON } : undefined;
        const r = await runs.signalMonitor(cfg.cluster, signal, pause).catch((e: unknown) => {
          if (!(e instanceof RefusedError)) throw e;
          throw new ApiError(409, 'conflict', `${e.message}: start it first (POST /v1/clusters/${cfg.cluster}/monitor)`, { workflowId: monitorWorkflowId(cfg.cluster) });
        });
        return reply.code(202).send({ ...r, signal });
      });
  }
}
