// Every parameter MHA 0.58 reads (MHA::Config), and where each goes in a cluster config: the table of
// `mhaflow config import-mha`. A parameter without an equivalent carries the reason it has none.
/** How each MHA parameter maps (the table of the closing note; the test checks it is complete). */
export interface MhaParamMapping {
  param: string;
  /** The mhaflow key, or null when there is no equivalent. */
  mapsTo: string | null;
  note: string;
}

export const MHA_PARAMETERS: readonly MhaParamMapping[] = [
  { param: 'hostname', mapsTo: 'servers[].host (servers[].aliases when ip is also set)', note: 'section only, as in MHA' },
  { param: 'ip', mapsTo: 'servers[].host', note: 'MHA connects by IP; the hostname is kept in aliases' },
  { param: 'port', mapsTo: 'servers[].port', note: '' },
  { param: 'ssh_host', mapsTo: 'servers[].ssh.host', note: 'section only' },
  { param: 'ssh_ip', mapsTo: 'servers[].ssh.host', note: 'preferred over ssh_host, as MHA connects by IP' },
  { param: 'ssh_port', mapsTo: 'ssh.port / servers[].ssh.port', note: '' },
  { param: 'ssh_user', mapsTo: 'ssh.user / servers[].ssh.user', note: 'MHA default: the manager\'s OS user' },
  { param: 'ssh_connection_timeout', mapsTo: 'ssh.connectTimeout', note: 'seconds' },
  {
    param: 'ssh_options', mapsTo: 'ssh.key, ssh.knownHosts, ssh.port, ssh.user, ssh.connectTimeout',
    note: '-i, -p, -l and -o IdentityFile/UserKnownHostsFile/Port/User/ConnectTimeout are mapped; ' +
      'other OpenSSH options have no equivalent (mhaflow speaks SSH itself) and are listed',
  },
  { param: 'node_label', mapsTo: 'servers[].label', note: '' },
  { param: 'candidate_master', mapsTo: 'servers[].candidateMaster', note: '' },
  { param: 'no_master', mapsTo: 'servers[].noMaster', note: '' },
  { param: 'ignore_fail', mapsTo: 'servers[].ignoreFail', note: '' },
  { param: 'skip_init_ssh_check', mapsTo: 'servers[].skipSshCheck', note: '' },
  { param: 'skip_reset_slave', mapsTo: 'servers[].skipResetReplica', note: '' },
  { param: 'user', mapsTo: 'mysql.user', note: 'one admin user per cluster' },
  { param: 'password', mapsTo: 'mysql.password', note: 'written to the secrets file, referenced as file:...#mysql_password' },
  { param: 'repl_user', mapsTo: 'replication.user', note: '' },
  { param: 'repl_password', mapsTo: 'replication.password', note: 'written to the secrets file, referenced as file:...#repl_password' },
  { param: 'disable_log_bin', mapsTo: 'servers[].disableLogBin', note: '' },
  { param: 'master_pid_file', mapsTo: 'servers[].pidFile', note: '' },
  { param: 'handle_raw_binlog', mapsTo: null, note: 'mhaflow always reads and ships raw binlog events itself' },
  { param: 'remote_workdir', mapsTo: 'workdirs.remote / servers[].remoteWorkdir', note: '' },
  { param: 'master_binlog_dir', mapsTo: 'servers[].binlogDir', note: 'MHA takes a comma-separated list; the first directory is kept, the others are listed' },
  { param: 'log_level', mapsTo: null, note: 'logging is set on the worker: MHAFLOW_LOG_LEVEL' },
  { param: 'manager_workdir', mapsTo: 'workdirs.manager', note: '' },
  { param: 'manager_log', mapsTo: null, note: 'the worker logs to stderr; every decision is in the Temporal workflow history' },
  { param: 'check_repl_delay', mapsTo: 'servers[].checkReplDelay', note: '' },
  { param: 'check_repl_filter', mapsTo: 'replication.checkFilters', note: 'MHA reads it from the first server; cluster-wide here' },
  { param: 'latest_priority', mapsTo: 'servers[].latestPriority', note: '' },
  { param: 'multi_tier_slave', mapsTo: 'replication.multiTier', note: 'cluster-wide' },
  { param: 'ping_interval', mapsTo: 'monitor.pingInterval', note: 'seconds' },
  { param: 'ping_type', mapsTo: 'monitor.pingType', note: 'CONNECT/SELECT/INSERT -> connect/select/insert' },
  { param: 'secondary_check_script', mapsTo: 'hooks.secondaryCheck', note: '' },
  { param: 'master_ip_failover_script', mapsTo: 'hooks.masterIpFailover', note: '' },
  { param: 'master_ip_online_change_script', mapsTo: 'hooks.masterIpOnlineChange', note: '' },
  { param: 'shutdown_script', mapsTo: 'hooks.shutdown', note: '' },
  { param: 'report_script', mapsTo: 'hooks.report', note: '' },
  {
    param: 'init_conf_load_script', mapsTo: null,
    note: 'mhaflow never runs a script to load its config; put what it printed (usually passwords) in the secrets file',
  },
  { param: 'client_bindir', mapsTo: 'servers[].clientBindir', note: '' },
  { param: 'client_libdir', mapsTo: 'servers[].clientLibdir', note: '' },
  { param: 'use_gtid_auto_pos', mapsTo: 'replication.useGtidAutoPosition', note: '' },
  {
    param: '[binlogN] section', mapsTo: 'servers[] with binlogServer: true',
    note: 'hostname/ip, ssh_*, master_binlog_dir, client_*dir, remote_workdir, node_label, skip_init_ssh_check apply',
  },
];

export const KNOWN_PARAMETERS = new Set(MHA_PARAMETERS.map((m) => m.param).filter((p) => !p.startsWith('[')));

/** Parameters MHA reads only from a server's own section (never inherited from [server default]). */
export const SECTION_ONLY = new Set(['hostname', 'ip', 'ssh_host', 'ssh_ip', 'candidate_master', 'no_master', 'ignore_fail', 'skip_init_ssh_check',
  'node_label']);

/** What a binlog server section can meaningfully carry. */
export const BINLOG_SERVER_PARAMS = new Set(['hostname', 'ip', 'port', 'ssh_host', 'ssh_ip', 'ssh_port', 'ssh_user', 'master_binlog_dir',
  'client_bindir', 'client_libdir', 'remote_workdir', 'node_label', 'skip_init_ssh_check', 'ssh_options', 'ssh_connection_timeout']);
