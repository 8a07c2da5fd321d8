// `mhaflow rejoin --cluster NAME | --config FILE --server NAME [--reapply] [--dry-run] [--json]`: start (or attach
// to) the rejoin of an old master, follow it step by step, print what only it held and what was done with it.
// Exit codes: 0 rejoined (or already was); 2 refused (nothing more was done; the message says what was);
// 1 failed (see the workflow in the UI).
import { MhaflowError, RefusedError } from '../errors';
import { targetCluster, type ClusterOptions } from './cluster';
import { failureReason } from '../temporal/http';
import { followSteps } from './follow';
import { startRejoin } from '../rejoin/start';
import { describeRows } from '../rejoin/decisions';
import { formatCoordinates } from '../binlog/coordinates';
import { uiLink } from '../temporal/config';
import type { RejoinReport } from '../contracts/rejoin';

export function formatRejoin(r: RejoinReport): string {
  const lines: string[] = [];
  const x = r.extraTransactions;
  const outcome = {
    repointed: `${r.server} replicates from ${r.currentMaster}`, rewound: `${r.server}'s extra transactions rewound; it replicates from ${r.currentMaster}`,
    'already-rejoined': r.note, 'dry-run': `dry run: nothing was changed on ${r.server}`,
  };
  lines.push(`rejoin of ${r.server} (cluster ${r.cluster}): ${r.outcome ? outcome[r.outcome] : 'not finished'}`);
  if (r.failover) lines.push(`  replaced by failover ${r.failover.workflowId} at ${r.failover.closeTime}; ${r.mode === 'gtid' ? 'GTID' : 'file/position'} mode`);
  if (r.clusterHolds) lines.push(`  the cluster holds its binlog up to ${formatCoordinates(r.clusterHolds.upTo)}: ${r.clusterHolds.how}`);
  if (x) {
    lines.push(`  extra transactions (only ${r.server} held them): ${x.count}`);
    if (x.count) {
      lines.push(`    GTIDs: ${x.gtids.join(', ')}`);
      lines.push(`    positions: ${x.positions.map((p) => `${p.file}:${p.from}..${p.to} (${p.transactions})`).join(', ')}`);
      lines.push(`    committed: ${x.firstCommit} .. ${x.lastCommit}`);
      for (const t of x.tables) lines.push(`    ${describeRows(t)}`);
      for (const t of x.notRewindable) lines.push(`    cannot be rewound: ${t.gtid ? `${t.gtid} ` : ''}at ${t.at}: ${t.what}`);
    }
  }
  if (r.files) lines.push(`  saved on ${r.files.worker}: ${r.files.binlog}, ${r.files.sql}`);
  if (r.reapplied) lines.push(`  reapplied on ${r.currentMaster}: ${r.reapplied.applied}${r.reapplied.alreadyApplied ? ` (+${r.reapplied.alreadyApplied} before a retry)` : ''}, GTID domain ${r.reapplied.domain}`);
  if (r.rewound) lines.push(`  rewound on ${r.server}: ${r.rewound.undone}${r.rewound.alreadyUndone ? ` (+${r.rewound.alreadyUndone} before a retry)` : ''}`);
  if (r.verified) lines.push(`  verified at ${formatCoordinates(r.verified.at)} of ${r.currentMaster}'s binlog: ${r.verified.tables.map((t) => t.table).join(', ')} match`);
  if (r.repointedTo) lines.push(`  replicates from ${r.repointedTo.master} at ${r.repointedTo.at}: ${r.repointedTo.derivation}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export interface RejoinOptions extends ClusterOptions { server: string; reapply?: boolean; dryRun?: boolean; json?: boolean }

export async function rejoinCommand(o: RejoinOptions): Promise<RejoinReport> {
  const cluster = targetCluster(o);
  const { getClient } = require('../temporal/client') as typeof import('../temporal/client');
  const run = await startRejoin(await getClient(), {
    cluster: cluster.name, server: o.server, ...(cluster.digest ? { configDigest: cluster.digest } : {}), reapply: Boolean(o.reapply), dryRun: Boolean(o.dryRun),
  }, { taskQueue: process.env.MHAFLOW_TASK_QUEUE });
  process.stderr.write(`${run.started ? 'started' : 'attached to the running'} ${o.dryRun ? 'dry run' : 'rejoin'} ${run.workflowId}\nTemporal UI: ${uiLink(run.workflowId)}\n`);
  try {
    const report = await followSteps({ progress: run.progress, result: () => run.handle.result() });
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatRejoin(report)}\n`);
    return report;
  } catch (e) {
    const { message, type } = failureReason(e);
    const Err = type === 'RefusedError' || type === 'SafetyError' || type === 'ConfigError' ? RefusedError : MhaflowError;
    throw new Err(`rejoin ${run.workflowId} ${type === 'RefusedError' ? 'refused' : 'failed'}: ${message}\n  details: ${uiLink(run.workflowId)}`);
  }
}
