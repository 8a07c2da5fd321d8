// Rule: every replication channel's IO and SQL threads run without error.
import { dialectOf, type Dialect } from '../../mysql/sql';
import type { ReplicaStatus } from '../../mysql/status';
import type { CheckContext } from '../context';
import { channelLabel, problem, warning } from '../finding';
import type { CheckFinding } from '../types';

/** The fix for an IO thread error: the usual causes (access denied, purged binlog) have their own. */
function ioErrorFix(server: string, ch: ReplicaStatus, start: string, d: Dialect): string {
  if (ch.lastIoErrno === 1045 || /access denied/i.test(ch.lastIoError)) {
    return `check the replication user and password on ${server} (${d.changeSource} ${d.optionPrefix}USER=..., ${d.optionPrefix}PASSWORD=...) ` +
      `and its grants on the source; then ${start}`;
  }
  if (ch.lastIoErrno === 1236) {
    return `the source no longer has the binlog ${server} needs (purged, or a wrong position): ` +
      `rebuild ${server} from a backup of the master, or repoint it at a valid position`;
  }
  return `fix the cause above, then ${start} on ${server}`;
}

export function replicationThreads(ctx: CheckContext): CheckFinding[] {
  const found: CheckFinding[] = [];
  for (const s of ctx.alive) {
    const dialect = dialectOf(s.state);
    const word = dialect.replicaWord;
    for (const { ch } of ctx.sourcesOf(s.name)) {
      const conn = ch.connectionName ? ` '${ch.connectionName}'` : '';
      const forChannel = ch.channelName ? ` FOR CHANNEL '${ch.channelName}'` : '';
      const start = (thread: 'IO_THREAD' | 'SQL_THREAD') => `START ${word}${conn} ${thread}${forChannel}`;
      const label = channelLabel(ch);
      if (ch.lastIoErrno) {
        found.push(problem('replication-io-error', s.name, `${s.name}: replication IO thread${label} error ${ch.lastIoErrno}: ${ch.lastIoError}`,
          ioErrorFix(s.name, ch, start('IO_THREAD'), dialect)));
      } else if (ch.ioRunning === 'No') {
        found.push(problem('replication-stopped', s.name,
          `${s.name}: replication IO thread${label} is not running (stopped, no error): it receives nothing from ${ch.sourceHost}:${ch.sourcePort}`,
          `${start('IO_THREAD')} on ${s.name}`));
      } else if (ch.ioRunning === 'Connecting') {
        found.push(warning('replication-connecting', s.name,
          `${s.name}: replication IO thread${label} is still connecting to ${ch.sourceHost}:${ch.sourcePort}`,
          `check that the source is reachable from ${s.name} and the replication user can log in`));
      }
      if (ch.lastSqlErrno) {
        found.push(problem('replication-sql-error', s.name, `${s.name}: replication SQL thread${label} error ${ch.lastSqlErrno}: ${ch.lastSqlError}`,
          `resolve the conflict on ${s.name} (compare the row or statement with the master; do not skip events blindly), then ${start('SQL_THREAD')}`));
      } else if (!ch.sqlRunning) {
        found.push(problem('replication-stopped', s.name,
          `${s.name}: replication SQL thread${label} is not running (stopped, no error): it executes nothing it receives`,
          `${start('SQL_THREAD')} on ${s.name}`));
      }
    }
  }
  return found;
}
