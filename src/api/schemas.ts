// The HTTP API's request and response shapes, as JSON Schema: fastify validates requests with them (400 names the
// field) and @fastify/swagger builds the OpenAPI document (/v1/openapi.json) from them. One place for both.

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });
/** "30s", "10m", or seconds. */
const duration = { anyOf: [{ type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' }, { type: 'number', minimum: 0 }] } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

export const errorBody = {
  $id: 'Error',
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', enum: ['bad-request', 'unauthorized', 'forbidden', 'not-found', 'conflict', 'unavailable', 'internal'] },
    message: str,
    /** 400: the field that is wrong. */
    field: str,
    /** 409: the run in the way, and its Temporal UI page. */
    workflowId: str,
    link: str,
  },
} as const;

export const runInfo = {
  $id: 'Run',
  type: 'object',
  required: ['workflowId', 'runId', 'kind', 'status', 'link'],
  properties: {
    workflowId: str, runId: str, kind: str, status: str, phase: nullable(str), cluster: nullable(str),
    startTime: nullable(str), closeTime: nullable(str), link: str,
  },
} as const;

export const started = {
  $id: 'Started',
  type: 'object',
  required: ['workflowId', 'runId', 'link'],
  properties: { workflowId: str, runId: str, link: str, status: { type: 'string', enum: ['started'] } },
} as const;

const server = { type: 'object', properties: { name: str, host: str, port: { type: 'integer' } } } as const;

export const SHARED_SCHEMAS = [errorBody, runInfo, started];

const ref = (id: string) => ({ $ref: `${id}#` });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ref('Error')]));
const secured = [{ bearer: [] }];
const clusterParam = { type: 'object', required: ['cluster'], properties: { cluster: { type: 'string', description: 'the cluster\'s name (its config\'s `cluster:`)' } } } as const;
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'a workflow id: failover:<cluster>, switchover:<cluster>' } } } as const;

// The monitor's view (src/monitor/control.ts MonitorView, src/contracts/monitor.ts MonitorStatus): the fields named
// here are typed; the rest of the status (evidence, verdict, failovers, events, settings) passes as it is.
const warning = {
  type: 'object',
  properties: { code: str, severity: { type: 'string', enum: ['problem', 'warning'] }, server: nullable(str), what: str, fix: str },
} as const;
const pingResult = {
  type: 'object', additionalProperties: true, description: 'one ping of the master: when, ok, how long, the error when it failed',
  properties: { at: str, ok: bool, ms: { type: 'number' } },
} as const;
const monitorStatus = {
  type: 'object', additionalProperties: true, description: 'the monitor\'s status query (the last one, once it ended)',
  properties: {
    cluster: str, workflowId: str,
    state: { type: 'string', description: 'starting, watching, suspect, master-dead, failing-over, failover-refused, no-master, config-error, stopped' },
    paused: nullable({ type: 'object', properties: { since: str, reason: str } }),
    master: nullable(str), lastPing: nullable(pingResult), warnings: { type: 'array', items: warning },
  },
} as const;
const watchHeartbeat = {
  type: 'object', additionalProperties: true, description: 'the running watch\'s last heartbeat: its last ping and warnings, fresher than the query\'s',
  properties: { master: nullable(str), lastPing: nullable(pingResult), checkedAt: nullable(str), warnings: { type: 'array', items: warning } },
} as const;
const monitorView = {
  type: 'object',
  required: ['cluster', 'workflowId', 'link', 'running', 'execution', 'status', 'watch', 'historyLength'],
  properties: {
    cluster: str, workflowId: str, link: nullable(str), running: bool,
    execution: { type: 'string', description: 'Temporal\'s status of its latest run (RUNNING, COMPLETED, TERMINATED...), NOT_STARTED when it never ran' },
    status: nullable(monitorStatus), watch: nullable(watchHeartbeat), historyLength: { type: 'integer' },
  },
} as const;
const monitorSignalled = { type: 'object', required: ['workflowId', 'signal'], properties: { workflowId: str, signal: str, link: str } } as const;
const reason = { type: 'string', maxLength: 2000, description: 'why: shown in the status and the UI' } as const;
const monitorSignalRoute = (summary: string, body: object) => ({
  tags: ['monitor'], summary, security: secured, params: clusterParam, body,
  response: { 202: monitorSignalled, ...errors(400, 401, 403, 404, 409, 503) },
});
const noBody = { type: 'object', additionalProperties: false, properties: {} } as const;

