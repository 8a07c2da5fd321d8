// `lab status`: each host, its role, its processes, replication threads and coordinates.
import { labHosts } from './layout';
import { mysqldPid, rootQuery } from './mariadb';
import { sshdPid } from './sshd';

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

