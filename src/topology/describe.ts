// A discovered topology in Markdown, for the UI's "Current Details".
import type { DiscoveredTopology } from '../contracts/topology';

export function describeTopologyMarkdown(t: DiscoveredTopology): string {
  const lines = [`**${t.cluster}**: master **${t.roles.master ?? 'none found'}**`, '', '| server | role | version | server_id | binlog | replication |', '|---|---|---|---|---|---|'];
  for (const p of t.probes) {
    const s = p.state;
    const r = s?.replica;
    const replication = r
      ? `${r.sourceHost} io=${r.ioRunning} sql=${r.sqlRunning ? 'Yes' : 'No'} read=${r.sourceLogFile}:${r.readSourceLogPos} exec=${r.relaySourceLogFile}:${r.execSourceLogPos}`
      : '';
    lines.push(`| ${p.name} (${p.host}:${p.port}) | ${t.roles.roles[p.name]} | ${s?.version ?? p.error ?? ''} | ${s?.serverId ?? ''} | ${s?.binlog ? `${s.binlog.file}:${s.binlog.pos}` : ''} | ${replication} |`);
  }
  return lines.join('\n');
}
