// MHA's cluster-wide parameters -> the config's sections: the MySQL and replication accounts (passwords
// to the secrets file), replication options, workdirs, hooks and the monitor. MHA reads each of these
// per server; a cluster has one value, so servers that differ are noted (clusterValue).
import { basename } from 'node:path';
import { ConfigError } from '../../errors';
import { UNREAD_KEYS, type ClusterConfigInput } from '../schema';
import { perlTrue } from './ini';
import { clusterValue, positiveInt, type Found, type ImportMessages, type MhaSources } from './sources';

type Section<K extends keyof ClusterConfigInput> = NonNullable<ClusterConfigInput[K]>;

/** Note (once per place it is set) that a mapped key is kept though nothing reads it yet (UNREAD_KEYS says why). */
export function noteUnread(msgs: ImportMessages, found: Pick<Found, 'where'>, param: string, key: string): void {
  const unread = UNREAD_KEYS.find((u) => u.key === key);
  if (!unread || msgs.notes.some((n) => n.where === found.where && n.param === param && n.message.startsWith(`written as ${key},`))) return;
  msgs.notes.push({ where: found.where, param, message: `written as ${key}, which nothing reads yet: ${unread.why}` });
}

export interface Accounts {
  mysql: Section<'mysql'>;
  replication: Pick<Section<'replication'>, 'user' | 'password'>;
  /** The passwords, for the secrets file the config references. */
  secrets: { mysql_password: string; repl_password: string };
}

/** user/password and repl_user/repl_password: names in the config, passwords by reference to the secrets file. */
export function accounts(src: MhaSources, msgs: ImportMessages, secretsRef: string): Accounts {
  const text = (f: Found) => f.value;
  const user = clusterValue(src, msgs, 'user', text);
  const password = clusterValue(src, msgs, 'password', text, { secret: true });
  const replUser = clusterValue(src, msgs, 'repl_user', text);
  const replPassword = clusterValue(src, msgs, 'repl_password', text, { secret: true });
  const app = basename(src.appFile);
  if (!user) msgs.notes.push({ where: app, param: 'user', message: 'not set; MHA then connects as root, so mysql.user is root' });
  if (!password) {
    msgs.notes.push({ where: app, param: 'password', message: 'not set; MHA then uses an empty password, so the secrets file holds mysql_password= (empty)' });
  }
  if (!replUser) {
    msgs.notes.push({
      where: app, param: 'repl_user',
      message: 'not set; MHA takes the user from SHOW SLAVE STATUS at run time, mhaflow needs it in the config: replication.user is set to "repl", ' +
        'change it to the user the replicas connect as (`mhaflow check` reports a mismatch)',
    });
  }
  if (!replPassword) {
    msgs.notes.push({
      where: app, param: 'repl_password',
      message: 'not set; the secrets file holds repl_password= (empty): put the replication user\'s password there before a failover',
    });
  }
  return {
    mysql: { user: user?.value || 'root', password: `file:${secretsRef}#mysql_password` },
    replication: { user: replUser?.value ?? 'repl', password: `file:${secretsRef}#repl_password` },
    secrets: { mysql_password: password?.value ?? '', repl_password: replPassword?.value ?? '' },
  };
}

/** check_repl_filter, multi_tier_slave, use_gtid_auto_pos: written only where they differ from mhaflow's defaults. */
export function replicationOptions(src: MhaSources, msgs: ImportMessages): Pick<Section<'replication'>, 'checkFilters' | 'multiTier' | 'useGtidAutoPosition'> {
  const flag = (param: string) => clusterValue(src, msgs, param, (f) => perlTrue(f.value))?.value;
  const checkFilters = flag('check_repl_filter');
  const multiTier = flag('multi_tier_slave');
  const gtidAuto = flag('use_gtid_auto_pos');
  return {
    ...(checkFilters === false ? { checkFilters: false } : {}),
    ...(multiTier ? { multiTier: true } : {}),
    ...(gtidAuto === false ? { useGtidAutoPosition: false } : {}),
  };
}

/** manager_workdir and the [server default] remote_workdir (a server's own remote_workdir overrides it). */
export function workdirs(src: MhaSources, msgs: ImportMessages): Section<'workdirs'> | undefined {
  const remote = src.defaults.get('remote_workdir')?.value;
  const manager = clusterValue(src, msgs, 'manager_workdir', (f) => f.value);
  if (!manager && !remote) return undefined;
  return { manager: manager?.value ?? '/var/lib/mhaflow', remote: remote ?? '/var/tmp/mhaflow' };
}

const HOOKS = [
  ['master_ip_failover_script', 'masterIpFailover'], ['master_ip_online_change_script', 'masterIpOnlineChange'],
  ['shutdown_script', 'shutdown'], ['report_script', 'report'], ['secondary_check_script', 'secondaryCheck'],
] as const;

/** The *_script parameters; an empty one is no hook. */
export function hooks(src: MhaSources, msgs: ImportMessages): Section<'hooks'> | undefined {
  const out: Section<'hooks'> = {};
  for (const [param, key] of HOOKS) {
    const v = clusterValue(src, msgs, param, (f) => f.value);
    if (!v?.value) continue;
    out[key] = v.value;
    noteUnread(msgs, v.found, param, `hooks.${key}`);
  }
  return Object.keys(out).length ? out : undefined;
}

/** ping_interval (seconds) and ping_type (CONNECT/SELECT/INSERT). */
export function monitor(src: MhaSources, msgs: ImportMessages): Section<'monitor'> | undefined {
  const out: Section<'monitor'> = {};
  const interval = clusterValue(src, msgs, 'ping_interval', (f) => positiveInt(f, 'ping_interval'));
  if (interval) out.pingInterval = interval.value;
  const type = clusterValue(src, msgs, 'ping_type', (f) => f.value.toLowerCase());
  if (type) {
    if (type.value !== 'select' && type.value !== 'connect' && type.value !== 'insert') {
      throw new ConfigError(`${type.found.where}: ping_type=${type.found.value} is not valid; expected CONNECT, SELECT or INSERT`, {
        hint: 'correct ping_type (MHA itself would refuse it too)',
      });
    }
    out.pingType = type.value;
  }
  if (interval) {
    msgs.notes.push({
      where: interval.found.where, param: 'ping_interval',
      message: `MHA declares the master dead after 4 failed pings and an SSH check; mhaflow's monitor after monitor.failuresBeforeDead (default 3) `
        + `failed pings every ${interval.value}s, once the replicas and the master's own host agree (monitor.stallTimeout when they only time out)`,
    });
  }
  return Object.keys(out).length ? out : undefined;
}
