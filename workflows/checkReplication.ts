// checkReplication: the pre-flight check a DBA runs before trusting the manager (MHA masterha_check_repl
// and masterha_check_ssh). Reads every server, then every host over SSH, then decides with the pure
// buildCheckReport: the report is the workflow result and the UI's "Current Details".
import { ApplicationFailure, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type * as activities from '../activities';
import type { ConfigSource } from '../src/config/load';
import { buildCheckReport, formatCheckMarkdown, sshCheckTargets, type CheckReport } from '../src/check';

const retry: RetryPolicy = { maximumAttempts: 3, initialInterval: '500ms', nonRetryableErrorTypes: ['ConfigError', 'SafetyError', 'RefusedError'] };

const { discoverReplication } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1m',
  retry,
  summary: 'read every server: version, server_id, read_only, log_bin, GTID, replica status, filters, replication user, binlogs',
});

const { checkSsh } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2m',
  retry,
  summary: 'reach every host over SSH (pinned host keys): binlog dir and files, mysqlbinlog, remote workdir, SFTP',
});

export interface CheckReplicationInput {
  /** A config file path (read on the worker) or the config object. */
  config: ConfigSource;
  /** Run the SSH half (default true). */
  ssh?: boolean;
}

export async function checkReplication(input: CheckReplicationInput): Promise<CheckReport> {
  if (!input || (typeof input.config !== 'string' && (typeof input.config !== 'object' || input.config === null))) {
    throw ApplicationFailure.nonRetryable('checkReplication needs { config: "<path of cluster.yml on the worker>" } or { config: { ...cluster config } }', 'ConfigError');
  }
  setCurrentDetails('reading every server…');
  const discovered = await discoverReplication({ config: input.config });
  let ssh = null;
  if (input.ssh !== false) {
    setCurrentDetails('reaching every host over SSH…');
    ssh = await checkSsh({ config: discovered.config as unknown as ConfigSource, targets: sshCheckTargets(discovered.config, discovered.servers) });
  }
  const report = buildCheckReport({ config: discovered.config, servers: discovered.servers, ssh });
  setCurrentDetails(formatCheckMarkdown(report));
  return report;
}
