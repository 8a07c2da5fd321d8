// `mhaflow monitor start|stop|pause|resume|reload|status --cluster NAME | --config FILE`: the cluster's monitor
// workflow (monitor:<cluster>), started, steered by signals and read by its status query (src/monitor/control.ts).
import type { MonitorStatus } from '../contracts/monitor';
import { monitorWorkflowId } from '../contracts/monitor';
import { monitorStatus, signalMonitor, startMonitor, stopMonitor, type MonitorView } from '../monitor/control';
import { failoverLine } from '../monitor/decisions';
import { getClient } from '../temporal/client';
import { uiLink } from '../temporal/config';
import { targetCluster, type ClusterOptions } from './cluster';

export interface MonitorOptions extends ClusterOptions { paused?: boolean; reason?: string; json?: boolean }

const ago = (iso: string | null | undefined, now = Date.now()) => (iso ? `${((now - Date.parse(iso)) / 1000).toFixed(1)} s ago` : '-');

export function formatMonitorStatus(v: MonitorView, now = Date.now()): string {
  const s = v.status;
  if (!s) return `the monitor is ${v.execution.toLowerCase()}; no status`;
  const ping = v.watch?.lastPing ?? s.lastPing;
  const lines = [
    `${s.workflowId}: ${v.running ? s.state : `${v.execution.toLowerCase()} (${s.state})`}${s.paused ? `, PAUSED since ${s.paused.since}: ${s.paused.reason}` : ''}`,
    `  master: ${s.master ?? 'none'}`,
    `  last ping: ${ping ? `${ping.ok ? `ok in ${ping.ms} ms` : `FAILED (${ping.error?.kind}: ${ping.error?.message})`}, ${ago(ping.at, now)}` : 'none yet'}`
      + `${s.settings ? ` (${s.settings.pingType} every ${s.settings.pingIntervalMs / 1000} s)` : ''}`,
    `  since: ${s.since} (run ${s.generation + 1}, ${v.historyLength} history events), config ${s.configDigest ?? '?'}`,
  ];
  const warnings = v.watch && s.state === 'watching' && s.master === v.watch.master ? mergeWarnings(s, v.watch.warnings) : s.warnings;
  lines.push(warnings.length ? '  warnings:' : '  warnings: none');
  for (const w of warnings) lines.push(`    ${w.severity === 'problem' ? '✖' : '⚠'} ${w.what}`, `        fix: ${w.fix}`);
  if (s.lastVerdict) lines.push(`  last verdict: ${s.lastVerdict.kind}${s.lastVerdict.hard ? ' (refusals everywhere)' : ''}: ${s.lastVerdict.reasons[0]}`);
  if (s.failovers.length) lines.push('  automatic failovers:', ...s.failovers.map((f) => `  ${failoverLine(f)}`));
  if (s.events.length) lines.push('  recent events:', ...s.events.slice(-8).map((e) => `    ${e.at} ${e.kind}: ${e.message}`));
  return lines.join('\n');
}

/** The watch's fresher warnings about the cluster, with the monitor's own (partition, master dead...). */
function mergeWarnings(s: MonitorStatus, fresh: MonitorStatus['warnings']): MonitorStatus['warnings'] {
  const own = new Set(['partition', 'master-unreachable', 'master-dead', 'slow-heartbeat']);
  return [...s.warnings.filter((w) => own.has(w.code)), ...fresh];
}

export async function monitorCommand(action: 'start' | 'stop' | 'pause' | 'resume' | 'reload' | 'status', o: MonitorOptions): Promise<void> {
  const cluster = targetCluster(o);
  const client = await getClient();
  const id = monitorWorkflowId(cluster.name);
  const say = (l: string) => process.stderr.write(`${l}\n`);
  switch (action) {
    case 'start': {
      const r = await startMonitor(client, {
        cluster: cluster.name, ...(cluster.digest && o.config ? { configDigest: cluster.digest } : {}),
        ...(o.paused ? { paused: { reason: o.reason ?? 'started paused' } } : {}),
      }, { taskQueue: process.env.MHAFLOW_TASK_QUEUE });
      say(r.started ? `started ${id}${o.paused ? ' (paused)' : ''}` : `${id} is already running`);
      say(`Temporal UI: ${uiLink(id)}`);
      return;
    }
    case 'stop': {
      const s = await stopMonitor(client, cluster.name);
      say(s ? `${id} stopped (master ${s.master ?? 'none'})` : `${id}: stop requested; it ends once its current step does`);
      return;
    }
    case 'pause':
    case 'resume':
    case 'reload':
      await signalMonitor(client, cluster.name, action, action === 'pause' ? { reason: o.reason ?? 'paused from the command line' } : undefined);
      say(`${id}: ${action} sent`);
      return;
    case 'status': {
      const v = await monitorStatus(client, cluster.name);
      process.stdout.write(o.json ? `${JSON.stringify(v, null, 2)}\n` : `${formatMonitorStatus(v)}\n`);
      say(`Temporal UI: ${uiLink(id)}`);
    }
  }
}
