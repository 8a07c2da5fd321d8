// `lab status`: each host, its role, its processes, replication threads and coordinates.
import { readFileSync } from 'node:fs';
import { labHosts } from './layout';
import { mysqldPid, rootQuery } from './mariadb';
import { sshdPid } from './sshd';
import { shAsync } from './system';

export interface LabHostStatus {
  name: string;
  address: string;
  mysqld: number | null;
  sshd: number | null;
  role: 'master' | 'replica' | 'down' | 'standalone';
  readOnly?: boolean;
  binlog?: string;
  gtid?: string;
  replication?: { source: string; io: string; sql: string; read: string; exec: string; delay: number; lastError: string };
}

export async function labStatus(): Promise<LabHostStatus[]> {
  return Promise.all(labHosts().map(async (h): Promise<LabHostStatus> => {
    const base = { name: h.name, address: h.address, mysqld: mysqldPid(h), sshd: sshdPid(h) };
    if (!base.mysqld) return { ...base, role: 'down' };
    try {
      const [vars] = await rootQuery(h, 'SELECT @@read_only AS ro, @@gtid_current_pos AS gtid');
      const [ms] = await rootQuery(h, 'SHOW MASTER STATUS');
      const [rs] = await rootQuery(h, 'SHOW SLAVE STATUS');
      const status: LabHostStatus = { ...base, role: rs ? 'replica' : vars!.ro === '0' ? 'master' : 'standalone', readOnly: vars!.ro === '1', gtid: vars!.gtid };
      if (ms) status.binlog = `${ms.File}:${ms.Position}`;
      if (rs) {
        status.replication = {
          source: `${rs.Master_Host}:${rs.Master_Port}`, io: rs.Slave_IO_Running!, sql: rs.Slave_SQL_Running!,
          read: `${rs.Master_Log_File}:${rs.Read_Master_Log_Pos}`, exec: `${rs.Relay_Master_Log_File}:${rs.Exec_Master_Log_Pos}`,
          delay: Number(rs.SQL_Delay ?? 0), lastError: rs.Last_IO_Error || rs.Last_SQL_Error || '',
        };
      }
      return status;
    } catch {
      return { ...base, role: 'down' };
    }
  }));
}


/**
 * What the lab's servers and the machine are doing, as text for a test that waited in vain (a writer that acknowledges
 * nothing more, a worker that does not connect): each host's sessions that are not idle (what a stuck write waits on),
 * then the machine's load, CPU and IO pressure, and its busiest processes. Each part answers within 3 s or says so.
 */
export async function labSnapshot(): Promise<string> {
  const within = <T>(p: Promise<T>, what: string): Promise<T | string> =>
    Promise.race([p, new Promise<string>((r) => setTimeout(() => r(`(${what}: no answer within 3 s)`), 3000).unref())]);
  const hosts = await Promise.all(labHosts().map(async (h) => {
    if (!mysqldPid(h)) return `${h.name}: mariadbd not running`;
    const rows = await within(rootQuery(h, "SELECT ID, USER, COMMAND, TIME, STATE, LEFT(INFO, 120) AS INFO FROM information_schema.PROCESSLIST " +
      "WHERE COMMAND NOT IN ('Sleep', 'Binlog Dump', 'Daemon') AND ID <> CONNECTION_ID()").catch((e: Error) => e.message), `${h.name} processlist`);
    const lines = typeof rows === 'string' ? [rows] : rows.map((r) => Object.values(r).join(' | '));
    return `${h.name}: ${lines.length ? `\n    ${lines.join('\n    ')}` : 'no session at work'}`;
  }));
  const file = (f: string) => { try { return readFileSync(f, 'utf8').split('\n')[0]; } catch { return '(unreadable)'; } };
  const ps = await within(shAsync('ps', ['-eo', 'pid,stat,pcpu,rss,etimes,args', '--sort=-pcpu'], { allowFail: true }).then((r) => r.stdout), 'ps');
  return [...hosts, `load ${file('/proc/loadavg')}; cpu ${file('/proc/pressure/cpu')}; io ${file('/proc/pressure/io')}`,
    ...ps.split('\n').slice(0, 9).map((l) => l.slice(0, 200))].join('\n');
}
