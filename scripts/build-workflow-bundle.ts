// The worker's workflow bundle, prebuilt (run by scripts/build-cli.mjs at `npm ci`): dist/workflow-bundle.js, the bundle
// worker/worker.ts bundleWorkflows builds (webpack, through the SDK), so that a worker starts without bundling (2-4 s of
// CPU). dist/workflow-bundle.json lists the sources the workflows import, found by esbuild (the same module graph; the
// packages left out: they change only with `npm ci`, which builds this again): a worker uses the bundle only while none
// of them is newer (bin/fresh-bundle.js).
import { build } from 'esbuild';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PREBUILT_WORKFLOW_BUNDLE, WORKFLOWS_PATH, WORKFLOW_INTERCEPTORS_PATH, bundleWorkflows } from '../worker/worker';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const out = join(root, 'dist', `${PREBUILT_WORKFLOW_BUNDLE}.js`);
  const tmp = `${out}.${process.pid}.tmp`;
  const { code } = await bundleWorkflows({ prebuilt: false });
  writeFileSync(tmp, code);
  const scan = await build({
    entryPoints: [WORKFLOWS_PATH, WORKFLOW_INTERCEPTORS_PATH], absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs',
    packages: 'external', write: false, metafile: true, logLevel: 'warning', outdir: join(root, 'dist', 'scan'),
  });
  const inputs = Object.keys(scan.metafile.inputs);
  // Whole or not at all, as the commands' bundles (scripts/build-cli.mjs): the manifest first, the bundle's name last.
  writeFileSync(join(root, 'dist', `${PREBUILT_WORKFLOW_BUNDLE}.json`), `${JSON.stringify({ builtAt: statSync(tmp).mtimeMs, inputs }, null, 2)}\n`);
  renameSync(tmp, out);
  console.log(`dist/${PREBUILT_WORKFLOW_BUNDLE}.js: ${inputs.length} sources`);
}

main().catch((e) => { console.error(e); process.exit(1); });
