// Set-up shared by the lab scenarios of the tests and the benchmarks: a cluster of its own per run (workflow
// ids and anti-flapping are per cluster), and a workflow's result within a deadline.
import type { WorkflowHandle } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';

/** A config object for one run: the lab's, with a cluster name of its own. */
type Servers = ClusterConfig['servers'];
export function testConfig(cfg: ClusterConfig, cluster: string, patch: (servers: Servers) => Servers = (s) => s): ClusterConfig {
  return { ...cfg, cluster, servers: patch(cfg.servers.map((s) => ({ ...s }))) };
}

export function uniqueCluster(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;
}

/** Wait for a workflow's result, naming the workflow when it does not finish in time. */
export async function resultOf<T>(handle: WorkflowHandle, timeoutMs = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handle.result() as Promise<T>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`workflow ${handle.workflowId} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
