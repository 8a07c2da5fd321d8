// Replication filters (replicate-*): what a replica applies of its source's binlog. The failover compares them
// (a replica with other filters is never promoted, and in file/position mode never gets a diff replayed through
// a client session, which would bypass them), and so does the check. Pure.
import type { ReplicaStatus, ReplicationFilters } from '../mysql/status';

export const FILTER_KEYS: (keyof ReplicationFilters)[] = [
  'replicateDoDb', 'replicateIgnoreDb', 'replicateDoTable', 'replicateIgnoreTable', 'replicateWildDoTable', 'replicateWildIgnoreTable',
];

export const FILTER_LABELS: Record<keyof ReplicationFilters, string> = {
  replicateDoDb: 'Replicate_Do_DB', replicateIgnoreDb: 'Replicate_Ignore_DB', replicateDoTable: 'Replicate_Do_Table',
  replicateIgnoreTable: 'Replicate_Ignore_Table', replicateWildDoTable: 'Replicate_Wild_Do_Table',
  replicateWildIgnoreTable: 'Replicate_Wild_Ignore_Table',
};

/** The replica's filters with each list trimmed and sorted, so "a,b" and "b, a" compare equal. */
export function filtersOf(status: Pick<ReplicaStatus, keyof ReplicationFilters>): ReplicationFilters {
  const norm = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean).sort().join(',');
  const out = {} as ReplicationFilters;
  for (const k of FILTER_KEYS) out[k] = norm(status[k]);
  return out;
}

/** Each filter that differs from the reference, as "Replicate_Ignore_DB='x' (expected '')". */
export function filterDifferences(a: ReplicationFilters, ref: ReplicationFilters): string[] {
  return FILTER_KEYS.filter((k) => a[k] !== ref[k]).map((k) => `${FILTER_LABELS[k]}='${a[k]}' (expected '${ref[k]}')`);
}

const none = (f: ReplicationFilters) => FILTER_KEYS.every((k) => f[k] === '');

/**
 * The filters most replicas share: the odd one out is the misconfigured one. A tie goes to no filters (a
 * replica that filters nothing holds everything), then to config order.
 */
export function referenceFilters(filters: ReplicationFilters[]): ReplicationFilters | null {
  const counts = new Map<string, { f: ReplicationFilters; n: number }>();
  for (const f of filters) {
    const key = JSON.stringify(f);
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { f, n: 1 });
  }
  let best: { f: ReplicationFilters; n: number } | null = null;
  for (const c of counts.values()) if (!best || c.n > best.n || (c.n === best.n && none(c.f) && !none(best.f))) best = c;
  return best?.f ?? null;
}

/** The replicas whose filters differ from the reference (referenceFilters of them all), with how. */
export function filterOutliers(replicas: { name: string; replica: Pick<ReplicaStatus, keyof ReplicationFilters> }[]): { name: string; differences: string[] }[] {
  const ref = referenceFilters(replicas.map((r) => filtersOf(r.replica)));
  if (!ref) return [];
  return replicas.map((r) => ({ name: r.name, differences: filterDifferences(filtersOf(r.replica), ref) })).filter((r) => r.differences.length > 0);
}
