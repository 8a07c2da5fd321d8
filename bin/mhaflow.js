#!/usr/bin/env node
// Entry point of `npx mhaflow`: runs the TypeScript CLI through tsx so a checkout needs no build step.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2));
