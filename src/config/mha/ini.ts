// Reading MHA's configuration files the way MHA does (Perl Config::Tiny plus MHA's own unquoting):
// "[section]" headers, "name = value" lines, "#" and ";" comment lines, " ; comment" at line ends.
// Later duplicates of a section or a key override earlier ones, as in Config::Tiny.
import { ConfigError } from '../../errors';

export interface MhaParam { value: string; line: number }

export interface MhaSection {
  /** "server default", "server1", "binlog1", ... ("_" for keys before the first header). */
  name: string;
  line: number;
  params: Map<string, MhaParam>;
}

export interface MhaIni { file: string; sections: MhaSection[] }

/** MHA strips one pair of quotes (the leading one optional): s/^['"]?(.*)['"]$/$1/. */
export function mhaUnquote(v: string): string {
  const m = /^['"]?([\s\S]*)['"]$/.exec(v);
  return m ? m[1]! : v;
}

export function parseMhaIni(text: string, file: string): MhaIni {
  const byName = new Map<string, MhaSection>();
  const sections: MhaSection[] = [];
  let current: MhaSection | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (/^\s*(?:#|;|$)/.test(raw)) return;
    const line = raw.replace(/\s;\s.+$/, '');
    const sec = /^\s*\[\s*(.+?)\s*\]\s*$/.exec(line);
    if (sec) {
      const name = sec[1]!;
      current = byName.get(name);
      if (!current) {
        current = { name, line: lineNo, params: new Map() };
        byName.set(name, current);
        sections.push(current);
      }
      return;
    }
    const kv = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv) {
      if (!current) {
        current = { name: '_', line: lineNo, params: new Map() };
        byName.set('_', current);
        sections.push(current);
      }
      current.params.set(kv[1]!, { value: kv[2]!, line: lineNo });
      return;
    }
    throw new ConfigError(`${file}:${lineNo}: cannot read "${raw.trim().slice(0, 60)}"; expected "[section]", "name=value" or a # comment`, {
      hint: 'fix that line of the MHA configuration (MHA itself would refuse it too)',
    });
  });
  return { file, sections };
}

/** Perl truthiness, which is what MHA applies to its flags: "" and "0" are false, anything else true. */
export function perlTrue(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0';
}
