// Is this still the server a workflow read? Its server_id, its server_uuid (MySQL), and when it started: a server
// rebuilt or restarted since then may hold other data at other positions, and a step acting on facts read before
// would act on a world that has moved.
import type { Connection } from './client';
import { queryOne, queryRows } from './client';

export interface ServerIdentity {
  serverId: number;
  /** MySQL's @@server_uuid; null on MariaDB (it has none). */
  serverUuid: string | null;
  /** When mysqld started, in epoch seconds (now minus Uptime). */
  startedAt: number;
}

export async function readIdentity(conn: Connection): Promise<ServerIdentity> {
  const v = await queryOne(conn, 'SELECT @@server_id AS id, UNIX_TIMESTAMP() AS now, @@version AS version');
  const up = (await queryRows(conn, "SHOW GLOBAL STATUS LIKE 'Uptime'"))[0];
  const mysql = !/mariadb/i.test(String(v!.version));
  const uuid = mysql ? String((await queryOne(conn, 'SELECT @@server_uuid AS u'))!.u) : null;
  return { serverId: Number(v!.id), serverUuid: uuid, startedAt: Number(v!.now) - Number(up?.Value ?? 0) };
}

/** Why `now` is not the server `was` describes, or null. Start times a few seconds apart are the same start (rounding). */
export function identityChange(was: ServerIdentity, now: ServerIdentity): string | null {
  if (was.serverId !== now.serverId) return `its server_id was ${was.serverId}, it is ${now.serverId} now`;
  if (was.serverUuid !== now.serverUuid) return `its server_uuid was ${was.serverUuid}, it is ${now.serverUuid} now`;
  if (Math.abs(was.startedAt - now.startedAt) > 5) {
    return `mysqld restarted at ${new Date(now.startedAt * 1000).toISOString()} (it had started at ${new Date(was.startedAt * 1000).toISOString()})`;
  }
  return null;
}
