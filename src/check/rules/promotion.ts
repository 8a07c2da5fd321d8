// Rules about what a server needs to be promoted: a binary log (with log_slave_updates), the replication
// user with REPLICATION SLAVE, and its binlogs where the config says they are.
import type { CheckContext } from '../context';
import { dirOf, problem, sameDir, warning } from '../finding';
import type { CheckFinding } from '../types';

const GTID_NOT_PROMOTABLE = ', so in GTID mode it cannot become master';

/** Every server that could be promoted (noMaster unset) writes a binlog and has the replication user. */
export function promotableServers(ctx: CheckContext): CheckFinding[] {
  const { config, master } = ctx;
  const repl = config.replication.user;
  const replicaHosts = (ctx.masterServer?.extras?.replUser?.accounts ?? []).map((a) => a.slice(a.lastIndexOf('@') + 1));
  const found: CheckFinding[] = [];
  for (const s of ctx.alive) {
    if (ctx.cfgOf(s.name)?.noMaster) continue;
    if (!s.state.logBin) {
      found.push(problem('log-bin-off', s.name, `${s.name} has log_bin off: it could be promoted (noMaster is not set) but a master must write a binary log`,
        `enable log_bin and log_slave_updates in ${s.name}'s my.cnf and restart it, or set noMaster: true for ${s.name}`));
      continue;
    }
    if (s.name !== master && !s.state.logSlaveUpdates) {
      found.push(warning('log-slave-updates-off', s.name,
        `${s.name} has log_slave_updates off: what it replicates is not in its binlog${ctx.mode.mode === 'gtid' ? GTID_NOT_PROMOTABLE : ''}`,
        `enable log_slave_updates on ${s.name} (my.cnf, restart)`));
    }
    const ru = s.extras?.replUser;
    if (ru === null || ru === undefined) {
      found.push(warning('repl-user-unknown', s.name,
        `could not verify the replication user ${repl} on ${s.name}${s.extras?.replUserError ? `: ${s.extras.replUserError}` : ''}`,
        `grant the admin user ${config.mysql.user} SELECT on mysql.user so the check can verify it`));
    } else if (!ru.hasReplicationSlave) {
      const account = `'${repl}'@'${replicaHosts[0] ?? '<replica hosts>'}'`;
      found.push(problem('repl-user-missing', s.name, ru.accounts.length
        ? `the replication user ${repl} has no REPLICATION SLAVE privilege on ${s.name} (${ru.accounts.join(', ')}): if ${s.name} became master, the ` +
          `replicas could not connect`
        : `the replication user ${repl} does not exist on ${s.name}: if ${s.name} became master, the replicas could not connect`,
      `on ${s.name}: CREATE USER ${account} IDENTIFIED BY '<password>'; GRANT REPLICATION SLAVE ON *.* TO ${account} (with sql_log_bin=0 if it must not ` +
        `replicate), or set noMaster: true for ${s.name}`));
    }
  }
  return found;
}

/** Replicas of the master connecting as another user than replication.user: after a failover they would not. */
export function replicationUserMismatch(ctx: CheckContext): CheckFinding[] {
  const repl = ctx.config.replication.user;
  return ctx.masterReplicas.flatMap((s) => {
    const user = s.state.replica!.sourceUser;
    if (!user || user === repl) return [];
    return [warning('repl-user-mismatch', s.name,
      `${s.name} replicates as ${user}, but the config's replication.user is ${repl}: after a failover it would connect as ${repl}`,
      `set replication.user to ${user} (and its password reference), or make the replicas use ${repl}`)];
  });
}

/** binlogDir in the config where the server really writes its binlogs (log_bin_basename); SHOW BINARY LOGS readable. */
export function binlogDirectories(ctx: CheckContext): CheckFinding[] {
  const found: CheckFinding[] = [];
  for (const s of ctx.alive) {
    const cfg = ctx.cfgOf(s.name);
    const x = s.extras;
    if (!s.state.logBin || !x) continue;
    if (x.binaryLogsError) {
      found.push(warning('binary-logs-unreadable', s.name, `SHOW BINARY LOGS failed on ${s.name}: ${x.binaryLogsError}`,
        `grant ${ctx.config.mysql.user} the privilege to list binlogs (MySQL: REPLICATION CLIENT; MariaDB: BINLOG MONITOR)`));
    }
    const actual = x.logBinBasename ? dirOf(x.logBinBasename) : null;
    if (cfg?.binlogDir && actual && !sameDir(cfg.binlogDir, actual)) {
      found.push(problem('binlog-dir-mismatch', s.name,
        `${s.name} writes its binlogs in ${actual} (log_bin_basename ${x.logBinBasename}), but its binlogDir in the config is ${cfg.binlogDir}: a failover ` +
          `would look for them in the wrong place`,
        `set binlogDir: ${actual} for ${s.name}`));
    } else if (!cfg?.binlogDir && actual && !cfg?.noMaster) {
      found.push(warning('binlog-dir-unset', s.name, `binlogDir is not set for ${s.name}; it writes its binlogs in ${actual}`,
        `set binlogDir: ${actual} for ${s.name}, so its binlogs can be read over SSH even when its mysqld is down`));
    }
  }
  return found;
}
