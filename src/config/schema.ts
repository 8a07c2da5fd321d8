// The cluster config: one YAML file per cluster, validated here. Secrets are references
// ("env:NAME" or "file:PATH"), never literals, so configs can travel through workflow history.
import { z } from 'zod';

export const SECRET_REF = /^(env|file):.+$/;
export const secretRef = z.string().regex(SECRET_REF, {
  message: 'a secret reference such as "env:MYSQL_PASSWORD" or "file:/etc/mhaflow/mysql.pw" (literal secrets are refused)',
});

/** "500ms", "3s", "5m", "8h", or a number of seconds. */
export const duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, {
  message: 'a duration such as "500ms", "3s", "5m" or "8h"',
})]);

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'letters, digits, "_", "." or "-"' });

export const serverSchema = z.object({
  /** Stable name used in logs, the UI and the CLI (MHA: the [serverN] section name or hostname). */
  name,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(3306),
  ssh: z.object({
    host: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().optional(),
  }).strict().default({}),
  /** Directory holding this server's binary logs on its host (MHA master_binlog_dir). */
  binlogDir: z.string().optional(),
  /** Prefer this server as new master (MHA candidate_master). */
  candidateMaster: z.boolean().default(false),
  /** Never promote this server (MHA no_master). */
  noMaster: z.boolean().default(false),
  /** A failure of this server does not stop a failover (MHA ignore_fail). */
  ignoreFail: z.boolean().default(false),
  /** Exclude this server as candidate when it lags too far (MHA check_repl_delay). */
  checkReplDelay: z.boolean().default(true),
  /** Remote working directory on this host (MHA remote_workdir). */
  remoteWorkdir: z.string().optional(),
  /** mysqlbinlog/mariadb-binlog and mysql client directory on this host (MHA client_bindir). */
  clientBindir: z.string().optional(),
  /** Extra library path for the client tools (MHA client_libdir). Not read yet: see UNREAD_KEYS. */
  clientLibdir: z.string().optional(),
  /** Do not connect to this server's SQL port for health checks; it is a binlog server (MHA [binlogN]). */
  binlogServer: z.boolean().default(false),
  /** Among non-candidates, prefer a latest replica (MHA latest_priority). */
  latestPriority: z.boolean().default(true),
  /** Extra mysql options given to the client when applying diffs, separated by spaces; each is one argument, quoted (no shell syntax). */
  mysqlClientOptions: z.string().optional(),
  // Optional keys below have no default on purpose (absent = the documented default), so code and
  // tests that build ServerConfig objects by hand need not list them.
  /** Other names (DNS names, IPs) replicas may use for this server in CHANGE MASTER (MHA hostname vs ip). */
  aliases: z.array(z.string().min(1)).optional(),
  /** Free-form label shown beside the name in reports (MHA node_label). */
  label: z.string().optional(),
  /** mysqld pid file on this host, handed to the shutdown hook (MHA master_pid_file). */
  pidFile: z.string().optional(),
  /** Apply recovered diffs to this server with sql_log_bin=0 (MHA disable_log_bin). Default false. Not read yet: see UNREAD_KEYS. */
  disableLogBin: z.boolean().optional(),
  /** Keep the replication settings (no RESET SLAVE ALL) when this server becomes the new master (MHA skip_reset_slave). Default false. */
  skipResetReplica: z.boolean().optional(),
  /** Leave this host out of the SSH check (MHA skip_init_ssh_check). Default false. */
  skipSshCheck: z.boolean().optional(),
  /**
   * Where the monitor pings this server, when not at host:port ("host:port"): through the proxy or load balancer the
   * applications use, say. Only the manager's pings use it; the replicas' view and the SSH probe of the host do not.
   */
  monitorAddress: z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'an address such as "10.0.0.5:6033"' }).optional(),
}).strict();

export const hooksSchema = z.object({
  masterIpFailover: z.string().optional(),
  /** Moves the writer address in a planned switchover (MHA master_ip_online_change_script): --command=stop before the freeze, start after the promotion. */
  masterIpOnlineChange: z.string().optional(),
  shutdown: z.string().optional(),
  report: z.string().optional(),
  /** Run after a failed health check to double check from other network routes (MHA secondary_check_script). */
  secondaryCheck: z.string().optional(),
  /** Per-hook timeout. */
  timeout: duration.default('60s'),
}).strict();

