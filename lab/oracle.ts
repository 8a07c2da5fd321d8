// The data oracle: after a failover, every acknowledged id is on every survivor exactly once,
// and all survivors hold identical data (CHECKSUM TABLE over every user table).
import type { ClusterConfig } from '../src/config/schema';
import { queryRows, withConnection } from '../src/mysql/client';
import { TEST_DB } from './layout';

export interface ServerVerdict { server: string; rows: number; missing: number[]; duplicated: number[]; checksums: Record<string, string> }
export interface OracleReport {
  ok: boolean;
  acknowledged: number;
  servers: ServerVerdict[];
  /** Tables whose checksum differs between survivors. */
  checksumMismatches: string[];
  problems: string[];
}

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export async function verifySurvivors(cfg: ClusterConfig, survivors: string[], acked: number[]): Promise<OracleReport> {
  const servers = await Promise.all(survivors.map(async (name) => {
    const server = cfg.servers.find((s) => s.name === name);
    if (!server) throw new Error(`no server ${name} in the config`);
    return withConnection(cfg, server, async (conn): Promise<ServerVerdict> => {
      const present = new Set((await queryRows(conn, `SELECT id FROM ${TEST_DB}.writes`)).map((r) => Number(r.id)));
      const dup = await queryRows(conn, `SELECT id, COUNT(*) AS c FROM ${TEST_DB}.writes_nopk GROUP BY id HAVING c > 1`);
      const tables = await queryRows(conn, `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type='BASE TABLE' AND table_schema NOT IN (${SYSTEM_SCHEMAS.map(() => '?').join(',')}) ORDER BY 1, 2`, SYSTEM_SCHEMAS);
      const checksums: Record<string, string> = {};
      for (const { s, t } of tables) {
        const [row] = await queryRows(conn, `CHECKSUM TABLE ${conn.escapeId(String(s))}.${conn.escapeId(String(t))} EXTENDED`);
        checksums[`${s}.${t}`] = String(row?.Checksum);
      }
      return { server: name, rows: present.size, missing: acked.filter((id) => !present.has(id)), duplicated: dup.map((r) => Number(r.id)), checksums };
    });
  }));
  const problems: string[] = [];
  for (const v of servers) {
    if (v.missing.length) problems.push(`${v.server}: ${v.missing.length} acknowledged ids missing (first: ${v.missing.slice(0, 10).join(', ')})`);
    if (v.duplicated.length) problems.push(`${v.server}: ${v.duplicated.length} ids applied twice (first: ${v.duplicated.slice(0, 10).join(', ')})`);
  }
  const tableNames = [...new Set(servers.flatMap((v) => Object.keys(v.checksums)))];
  const checksumMismatches = tableNames.filter((t) => new Set(servers.map((v) => v.checksums[t] ?? 'absent')).size > 1);
  for (const t of checksumMismatches) problems.push(`table ${t} differs: ${servers.map((v) => `${v.server}=${v.checksums[t] ?? 'absent'}`).join(' ')}`);
  return { ok: problems.length === 0, acknowledged: acked.length, servers, checksumMismatches, problems };
}
