// Every parameter occurrence the import will not carry over, with where it is and why: names MHA does not
// know, server-only parameters in [server default], parameters meaningless for a binlog server, and
// parameters mhaflow has no equivalent for.
import { basename } from 'node:path';
import { mhaUnquote, perlTrue } from './ini';
import { BINLOG_SERVER_PARAMS, KNOWN_PARAMETERS, MHA_PARAMETERS, SECTION_ONLY } from './parameters';
import type { ImportMessages, MhaSources } from './sources';

export function listUnimported(src: MhaSources, msgs: ImportMessages): void {
  for (const { file, section } of src.sections) {
    for (const [param, p] of section.params) {
      const where = `${basename(file)} [${section.name}] line ${p.line}`;
      if (!KNOWN_PARAMETERS.has(param)) {
        msgs.unmapped.push({ where, param, message: 'not an MHA parameter (MHA 0.58 would refuse the file); ignored' });
      } else if (section.name === 'server default' && SECTION_ONLY.has(param)) {
        msgs.unmapped.push({ where, param, message: 'MHA ignores it in [server default] (it applies only in a server\'s own section); ignored here too' });
      } else if (section.name.startsWith('binlog') && !BINLOG_SERVER_PARAMS.has(param)) {
        msgs.unmapped.push({ where, param, message: 'has no meaning for a binlog server; ignored' });
      }
    }
  }
  // Parameters without an equivalent, once per occurrence.
  for (const m of MHA_PARAMETERS) {
    if (m.mapsTo !== null) continue;
    for (const { file, section } of src.sections) {
      const p = section.params.get(m.param);
      if (!p || (section.name.startsWith('binlog') && !BINLOG_SERVER_PARAMS.has(m.param))) continue;
      const extra = m.param === 'handle_raw_binlog' && !perlTrue(mhaUnquote(p.value))
        ? ' (handle_raw_binlog=0 asked MHA to convert binlogs to text first; mhaflow never does)'
        : '';
      msgs.unmapped.push({ where: `${basename(file)} [${section.name}] line ${p.line}`, param: m.param, message: `no equivalent: ${m.note}${extra}` });
    }
  }
}
