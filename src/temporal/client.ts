// A Temporal client for the CLI and the API, connected as src/temporal/config.ts says (address, TLS, API key).
import { Client, Connection } from '@temporalio/client';
import { TemporalUnreachableError } from '../errors';
import { connectionOptions, describeEndpoint, temporalEndpoint } from './config';

let cached: Promise<Client> | undefined;

export function getClient(): Promise<Client> {
  cached ??= (async () => {
    const ep = temporalEndpoint(); // a TLS or API key misconfiguration is a ConfigError (bad input), not "unreachable"
    const options = connectionOptions(ep);
    try {
      const connection = await Connection.connect({ ...options, connectTimeout: '3s' });
      return new Client({ connection, namespace: ep.namespace });
    } catch (e) {
      cached = undefined;
      const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : '';
      throw new TemporalUnreachableError(`cannot reach Temporal at ${describeEndpoint(ep)}: ${(e as Error).message}${cause}`, {
        hint: 'start it with `npx mhaflow temporal up`, or set TEMPORAL_ADDRESS (and TEMPORAL_TLS_*, TEMPORAL_API_KEY for a secured server)',
      });
    }
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}

export async function closeClient(): Promise<void> {
  if (!cached) return;
  const c = await cached.catch(() => undefined);
  cached = undefined;
  await c?.connection.close();
}
