// Temporal's HTTP API (the frontend's JSON gateway; 7243 by default, `temporal up` opens it) for commands
// that must start fast: the failover command starts its workflow, queries its progress and waits for its
// result here, without loading @temporalio/client (about 200 ms of start-up: gRPC and every protobuf
// type), which a failover cannot spare. Payloads go both ways as canonical json/plain payloads (base64):
// the gateway's "shorthand" rendering is lossy (an empty array comes back as null).
// Everything else, and this command when the HTTP API is not reachable, uses the gRPC client.
// A secured Temporal (TLS, mTLS, API key: src/temporal/config.ts) is reached over HTTPS with the same
// material, at TEMPORAL_HTTP_ADDRESS only: its HTTP port cannot be guessed, so without it the command uses gRPC.
import http from 'node:http';
import https from 'node:https';
import { ConnectionError } from '../errors';
import { readTls, temporalEndpoint, type TemporalEndpoint } from './config';

/** The gRPC port Temporal listens on by default; its HTTP API's default port is 7243 beside it. */
const DEFAULT_GRPC_PORT = '7233';

/**
 * Where the HTTP API is: TEMPORAL_HTTP_ADDRESS ("off": nowhere), else port 7243 on the gRPC host when that
 * is Temporal's default port 7233 on a plain connection; otherwise nowhere (null: gRPC only). A server on
 * another port (a test's private one) must not be confused with the default server's HTTP API next door.
 */
export function temporalHttpAddress(ep: Pick<TemporalEndpoint, 'address' | 'tls' | 'apiKey'> = temporalEndpoint()): string | null {
  const v = process.env.TEMPORAL_HTTP_ADDRESS;
  if (v === 'off' || v === '') return null;
  if (v) return v;
  if (ep.tls || ep.apiKey) return null;
  const m = /^(.*):(\d+)$/.exec(ep.address);
  if (!m || m[2] !== DEFAULT_GRPC_PORT) return null;
  return `${m[1]}:7243`;
}

/** One run of a workflow as Temporal describes it. */
export interface RunInfo {
  runId: string;
  /** ISO time the run started, as Temporal recorded it. */
  startTime: string | null;
  /** running, completed, failed, terminated, canceled, timed_out, continued_as_new. */
  status: string;
}

/** A failure as the HTTP API renders it (temporal.api.failure.v1.Failure in JSON). */
export interface FailureJson {
  message?: string;
  cause?: FailureJson;
  applicationFailureInfo?: { type?: string; nonRetryable?: boolean };
  [k: string]: unknown;
}

/** The workflow ended without a result: failed, terminated, cancelled or timed out. */
export class WorkflowEndedError extends Error {
  override readonly name = 'WorkflowEndedError';
  constructor(readonly status: string, readonly failure: FailureJson | null) {
    super(failure?.message ?? `workflow ${status}`);
  }
}

/** The HTTP API did not answer at all (nothing listens there): callers fall back to gRPC. */
export class HttpUnavailableError extends ConnectionError {}

/** The HTTP API answered with an error status (404: no such workflow; 5xx: the server is in trouble). */
export class HttpAnswerError extends ConnectionError {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface StartOptions {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input: unknown[];
  workflowTaskTimeout?: string;
  /** The run's whole lifetime, retries included (Temporal times it out after). */
  executionTimeout?: string;
  searchAttributes?: Record<string, string>;
  summary?: string;
  details?: string;
  requestId: string;
}

const MEDIA = 'application/json+no-payload-shorthand';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface PayloadJson { metadata?: Record<string, string>; data?: string }

/** A json/plain payload, as the SDK's default data converter writes it. */
export function jsonPayload(value: unknown, type?: string): PayloadJson {
  return { metadata: { encoding: b64('json/plain'), ...(type ? { type: b64(type) } : {}) }, data: b64(JSON.stringify(value)) };
}

/** The value of a json/plain payload (binary/null: null). */
export function payloadValue(p: PayloadJson | undefined): unknown {
  if (!p) return undefined;
  const encoding = Buffer.from(p.metadata?.encoding ?? '', 'base64').toString('utf8');
  if (encoding === 'binary/null') return null;
  if (encoding !== 'json/plain') throw new ConnectionError(`a Temporal payload encoded as ${encoding || '(none)'}, not json/plain: is a payload codec configured?`);
  return JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8'));
}

const firstPayload = (ps: { payloads?: PayloadJson[] } | undefined) => payloadValue(ps?.payloads?.[0]);

/** How to reach the HTTP API: HTTPS with the gRPC connection's TLS material and API key when it has them. */
export interface HttpSecurity { tls: TemporalEndpoint['tls']; apiKey?: string }

export class TemporalHttp {
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly host: string;
  private readonly port: number;
  private readonly authorization?: string;

