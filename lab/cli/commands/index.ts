// The development commands: the lab, its Temporal dev server and the demo. bin/mhaflow.js adds them to the
// product's commands when this checkout has lab/ (the production image does not). Same rules as
// src/cli/commands: registering is cheap, the implementation (lab/cli/<family>.ts) is loaded by the action.
import type { CommandModule } from '../../../src/cli/commands';
import * as demo from './demo';
import * as lab from './lab';
import * as temporal from './temporal';

export const labCommandModules: CommandModule[] = [lab, temporal, demo];
