// Rules about GTIDs and flavors: one replication mode, one gtid_mode (MySQL), enforced GTID consistency,
// the same gtid_strict_mode (MariaDB), one flavor.
import type { CheckContext } from '../context';
import { list, problem, warning } from '../finding';
import type { CheckFinding } from '../types';

/** Replicas of the master mixing GTID and file/position replication (the mode is decided in the context). */
export function mixedReplicationModes(ctx: CheckContext): CheckFinding[] {
  const { mode, reason, withGtid, withoutGtid } = ctx.mode;
  if (mode !== 'mixed') return [];
  return [problem('mixed-gtid', null, `mixed GTID and non-GTID replication: ${reason}`,
    'use one mode everywhere: GTID (MariaDB: CHANGE MASTER TO MASTER_USE_GTID=slave_pos; MySQL: SOURCE_AUTO_POSITION=1) ' +
      `or file/position (MASTER_USE_GTID=no / SOURCE_AUTO_POSITION=0) on ${list(withoutGtid.length <= withGtid.length ? withoutGtid : withGtid)}`,
    [...withGtid, ...withoutGtid])];
}

/** MySQL: gtid_mode differing between servers; gtid_mode=ON without enforce_gtid_consistency=ON. */
export function mysqlGtidSettings(ctx: CheckContext): CheckFinding[] {
  const mysqlServers = ctx.alive.filter((s) => s.state.flavor === 'mysql');
  const byMode = new Map<string, string[]>();
  for (const s of mysqlServers) byMode.set(s.state.gtid.mode, [...(byMode.get(s.state.gtid.mode) ?? []), s.name]);
  const found: CheckFinding[] = [];
  if (byMode.size > 1) {
    const parts = [...byMode.entries()].map(([m, n]) => `${list(n)}: gtid_mode=${m}`);
    found.push(problem('mixed-gtid', null, `gtid_mode differs between servers (${parts.join('; ')})`,
      'set the same gtid_mode on every server (the documented OFF -> OFF_PERMISSIVE -> ON_PERMISSIVE -> ON steps)', mysqlServers.map((s) => s.name)));
  }
  for (const s of mysqlServers) {
    const enforce = s.extras?.enforceGtidConsistency;
    if (s.state.gtid.mode === 'ON' && enforce && enforce !== 'ON') {
      found.push(warning('gtid-consistency', s.name, `${s.name} has gtid_mode=ON but enforce_gtid_consistency=${enforce}`,
        `SET GLOBAL enforce_gtid_consistency=ON on ${s.name} (and in my.cnf)`));
    }
  }
  return found;
}

/** MariaDB: gtid_strict_mode differing between servers; a cluster mixing MySQL and MariaDB. */
export function flavorSettings(ctx: CheckContext): CheckFinding[] {
  const found: CheckFinding[] = [];
  const mariadb = ctx.alive.flatMap((s) => {
    const g = s.state.flavor === 'mariadb' ? s.state.gtid.mariadb : undefined;
    return g ? [{ name: s.name, strict: g.strictMode }] : [];
  });
  const on = mariadb.filter((s) => s.strict).map((s) => s.name);
  const off = mariadb.filter((s) => !s.strict).map((s) => s.name);
  if (on.length && off.length) {
    found.push(warning('gtid-strict-mode-differs', null, `gtid_strict_mode is ON on ${list(on)} and OFF on ${list(off)}`,
      'set gtid_strict_mode the same on every server (ON is safer)', [...on, ...off]));
  }
  if (new Set(ctx.alive.map((s) => s.state.flavor)).size > 1) {
    found.push(warning('mixed-flavors', null,
      `the cluster mixes MySQL and MariaDB servers (${ctx.alive.map((s) => `${s.name}: ${s.state.flavor}`).join(', ')})`,
      'replication between flavors works only in some directions and without GTID auto-positioning; keep one flavor per cluster'));
  }
  return found;
}
