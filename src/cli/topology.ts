// `mhaflow topology --config FILE`: run discoverTopology through Temporal and print a table.
import { resolve } from 'node:path';
import type { DiscoveredTopology } from '../../activities/topology';
import { loadClusterConfig } from '../config/load';
import { getClient } from '../temporal/client';
import { TASK_QUEUE, uiLink } from '../temporal/config';
import { formatTable } from './table';

export function formatTopology(t: DiscoveredTopology): string {
  const rows: (string | number | null | undefined)[][] = [['server', 'address', 'role', 'flavor', 'version', 'server_id', 'ro', 'binlog', 'source', 'io/sql', 'read', 'exec', 'lag', 'gtid']];
  for (const p of t.probes) {
    const s = p.state;
    const r = s?.replica;
    rows.push([p.name, `${p.host}:${p.port}`, t.roles.roles[p.name], s?.flavor, s?.version, s?.serverId, s ? (s.readOnly ? 'on' : 'off') : undefined,
      s?.binlog ? `${s.binlog.file}:${s.binlog.pos}` : undefined, r ? `${r.sourceHost}:${r.sourcePort}` : undefined,
      r ? `${r.ioRunning}/${r.sqlRunning ? 'Yes' : 'No'}` : undefined, r ? `${r.sourceLogFile}:${r.readSourceLogPos}` : undefined,
      r ? `${r.relaySourceLogFile}:${r.execSourceLogPos}` : undefined, r ? r.secondsBehindSource : undefined, s?.gtid.executed || undefined]);
  }
  const errors = t.probes.filter((p) => p.error).map((p) => `${p.name}: ${p.error}`);
  return [formatTable(rows), ...errors].join('\n');
}

export interface TopologyOptions { config: string; json?: boolean }

/** `mhaflow topology`. The Temporal client stays open: the command exits the process right after. */
export async function topologyCommand(o: TopologyOptions): Promise<void> {
  const path = resolve(o.config);
  const cfg = loadClusterConfig(path); // validate here: clear errors before anything starts
  const client = await getClient();
  const workflowId = `discover:${cfg.cluster}:${Date.now()}`;
  const handle = await client.workflow.start('discoverTopology', {
    taskQueue: TASK_QUEUE, workflowId, args: [{ config: path }],
    staticSummary: `discover topology of cluster ${cfg.cluster}`,
    workflowExecutionTimeout: '2m',
  });
  const result = (await handle.result()) as DiscoveredTopology;
  if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${formatTopology(result)}\n\nmaster: ${result.roles.master ?? 'none found'}\n`);
  process.stderr.write(`Temporal UI: ${uiLink(workflowId, handle.firstExecutionRunId)}\n`);
}
