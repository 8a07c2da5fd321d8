// checkReplication: the pre-flight check a DBA runs before trusting the manager (MHA masterha_check_repl
// and masterha_check_ssh). Reads every server, then every host over SSH, then decides with the pure
// buildCheckReport: the report is the workflow result and the UI's "Current Details".
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { CheckReplicationInput, CheckReport } from '../src/contracts/check';
import { buildCheckReport, formatCheckMarkdown, sshCheckTargets } from '../src/check';
import { quickRetry, requireCluster } from './options';

const { discoverReplication } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1m',
  retry: quickRetry,
  summary: 'read every server: version, server_id, read_only, log_bin, GTID, replica status, filters, replication user, binlogs',
});

const { checkSsh } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2m',
  retry: quickRetry,
  summary: 'reach every host over SSH (pinned host keys): binlog dir and files, mysqlbinlog, remote workdir, SFTP',
});

export async function checkReplication(input: CheckReplicationInput): Promise<CheckReport> {
  const cluster = requireCluster(input, 'checkReplication');
  setCurrentDetails('reading every server…');
  const discovered = await discoverReplication({ cluster });
  let ssh = null;
  if (input.ssh !== false) {
    setCurrentDetails('reaching every host over SSH…');
    ssh = await checkSsh({ cluster: { name: cluster, digest: discovered.digest }, targets: sshCheckTargets(discovered.config, discovered.servers) });
  }
  const report = buildCheckReport({ config: discovered.config, servers: discovered.servers, ssh });
  setCurrentDetails(formatCheckMarkdown(report));
  return report;
}
