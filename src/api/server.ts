// The HTTP API (`mhaflow api`): the clusters whose config files are in one directory, their failovers, switchovers and
// monitors through Temporal. A request names a cluster, never a config or a command. Bearer tokens at two levels
// (src/api/auth.ts). Errors are JSON { error, message } with 400 (naming the field), 401, 403, 404, 409 (with the run
// in the way and its link, or no monitor to signal), 503 (Temporal unreachable), never a stack. The OpenAPI document is
// built from the route schemas (src/api/schemas.ts) and served at /v1/openapi.json. The monitor's routes are in
// src/api/monitor.ts.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { listClusters, loadCluster } from '../config/registry';
import type { ClusterConfig } from '../config/schema';
import { failoverWorkflowId, type FailoverInput } from '../contracts/failover';
import { switchoverWorkflowId, type ApprovalAnswer, type SwitchoverInput, type SwitchoverProgress } from '../contracts/switchover';
import { errorMessage } from '../errors';
import { allows, levelOf, type Level, type Tokens } from './auth';
import { ApiError, clusterOrNotFound } from './errors';
import { apiMetrics, type ApiMetrics } from './metrics';
import * as monitorRoutes from './monitor';
import { isClusterRunId, TemporalUnavailable, type ClusterRuns, type RunInfo } from './runs';
import { routes, SHARED_SCHEMAS } from './schemas';

export interface ApiOptions {
  /** Where the clusters' config files are (the workers' MHAFLOW_CONFIG_DIR, or a copy of it). */
  configDir: string;
  tokens: Tokens;
  runs: ClusterRuns;
  metrics?: ApiMetrics;
  /** How long GET /v1/clusters/{cluster} waits for the topology (default 10 s). */
  topologyTimeoutMs?: number;
  /** fastify's logger (default off: the API logs nothing of the requests' bodies). */
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig { level?: Level | null }
}

const RUNNING = 'RUNNING';

/** 409 when a run of one of these ids is going on. */
async function refuseWhileRunning(runs: ClusterRuns, ids: { id: string; what: string }[]): Promise<void> {
  const found = await Promise.all(ids.map(async (x) => ({ ...x, run: await runs.describe(x.id) })));
  const busy = found.find((x) => x.run?.status === RUNNING);
  if (busy) {
    throw new ApiError(409, 'conflict', `a ${busy.what} of this cluster is running (${busy.id}): one change of master at a time; follow it at ${busy.run!.link}`,
      { workflowId: busy.id, link: busy.run!.link });
  }
}

const servers = (cfg: ClusterConfig) => cfg.servers.map((s) => ({ name: s.name, host: s.host, port: s.port }));

/** The field a validation error is about: the property named, or the last part of its path. */
function fieldOf(e: FastifyError): string | undefined {
  const v = e.validation?.[0] as { instancePath?: string; params?: { missingProperty?: string; additionalProperty?: string } } | undefined;
  return v?.params?.additionalProperty ?? v?.params?.missingProperty ?? (v?.instancePath ? v.instancePath.split('/').filter(Boolean).join('.') : undefined);
}

