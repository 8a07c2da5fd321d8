// The replication check's activities: read every server over SQL, then every host over SSH.
// Unreachable servers and hosts are results (the report lists them), not errors; only a wrong config
// fails the activity (non-retryable).
import { clusterConfig, loadCluster, type ClusterRef } from '../src/config/registry';
import type { ClusterConfig } from '../src/config/schema';
import { discoverServers as discoverAll, type DiscoveredServer } from '../src/mysql/discover';
import { checkSshHosts, type SshCheckTarget, type SshHostCheck } from '../src/ssh/check';
import { guarded } from './failure';

export interface DiscoverReplicationResult {
  /** The validated config (secret references only): the check reports on it. */
  config: ClusterConfig;
  /** Its digest: the SSH half checks the same version of the file. */
  digest: string;
  servers: DiscoveredServer[];
}

/** Connect to every configured server in parallel and read what the replication check needs. */
export async function discoverReplication(input: { cluster: string }): Promise<DiscoverReplicationResult> {
  return guarded(async () => {
    const { cfg, digest } = loadCluster(input.cluster);
    return { config: cfg, digest, servers: await discoverAll(cfg) };
  });
}

/** masterha_check_ssh and more: every host over SSH with a pinned host key; binlog dir, binlog tool, workdir, SFTP. */
export async function checkSsh(input: { cluster: ClusterRef; targets: SshCheckTarget[] }): Promise<SshHostCheck[]> {
  return guarded(async () => checkSshHosts(clusterConfig(input.cluster), input.targets));
}
