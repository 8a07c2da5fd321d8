// `mhaflow config ...`: see ../config.ts.
import type { Command } from 'commander';
import type { ImportMhaOptions } from '../config';
import { exitWith } from '../exit';

const impl = () => require('../config') as typeof import('../config');

/** MHA_GLOBAL_CONFIG of src/config/mha/import.ts, which loads yaml and zod: too heavy for declaring options (a unit test keeps the two equal). */
export const MHA_GLOBAL_CONFIG_DEFAULT = '/etc/masterha_default.cnf';

export function register(program: Command): void {
  const config = program.command('config').description('cluster config files: import from MHA, validate');

  config.command('import-mha')
    .description('convert an MHA application config (app1.cnf, plus the global defaults file) into a cluster config')
    .argument('<app-cnf>', 'the MHA application config, e.g. /etc/masterha/app1.cnf')
    .requiredOption('--out <file>', 'the cluster config to write (YAML); the secrets file is written beside it')
    .option('--global <file>', `MHA's global defaults file (read when present)`, MHA_GLOBAL_CONFIG_DEFAULT)
    .option('--cluster <name>', 'cluster name (default: the application config\'s file name, e.g. app1)')
    .option('--ssh-key <file>', 'SSH private key the workers use (default: the identity MHA\'s ssh used, from `ssh -G` per host)')
    .option('--known-hosts <file>', 'known_hosts file pinning every host key (default: ssh\'s UserKnownHostsFile for the hosts, from `ssh -G`)')
    .option('--ssh-config <file>', 'the ssh configuration MHA\'s ssh read (ssh -F; default ~/.ssh/config and /etc/ssh/ssh_config)')
    .option('--no-ssh-resolve', 'do not ask ssh (`ssh -G`) how it reaches each host: assume ssh\'s defaults')
    .option('--scan-host-keys', 'fetch each host\'s key, print its fingerprint, and write new ones for you to confirm (never trusted silently)')
    .option('--force', 'overwrite existing output files')
    .action(async (appCnf: string, opts: ImportMhaOptions, cmd: Command) => {
      await exitWith(await impl().importMhaCommand(appCnf, opts, cmd.getOptionValueSource('global') === 'cli'));
    });

  config.command('validate')
    .description('validate a cluster config file and print what it describes')
    .argument('<file>', 'cluster config (YAML)')
    .option('--json', 'print the normalised config as JSON')
    .action((file: string, opts: { json?: boolean }) => impl().validateCommand(file, opts));
}