export const clusterSchema = z.object({
  /** The cluster's name: workflow ids derive from it (failover:<cluster>). */
  cluster: name,
  mysql: z.object({
    user: z.string().min(1),
    password: secretRef,
    connectTimeout: duration.default('2s'),
  }).strict(),
  replication: z.object({
    user: z.string().min(1),
    password: secretRef,
    /** Refuse when servers have different replication/binlog filters (MHA check_repl_filter). Default true. */
    checkFilters: z.boolean().optional(),
    /** Allow replicas of replicas (MHA multi_tier_slave); they are left alone by a failover. Default false. */
    multiTier: z.boolean().optional(),
    /** Use GTID auto-positioning when every server supports it (MHA use_gtid_auto_pos). Default true. */
    useGtidAutoPosition: z.boolean().optional(),
    /**
     * MariaDB: the GTID domain `rejoin --reapply` replays an old master's extra transactions in on the master (their
     * sequence numbers kept, so the master's GTID state says which it holds). Default 1000; no other writer may use it.
     */
    reapplyGtidDomain: z.number().int().min(0).max(4294967295).optional(),
  }).strict(),
  ssh: z.object({
    user: z.string().default('root'),
    port: z.number().int().min(1).max(65535).default(22),
    /** Path of the private key (a file path: it is a secret reference by nature). */
    key: z.string().min(1),
    /** known_hosts file pinning every host key; unknown or changed keys are refused. */
    knownHosts: z.string().min(1),
    connectTimeout: duration.default('5s'),
  }).strict(),
  workdirs: z.object({
    /** The manager's own working directory (MHA manager_workdir): a rejoin extracts an old master's extra transactions there. */
    manager: z.string().default('/var/lib/mhaflow'),
    remote: z.string().default('/var/tmp/mhaflow'),
  }).strict().default({ manager: '/var/lib/mhaflow', remote: '/var/tmp/mhaflow' }),
  hooks: hooksSchema.default({ timeout: '60s' }),
  /** How the monitor watches the master and decides it is dead (MHA masterha_manager): `mhaflow monitor`. */
  monitor: z.object({
    /** Ping the master this often (MHA ping_interval). */
    pingInterval: duration.default('1s'),
    /** How a ping talks to the master: SELECT 1 on a kept connection, a new connection each time, or an insert (MHA ping_type). */
    pingType: z.enum(['select', 'connect', 'insert']).default('select'),
    /**
     * Failed pings in a row (retried at half the ping interval) before the manager counts the master as unreachable.
     * That alone never fails over: the replicas and the master's own host must agree (MHA uses 4 pings, then SSH).
     */
    failuresBeforeDead: z.number().int().min(1).default(3),
    /**
     * How long every view may find the master silent (timeouts, no heartbeat) before it is dead. A stall shorter than
     * this (SIGSTOP, an I/O freeze) is waited out; only refusals (nothing listens on its port) are believed at once.
     */
    stallTimeout: duration.default('10s'),
    /** Read every server's replication state this often: the warnings (threads, lag, writable replicas, errant GTIDs). */
    replicaCheckInterval: duration.default('5s'),
    /**
     * When set (for example "1s"), the monitor sets MASTER_HEARTBEAT_PERIOD to this on every replica where it differs
     * (briefly restarting that replica's IO thread), so the replicas' view of the master is fresh. Unset: left alone.
     */
    replicaHeartbeatPeriod: duration.optional(),
  }).strict().default({ pingInterval: '1s', pingType: 'select', failuresBeforeDead: 3, stallTimeout: '10s', replicaCheckInterval: '5s' }),
  failover: z.object({
    /** Refuse a new failover of this cluster within this window (MHA: 8 h, last_failover_minute). */
    lastFailoverWindow: duration.default('8h'),
    /** A candidate whose executed position is this many bytes behind the latest is excluded (MHA: 100 MB). */
    maxDelayBytes: z.number().int().nonnegative().default(100_000_000),
    /** Warn when a replica lags more than this many seconds. */
    delayWarnSeconds: z.number().nonnegative().default(60),
    /** Wait at most this long for a replica's SQL thread to apply its relay log. */
    relayApplyTimeout: duration.default('10m'),
    /**
     * A master that accepts connections but says nothing (stalled: SIGSTOP, an I/O freeze) is probed again for
     * this long before it counts as dead; it is then fenced before any replica becomes writable.
     */
    stallWindow: duration.default('10s'),
    /**
     * Go on when the dead master cannot be fenced (its host answers neither SQL nor SSH and no shutdown hook is
     * configured): split brain is then possible, and the report says so. Default false: such a failover is refused
     * (the --no-fence flag allows one failover).
     */
    allowUnfenced: z.boolean().default(false),
    /**
     * A failover that has not finished this long after it started stops instead of going on: one resumed late
     * (no worker for a while) would act on positions read long before, on servers that may have changed since.
     */
    deadline: duration.default('10m'),
  }).strict().default({
    lastFailoverWindow: '8h', maxDelayBytes: 100_000_000, delayWarnSeconds: 60, relayApplyTimeout: '10m', stallWindow: '10s', allowUnfenced: false, deadline: '10m',
  }),
  servers: z.array(serverSchema).min(2, { message: 'at least two servers (a master and a replica)' }),
}).strict();

export type ServerConfig = z.infer<typeof serverSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
/** What a config file may say (keys with defaults optional): what `config import-mha` writes. */
export type ClusterConfigInput = z.input<typeof clusterSchema>;
export type ServerConfigInput = z.input<typeof serverSchema>;

/**
 * Keys the schema accepts that no code reads yet, and what will read them or why nothing does. They stay in the
 * schema so configs (and MHA imports) carry them for the work that uses them, and none is dropped silently:
 * `config import-mha` notes each one it writes, and a unit test fails as soon as code reads one (then delete it here).
 */
export const UNREAD_KEYS: readonly { key: string; why: string }[] = [
  { key: 'servers[].disableLogBin', why: 'diffs are always applied with the binlog on (the exactly-once apply counts what the target\'s binlog holds)' },
  { key: 'servers[].clientLibdir', why: 'the client tools run with the host\'s own library path' },
];