export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const { runs, tokens } = o;
  const metrics = o.metrics ?? apiMetrics(runs);
  const app = Fastify({
    logger: o.logger ?? false,
    // Strict bodies: an unknown or mistyped field is a 400 naming it, never dropped or converted silently.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'mhaflow HTTP API', version: '1',
        description: 'Switchovers, failovers and monitors of MySQL/MariaDB clusters, run as Temporal workflows. A request names a cluster, never a config or a command.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a read token (GET) or an operate token (GET and POST)' } } },
      tags: [{ name: 'clusters' }, { name: 'runs' }, { name: 'monitor' }, { name: 'service' }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.addHook('onRequest', async (req, reply) => {
    const need = req.routeOptions.config?.level;
    if (!need) return;
    const have = levelOf(tokens, req.headers.authorization);
    if (!have) {
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', 'a bearer token is required: Authorization: Bearer <token>');
    }
    if (!allows(have, need)) throw new ApiError(403, 'forbidden', 'this token may read, not operate: starting runs, answering approvals and steering the monitor need an operate token');
  });
  // A POST without a body is an empty one.
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && (req.body === undefined || req.body === null)) req.body = {};
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  app.setErrorHandler((e: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
    if (e instanceof ApiError) return reply.code(e.status).send({ error: e.code, message: e.message, ...e.extra });
    if (e.validation) {
      const field = fieldOf(e);
      return reply.code(400).send({ error: 'bad-request', message: `${e.validationContext ?? 'request'}: ${e.message}`, ...(field ? { field } : {}) });
    }
    if (e instanceof TemporalUnavailable) return reply.code(503).send({ error: 'unavailable', message: `${e.message}; try again once Temporal answers` });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode === 415 ? 400 : e.statusCode).send({ error: 'bad-request', message: e.message });
    }
    return reply.code(500).send({ error: 'internal', message: errorMessage(e) });
  });

  app.get('/healthz', { schema: routes.health }, async () => ({ status: 'ok' }));

  app.get('/metrics', { schema: routes.metrics, config: { level: 'read' } }, async (_req, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.registry.contentType).send(text);
  });

  app.get('/v1/openapi.json', { schema: { ...routes.openapi, hide: true } }, async () => app.swagger());

  app.get('/v1/clusters', { schema: routes.clusters, config: { level: 'read' } }, async () => ({
    clusters: listClusters(o.configDir).map((c) => {
      try {
        return { name: c.name, servers: servers(loadCluster(c.name, o.configDir).cfg) };
      } catch (e) {
        return { name: c.name, error: errorMessage(e) };
      }
    }),
  }));

  app.get<{ Params: { cluster: string }; Querystring: { topology?: 'true' | 'false' } }>('/v1/clusters/:cluster',
    { schema: routes.cluster, config: { level: 'read' } }, async (req) => {
      const { cfg } = clusterOrNotFound(o.configDir, req.params.cluster);
      const [lastFailover, lastSwitchover] = await Promise.all([runs.lastRun('failover', cfg.cluster), runs.lastRun('switchover', cfg.cluster)]);
      let topology: unknown = null;
      let topologyError: string | undefined;
      if (req.query.topology !== 'false') {
        try {
          topology = await runs.topology(cfg.cluster, o.topologyTimeoutMs ?? 10_000);
        } catch (e) {
          if (e instanceof TemporalUnavailable) throw e;
          topologyError = `the topology could not be read through the workers: ${errorMessage(e)}`;
        }
      }
      return { name: cfg.cluster, servers: servers(cfg), topology, ...(topologyError ? { topologyError } : {}), lastFailover, lastSwitchover };
    });

  app.post<{ Params: { cluster: string }; Body: Omit<SwitchoverInput, 'cluster'> }>('/v1/clusters/:cluster/switchover',
    { schema: routes.switchover, config: { level: 'operate' } }, async (req, reply) => {
      const { cfg, digest } = clusterOrNotFound(o.configDir, req.params.cluster);
      if (!req.body.dryRun) {
        await refuseWhileRunning(runs, [{ id: switchoverWorkflowId(cfg.cluster), what: 'switchover' }, { id: failoverWorkflowId(cfg.cluster), what: 'failover' }]);
      }
      const r = await runs.startSwitchover({ ...req.body, cluster: cfg.cluster, configDigest: digest });
      return reply.code(202).send({ ...r, status: 'started' });
    });

  app.post<{ Params: { cluster: string }; Body: Omit<FailoverInput, 'cluster'> }>('/v1/clusters/:cluster/failover',
    { schema: routes.failover, config: { level: 'operate' } }, async (req, reply) => {
      const { cfg, digest } = clusterOrNotFound(o.configDir, req.params.cluster);
      if (!req.body.dryRun) {
        await refuseWhileRunning(runs, [{ id: failoverWorkflowId(cfg.cluster), what: 'failover' }, { id: switchoverWorkflowId(cfg.cluster), what: 'switchover' }]);
      }
      const r = await runs.startFailover({ ...req.body, cluster: cfg.cluster, configDigest: digest });
      return reply.code(202).send({ ...r, status: 'started' });
    });

  const runOrNotFound = async (id: string): Promise<RunInfo> => {
    const run = isClusterRunId(id) ? await runs.describe(id) : null;
    if (!run) throw new ApiError(404, 'not-found', `no failover or switchover run ${id}`);
    return run;
  };

  app.get<{ Params: { id: string } }>('/v1/workflows/:id', { schema: routes.workflow, config: { level: 'read' } }, async (req) => {
    const run = await runOrNotFound(req.params.id);
    const progress = await runs.progress(run.workflowId);
    const ended = run.status === RUNNING ? {} : await runs.outcome(run.workflowId);
    return { run, progress, ...ended };
  });

  const answer = (approved: boolean) => async (req: FastifyRequest<{ Params: { id: string }; Body: ApprovalAnswer }>, reply: FastifyReply) => {
    const run = await runOrNotFound(req.params.id);
    if (run.kind !== 'switchover') throw new ApiError(409, 'conflict', `${run.workflowId} is a ${run.kind}: only a switchover waits for approval`, { workflowId: run.workflowId, link: run.link });
    const p = run.status === RUNNING ? (await runs.progress(run.workflowId)) as SwitchoverProgress | null : null;
    if (!p?.awaitingApproval) {
      throw new ApiError(409, 'conflict', `${run.workflowId} is not waiting for approval (${run.status === RUNNING ? `now: ${p?.current ?? 'between steps'}` : run.status.toLowerCase()})`,
        { workflowId: run.workflowId, link: run.link });
    }
    await runs.answer(run.workflowId, approved, req.body);
    return reply.code(202).send({ workflowId: run.workflowId, answer: approved ? 'approve' : 'reject' });
  };
  app.post('/v1/workflows/:id/approve', { schema: routes.answer, config: { level: 'operate' } }, answer(true));
  app.post('/v1/workflows/:id/reject', { schema: routes.answer, config: { level: 'operate' } }, answer(false));

  monitorRoutes.register(app, { runs, configDir: o.configDir });

  return app;
}

