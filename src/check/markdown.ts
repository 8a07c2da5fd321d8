// The check report as markdown for the Temporal UI's current details. It lives with the check, not the
// CLI, because the checkReplication workflow shows it and the CLI stands above the workflows; the
// terminal's text rendering is the CLI's (src/cli/check-render.ts).
import type { CheckFinding, CheckReport, CheckRow } from './types';

export const VERDICT_TEXT: Record<CheckReport['verdict'], string> = {
  ok: 'OK: safe to fail over',
  'ok-with-warnings': 'OK with warnings: safe to fail over',
  'not-safe': 'NOT SAFE to fail over',
};

/** A table cell: "|" escaped, absent values blank. */
const esc = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v).replace(/\|/g, '\\|'));

export function formatCheckMarkdown(r: CheckReport): string {
  const finding = (f: CheckFinding) => `- [${esc(f.server ?? r.cluster)}] ${esc(f.what)} — fix: ${esc(f.fix)}`;
  const promote = r.newMaster ? `; a failover now would promote **${r.newMaster.name}**` : '';
  const cells = (x: CheckRow) => [`${x.name} (${x.address})`, x.role, x.version, x.serverId, x.position, x.gtid, x.threads, x.lagSeconds, x.semiSync, x.candidate];
  const lines = [
    `**${r.cluster}**: ${VERDICT_TEXT[r.verdict]}; master **${r.master ?? 'none found'}**, ${r.mode} mode${promote}`,
    '',
    '| server | role | version | server_id | position | gtid | io/sql | lag | semi-sync | candidate |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${cells(x).map(esc).join(' | ')} |`),
  ];
  if (r.problems.length) lines.push('', '**Problems**', ...r.problems.map(finding));
  if (r.warnings.length) lines.push('', '**Warnings**', ...r.warnings.map(finding));
  return lines.join('\n');
}
