// `mhaflow config ...`: import an MHA configuration (with ssh's own view of each host, and its host keys
// fetched for the operator to confirm), validate a cluster config.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { loadClusterConfig } from '../config/load';
import { formatImportMessages, importMhaFiles, MHA_GLOBAL_CONFIG } from '../config/mha/import';
import type { ClusterConfig } from '../config/schema';
import { knownHostsLine } from '../ssh/known-hosts';
import { scanClusterHostKeys, type HostKeyRow } from '../ssh/scan';
import type { Outcome } from './exit-codes';
import { formatTable } from './table';

export interface ImportMhaOptions {
  out: string; global: string; cluster?: string; sshKey?: string; knownHosts?: string; force?: boolean;
  sshConfig?: string; sshResolve?: boolean; scanHostKeys?: boolean;
}

const STATUS_TEXT: Record<HostKeyRow['status'], string> = {
  pinned: 'already pinned', new: 'NEW: not pinned yet', changed: 'CHANGED: differs from the pinned key (not replaced)', unreachable: 'unreachable',
};

/**
 * --scan-host-keys: fetch each host's key, print its fingerprint, and write the new ones where the operator
 * confirms them: after a yes on a terminal, into the known_hosts file; otherwise into FILE.pending, with the
 * command that accepts them. A key is never trusted without the operator's word; a changed key never replaced.
 */
async function pinHostKeys(cfg: ClusterConfig, write: (s: string) => void): Promise<void> {
  const rows = await scanClusterHostKeys(cfg);
  write(`host keys (${cfg.ssh.knownHosts}):\n${formatTable([['server', 'address', 'key', 'fingerprint', 'status'],
    ...rows.map((r) => [r.server, `${r.host}:${r.port}`, r.key?.keyType, r.key?.fingerprint ?? r.error, STATUS_TEXT[r.status]])])}\n`);
  for (const r of rows.filter((x) => x.status === 'changed')) {
    write(`WARNING: ${r.server} (${r.host}:${r.port}) presents a key that differs from the one pinned: a reinstalled host, or a man in the middle. ` +
      'Find out which before editing the known_hosts file by hand\n');
  }
  const fresh = rows.filter((r) => r.status === 'new' && r.key);
  if (!fresh.length) return;
  const lines = `${fresh.map((r) => knownHostsLine(r.host, r.port, r.key!.blob)).join('\n')}\n`;
  const check = 'compare each fingerprint with the host\'s own (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or the key type shown)';
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Pin ${fresh.length} new key(s) in ${cfg.ssh.knownHosts}? First ${check}. [y/N] `);
    rl.close();
    if (/^y(es)?$/i.test(answer.trim())) {
      appendFileSync(cfg.ssh.knownHosts, lines, { mode: 0o644 });
      write(`pinned ${fresh.length} key(s) in ${cfg.ssh.knownHosts}\n`);
      return;
    }
    write('nothing pinned\n');
  }
  const pending = `${cfg.ssh.knownHosts}.pending`;
  writeFileSync(pending, lines, { mode: 0o644 });
  write(`not trusted yet: ${fresh.length} key(s) written to ${pending}. ${check[0]!.toUpperCase()}${check.slice(1)}; then accept them with:\n` +
    `  cat ${pending} >> ${cfg.ssh.knownHosts} && rm ${pending}\n`);
}

/** `mhaflow config import-mha`; `globalGiven`: --global was on the command line (else its default is read only when present). */
export async function importMhaCommand(appCnf: string, opts: ImportMhaOptions, globalGiven: boolean): Promise<Outcome> {
  const r = importMhaFiles({
    appPath: appCnf,
    outPath: opts.out,
    globalPath: globalGiven ? opts.global : undefined,
    clusterName: opts.cluster,
    sshKey: opts.sshKey,
    knownHosts: opts.knownHosts,
    force: opts.force,
    sshConfig: opts.sshConfig,
    resolveSsh: opts.sshResolve,
  });
  const messages = formatImportMessages(r);
  if (messages) process.stderr.write(`${messages}\n`);
  const servers = r.validated.servers;
  process.stdout.write([
    `wrote ${r.outPath} (cluster ${r.validated.cluster}: ${servers.filter((s) => !s.binlogServer).length} servers${servers.some((s) => s.binlogServer) ? `, ${servers.filter((s) => s.binlogServer).length} binlog servers` : ''})`,
    `wrote ${r.secretsPath} (mode 0600: ${Object.keys(r.secrets).join(', ')})`,
    r.globalRead ? `read global defaults from ${r.globalRead}` : `no global defaults file (${globalGiven ? opts.global : MHA_GLOBAL_CONFIG} absent)`,
    `${r.unmapped.length} parameter(s) not imported, ${r.notes.length} note(s): see above`,
  ].join('\n') + '\n');
  if (opts.scanHostKeys) await pinHostKeys(r.validated, (s) => process.stdout.write(s));
  else if (!existsSync(r.validated.ssh.knownHosts)) process.stdout.write(`${r.validated.ssh.knownHosts} does not exist yet: --scan-host-keys fetches the hosts' keys for you to confirm\n`);
  process.stdout.write(`next: npx mhaflow check --config ${opts.out}\n`);
  return 'completed';
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
