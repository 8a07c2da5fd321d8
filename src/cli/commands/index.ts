// The product's command line: one module per command family, each exporting register(program). Registering
// must stay cheap (commander declarations only): every run of mhaflow registers every command, and a failover
// is timed from the process start. What a command runs lives in src/cli/<family>.ts and is loaded by its
// action, with require (bin/mhaflow.js registers tsx for CommonJS only, so import() of a .ts file fails).
// `worker` (worker/command.ts) and the development commands (lab/cli: lab, temporal, demo) are added by bin/mhaflow.js.
import type { Command } from 'commander';
import * as topology from './topology';
import * as config from './config';
import * as check from './check';
import * as binlog from './binlog';
import * as failover from './failover';
import * as switchover from './switchover';
import * as api from './api';
import * as monitor from './monitor';
import * as rejoin from './rejoin';

export interface CommandModule { register(program: Command): void }

export const commandModules: CommandModule[] = [topology, config, check, binlog, failover, switchover, monitor, rejoin, api];
