// Rule: replication and binlog filters are the same on every server (MHA check_repl_filter): a server
// promoted with other filters would silently change what the cluster replicates.
import type { DiscoveredServer, FilterSet } from '../../mysql/discover';
import { FILTER_LABELS, filtersOf } from '../../topology';
import type { CheckContext } from '../context';
import { list, problem } from '../finding';
import type { CheckFinding } from '../types';

const normList = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean).sort().join(',');

type Signature = Record<string, string>;

/** One comparable description of a server's filters ("" parts omitted), or null when unknown. */
export function filterSignature(s: DiscoveredServer): Signature | null {
  const x = s.extras;
  if (!x || !s.state) return null;
  const sig: Signature = {};
  if (x.replicationFilters) {
    const f = filtersOf(x.replicationFilters);
    for (const k of Object.keys(FILTER_LABELS) as (keyof FilterSet)[]) sig[FILTER_LABELS[k]] = f[k];
  }
  if (x.binlogFilters) {
    sig.Binlog_Do_DB = normList(x.binlogFilters.doDb);
    sig.Binlog_Ignore_DB = normList(x.binlogFilters.ignoreDb);
  }
  return Object.keys(sig).length ? sig : null;
}

function describeSignature(sig: Signature): string {
  const set = Object.entries(sig).filter(([, v]) => v);
  return set.length ? set.map(([k, v]) => `${k}=${v}`).join(', ') : 'no filters';
}

/** Servers grouped by the filters that differ; the odd ones out (not in the largest group) are named first. */
export function replicationFilters(ctx: CheckContext): CheckFinding[] {
  if (ctx.config.replication.checkFilters === false) return [];
  const sigs = ctx.alive.flatMap((s) => {
    const sig = filterSignature(s);
    return sig ? [{ name: s.name, sig }] : [];
  });
  const keys = [...new Set(sigs.flatMap((x) => Object.keys(x.sig)))];
  const differing = keys.filter((k) => new Set(sigs.filter((x) => k in x.sig).map((x) => x.sig[k])).size > 1);
  if (!differing.length) return [];
  const groups = new Map<string, string[]>();
  for (const x of sigs) {
    const d = describeSignature(Object.fromEntries(differing.filter((k) => k in x.sig).map((k) => [k, x.sig[k]!])));
    groups.set(d, [...(groups.get(d) ?? []), x.name]);
  }
  const majority = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
  const odd = [...groups.entries()].filter(([d]) => d !== majority[0]).flatMap(([, n]) => n);
  const anyMysql = ctx.alive.some((s) => s.state.flavor === 'mysql');
  const described = [...groups.entries()].map(([d, n]) => `${list(n)}: ${d}`).join('; ');
  const change = anyMysql ? 'CHANGE REPLICATION FILTER' : 'SET GLOBAL replicate_...';
  return [problem('filters-differ', odd[0] ?? null, `replication filters differ between servers: ${described}`,
    `make the filters identical on every server (replicate-*/binlog-* options in my.cnf, or ${change}), ` +
      'or set replication.checkFilters: false if the difference is intended',
    sigs.map((x) => x.name))];
}
