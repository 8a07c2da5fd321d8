// A Temporal client for the CLI and the API.
import { Client, Connection } from '@temporalio/client';
import { ConnectionError } from '../errors';
import { temporalAddress, temporalNamespace } from './config';

let cached: Promise<Client> | undefined;

export function getClient(): Promise<Client> {
  cached ??= (async () => {
    try {
      const connection = await Connection.connect({ address: temporalAddress(), connectTimeout: '3s' });
      return new Client({ connection, namespace: temporalNamespace() });
    } catch (e) {
      cached = undefined;
      throw new ConnectionError(`cannot reach Temporal at ${temporalAddress()}: ${(e as Error).message}`, {
        hint: 'start it with `npx mhaflow temporal up`, or set TEMPORAL_ADDRESS',
      });
    }
  })();
  return cached;
}

export async function closeClient(): Promise<void> {
  if (!cached) return;
  const c = await cached.catch(() => undefined);
  cached = undefined;
  await c?.connection.close();
}
