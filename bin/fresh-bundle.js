// Whether a prebuilt bundle may run: it exists, its manifest is complete, and no source it was built from
// changed since (mtime). Plain JavaScript: it runs before tsx is loaded.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

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

module.exports = { freshBundle };