  constructor(readonly address: string, readonly namespace: string, security: HttpSecurity = { tls: null }) {
    const scheme = /^(https?):\/\//.exec(address)?.[1];
    const bare = address.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    this.secure = scheme === 'https' || (scheme === undefined && security.tls !== null);
    [this.host, this.port] = [bare.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(bare)?.[1] ?? (this.secure ? 443 : 7243))];
    if (this.secure) {
      const m = readTls(security.tls ?? {});
      this.agent = new https.Agent({ keepAlive: true, ...(m.ca ? { ca: m.ca } : {}), ...(m.cert ? { cert: m.cert, key: m.key } : {}), ...(m.serverName ? { servername: m.serverName } : {}) });
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
    if (security.apiKey) this.authorization = `Bearer ${security.apiKey}`;
  }

  private request<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = (this.secure ? https : http).request({
        host: this.host, port: this.port, method, agent: this.agent, path: `/api/v1/namespaces/${encodeURIComponent(this.namespace)}${path}`,
        headers: {
          'content-type': MEDIA, accept: MEDIA, ...(data ? { 'content-length': data.length } : {}),
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: { code?: number; message?: string } & Record<string, unknown>;
          try {
            json = JSON.parse(text || '{}');
          } catch {
            reject(new ConnectionError(`Temporal HTTP API at ${this.address} answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`));
            return;
          }
          if ((res.statusCode ?? 500) >= 300) {
            reject(new HttpAnswerError(res.statusCode ?? 500, `Temporal HTTP API ${method} ${path}: ${res.statusCode} ${json.message ?? text.slice(0, 300)}`));
            return;
          }
          resolve(json as T);
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const unreachable = e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENOTFOUND' || e.code === 'EADDRNOTAVAIL';
        reject(new (unreachable ? HttpUnavailableError : ConnectionError)(`Temporal HTTP API at ${this.address}: ${e.message}`, {
          hint: 'set TEMPORAL_HTTP_ADDRESS (the frontend\'s HTTP port, 7243 by default), or TEMPORAL_HTTP_ADDRESS=off to use gRPC only',
        }));
      });
      req.end(data);
    });
  }

  /** StartWorkflowExecution with the USE_EXISTING conflict policy: `started` false means it attached. */
  async start(o: StartOptions): Promise<{ runId: string; started: boolean }> {
    const r = await this.request<{ runId: string; started?: boolean }>('POST', `/workflows/${encodeURIComponent(o.workflowId)}`, {
      workflowType: { name: o.workflowType },
      taskQueue: { name: o.taskQueue },
      input: { payloads: o.input.map((v) => jsonPayload(v)) },
      requestId: o.requestId,
      workflowIdConflictPolicy: 'WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING',
      ...(o.workflowTaskTimeout ? { workflowTaskTimeout: o.workflowTaskTimeout } : {}),
      ...(o.executionTimeout ? { workflowExecutionTimeout: o.executionTimeout } : {}),
      ...(o.searchAttributes ? { searchAttributes: { indexedFields: Object.fromEntries(Object.entries(o.searchAttributes).map(([k, v]) => [k, jsonPayload(v, 'Keyword')])) } } : {}),
      ...(o.summary || o.details ? { userMetadata: { ...(o.summary ? { summary: jsonPayload(o.summary) } : {}), ...(o.details ? { details: jsonPayload(o.details) } : {}) } } : {}),
    });
    // The gateway leaves false values out: an attach answers without `started`.
    return { runId: r.runId, started: r.started === true };
  }

  /** DescribeWorkflowExecution of one run ('': the latest). */
  async describe(workflowId: string, runId: string): Promise<RunInfo> {
    const r = await this.request<{ workflowExecutionInfo?: { execution?: { runId?: string }; startTime?: string; status?: string } }>('GET',
      `/workflows/${encodeURIComponent(workflowId)}${runId ? `?execution.runId=${encodeURIComponent(runId)}` : ''}`);
    const info = r.workflowExecutionInfo ?? {};
    return {
      runId: info.execution?.runId ?? runId,
      startTime: info.startTime ?? null,
      status: (info.status ?? 'WORKFLOW_EXECUTION_STATUS_UNSPECIFIED').replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase(),
    };
  }

  async query<T>(workflowId: string, runId: string, queryType: string): Promise<T> {
    const r = await this.request<{ queryResult?: { payloads?: PayloadJson[] } }>('POST', `/workflows/${encodeURIComponent(workflowId)}/query/${encodeURIComponent(queryType)}`, {
      execution: runId ? { runId } : {}, query: {},
    });
    return firstPayload(r.queryResult) as T;
  }

  /** Long-poll the close event; the result, or a WorkflowEndedError with the failure. */
  async result<T>(workflowId: string, runId: string): Promise<T> {
    for (;;) {
      const r = await this.request<{ history?: { events?: Record<string, unknown>[] } }>('GET',
        `/workflows/${encodeURIComponent(workflowId)}/history?${runId ? `execution.runId=${encodeURIComponent(runId)}&` : ''}waitNewEvent=true&historyEventFilterType=HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT`,
        undefined, 70_000);
      const ev = r.history?.events?.[0];
      if (!ev) continue; // the long poll expired with the workflow still running
      const type = String(ev.eventType ?? '');
      if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED') {
        return firstPayload((ev.workflowExecutionCompletedEventAttributes as { result?: { payloads?: PayloadJson[] } } | undefined)?.result) as T;
      }
      if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED') {
        throw new WorkflowEndedError('failed', (ev.workflowExecutionFailedEventAttributes as { failure?: FailureJson } | undefined)?.failure ?? null);
      }
      if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW') {
        runId = String((ev.workflowExecutionContinuedAsNewEventAttributes as { newExecutionRunId?: string } | undefined)?.newExecutionRunId ?? runId);
        continue;
      }
      throw new WorkflowEndedError(type.replace('EVENT_TYPE_WORKFLOW_EXECUTION_', '').toLowerCase(), null);
    }
  }

  /** How many workers polled this workflow task queue lately (DescribeTaskQueue). */
  async workflowPollers(taskQueue: string): Promise<number> {
    const r = await this.request<{ pollers?: unknown[] }>('GET', `/task-queues/${encodeURIComponent(taskQueue)}?taskQueueType=TASK_QUEUE_TYPE_WORKFLOW`);
    return (r.pollers ?? []).length;
  }

  /** The run's history so far, as the HTTP API renders it (events with camelCase attributes). */
  async history(workflowId: string, runId: string): Promise<Record<string, unknown>[]> {
    const r = await this.request<{ history?: { events?: Record<string, unknown>[] } }>('GET',
      `/workflows/${encodeURIComponent(workflowId)}/history${runId ? `?execution.runId=${encodeURIComponent(runId)}` : ''}`);
    return r.history?.events ?? [];
  }

  async terminate(workflowId: string, runId: string, reason: string): Promise<void> {
    await this.request('POST', `/workflows/${encodeURIComponent(workflowId)}/terminate`, { workflowExecution: { workflowId, runId }, reason });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The innermost message and the application failure type of a failure chain (as failureReason does for the SDK's). */
export function failureOfJson(f: FailureJson | null): { message: string; type: string | null } {
  let message = f?.message ?? 'workflow failed';
  let type: string | null = null;
  for (let cur: FailureJson | undefined = f ?? undefined; cur; cur = cur.cause) {
    if (cur.applicationFailureInfo) {
      message = cur.message ?? message;
      type = cur.applicationFailureInfo.type ?? null;
    }
  }
  return { message, type };
}

/**
 * A workflow run that ended without a result, as a result call rejects: the HTTP API's WorkflowEndedError or the
 * SDK's WorkflowFailedError (failed, terminated, cancelled, timed out), not a failure to reach Temporal.
 */
export function isWorkflowEnd(e: unknown): e is Error {
  return e instanceof WorkflowEndedError || isSdkWorkflowFailed(e);
}

/** The SDK's WorkflowFailedError, known by its name: this module does not load the SDK. */
const isSdkWorkflowFailed = (e: unknown): e is Error => e instanceof Error && e.name === 'WorkflowFailedError';

/**
 * The failure's innermost message and type (refusals come from the workflow or an activity), from the HTTP API's
 * error or the SDK's. Duck-typed on the SDK's error names, so that this module does not load the SDK (the HTTP
 * path never needs it).
 */
export function failureReason(e: unknown): { message: string; type: string | null } {
  if (e instanceof WorkflowEndedError) return failureOfJson(e.failure);
  let cur: unknown = isSdkWorkflowFailed(e) ? e.cause : e;
  let message = cur instanceof Error ? cur.message : String(cur);
  let type: string | null = null;
  while (cur instanceof Error && /Failure$/.test(cur.name)) {
    if (cur.name === 'ApplicationFailure') { message = cur.message; type = (cur as Error & { type?: string }).type ?? null; }
    cur = cur.cause;
  }
  return { message, type };
}
