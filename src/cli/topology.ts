// `mhaflow topology --cluster NAME | --config FILE`: run discoverTopology through Temporal and print a table.
import type { DiscoveredTopology } from '../contracts/topology';
import { DISCOVER_TOPOLOGY_WORKFLOW } from '../contracts/topology';
import { targetCluster, type ClusterOptions } from './cluster';
import { getClient } from '../temporal/client';
import { TASK_QUEUE, uiLink } from '../temporal/config';
import { formatTable } from './table';
import { outcomeFields, type Outcome } from './exit-codes';

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

export interface TopologyOptions extends ClusterOptions { json?: boolean }

/** `mhaflow topology`. The Temporal client stays open: the command exits the process right after. */
export async function topologyCommand(o: TopologyOptions): Promise<Outcome> {
  const cluster = targetCluster(o).name; // a bad --config fails here, before anything starts
  const client = await getClient();
  const workflowId = `discover:${cluster}:${Date.now()}`;
  const handle = await client.workflow.start(DISCOVER_TOPOLOGY_WORKFLOW, {
    taskQueue: TASK_QUEUE, workflowId, args: [{ cluster }],
    staticSummary: `discover topology of cluster ${cluster}`,
    workflowExecutionTimeout: '2m',
  });
  const result = (await handle.result()) as DiscoveredTopology;
  if (o.json) process.stdout.write(`${JSON.stringify({ ...outcomeFields('completed'), ...result }, null, 2)}\n`);
  else process.stdout.write(`${formatTopology(result)}\n\nmaster: ${result.roles.master ?? 'none found'}\n`);
  process.stderr.write(`Temporal UI: ${uiLink(workflowId, handle.firstExecutionRunId)}\n`);
  return 'completed';
}
