// `mhaflow config ...`: import an MHA configuration, validate a cluster config.
import type { Command } from 'commander';
import { loadClusterConfig } from '../config/load';
import { formatImportMessages, importMhaFiles, MHA_GLOBAL_CONFIG } from '../config/mha-import';

export function register(program: Command): void {
  const config = program.command('config').description('cluster config files: import from MHA, validate');

  config.command('import-mha')
    .description('convert an MHA application config (app1.cnf, plus the global defaults file) into a cluster config')
    .argument('<app-cnf>', 'the MHA application config, e.g. /etc/masterha/app1.cnf')
    .requiredOption('--out <file>', 'the cluster config to write (YAML); the secrets file is written beside it')
    .option('--global <file>', `MHA's global defaults file (read when present)`, MHA_GLOBAL_CONFIG)
    .option('--cluster <name>', 'cluster name (default: the application config\'s file name, e.g. app1)')
    .option('--ssh-key <file>', 'SSH private key the workers use (default: from ssh_options, else ~/.ssh/id_rsa)')
    .option('--known-hosts <file>', 'known_hosts file pinning every host key (default: from ssh_options, else ~/.ssh/known_hosts)')
    .option('--force', 'overwrite existing output files')
    .action((appCnf: string, opts: { out: string; global: string; cluster?: string; sshKey?: string; knownHosts?: string; force?: boolean }, cmd: Command) => {
      const globalGiven = cmd.getOptionValueSource('global') === 'cli';
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
    });

  config.command('validate')
    .description('validate a cluster config file and print what it describes')
    .argument('<file>', 'cluster config (YAML)')
    .option('--json', 'print the normalised config as JSON')
    .action((file: string, opts: { json?: boolean }) => {
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
    });
}
