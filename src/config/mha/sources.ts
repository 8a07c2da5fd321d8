// The MHA files as the import reads them: which sections are servers and binlog servers (in MHA's
// order), each server's effective parameters (global [server default] < application [server default] <
// its own section), and the messages the import collects on the way.
import { basename } from 'node:path';
import { ConfigError } from '../../errors';
import { mhaUnquote, parseMhaIni, type MhaSection } from './ini';
import { SECTION_ONLY } from './parameters';

export interface ImportMessage {
  /** "app1.cnf [server2] line 14" */
  where: string;
  param?: string;
  message: string;
}

export interface ImportMessages {
  /** Parameters with no equivalent: listed on stderr. */
  unmapped: ImportMessage[];
  /** Mapped, but with a difference or a choice the user should know about: listed on stderr. */
  notes: ImportMessage[];
}

/** One parameter's effective value (MHA-unquoted) and where it was set. */
export interface Found { value: string; where: string; section: string }

export class Layers {
  constructor(private readonly ini: { file: string; section: MhaSection }[]) {}

  /** The effective value of an inherited parameter; SECTION_ONLY ones come from the last layer only. */
  get(param: string): Found | undefined {
    const layers = SECTION_ONLY.has(param) ? this.ini.slice(-1) : this.ini;
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      const p = l.section.params.get(param);
      if (p) return { value: mhaUnquote(p.value), where: `${basename(l.file)} [${l.section.name}] line ${p.line}`, section: l.section.name };
    }
    return undefined;
  }
}

export interface SectionLayers { section: MhaSection; layers: Layers }

export interface MhaSources {
  appFile: string;
  /** The [server default] layers: global under application. */
  defaults: Layers;
  /** [serverN] sections in MHA's order, each over the defaults. */
  servers: SectionLayers[];
  /** [binlogN] sections by name. */
  binlogs: SectionLayers[];
  /** Every section whose parameters MHA reads: the global [server default] and every application section. */
  sections: { file: string; section: MhaSection }[];
}

export interface MhaFiles {
  app: { file: string; text: string };
  /** MHA's global defaults (/etc/masterha_default.cnf) when present. */
  global?: { file: string; text: string };
}

/** Each server's effective value of one parameter. */
export function perServer(src: MhaSources, param: string): { name: string; found: Found | undefined }[] {
  return src.servers.map((x) => ({ name: x.section.name, found: x.layers.get(param) }));
}

/** Read both files; list the sections MHA would ignore or refuse; refuse an application file without [serverN]. */
export function readMhaSources(files: MhaFiles, msgs: ImportMessages): MhaSources {
  const app = parseMhaIni(files.app.text, files.app.file);
  const global = files.global ? parseMhaIni(files.global.text, files.global.file) : undefined;
  const emptySection = (name: string): MhaSection => ({ name, line: 0, params: new Map() });
  const globalDefault = global?.sections.find((s) => s.name === 'server default') ?? emptySection('server default');
  const appDefault = app.sections.find((s) => s.name === 'server default') ?? emptySection('server default');
  const defaultLayers = [{ file: files.global?.file ?? 'global', section: globalDefault }, { file: files.app.file, section: appDefault }];

  for (const s of global?.sections ?? []) {
    if (s.name !== 'server default') {
      msgs.unmapped.push({
        where: `${basename(global!.file)} [${s.name}] line ${s.line}`, message: 'MHA reads only [server default] from the global file; this section is ignored',
      });
    }
  }
  const serverSections: MhaSection[] = [];
  const binlogSections: MhaSection[] = [];
  for (const s of app.sections) {
    if (s.name === 'server default') continue;
    if (/^server\S+/.test(s.name)) serverSections.push(s);
    else if (/^binlog\S+/.test(s.name)) binlogSections.push(s);
    else {
      msgs.unmapped.push({
        where: `${basename(app.file)} [${s.name}] line ${s.line}`,
        message: 'not a section MHA knows ([server default], [serverN] or [binlogN]; MHA would refuse the file); ignored',
      });
    }
  }
  // MHA's order: by the number in the name when every [server...] has one, else by name.
  const numbered = serverSections.map((s) => ({ s, n: /^server\D*(\d+)/.exec(s.name)?.[1] }));
  if (numbered.every((x) => x.n !== undefined)) numbered.sort((a, b) => Number(a.n) - Number(b.n));
  else numbered.sort((a, b) => (a.s.name < b.s.name ? -1 : 1));
  binlogSections.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!numbered.length) {
    throw new ConfigError(`${files.app.file}: no [serverN] section; expected one per MySQL server`, {
      hint: 'pass the MHA application config (app1.cnf), not the global defaults file',
    });
  }
  const over = (section: MhaSection): SectionLayers => ({ section, layers: new Layers([...defaultLayers, { file: files.app.file, section }]) });
  return {
    appFile: files.app.file,
    defaults: new Layers(defaultLayers),
    servers: numbered.map((x) => over(x.s)),
    binlogs: binlogSections.map(over),
    sections: [...(global ? [{ file: global.file, section: globalDefault }] : []), ...app.sections.map((section) => ({ file: app.file, section }))],
  };
}

/** A whole number from 1 to max, or the error MHA would give. */
export function positiveInt(f: Found, param: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(f.value) || Number(f.value) < 1 || Number(f.value) > max) {
    throw new ConfigError(`${f.where}: ${param}=${f.value} is not valid; expected a whole number from 1${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`, {
      hint: `correct ${param} in the MHA configuration (MHA itself would refuse it too)`,
    });
  }
  return Number(f.value);
}

/**
 * One cluster-wide value from per-server values (MHA reads most parameters per server; mhaflow has one per
 * cluster): the [server default] value, else the first server's; every server that differs is noted.
 */
export function clusterValue<T>(src: MhaSources, msgs: ImportMessages, param: string, convert: (f: Found) => T,
  opts: { secret?: boolean } = {}): { value: T; found: Found } | undefined {
  const perServerValues = perServer(src, param);
  const present = perServerValues.filter((s) => s.found);
  if (!present.length) return undefined;
  const chosen = src.defaults.get(param) ?? present[0]!.found!;
  const differing = perServerValues.filter((s) => (s.found?.value ?? undefined) !== chosen.value);
  if (differing.length) {
    const show = (f: Found | undefined) => (f === undefined ? 'MHA\'s default' : opts.secret ? 'a different value' : `"${f.value}"`);
    const has = differing.map((s) => `${s.name} has ${show(s.found)}`).join(', ');
    msgs.notes.push({
      where: differing.map((s) => s.found?.where ?? `[${s.name}] (not set)`).join('; '),
      param,
      message: `${has}; mhaflow has one value per cluster and uses ${opts.secret ? 'the one' : `"${chosen.value}"`} from ${chosen.where}`,
    });
  }
  return { value: convert(chosen), found: chosen };
}
