// Builders for the topology decision tests: a dead master db1 (10.0.0.1:3306, server_id 1) and replicas
// whose positions each test sets. Only the fields a test cares about are given; the rest are defaults
// of a healthy MariaDB/MySQL replica with IO threads stopped (phase 2 done).
import type { ServerState } from '../../src/mysql/client';
import type { ReplicaStatus } from '../../src/mysql/status';
import type { DeadMasterRef, ReplicaSnapshot, ServerSnapshot } from '../../src/topology/types';

export const DEAD: DeadMasterRef = { name: 'db1', host: '10.0.0.1', port: 3306, serverId: 1 };

export function status(p: Partial<ReplicaStatus> = {}): ReplicaStatus {
  return {
    sourceHost: '10.0.0.1', sourcePort: 3306, sourceUser: 'repl',
    sourceLogFile: 'mysql-bin.000003', readSourceLogPos: 1000,
    relayLogFile: 'relay-bin.000002', relayLogPos: 500,
    relaySourceLogFile: 'mysql-bin.000003', execSourceLogPos: 1000,
    ioRunning: 'No', sqlRunning: true,
    lastIoErrno: 2003, lastIoError: "error reconnecting to master 'repl@10.0.0.1:3306'", lastSqlErrno: 0, lastSqlError: '',
    secondsBehindSource: null, sourceServerId: 1, autoPosition: false,
    replicateDoDb: '', replicateIgnoreDb: '', replicateDoTable: '', replicateIgnoreTable: '',
    replicateWildDoTable: '', replicateWildIgnoreTable: '', sqlDelay: 0,
    ...p,
  };
}

export interface StateOpts {
  version?: string;
  logBin?: boolean;
  logSlaveUpdates?: boolean;
  gtidExecuted?: string;
  mariadbCurrentPos?: string;
  replica?: ReplicaStatus | null;
}

export function state(name: string, o: StateOpts = {}): ServerState {
  const version = o.version ?? '10.11.6-MariaDB-0+deb12u1-log';
  const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const n = Number(name.replace(/\D/g, '')) || 9;
  return {
    name, host: `10.0.0.${n}`, port: 3306, version, flavor, serverId: n, serverUuid: null,
    logBin: o.logBin ?? true, logSlaveUpdates: o.logSlaveUpdates ?? true, binlogFormat: 'ROW',
    readOnly: true, superReadOnly: null, relayLogPurge: false,
    gtid: flavor === 'mariadb'
      ? {
        mode: 'MARIADB', executed: o.mariadbCurrentPos ?? '',
        mariadb: { binlogPos: '', currentPos: o.mariadbCurrentPos ?? '', slavePos: o.mariadbCurrentPos ?? '', strictMode: false, domainId: 0 },
      }
      : { mode: o.gtidExecuted !== undefined ? 'ON' : 'OFF', executed: o.gtidExecuted ?? '' },
    binlog: { file: 'mysql-bin.000001', pos: 4 },
    replica: o.replica === undefined ? status() : o.replica,
  };
}

export interface ServerOpts extends StateOpts {
  dead?: boolean;
  error?: string;
  candidateMaster?: boolean;
  noMaster?: boolean;
  ignoreFail?: boolean;
  checkReplDelay?: boolean;
  latestPriority?: boolean;
  binlogServer?: boolean;
}

export function server(name: string, o: ServerOpts = {}): ServerSnapshot {
  const n = Number(name.replace(/\D/g, '')) || 9;
  return {
    name, host: `10.0.0.${n}`, port: 3306,
    candidateMaster: o.candidateMaster ?? false, noMaster: o.noMaster ?? false, ignoreFail: o.ignoreFail ?? false,
    checkReplDelay: o.checkReplDelay ?? true, latestPriority: o.latestPriority ?? true,
    ...(o.binlogServer ? { binlogServer: true } : {}),
    state: o.dead ? null : state(name, o),
    ...(o.error ? { error: o.error } : {}),
  };
}

/** The dead master as a configured server (unreachable). */
export const deadMaster = (): ServerSnapshot => server('db1', { dead: true, error: 'connect ECONNREFUSED 10.0.0.1:3306' });

/** A replica snapshot with read/exec positions in the dead master's binlog. */
export function at(name: string, read: [string, number], exec: [string, number] = read, extra: Partial<ReplicaStatus> = {}, o: ServerOpts = {}): ServerSnapshot {
  const replica = status({
    sourceLogFile: read[0], readSourceLogPos: read[1], relaySourceLogFile: exec[0], execSourceLogPos: exec[1], ...extra,
  });
  return server(name, { ...o, replica });
}

export function snapshots(servers: ServerSnapshot[]): ReplicaSnapshot[] {
  return servers.filter((s) => s.state?.replica).map((s) => ({ ...s.state!, name: s.name, replica: s.state!.replica! }));
}