export const routes = {
  health: { tags: ['service'], summary: 'the API answers', response: { 200: { type: 'object', properties: { status: str } } } },
  metrics: {
    tags: ['service'], summary: 'Prometheus text: runs, outcomes and durations by cluster and kind', security: secured,
    response: { 200: { type: 'string' }, ...errors(401, 503) },
  },
  openapi: { tags: ['service'], summary: 'this document', response: { 200: anyObject } },
  clusters: {
    tags: ['clusters'], summary: 'the clusters this API serves (the config files in its directory)', security: secured,
    response: {
      200: {
        type: 'object',
        properties: { clusters: { type: 'array', items: { type: 'object', properties: { name: str, servers: { type: 'array', items: server }, error: str } } } },
      },
      ...errors(401),
    },
  },
  cluster: {
    tags: ['clusters'], summary: 'a cluster: its servers, its topology now, its last failover and switchover', security: secured,
    params: clusterParam,
    querystring: { type: 'object', additionalProperties: false, properties: { topology: { type: 'string', enum: ['true', 'false'], description: 'read the topology (default true)' } } },
    response: {
      200: {
        type: 'object',
        properties: {
          name: str, servers: { type: 'array', items: server }, topology: nullable(anyObject), topologyError: str,
          lastFailover: nullable(ref('Run')), lastSwitchover: nullable(ref('Run')),
        },
      },
      ...errors(400, 401, 404, 503),
    },
  },
  switchover: {
    tags: ['runs'], summary: 'start a switchover (202: its workflow id and Temporal UI link; 409: a switchover or a failover of the cluster runs)', security: secured,
    params: clusterParam,
    body: {
      type: 'object', additionalProperties: false,
      properties: {
        newMaster: { type: 'string', minLength: 1, description: 'the server to promote (name, host or host:port); default: the best candidate' },
        origMasterIsNewReplica: { type: 'boolean', description: 'the old master replicates from the new one (default true)' },
        approval: { type: 'boolean', description: 'wait for POST /v1/workflows/{id}/approve (or reject) before changing anything' },
        approvalTimeout: duration, waitTimeout: duration,
        lagThresholdSeconds: { type: 'number', minimum: 0 }, runningUpdatesLimitSeconds: { type: 'number', minimum: 0 },
        dryRun: bool,
      },
    },
    response: { 202: ref('Started'), ...errors(400, 401, 403, 404, 409, 503) },
  },
  failover: {
    tags: ['runs'], summary: 'start a failover of a dead master (202: its workflow id and Temporal UI link; 409: a failover or a switchover runs)', security: secured,
    params: clusterParam,
    body: {
      type: 'object', additionalProperties: false,
      properties: { deadMaster: { type: 'string', minLength: 1 }, newMaster: { type: 'string', minLength: 1 }, ignoreLastFailover: bool, dryRun: bool },
    },
    response: { 202: ref('Started'), ...errors(400, 401, 403, 404, 409, 503) },
  },
  workflow: {
    tags: ['runs'], summary: 'a run: its status, progress (steps) and, once ended, its report or failure', security: secured,
    params: idParam,
    response: {
      200: {
        type: 'object',
        properties: { run: ref('Run'), progress: nullable(anyObject), result: anyObject, failure: str },
      },
      ...errors(401, 404, 503),
    },
  },
  answer: {
    tags: ['runs'], summary: 'answer a switchover plan that waits for approval (409 when none waits)', security: secured,
    params: idParam,
    body: { type: 'object', additionalProperties: false, properties: { by: { type: 'string', maxLength: 200 }, reason: { type: 'string', maxLength: 2000 } } },
    response: { 202: { type: 'object', properties: { workflowId: str, answer: str } }, ...errors(400, 401, 403, 404, 409, 503) },
  },
  monitor: {
    tags: ['monitor'], summary: 'the cluster\'s monitor: running or not, its state, master, last ping, warnings, pause (running: false when none runs)',
    security: secured, params: clusterParam,
    response: { 200: monitorView, ...errors(401, 404, 503) },
  },
  monitorStart: {
    tags: ['monitor'], summary: 'start the cluster\'s monitor, or attach to the running one (started: false)', security: secured,
    params: clusterParam,
    body: {
      type: 'object', additionalProperties: false,
      properties: { paused: { type: 'object', additionalProperties: false, description: 'start paused (maintenance: no automatic failover)', properties: { reason } } },
    },
    response: {
      202: { type: 'object', required: ['workflowId', 'runId', 'link', 'started'], properties: { workflowId: str, runId: str, link: str, started: bool } },
      ...errors(400, 401, 403, 404, 503),
    },
  },
  monitorPause: monitorSignalRoute('pause the monitor (maintenance: it keeps watching and reporting, never fails over; 409 when none runs)',
    { type: 'object', additionalProperties: false, properties: { reason } }),
  monitorResume: monitorSignalRoute('resume the monitor (a dead master is judged again at once; 409 when none runs)', noBody),
  monitorReload: monitorSignalRoute('the monitor re-reads the cluster\'s config on the workers now (409 when none runs)', noBody),
  monitorStop: monitorSignalRoute('stop the monitor (a failover in progress finishes first; 409 when none runs)', noBody),
};
