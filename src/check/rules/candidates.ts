// Rule: if the master failed now, some server could take its place (the failover's own candidate rules).
import type { CheckContext } from '../context';
import { problem } from '../finding';
import type { CheckFinding } from '../types';

export function newMasterCandidates(ctx: CheckContext): CheckFinding[] {
  const outlook = ctx.candidates;
  if (outlook?.kind === 'no-latest') {
    return [problem('no-candidate', null, `no server could become the new master: ${outlook.reason}`,
      'add a replica of the master (with log_bin on), or clear noMaster on one')];
  }
  if (outlook?.kind === 'none-eligible') {
    const others = [...outlook.assessed].filter(([name]) => name !== ctx.master && !ctx.cfgOf(name)?.binlogServer);
    const why = others.map(([name, a]) => `${name}: ${a.reasons.join('; ')}`);
    return [problem('no-candidate', null, `no server could become the new master if ${ctx.master} failed now (${why.join(' | ')})`,
      'clear noMaster on a replica, let lagging replicas catch up (or raise failover.maxDelayBytes / set checkReplDelay: false on one), ' +
        'or fix the reasons listed')];
  }
  return [];
}
