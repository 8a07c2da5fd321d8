// What the SSH half of the check looks for on each host, from what discovery read over SQL.
import type { ClusterConfig } from '../config/schema';
import type { DiscoveredServer } from '../mysql/discover';
import type { SshCheckTarget } from '../ssh/check';
import { dirOf } from './finding';

/** Where each host's binlogs should be (the config's binlogDir, else log_bin_basename's directory) and which files. */
export function sshCheckTargets(config: ClusterConfig, servers: DiscoveredServer[]): SshCheckTarget[] {
  return config.servers.map((c): SshCheckTarget => {
    const d = servers.find((s) => s.name === c.name);
    const st = d?.state;
    if (c.binlogServer || !st) return { name: c.name, binlogDir: c.binlogDir ?? null, expectFiles: [], flavor: st?.flavor ?? null };
    if (!st.logBin) return { name: c.name, binlogDir: c.binlogDir ?? null, expectFiles: [], flavor: st.flavor };
    const basename = d.extras?.logBinBasename ?? null;
    return {
      name: c.name,
      binlogDir: c.binlogDir ?? (basename ? dirOf(basename) : null),
      expectFiles: (d.extras?.binaryLogs ?? []).map((b) => b.name),
      flavor: st.flavor,
    };
  });
}
