// Rule: semi-synchronous replication enabled on the master but not in force.
import type { CheckContext } from '../context';
import { list, warning } from '../finding';
import type { CheckFinding } from '../types';

/**
 * The master waits for acknowledgements only while a replica sends them. Enabled but OFF, it fell back to
 * asynchronous replication (no replica acknowledged within its timeout): a failover can then lose acknowledged
 * transactions again, which is what semi-sync was turned on to prevent.
 */
export function semiSyncFallback(ctx: CheckContext): CheckFinding[] {
  const master = ctx.alive.find((s) => s.name === ctx.master);
  const src = master?.extras?.semiSync?.source;
  if (!master || !src?.enabled || src.active) return [];
  const acking = ctx.alive.filter((s) => s.name !== master.name && s.extras?.semiSync?.replica?.enabled).map((s) => s.name);
  return [warning('semi-sync-fell-back', master.name,
    `semi-sync is enabled on the master ${master.name} but not in force: no replica acknowledged within `
      + `${src.timeoutMs ?? '?'} ms, so it fell back to asynchronous replication and a failover can lose acknowledged transactions`,
    acking.length
      ? `${list(acking)} ${acking.length === 1 ? 'has' : 'have'} rpl_semi_sync_slave_enabled=ON: restart ${acking.length === 1 ? 'its' : 'their'} IO thread (STOP SLAVE IO_THREAD; START SLAVE IO_THREAD) and see why ${acking.length === 1 ? 'it does' : 'they do'} not acknowledge`
      : `SET GLOBAL rpl_semi_sync_slave_enabled=ON on at least one replica (and in its my.cnf), then restart its IO thread`)];
}
