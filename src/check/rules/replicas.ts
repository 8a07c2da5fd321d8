// Rule: replica settings a failover relies on or an operator should know about.
import { changeSourceDelay } from '../../mysql/sql';
import type { CheckContext } from '../context';
import { warning } from '../finding';
import type { CheckFinding } from '../types';

/** relay_log_purge on (file/position mode needs the relay logs), read_only off, lag over failover.delayWarnSeconds. */
export function replicaSettings(ctx: CheckContext): CheckFinding[] {
  const limit = ctx.config.failover.delayWarnSeconds;
  const found: CheckFinding[] = [];
  for (const s of ctx.alive) {
    const st = s.state;
    if (!st.replica || s.name === ctx.master) continue;
    if (st.relayLogPurge && ctx.mode.mode !== 'gtid') {
      found.push(warning('relay-log-purge', s.name,
        `relay_log_purge=1 on ${s.name}: in file/position mode, recovering the other replicas may need relay logs it has already purged`,
        `SET GLOBAL relay_log_purge=0 on ${s.name} and relay_log_purge=0 in its my.cnf; purge old relay logs from cron instead (as MHA's purge_relay_logs)`));
    }
    if (!st.readOnly) {
      found.push(warning('read-only-off', s.name, `read_only is off on the replica ${s.name}: applications could write to it and diverge`,
        `SET GLOBAL read_only=ON on ${s.name} and read_only=1 in its my.cnf`));
    }
    const lag = st.replica.secondsBehindSource;
    if (lag !== null && lag > limit) {
      const delay = st.replica.sqlDelay;
      found.push(warning('replica-lag', s.name,
        `${s.name} is ${lag} s behind its source (warning threshold ${limit} s${delay ? `; MASTER_DELAY=${delay}` : ''})`,
        delay
          ? `${changeSourceDelay(st, 0)} on ${s.name} if the delay is not intended`
          : `find why ${s.name} cannot keep up (load, long transactions, single-threaded apply)`));
    }
  }
  return found;
}
