// Rules about the servers themselves: can they be reached, is there a master, are they distinct.
import { serverAddress } from '../../config/values';
import type { CheckContext } from '../context';
import { list, problem, warning } from '../finding';
import type { CheckFinding } from '../types';

/** A MySQL server that does not answer: the master (fail over instead), an ignoreFail server (warning), any other. */
export function unreachableServers(ctx: CheckContext): CheckFinding[] {
  return ctx.dbServers.filter((s) => !s.state).map((s) => {
    const why = s.error ?? 'not reachable';
    const at = `${s.name} (${serverAddress(s)})`;
    if (s.name === ctx.master) {
      return problem('master-unreachable', s.name, `the master ${at} cannot be reached: ${why}`,
        `${s.hint ?? 'check that mysqld runs and is reachable from the worker'}; if the master is really dead, run \`mhaflow failover\` instead of the check`);
    }
    if (ctx.cfgOf(s.name)?.ignoreFail) {
      return warning('unreachable', s.name, `${at} cannot be reached: ${why}; ignoreFail is set, so a failover would go on without it`,
        s.hint ?? 'start mysqld on it, or remove it from the config');
    }
    return problem('unreachable', s.name, `${at} cannot be reached: ${why}`,
      `${s.hint ?? 'start mysqld on it'}; or set ignoreFail: true for it if a failover may leave it behind`);
  });
}

/** Live servers but none is the source of the others. */
export function noMaster(ctx: CheckContext): CheckFinding[] {
  if (ctx.master || !ctx.alive.length) return [];
  return [problem('no-master', null, `no server of cluster ${ctx.config.cluster} is the source of the others: there is no master to fail over from`,
    'set up replication from the master to every other server (CHANGE MASTER TO ... on each replica), then check again')];
}

/** Two servers with one server_id (replication skips "its own" events) or one server_uuid (a cloned datadir). */
export function duplicateIdentities(ctx: CheckContext): CheckFinding[] {
  const byId = new Map<number, string[]>();
  const byUuid = new Map<string, string[]>();
  for (const s of ctx.alive) {
    byId.set(s.state.serverId, [...(byId.get(s.state.serverId) ?? []), s.name]);
    if (s.state.serverUuid) byUuid.set(s.state.serverUuid, [...(byUuid.get(s.state.serverUuid) ?? []), s.name]);
  }
  const found: CheckFinding[] = [];
  for (const [id, names] of byId) {
    if (names.length < 2) continue;
    found.push(problem('duplicate-server-id', names[0]!, `${list(names)} have the same server_id ${id}: replication skips events it thinks are its own`,
      'give each server a unique server_id (SET GLOBAL server_id=N and server_id=N in my.cnf), then restart replication', names));
  }
  for (const [uuid, names] of byUuid) {
    if (names.length < 2) continue;
    found.push(problem('duplicate-server-uuid', names[0]!, `${list(names)} have the same server_uuid ${uuid} (cloned data directory)`,
      'stop mysqld on all but one, delete auto.cnf in their data directories and start them again (a new server_uuid is generated)', names));
  }
  return found;
}
