// Set-up shared by the lab scenarios of the tests and the benchmarks: a cluster of its own per run (workflow
// ids and anti-flapping are per cluster), registered where the workers read configs, and a workflow's result
// within a deadline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { stringify } from 'yaml';
import type { ClusterConfig } from '../src/config/schema';

/** The lab's shutdown hook: powers a lab host off, as STONITH would (MHA's shutdown_script arguments). */
export const LAB_SHUTDOWN_HOOK = join(__dirname, 'hooks', 'shutdown');


/**
 * Workflows name a cluster and the worker reads its config from its directory (MHAFLOW_CONFIG_DIR): one
 * directory per process that runs scenarios; the workers it starts inherit it.
 */
export function scenarioConfigDir(): string {
  process.env.MHAFLOW_CONFIG_DIR ??= mkdtempSync(join(tmpdir(), 'mhaflow-clusters-'));
  return process.env.MHAFLOW_CONFIG_DIR;
}

/** Put a config where the workers find it. */
export function registerCluster(cfg: ClusterConfig): ClusterConfig {
  writeFileSync(join(scenarioConfigDir(), `${cfg.cluster}.yml`), stringify(cfg));
  return cfg;
}

/** A config for one run: the lab's, with a cluster name of its own, registered with the workers. */
type Servers = ClusterConfig['servers'];
export function testConfig(cfg: ClusterConfig, cluster: string, patch: (servers: Servers) => Servers = (s) => s): ClusterConfig {
  return registerCluster({ ...cfg, cluster, servers: patch(cfg.servers.map((s) => ({ ...s }))) });
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
