// Prebuilds the failover, switchover and check commands, each into one CommonJS file (dist/failover-cli.js,
// dist/switchover-cli.js, dist/check-cli.js) with esbuild (tsx's own compiler): all are timed from the process start,
// and loading one file instead of compiling dozens through tsx saves 0.1-0.6 s. dist/<name>.json lists the sources it was built from:
// bin/mhaflow.js uses a bundle only while none of them is newer (a stale bundle must never run).
// Run by `npm ci` / `npm install` (the prepare script); by hand: node scripts/build-cli.mjs
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Their code caches (bin/fresh-bundle.js writes one when a command exits, if it has none): each command run once here,
// against a Temporal that is not there, compiles and caches what it runs up to its start request, so that the first
// failover after an install starts as fast as the next ones (on the lab, 0.15 s sooner than without a cache).
const primeDir = mkdtempSync(join(tmpdir(), 'mhaflow-prime-'));
try {
  const config = join(primeDir, 'prime.yml');
  writeFileSync(config, ['cluster: prime', 'mysql: { user: u, password: "env:MHAFLOW_PRIME_UNSET" }', 'replication: { user: r, password: "env:MHAFLOW_PRIME_UNSET" }',
    `ssh: { key: ${JSON.stringify(join(primeDir, 'key'))}, knownHosts: ${JSON.stringify(join(primeDir, 'known_hosts'))} }`,
    'servers: [{ name: db1, host: 127.0.0.1 }, { name: db2, host: 127.0.0.2 }]', ''].join('\n'));
  const env = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9', TEMPORAL_HTTP_ADDRESS: '127.0.0.1:9' };
  delete env.MHAFLOW_NO_BUNDLE;
  for (const cmd of ['failover', 'switchover', 'check']) {
    spawnSync(process.execPath, [join(root, 'bin', 'mhaflow.js'), cmd, '--config', config, '--json'], { cwd: primeDir, env, stdio: 'ignore', timeout: 30_000 });
  }
} finally {
  rmSync(primeDir, { recursive: true, force: true });
}
console.log(`dist code caches: ${BUNDLES.filter(([name]) => existsSync(join(root, 'dist', `${name}.js.v8cache`))).map(([name]) => name).join(', ') || 'none'}`);

// The worker's workflow bundle: scripts/build-workflow-bundle.ts (TypeScript: the worker's own bundler options).
const wf = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build-workflow-bundle.ts')], { cwd: root, stdio: 'inherit' });
if (wf.status !== 0) process.exit(wf.status ?? 1);
