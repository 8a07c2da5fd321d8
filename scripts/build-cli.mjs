// Prebuilds the failover command into one CommonJS file (dist/failover-cli.js) with esbuild (tsx's own
// compiler): `mhaflow failover` is timed from the process start, and loading one file instead of compiling
// twenty through tsx saves ~70 ms. dist/failover-cli.json lists the sources it was built from: bin/mhaflow.js
// uses the bundle only while none of them is newer (a stale bundle must never run a failover).
// Run by `npm ci` / `npm install` (the prepare script); by hand: node scripts/build-cli.mjs
import { build } from 'esbuild';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'failover-cli.js');
mkdirSync(dirname(out), { recursive: true });
const result = await build({
  entryPoints: [join(root, 'src/cli/failover-entry.ts')],
  // Metafile paths are relative to absWorkingDir: the repository, whatever directory this runs from.
  absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external',
  outfile: out, metafile: true, logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs);
writeFileSync(join(root, 'dist', 'failover-cli.json'), `${JSON.stringify({ builtAt: statSync(out).mtimeMs, inputs }, null, 2)}\n`);
console.log(`dist/failover-cli.js: ${inputs.length} sources`);
