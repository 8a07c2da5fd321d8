// The replication check's activities: read every server over SQL, then every host over SSH.
// Unreachable servers and hosts are results (the report lists them), not errors; only a wrong config
// fails the activity (non-retryable).
import { resolveConfigSource, type ConfigSource } from '../src/config/load';
import type { ClusterConfig } from '../src/config/schema';
import { discoverServers as discoverAll, type DiscoveredServer } from '../src/mysql/discover';
import { checkSshHosts, type SshCheckTarget, type SshHostCheck } from '../src/ssh/check';
import { guarded } from './failure';

export interface DiscoverReplicationInput { config: ConfigSource }

export interface DiscoverReplicationResult {
  /** The validated config (secrets stay references), handed to the next activities. */
  config: ClusterConfig;
  servers: DiscoveredServer[];
}

/** Connect to every configured server in parallel and read what the replication check needs. */
export async function discoverReplication(input: DiscoverReplicationInput): Promise<DiscoverReplicationResult> {
  return guarded(async () => {
    const config = resolveConfigSource(input.config);
    return { config, servers: await discoverAll(config) };
  });
}

export interface CheckSshInput {
  config: ConfigSource;
  targets: SshCheckTarget[];
}

/** masterha_check_ssh and more: every host over SSH with a pinned host key; binlog dir, binlog tool, workdir, SFTP. */
export async function checkSsh(input: CheckSshInput): Promise<SshHostCheck[]> {
  return guarded(async () => checkSshHosts(resolveConfigSource(input.config), input.targets));
}
