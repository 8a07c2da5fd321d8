// The check's report: the context, every rule's findings in order, the table and the verdict.
import { buildCheckContext } from './context';
import { checkRows } from './rows';
import { CHECK_RULES } from './rules';
import type { CheckInput, CheckReport } from './types';

export function buildCheckReport(input: CheckInput): CheckReport {
  const ctx = buildCheckContext(input);
  const findings = CHECK_RULES.flatMap((rule) => rule(ctx));
  const problems = findings.filter((f) => f.severity === 'problem');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const safe = problems.length === 0;
  return {
    cluster: ctx.config.cluster,
    verdict: !safe ? 'not-safe' : warnings.length ? 'ok-with-warnings' : 'ok',
    safe,
    master: ctx.master,
    mode: ctx.mode.mode,
    modeReason: ctx.mode.reason,
    newMaster: ctx.candidates?.kind === 'ready' ? ctx.candidates.newMaster : null,
    rows: checkRows(ctx),
    problems,
    warnings,
    sshChecked: ctx.ssh !== null,
  };
}
