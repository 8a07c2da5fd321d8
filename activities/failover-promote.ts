// Failover phase 3.6: make the new master the master. Its replication is stopped; the service address
// moves to it (master_ip_failover --command=start) and read_only goes off.
import { durationMs } from '../src/config/values';
import { resolveSecret } from '../src/config/secrets';
import { HookError, SafetyError } from '../src/errors';
import { sqlAnswers } from '../src/failover/deadmaster';
import { serverByName } from '../src/config/servers';
import { binlogCoordinates, executedGtid, makeWritable, stopAll } from '../src/mysql/replication';
import { hookArgs, runHook, type HookRun } from '../src/hooks/run';
import type { BinlogCoordinates } from '../src/mysql/client';
import { clusterOf, connectTo, guarded, type ClusterInput } from './failure';

export interface PromoteInput extends ClusterInput { newMaster: string; deadMaster: string }
export interface PromoteResult {
  newMaster: string;
  hook: HookRun | null;
  readOnlyWasOn: boolean;
  /** Its binlog position and executed GTIDs when it became writable. */
  binlog: BinlogCoordinates;
  gtidExecuted: string;
  writableAt: string;
}

export async function failoverPromote(input: PromoteInput): Promise<PromoteResult> {
  return guarded(async () => {
    const cfg = clusterOf(input);
    const nm = serverByName(cfg, input.newMaster);
    const dead = serverByName(cfg, input.deadMaster);
    // One session on the new master: its replication stopped and its position read while the last look is taken.
    return connectTo(input, cfg, nm.name, async (c) => {
      const [again, before] = await Promise.all([
        // The last look before a second writable master could exist: the fenced master must still not answer.
        sqlAnswers(cfg, dead, 1000),
        (async () => { await stopAll(c); return { binlog: await binlogCoordinates(c, nm.name), gtid: await executedGtid(c) }; })(),
      ]);
      if (again.answers) {
        throw new SafetyError(`${dead.name} answers SQL again (${again.detail}): making ${nm.name} writable now would leave two writable masters`, {
          server: dead.name, hint: `${nm.name} holds all the data and is still read-only; stop ${dead.name} for good, then run the failover again`,
        });
      }
      let hook: HookRun | null = null;
      if (cfg.hooks.masterIpFailover) {
        hook = await runHook('master_ip_failover', cfg.hooks.masterIpFailover, hookArgs({
          command: 'start', ssh_user: nm.ssh.user ?? cfg.ssh.user,
          orig_master_host: dead.host, orig_master_ip: dead.host, orig_master_port: dead.port,
          new_master_host: nm.host, new_master_ip: nm.host, new_master_port: nm.port, new_master_user: cfg.mysql.user,
        }), { timeoutMs: durationMs(cfg.hooks.timeout), env: { MHAFLOW_NEW_MASTER_PASSWORD: resolveSecret(cfg.mysql.password, 'mysql.password') } });
        if (hook.code !== 0) {
          // Not a decision: the new master holds everything but the address did not move, and nothing else can be done here.
          throw new HookError(`master_ip_failover --command=start failed (exit ${hook.code ?? hook.signal}): ${(hook.stderr || hook.stdout).trim().split('\n').pop() ?? ''}`, {
            server: nm.name, hint: `${nm.name} holds all the data but is still read-only; move the service address by hand and SET GLOBAL read_only=0`,
          });
        }
      }
      const writable = await makeWritable(c);
      return { newMaster: nm.name, hook, readOnlyWasOn: writable.changed, binlog: before.binlog, gtidExecuted: before.gtid, writableAt: new Date().toISOString() };
    });
  });
}
