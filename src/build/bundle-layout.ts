/** Where src/build/bundle.ts puts the bundled CLI, under dist/src; test/cli/bundle.test.ts checks it. */
export const BUNDLE_DIR = 'bundle';

/** In BUNDLE_DIR: each file the bundle was made from (relative to the package root) and its sha256. */
export const BUNDLE_INPUTS_FILE = 'inputs.json';

/** dist/src/cli.js once bundled: everything runs from BUNDLE_DIR. */
export const BUNDLE_STUB = `#!/usr/bin/env node
// The CLI bundled by src/build/bundle.ts (npm run build); tsc's modules stay beside it for the tests.
import './${BUNDLE_DIR}/cli.js';
`;
