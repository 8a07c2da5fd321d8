// Prebuilds the failover, switchover and check commands, each into one CommonJS file (dist/failover-cli.js,
// dist/switchover-cli.js, dist/check-cli.js) with esbuild (tsx's own compiler): all are timed from the process start,
// and loading one file instead of compiling dozens through tsx saves 0.1-0.6 s. dist/<name>.json lists the sources it was built from:
// bin/mhaflow.js uses a bundle only while none of them is newer (a stale bundle must never run).
// Run by `npm ci` / `npm install` (the prepare script); by hand: node scripts/build-cli.mjs
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Loaded from node_modules: native parts, protobuf descriptors, optional dependencies. */
const EXTERNAL = ['@temporalio/*', 'mysql2', 'ssh2', 'pino', 'pino-pretty', 'protobufjs'];
/** Each bundle: dist/<name>.js from its entry, and dist/<name>.json listing its sources. */
const BUNDLES = [
  ['failover-cli', 'src/cli/failover-entry.ts'], ['switchover-cli', 'src/cli/switchover-entry.ts'], ['check-cli', 'src/cli/check-entry.ts'],
];
for (const [name, entry] of BUNDLES) {
  const out = join(root, 'dist', `${name}.js`);
  const tmp = `${out}.${process.pid}.tmp`;
  mkdirSync(dirname(out), { recursive: true });
  const result = await build({
    entryPoints: [join(root, entry)],
    // Metafile paths are relative to absWorkingDir: the repository, whatever directory this runs from.
    // The pure-JavaScript libraries they use (zod, yaml, commander) are bundled too: loading them from node_modules took
    // ~100 ms more of each command's start (zod alone 94 ms). The SDK and the drivers stay external.
    absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: EXTERNAL,
    outfile: tmp, metafile: true, logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  // Whole or not at all, for a command starting meanwhile (a test rebuilds while others run): the manifest names the new
  // bundle's time first (the old bundle, older, is then not used), the new bundle takes its name last (rename keeps mtime).
  writeFileSync(join(root, 'dist', `${name}.json`), `${JSON.stringify({ builtAt: statSync(tmp).mtimeMs, inputs }, null, 2)}\n`);
  rmSync(`${out}.v8cache`, { force: true }); // the old bundle's code cache (bin/fresh-bundle.js writes the new one)
  renameSync(tmp, out);
  console.log(`dist/${name}.js: ${inputs.length} sources`);
}

// The worker's workflow bundle: scripts/build-workflow-bundle.ts (TypeScript: the worker's own bundler options).
const wf = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build-workflow-bundle.ts')], { cwd: root, stdio: 'inherit' });
if (wf.status !== 0) process.exit(wf.status ?? 1);
