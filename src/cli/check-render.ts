// The check report for the terminal (`mhaflow check`): the situation, one row per server, the verdict,
// then every problem and warning with its fix. (The Temporal UI's markdown is src/check/markdown.ts.)
import { VERDICT_TEXT, type CheckFinding, type CheckReport, type CheckRow } from '../check';
import { formatTable, type TableCell } from './table';

const onOff = (v: boolean | null) => (v === null ? null : v ? 'on' : 'off');

const COLUMNS: [string, (x: CheckRow) => TableCell][] = [
  ['server', (x) => `${x.name}${x.label ? ` (${x.label})` : ''}`], ['address', (x) => x.address], ['role', (x) => x.role],
  ['version', (x) => x.version], ['server_id', (x) => x.serverId], ['ro', (x) => onOff(x.readOnly)], ['source', (x) => x.source],
  ['position', (x) => x.position], ['gtid', (x) => x.gtid], ['io/sql', (x) => x.threads], ['lag', (x) => x.lagSeconds], ['semi-sync', (x) => x.semiSync], ['candidate', (x) => x.candidate],
];

/** An empty string reads as absent ("-") like null. */
const cell = (v: TableCell) => (v === '' ? null : v);

export function formatCheckReport(r: CheckReport): string {
  const mode = r.mode === 'unknown' ? 'replication mode unknown' : `${r.mode} mode`;
  const table = formatTable([COLUMNS.map(([head]) => head), ...r.rows.map((x) => COLUMNS.map(([, get]) => cell(get(x))))]);
  const out = [`cluster ${r.cluster}: master ${r.master ?? '(none found)'}, ${mode} (${r.modeReason})`, '', table, ''];
  out.push(`verdict: ${VERDICT_TEXT[r.verdict]}${r.newMaster ? `; a failover now would promote ${r.newMaster.name}` : ''}`);
  const finding = (f: CheckFinding) => `  - [${f.server ?? r.cluster}] ${f.what}\n    fix: ${f.fix}`;
  if (r.problems.length) out.push('', `problems (${r.problems.length}):`, ...r.problems.map(finding));
  if (r.warnings.length) out.push('', `warnings (${r.warnings.length}):`, ...r.warnings.map(finding));
  return out.join('\n');
}
