// Semi-synchronous replication as a server reports it. With it on, the master answers a commit only once a
// replica has the transaction in its relay log, so a failover loses no acknowledged transaction even when the
// master's host is gone. MariaDB (built in since 10.3) and MySQL before 8.0.26 say master/slave; MySQL's
// newer plugins say source/replica. Without the plugin the variables are absent: not available.
// Pure (the check's report is built inside a workflow): the reading is readSemiSync in discover.ts.

export interface SemiSyncState {
  /** The master side: it waits for an acknowledgement. null when the server has no such variable. */
  source: {
    enabled: boolean;
    /** Status ON: it is waiting for acknowledgements now (OFF when enabled: it fell back to asynchronous). */
    active: boolean;
    /** Replicas connected that acknowledge. */
    clients: number;
    /** How long a commit waits for an acknowledgement before falling back (ms). */
    timeoutMs: number | null;
  } | null;
  /** The replica side: it acknowledges what it receives. */
  replica: { enabled: boolean; active: boolean } | null;
}

const on = (v: string | undefined) => v !== undefined && /^(ON|1|YES)$/i.test(v);

/** From SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%' and SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%' (name → value). */
export function semiSyncFrom(vars: Record<string, string>, status: Record<string, string>): SemiSyncState {
  const v = (k: string) => vars[`rpl_semi_sync_source_${k}`] ?? vars[`rpl_semi_sync_master_${k}`];
  const s = (k: string) => status[`Rpl_semi_sync_source_${k}`] ?? status[`Rpl_semi_sync_master_${k}`];
  const rv = vars.rpl_semi_sync_replica_enabled ?? vars.rpl_semi_sync_slave_enabled;
  const rs = status.Rpl_semi_sync_replica_status ?? status.Rpl_semi_sync_slave_status;
  const timeout = v('timeout');
  return {
    source: v('enabled') === undefined ? null : {
      enabled: on(v('enabled')), active: on(s('status')), clients: Number(s('clients') ?? 0),
      timeoutMs: timeout === undefined ? null : Number(timeout),
    },
    replica: rv === undefined ? null : { enabled: on(rv), active: on(rs) },
  };
}

/**
 * One cell of the check's table, for the side that matters for the server's role: the master's wait ("on, 2
 * replicas ack"; "enabled, fell back to async"), a replica's acknowledgement ("acks"; "enabled, not acking").
 */
export function semiSyncText(s: SemiSyncState | null | undefined, role: 'master' | 'replica'): string | null {
  if (!s) return null;
  if (role === 'master') {
    if (!s.source) return 'not available';
    if (!s.source.enabled) return 'off';
    return s.source.active ? `on, ${s.source.clients} ${s.source.clients === 1 ? 'replica acks' : 'replicas ack'}` : 'enabled, fell back to async';
  }
  if (!s.replica) return 'not available';
  if (!s.replica.enabled) return 'off';
  return s.replica.active ? 'acks' : 'enabled, not acking';
}
