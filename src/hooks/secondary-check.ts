// MHA's secondary_check_script: whether the master is also unreachable through other network routes (a
// partition between the worker and a live master must not cause a failover). Exit 0: confirmed dead.
// Run by the failover's check and by the monitor's confirmation, with MHA's arguments.
import type { ClusterConfig } from '../config/schema';
import { durationMs } from '../config/values';
import { resolveSecret } from '../config/secrets';
import { serverByName } from '../config/servers';
import { hookArgs, runHook } from './run';

export async function runSecondaryCheck(cfg: ClusterConfig, deadName: string): Promise<{ code: number | null; output: string } | null> {
  if (!cfg.hooks.secondaryCheck) return null;
  const dead = serverByName(cfg, deadName);
  const run = await runHook('secondary_check', cfg.hooks.secondaryCheck, hookArgs({
    user: dead.ssh.user ?? cfg.ssh.user, master_host: dead.host, master_ip: dead.host, master_port: dead.port, master_user: cfg.mysql.user,
  }), { timeoutMs: durationMs(cfg.hooks.timeout), env: { MHAFLOW_MASTER_PASSWORD: resolveSecret(cfg.mysql.password, 'mysql.password') } });
  return { code: run.code, output: `secondary_check exited ${run.code ?? run.signal}: ${(run.stdout || run.stderr).trim().split('\n').pop() ?? ''}` };
}
