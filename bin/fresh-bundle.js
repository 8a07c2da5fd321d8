// Whether a prebuilt bundle may run: it exists, its manifest is complete, and no source it was built from
// changed since (mtime); and running it with V8's code cache. Plain JavaScript: it runs before tsx is loaded.
'use strict';
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

/** The bundle's path under root/dist, or null when it is missing or older than one of its sources. */
function freshBundle(root, name) {
  try {
    const meta = JSON.parse(readFileSync(join(root, 'dist', `${name}.json`), 'utf8'));
    const bundle = join(root, 'dist', `${name}.js`);
    const built = statSync(bundle).mtimeMs;
    if (!Array.isArray(meta.inputs) || meta.inputs.length === 0 || built < meta.builtAt) return null;
    for (const f of meta.inputs) if (statSync(join(root, f)).mtimeMs > built) return null;
    return bundle;
  } catch {
    return null; // no bundle, or a source moved or vanished
  }
}

/**
 * Load a bundle (CommonJS) with V8's code cache beside it (<bundle>.v8cache): compiling the 1-2 MB bundle, and the
 * functions a command runs, took 60-70 ms of each command's start on the lab. The cache is written when the command
 * exits, when there was none or V8 rejected it (another Node, a rebuilt bundle); where dist/ is read-only, there is
 * none and nothing changes.
 */
function loadBundle(bundle) {
  const cacheFile = `${bundle}.v8cache`;
  let cachedData;
  try { cachedData = readFileSync(cacheFile); } catch { /* none yet */ }
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const m = new Module(bundle, module);
  m.filename = bundle;
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(bundle), m, bundle, dirname(bundle));
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile); // whole, even with two commands exiting at once
      } catch { /* read-only: run without */ }
    });
  }
  return m.exports;
}

module.exports = { freshBundle, loadBundle };
