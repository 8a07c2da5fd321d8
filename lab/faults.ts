// Faults the tests and benchmarks inject into the lab, and the way back.
import type { LabHost } from './layout';
import { findHost, labHosts, MYSQL_PORT, SSH_PORT } from './layout';
import { mysqldPid, rootQuery, rootSql, startMysqld, stopMysqld } from './mariadb';
import { sshdPid, startSshd, stopSshd } from './sshd';
import { LabError, tcpOpen, waitFor } from './system';

export const FAULTS = ['kill-mysqld', 'host-down', 'stall', 'stop-io', 'stop-sql', 'lag'] as const;
export type Fault = (typeof FAULTS)[number];

/** The fault holds only once nothing answers on the port any more. */
async function portClosed(h: LabHost, port: number): Promise<void> {
  await waitFor(`${h.address}:${port} to close`, async () => !(await tcpOpen(h.address, port, 200)), 10_000, 20);
}

async function requireMysqld(h: LabHost): Promise<void> {
  if (!mysqldPid(h)) throw new LabError(`mariadbd is not running on ${h.name}`, { server: h.name, hint: `npx mhaflow lab restore ${h.name}` });
}

export async function injectFault(fault: Fault, hostRef: string, arg?: string): Promise<string> {
  const h = findHost(labHosts(), hostRef);
  switch (fault) {
    case 'kill-mysqld':
      await stopMysqld(h, 'kill');
      await portClosed(h, MYSQL_PORT);
      return `${h.name}: mariadbd killed (SIGKILL); sshd still up`;
    case 'host-down':
      // sshd first: a monitor that sees mysqld go must not find the host still answering SSH in between (a host that
      // goes down loses both at once).
      await stopSshd(h);
      await stopMysqld(h, 'kill');
      await portClosed(h, MYSQL_PORT);
      await portClosed(h, SSH_PORT);
      return `${h.name}: host down (mariadbd and sshd killed)`;
    case 'stop-io':
      await requireMysqld(h);
      await rootSql(h, 'STOP SLAVE IO_THREAD');
      return `${h.name}: replication IO thread stopped (it receives nothing more)`;
    case 'stop-sql':
      await requireMysqld(h);
      await rootSql(h, 'STOP SLAVE SQL_THREAD');
      return `${h.name}: replication SQL thread stopped (it executes nothing more)`;
    case 'stall': {
      // SIGSTOP: the process and its sockets stay; it accepts TCP connections (the kernel does) and answers none.
      // Without SECONDS, until SIGCONT (`lab restore`); a stalled master wakes up as it was: writable.
      if (arg === undefined) {
        await requireMysqld(h);
        process.kill(mysqldPid(h)!, 'SIGSTOP');
        return `${h.name}: mariadbd stalled (SIGSTOP); \`lab restore ${h.name}\` sends SIGCONT`;
      }
      const seconds = Number(arg);
      if (!(seconds > 0)) throw new LabError(`stall needs a number of seconds, got ${arg}`, { hint: 'npx mhaflow lab fault stall db1 3' });
      const ms = await stallMysqld(h, seconds * 1000);
      return `${h.name}: mariadbd stopped (SIGSTOP) for ${(ms / 1000).toFixed(1)} s, then continued (SIGCONT)`;
    }
    case 'lag': {
      const seconds = Number(arg);
      if (!Number.isInteger(seconds) || seconds < 0) throw new LabError(`lag needs a whole number of seconds, got ${arg}`, { hint: 'npx mhaflow lab fault lag db3 30' });
      await requireMysqld(h);
      // MASTER_DELAY holds the SQL thread back: the replica receives everything but executes late.
      await rootSql(h, `STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=${seconds}; START SLAVE`);
      return `${h.name}: replication delayed by ${seconds} s (MASTER_DELAY)`;
    }
  }
}

/**
 * Freeze a host's mariadbd (SIGSTOP): it keeps its sockets open and answers nothing, as in an I/O freeze; it
 * continues (SIGCONT) after `ms`. Resolves with how long it was stopped.
 */
export async function stallMysqld(h: LabHost, ms: number, alsoUntil?: () => Promise<void>): Promise<number> {
  const pid = mysqldPid(h);
  if (!pid) throw new LabError(`mariadbd is not running on ${h.name}`, { server: h.name, hint: `npx mhaflow lab restore ${h.name}` });
  const t0 = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    // At least `ms`, and until `alsoUntil` resolves when given.
    await Promise.all([new Promise((r) => setTimeout(r, ms)), alsoUntil?.()]);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return Date.now() - t0;
}

/** Undo faults: start mariadbd and sshd when down, remove any delay, start both replication threads. */
export async function restoreHost(hostRef: string): Promise<string> {
  const h = findHost(labHosts(), hostRef);
  const stalled = mysqldPid(h);
  if (stalled) process.kill(stalled, 'SIGCONT'); // a stalled mariadbd wakes up (a running one ignores it)
  await startMysqld(h);
  await startSshd(h);
  const replica = (await rootQuery(h, 'SHOW SLAVE STATUS'))[0];
  if (replica) {
    if (Number(replica.SQL_Delay ?? 0) > 0) await rootSql(h, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0');
    await rootSql(h, 'START SLAVE');
  }
  return `${h.name}: restored (mariadbd ${mysqldPid(h)}, sshd ${sshdPid(h)}${replica ? ', replication started' : ''})`;
}
