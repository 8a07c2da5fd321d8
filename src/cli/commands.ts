// The list of command modules; add a line per command family.
import type { Command } from 'commander';
import * as lab from './lab';
import * as temporal from './temporal';
import * as topology from './topology';
import * as worker from './worker';
import * as config from './config';
import * as check from './check';
import * as binlog from './binlog';
import * as failover from './failover';
import * as demo from './demo';

export interface CommandModule { register(program: Command): void }

export const commandModules: CommandModule[] = [lab, temporal, worker, topology, config, check, binlog, failover, demo];
