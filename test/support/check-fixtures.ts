// Builders for the check's tests: a 4-server MariaDB cluster as discovery and the SSH check would read it,
// db1 master (10.0.0.11), db2..db4 replicas, every server healthy; tests edit what they need.
import { parseClusterConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';
import type { ServerState } from '../../src/mysql/client';
import type { DiscoveredServer, DiscoveredExtras } from '../../src/mysql/discover';
import type { ReplicaStatus } from '../../src/mysql/status';
import type { SshHostCheck } from '../../src/ssh/check';
import { buildCheckContext, buildCheckReport, type CheckCode, type CheckContext, type CheckInput, type CheckReport } from '../../src/check';

export type Mode = 'filepos' | 'gtid';
export const HOSTS = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14'];
export const NAMES = ['db1', 'db2', 'db3', 'db4'];

export function config(over: (c: Record<string, any>) => void = () => {}): ClusterConfig {
  const raw: Record<string, any> = {
    cluster: 'app1',
    mysql: { user: 'mhaflow', password: 'env:X' },
    replication: { user: 'repl', password: 'env:Y' },
    ssh: { key: '/k', knownHosts: '/kh' },
    servers: NAMES.map((name, i) => ({ name, host: HOSTS[i], binlogDir: '/var/lib/mysql' })),
  };
  over(raw);
  return parseClusterConfig(raw, 'test.yml', '/');
}

export function replica(over: Partial<ReplicaStatus> = {}, mode: Mode = 'filepos'): ReplicaStatus {
  return {
    sourceHost: '10.0.0.11', sourcePort: 3306, sourceUser: 'repl',
    sourceLogFile: 'mysql-bin.000003', readSourceLogPos: 5000, relayLogFile: 'relay-bin.000004', relayLogPos: 900,
    relaySourceLogFile: 'mysql-bin.000003', execSourceLogPos: 5000, ioRunning: 'Yes', sqlRunning: true,
    lastIoErrno: 0, lastIoError: '', lastSqlErrno: 0, lastSqlError: '', secondsBehindSource: 0, sourceServerId: 11,
    autoPosition: mode === 'gtid', usingGtid: mode === 'gtid' ? 'Slave_Pos' : 'No', gtidIoPos: mode === 'gtid' ? '0-11-100' : '',
    replicateDoDb: '', replicateIgnoreDb: '', replicateDoTable: '', replicateIgnoreTable: '', replicateWildDoTable: '', replicateWildIgnoreTable: '',
    sqlDelay: 0,
    ...over,
  };
}

export function state(i: number, rep: ReplicaStatus | null, over: Partial<ServerState> = {}): ServerState {
  return {
    name: NAMES[i]!, host: HOSTS[i]!, port: 3306, version: '10.11.6-MariaDB-log', flavor: 'mariadb',
    serverId: 11 + i, serverUuid: null, logBin: true, logSlaveUpdates: true, binlogFormat: 'ROW',
    readOnly: i !== 0, superReadOnly: null, relayLogPurge: false,
    gtid: {
      mode: 'MARIADB', executed: '0-11-100',
      mariadb: { binlogPos: '0-11-100', currentPos: '0-11-100', slavePos: '0-11-100', strictMode: true, domainId: 0 },
    },
    binlog: { file: 'mysql-bin.000003', pos: 5000 },
    replica: rep,
    ...over,
  };
}

export function extras(st: ServerState, over: Partial<DiscoveredExtras> = {}): DiscoveredExtras {
  const channels = st.replica ? [st.replica] : [];
  return {
    channels,
    hostname: st.name,
    enforceGtidConsistency: null,
    binlogFilters: st.logBin ? { doDb: '', ignoreDb: '' } : null,
    replicationFilters: st.replica
      ? {
        replicateDoDb: st.replica.replicateDoDb, replicateIgnoreDb: st.replica.replicateIgnoreDb,
        replicateDoTable: '', replicateIgnoreTable: '', replicateWildDoTable: '', replicateWildIgnoreTable: '',
      }
      : { replicateDoDb: '', replicateIgnoreDb: '', replicateDoTable: '', replicateIgnoreTable: '', replicateWildDoTable: '', replicateWildIgnoreTable: '' },
    filtersFrom: st.replica ? 'replica status' : 'variables',
    replUser: { accounts: ['repl@10.0.0.%'], hasReplicationSlave: true },
    logBinBasename: st.logBin ? '/var/lib/mysql/mysql-bin' : null,
    binaryLogs: st.logBin
      ? [{ name: 'mysql-bin.000001', size: 1000 }, { name: 'mysql-bin.000002', size: 2000 }, { name: 'mysql-bin.000003', size: 5000 }]
      : null,
    addresses: [st.host],
    sourceAddresses: channels.map((c) => [c.sourceHost]),
    semiSync: { source: { enabled: false, active: false, clients: 0, timeoutMs: 10000 }, replica: { enabled: false, active: false } },
    ...over,
  };
}

/** The healthy cluster, as discovery reads it; `edit` changes individual servers. */
export function cluster(mode: Mode = 'filepos', edit: (servers: DiscoveredServer[]) => void = () => {}): DiscoveredServer[] {
  const servers = NAMES.map((name, i): DiscoveredServer => {
    const st = state(i, i === 0 ? null : replica({}, mode));
    return { name, host: HOSTS[i]!, port: 3306, state: st, extras: extras(st) };
  });
  edit(servers);
  // Keep the extras' channels in step with edited replica statuses.
  for (const s of servers) {
    if (s.state && s.extras && s.extras.channels.length <= 1) {
      s.extras.channels = s.state.replica ? [s.state.replica] : [];
      s.extras.sourceAddresses = s.extras.channels.map((c) => s.extras!.sourceAddresses[0] ?? [c.sourceHost]);
    }
  }
  return servers;
}

export function sshOk(over: Record<string, Partial<SshHostCheck>> = {}): SshHostCheck[] {
  return NAMES.map((name, i) => ({
    name, target: `root@${HOSTS[i]}:22`, status: 'ok', binlogTool: '/usr/bin/mariadb-binlog',
    binlogDir: { dir: '/var/lib/mysql', readable: true, missing: [] },
    workdir: { dir: '/var/tmp/mhaflow', writable: true, freeBytes: 10 * 1024 ** 3 }, sftp: true, elapsedMs: 30,
    ...over[name],
  }));
}

/** The check's input: the given servers, the default config and every SSH host fine unless given. */
export function checkInput(input: Partial<CheckInput> & { servers: DiscoveredServer[] }): CheckInput {
  return { config: input.config ?? config(), servers: input.servers, ssh: input.ssh === undefined ? sshOk() : input.ssh };
}

export function check(input: Partial<CheckInput> & { servers: DiscoveredServer[] }): CheckReport {
  return buildCheckReport(checkInput(input));
}

export function context(input: Partial<CheckInput> & { servers: DiscoveredServer[] }): CheckContext {
  return buildCheckContext(checkInput(input));
}

export const codes = (fs: { code: CheckCode; server: string | null }[]) => fs.map((f) => `${f.code}@${f.server ?? '-'}`);
export const find = (r: CheckReport, code: CheckCode) => [...r.problems, ...r.warnings].find((f) => f.code === code);

export function mut(s: DiscoveredServer, fn: (st: ServerState, x: DiscoveredExtras) => void): void {
  fn(s.state!, s.extras!);
}
