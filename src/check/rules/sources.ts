// Rules about who replicates from whom: one source per replica, inside the cluster, the master
// (or a replica of it with multiTier), and a single writable master.
import { serverAddress } from '../../config/values';
import { dialectOf } from '../../mysql/sql';
import type { CheckContext, LiveServer } from '../context';
import { channelLabel, list, problem, warning } from '../finding';
import type { CheckFinding } from '../types';

/** Several channels, a source outside the cluster, a source that is not the master, or no source at all. */
export function replicationSources(ctx: CheckContext): CheckFinding[] {
  const { config, master, masterServer } = ctx;
  const found: CheckFinding[] = [];
  for (const s of ctx.alive) {
    const chans = ctx.sourcesOf(s.name);
    const word = dialectOf(s.state).replicaWord;
    if (chans.length > 1) {
      const sources = chans.map((c) => `${c.name ?? serverAddress({ host: c.ch.sourceHost, port: c.ch.sourcePort })}${channelLabel(c.ch)}`).join(', ');
      found.push(problem('multi-source', s.name,
        `${s.name} replicates from ${chans.length} sources (${sources}); a failover manages a single source per replica`,
        s.state.flavor === 'mariadb'
          ? `remove the extra connections on ${s.name} (STOP SLAVE 'name'; RESET SLAVE 'name' ALL), or take ${s.name} out of the config`
          : `remove the extra channels on ${s.name} (STOP ${word} FOR CHANNEL 'name'; RESET ${word} ALL FOR CHANNEL 'name'), ` +
            `or take ${s.name} out of the config`));
    }
    for (const { name, ch } of chans) {
      if (!name) {
        found.push(problem('source-outside-cluster', s.name,
          `${s.name} replicates from ${ch.sourceHost}:${ch.sourcePort}${channelLabel(ch)}, which is not a server of cluster ${config.cluster}`,
          master && s.name !== master
            ? `point ${s.name} at the master ${master} (CHANGE MASTER TO MASTER_HOST='${masterServer?.host}', MASTER_PORT=${masterServer?.port}, ...), or ` +
              `add ${ch.sourceHost}:${ch.sourcePort} to the config (as aliases of its server if it is one)`
            : `add ${ch.sourceHost}:${ch.sourcePort} to the config (or as aliases of the server it is), or stop that replication`));
        continue;
      }
      // The master replicating from a (read-only) peer is master-master: fine.
      if (name === master || s.name === master) continue;
      if (config.replication.multiTier) {
        found.push(warning('multi-tier', s.name,
          `${s.name} replicates from ${name}, not from the master ${master ?? '(none)'}: ` +
            'a replica of a replica, left alone by a failover (replication.multiTier)',
          'nothing to do if intended; point it at the master to have it recovered by a failover'));
      } else {
        found.push(problem('not-replicating-from-master', s.name, `${s.name} replicates from ${name}, not from the master ${master ?? '(none)'}`,
          `point ${s.name} at ${master ?? 'the master'}, or set replication.multiTier: true to allow replicas of replicas (left alone by a failover)`));
      }
    }
    if (!chans.length && s.name !== master) {
      const msg = `${s.name} (${serverAddress(s)}) is alive but does not replicate from anything: a failover would leave it behind`;
      if (ctx.cfgOf(s.name)?.ignoreFail) {
        found.push(warning('not-replicating', s.name, `${msg} (ignoreFail is set)`,
          `make it a replica of ${master ?? 'the master'}, or remove it from the config`));
      } else {
        found.push(problem('not-replicating', s.name, msg,
          `make it a replica of ${master ?? 'the master'} (CHANGE MASTER TO ...; START ${word}), or set ignoreFail: true, or remove it from the config`));
      }
    }
  }
  return found;
}

/** More than one writable server that does not (or no longer) replicate from a member; a read-only master. */
export function writableMasters(ctx: CheckContext): CheckFinding[] {
  const { master } = ctx;
  const replicating = (s: LiveServer) => ctx.sourcesOf(s.name).some((c) => c.name && (c.ch.ioRunning !== 'No' || c.ch.sqlRunning));
  const names = ctx.alive.filter((s) => !s.state.readOnly && (s.name === master || !replicating(s))).map((s) => s.name);
  const found: CheckFinding[] = [];
  if (names.length > 1) {
    found.push(problem('multiple-writable-masters', names[0]!,
      `${list(names)} are all writable and none of them replicates from a server of the cluster (or its replication is stopped): ` +
        'more than one writable master (split brain risk)',
      `keep one master: SET GLOBAL read_only=ON on the others (and read_only=1 in their my.cnf) and point them at ${master ?? 'the master'}`, names));
  }
  if (ctx.masterServer?.state?.readOnly) {
    found.push(warning('master-read-only', master, `the master ${master} has read_only=ON: applications cannot write to it`,
      `SET GLOBAL read_only=OFF on ${master} if it is meant to take writes`));
  }
  return found;
}
