/**
 * Build step (`npm run build`, after tsc and the schema validator): bundles the CLI that tsc
 * compiled into dist/src/bundle/, and makes dist/src/cli.js a two-line stub that loads it.
 *
 * Why: `kubelab --help` loaded about 75 modules (yargs and its helpers, every command module), and
 * Node's ESM loader pays for each one (resolve, stat, read, compile, link). The bundle is one file
 * for that path; each operation a command loads with import() stays a chunk of its own, loaded
 * only when it runs. Only yargs, which --help needs, is bundled from node_modules; every other
 * dependency is loaded from node_modules as before, by the chunks that use it.
 *
 * The tests import the tsc-compiled modules under dist/src; users, the tests that run the CLI and
 * the fault timer run `node dist/src/cli.js`, which is this bundle (test/cli/bundle.test.ts says so).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { packageRoot } from '../paths.js';
import { BUNDLE_DIR, BUNDLE_INPUTS_FILE, BUNDLE_STUB } from './bundle-layout.js';

const srcDir = path.join(packageRoot, 'dist', 'src');
const entry = path.join(srcDir, 'cli.js');
const outDir = path.join(srcDir, BUNDLE_DIR);

/**
 * A module finds files next to itself through import.meta.url (paths.ts the package root,
 * spec/validate.ts the compiled validator, fault/timer.ts the CLI; yargs its locales and the
 * caller's package.json). Bundled, import.meta.url would name the chunk instead, so each use is
 * rewritten to the URL the module had before bundling. Every output file sits in outDir, so the
 * same relative path is right in whichever file esbuild puts the module.
 */
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup(setup) {
    setup.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const original = path.relative(outDir, args.path).split(path.sep).join('/');
      const contents = text.replace(/\bimport\.meta\.url\b/g, `new URL(${JSON.stringify(original)}, import.meta.url).href`);
      // import.meta.resolve, .dirname and .filename would name the chunk too; kubelab's own code
      // must not use them until this plugin rewrites them (yargs uses import.meta.resolve only for
      // `.config()` files that extend others, which kubelab does not read).
      if (!args.path.split(path.sep).includes('node_modules') && /\bimport\.meta\b(?!\.url\b)/.test(text)) {
        return { errors: [{ text: `${path.relative(packageRoot, args.path)} uses import.meta beyond .url, which src/build/bundle.ts does not rewrite` }] };
      }
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

async function main(): Promise<void> {
  if (fs.readFileSync(entry, 'utf8') === BUNDLE_STUB)
    throw new Error(`${entry} is already the bundle's stub: run \`npm run build\`, which compiles it anew first`);
  fs.rmSync(outDir, { recursive: true, force: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const external = Object.keys(manifest.dependencies)
    .filter((name) => name !== 'yargs')
    .flatMap((name) => [name, `${name}/*`]);
  const result = await build({
    absWorkingDir: packageRoot,
    entryPoints: [entry],
    outdir: outDir,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external,
    plugins: [keepModuleUrls],
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  // A warning here (an import that does not resolve, a require() esbuild cannot follow) would be a
  // CLI that fails at run time: the build fails instead.
  if (result.warnings.length > 0) throw new Error(`esbuild warned:\n${result.warnings.map((w) => w.text).join('\n')}`);
  // What the bundle was made from, by content: test/cli/bundle.test.ts fails when any of it changed
  // since (tsc alone, or an npm install, after the last `npm run build`).
  const inputs: Record<string, string> = {};
  // The entry itself is left out: the stub takes its place, and the test checks that it does.
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    if (path.resolve(packageRoot, input) === entry) continue;
    inputs[input] = createHash('sha256')
      .update(fs.readFileSync(path.join(packageRoot, input)))
      .digest('hex');
  }
  fs.writeFileSync(path.join(outDir, BUNDLE_INPUTS_FILE), `${JSON.stringify(inputs, null, 2)}\n`);
  fs.rmSync(`${entry}.map`, { force: true });
  fs.writeFileSync(entry, BUNDLE_STUB);
}

await main();
