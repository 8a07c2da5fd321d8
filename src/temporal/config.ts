// Where Temporal is and how to reach it: the one place every way in (the CLI's gRPC client and HTTP API
// calls, the worker's native connection, the HTTP API server) builds its connection from. Environment
// variables as the temporal CLI names them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS*,
// TEMPORAL_API_KEY), plus TEMPORAL_API_KEY_FILE; the command line's global flags set the same variables
// (src/cli/program.ts). No SDK at run time here: the failover command must start without loading it.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../contracts/common';
import { ConfigError } from '../errors';

/** The task queue; MHAFLOW_TASK_QUEUE lets a test run use its own, away from any other worker. */
export const TASK_QUEUE = process.env.MHAFLOW_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;

export function temporalAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
}

export function temporalNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEMPORAL_NAMESPACE || 'default';
}

/** TLS files (paths) and the server name to verify; every field optional (TLS with the system's CAs). */
export interface TlsFiles { ca?: string; cert?: string; key?: string; serverName?: string }

/** How to reach Temporal, as configured: files by path, the API key by value (never logged). */
export interface TemporalEndpoint {
  address: string;
  namespace: string;
  /** null: plain TCP. */
  tls: TlsFiles | null;
  apiKey?: string;
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v);
const falsy = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v);

/**
 * The endpoint from the environment. TLS is on when TEMPORAL_TLS says so, or when a TLS file or an API key
 * is given (an API key over plain TCP would travel in clear), unless TEMPORAL_TLS=false says otherwise.
 */
export function temporalEndpoint(env: NodeJS.ProcessEnv = process.env): TemporalEndpoint {
  const files: TlsFiles = {
    ...(env.TEMPORAL_TLS_CA_PATH ? { ca: env.TEMPORAL_TLS_CA_PATH } : {}),
    ...(env.TEMPORAL_TLS_CERT_PATH ? { cert: env.TEMPORAL_TLS_CERT_PATH } : {}),
    ...(env.TEMPORAL_TLS_KEY_PATH ? { key: env.TEMPORAL_TLS_KEY_PATH } : {}),
    ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverName: env.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  if (Boolean(files.cert) !== Boolean(files.key)) {
    throw new ConfigError(`TLS client certificate: ${files.cert ? 'TEMPORAL_TLS_CERT_PATH is set but not TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_KEY_PATH is set but not TEMPORAL_TLS_CERT_PATH'}`, {
      hint: 'mTLS needs both the certificate and its private key (--tls-cert and --tls-key)',
    });
  }
  let apiKey = env.TEMPORAL_API_KEY || undefined;
  if (!apiKey && env.TEMPORAL_API_KEY_FILE) apiKey = readSecretFile(env.TEMPORAL_API_KEY_FILE, 'the Temporal API key file (TEMPORAL_API_KEY_FILE)').toString('utf8').trim() || undefined;
  const wanted = truthy(env.TEMPORAL_TLS) || (!falsy(env.TEMPORAL_TLS) && (Object.keys(files).length > 0 || Boolean(apiKey)));
  return {
    address: temporalAddress(env), namespace: temporalNamespace(env),
    tls: wanted ? files : null, ...(apiKey ? { apiKey } : {}),
  };
}

function readSecretFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(`cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { hint: 'check the path and that this user may read it' });
  }
}

/** The TLS material itself, read from the files. */
export interface TlsMaterial { ca?: Buffer; cert?: Buffer; key?: Buffer; serverName?: string }

export function readTls(files: TlsFiles): TlsMaterial {
  return {
    ...(files.ca ? { ca: readSecretFile(files.ca, 'the Temporal TLS CA certificate (TEMPORAL_TLS_CA_PATH)') } : {}),
    ...(files.cert ? { cert: readSecretFile(files.cert, 'the Temporal TLS client certificate (TEMPORAL_TLS_CERT_PATH)') } : {}),
    ...(files.key ? { key: readSecretFile(files.key, 'the Temporal TLS client key (TEMPORAL_TLS_KEY_PATH)') } : {}),
    ...(files.serverName ? { serverName: files.serverName } : {}),
  };
}

/** What both the client's Connection and the worker's NativeConnection take: address, TLS, API key. */
export interface ConnectionOptions { address: string; tls?: TLSConfig; apiKey?: string }

export function connectionOptions(ep: TemporalEndpoint = temporalEndpoint()): ConnectionOptions {
  if (!ep.tls) return { address: ep.address, ...(ep.apiKey ? { apiKey: ep.apiKey } : {}) };
  const m = readTls(ep.tls);
  const tls: TLSConfig = {
    ...(m.ca ? { serverRootCACertificate: m.ca } : {}),
    ...(m.cert && m.key ? { clientCertPair: { crt: m.cert, key: m.key } } : {}),
    ...(m.serverName ? { serverNameOverride: m.serverName } : {}),
  };
  return { address: ep.address, tls, ...(ep.apiKey ? { apiKey: ep.apiKey } : {}) };
}

/** For logs and messages: where, and how (never the key itself). */
export function describeEndpoint(ep: TemporalEndpoint = temporalEndpoint()): string {
  const how = [ep.tls ? `TLS${ep.tls.ca ? ' with CA' : ''}${ep.tls.cert ? ', client certificate' : ''}` : 'plain TCP', ep.apiKey ? 'API key' : ''].filter(Boolean).join(', ');
  return `${ep.address} (namespace ${ep.namespace}, ${how})`;
}

export function uiBaseUrl(): string {
  return process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
}

export function uiLink(workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl()}/namespaces/${encodeURIComponent(temporalNamespace())}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}

export { SEARCH_ATTRIBUTES } from '../contracts/common';
