// `mhaflow api [--listen 127.0.0.1:8484] [--config-dir DIR] --operate-token REF [--read-token REF]`: the HTTP API
// (src/api/server.ts) in the foreground until SIGINT/SIGTERM. Tokens are secret references (env:NAME, file:PATH,
// file:PATH#KEY), repeatable; without any, MHAFLOW_API_OPERATE_TOKEN and MHAFLOW_API_READ_TOKEN are used when set.
import { loadTokens } from '../api/auth';
import { temporalRuns } from '../api/runs';
import { buildApi } from '../api/server';
import { clusterConfigDir } from '../config/registry';
import { ConfigError } from '../errors';
import { getClient } from '../temporal/client';

export interface ApiCommandOptions { listen?: string; configDir?: string; operateToken?: string[]; readToken?: string[] }

export const DEFAULT_LISTEN = '127.0.0.1:8484';

export function parseListen(v: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m || !m[1] || port < 1 || port > 65535) throw new ConfigError(`--listen ${v}: expected HOST:PORT`, { hint: `e.g. --listen ${DEFAULT_LISTEN}` });
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export async function apiCommand(o: ApiCommandOptions): Promise<void> {
  const { host, port } = parseListen(o.listen ?? DEFAULT_LISTEN);
  const configDir = o.configDir ?? clusterConfigDir();
  const fromEnv = (name: string) => (process.env[name] ? [`env:${name}`] : []);
  const tokens = loadTokens({
    operate: o.operateToken?.length ? o.operateToken : fromEnv('MHAFLOW_API_OPERATE_TOKEN'),
    read: o.readToken?.length ? o.readToken : fromEnv('MHAFLOW_API_READ_TOKEN'),
  });
  const app = await buildApi({ configDir, tokens, runs: temporalRuns(getClient) });
  await app.listen({ host, port });
  process.stderr.write(`mhaflow API on http://${host.includes(':') ? `[${host}]` : host}:${port} (clusters from ${configDir}; OpenAPI at /v1/openapi.json)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => { void app.close().then(() => resolve()); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
