// `mhaflow config ...`: import an MHA configuration, validate a cluster config.
import { loadClusterConfig } from '../config/load';
import { formatImportMessages, importMhaFiles, MHA_GLOBAL_CONFIG } from '../config/mha/import';

export interface ImportMhaOptions { out: string; global: string; cluster?: string; sshKey?: string; knownHosts?: string; force?: boolean }

/** `mhaflow config import-mha`; `globalGiven`: --global was on the command line (else its default is read only when present). */
export function importMhaCommand(appCnf: string, opts: ImportMhaOptions, globalGiven: boolean): void {
  const r = importMhaFiles({
    appPath: appCnf,
    outPath: opts.out,
    globalPath: globalGiven ? opts.global : undefined,
    clusterName: opts.cluster,
    sshKey: opts.sshKey,
    knownHosts: opts.knownHosts,
    force: opts.force,
  });
  const messages = formatImportMessages(r);
  if (messages) process.stderr.write(`${messages}\n`);
  const servers = r.validated.servers;
  process.stdout.write([
    `wrote ${r.outPath} (cluster ${r.validated.cluster}: ${servers.filter((s) => !s.binlogServer).length} servers${servers.some((s) => s.binlogServer) ? `, ${servers.filter((s) => s.binlogServer).length} binlog servers` : ''})`,
    `wrote ${r.secretsPath} (mode 0600: ${Object.keys(r.secrets).join(', ')})`,
    r.globalRead ? `read global defaults from ${r.globalRead}` : `no global defaults file (${globalGiven ? opts.global : MHA_GLOBAL_CONFIG} absent)`,
    `${r.unmapped.length} parameter(s) not imported, ${r.notes.length} note(s): see above`,
    `next: npx mhaflow check --config ${opts.out}`,
  ].join('\n') + '\n');
}

/** `mhaflow config validate`. */
export function validateCommand(file: string, opts: { json?: boolean }): void {
  const cfg = loadClusterConfig(file);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
    return;
  }
  process.stdout.write(`ok: cluster ${cfg.cluster}, ${cfg.servers.length} servers\n`);
  for (const s of cfg.servers) {
    const flags = [s.binlogServer && 'binlog server', s.candidateMaster && 'candidate master', s.noMaster && 'no master', s.ignoreFail && 'ignore fail'].filter(Boolean);
    process.stdout.write(`  ${s.name}${s.label ? ` (${s.label})` : ''}  ${s.host}:${s.port}${flags.length ? `  [${flags.join(', ')}]` : ''}\n`);
  }
}
