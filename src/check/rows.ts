// The report's table: one row per configured server, what it is and whether it could be promoted.
import { serverAddress } from '../config/values';
import { formatCoordinates } from '../binlog/coordinates';
import { semiSyncText } from '../mysql/semisync';
import type { CheckContext } from './context';
import type { CheckRole, CheckRow } from './types';

export function checkRows(ctx: CheckContext): CheckRow[] {
  const assessed = ctx.candidates && ctx.candidates.kind !== 'no-latest' ? ctx.candidates.assessed : new Map<string, never>();
  return ctx.servers.map((s): CheckRow => {
    const cfg = ctx.cfgOf(s.name);
    const st = s.state;
    const r = st?.replica ?? null;
    const first = ctx.sourcesOf(s.name)[0];
    const isBinlog = Boolean(s.binlogServer || cfg?.binlogServer);
    const isMaster = s.name === ctx.master;
    const role: CheckRole = isBinlog ? 'binlog server' : !st ? 'unreachable' : isMaster ? 'master'
      : ctx.replicaOfMaster.has(s.name) ? 'replica' : first?.name ? 'intermediate' : 'standalone';
    const a = assessed.get(s.name);
    const read = r && formatCoordinates({ file: r.sourceLogFile, pos: r.readSourceLogPos });
    const exec = r && formatCoordinates({ file: r.relaySourceLogFile, pos: r.execSourceLogPos });
    const position = !st ? null : role === 'master' || !r ? (st.binlog ? formatCoordinates(st.binlog) : null) : `read ${read} exec ${exec}`;
    return {
      name: s.name,
      ...(cfg?.label ? { label: cfg.label } : {}),
      address: serverAddress(s),
      role,
      flavor: st?.flavor ?? null,
      version: st?.version ?? null,
      serverId: st?.serverId ?? null,
      readOnly: st ? st.readOnly : null,
      logBin: st ? st.logBin : null,
      source: first ? (first.name ?? `${first.ch.sourceHost}:${first.ch.sourcePort}`) : null,
      position,
      gtid: st ? (st.gtid.executed || null) : null,
      threads: r ? `${r.ioRunning}/${r.sqlRunning ? 'Yes' : 'No'}` : null,
      lagSeconds: r ? r.secondsBehindSource : null,
      semiSync: role === 'master' || role === 'replica' || role === 'intermediate' ? semiSyncText(s.extras?.semiSync, role === 'master' ? 'master' : 'replica') : null,
      candidate: isBinlog || isMaster || !a ? null : a.eligible ? 'yes' : 'no',
      candidateReasons: a && !isMaster ? a.reasons : [],
    };
  });
}
