#!/usr/bin/env node
// Entry point of `npx mhaflow`: runs the TypeScript CLI through tsx so a checkout needs no build step. It composes
// the product's commands (src/cli), the worker's (worker/command.ts) and the development ones (lab/cli: lab,
// temporal, demo) when lab/ is there;
// nothing under src/ knows about lab/, and the production image, which leaves lab/ out, has the product's alone.
// `mhaflow failover`, `mhaflow switchover` and `mhaflow check` are timed from the process start: each runs from its
// bundle (dist/failover-cli.js, dist/switchover-cli.js, dist/check-cli.js, prebuilt by scripts/build-cli.mjs at `npm ci`;
// 0.1-0.6 s sooner) while it is newer than every source it was built from; otherwise, and with MHAFLOW_NO_BUNDLE=1,
// through tsx like every other command.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { freshBundle, loadBundle } = require('./fresh-bundle');

const argv = process.argv.slice(2);
/** The commands timed from the process start, each with a prebuilt bundle of its own. */
const BUNDLED = { failover: 'failover-cli', switchover: 'switchover-cli', check: 'check-cli' };
const bundle = BUNDLED[argv[0]] && !process.env.MHAFLOW_NO_BUNDLE ? freshBundle(join(__dirname, '..'), BUNDLED[argv[0]]) : null;
if (bundle) {
  loadBundle(bundle).main(argv);
} else {
  require('tsx/cjs');
  const lab = join(__dirname, '..', 'lab', 'cli', 'commands', 'index.ts');
  require('../src/cli/main.ts').main(argv, [require('../worker/command.ts'), ...(existsSync(lab) ? require(lab).labCommandModules : [])]);
}
