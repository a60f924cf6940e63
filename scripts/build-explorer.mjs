#!/usr/bin/env node
/**
 * Bundles the explorer's browser module (src/explorer/main.ts) into one ES module,
 * dist/explorer/explorer.js (or DIST/explorer/explorer.js with `build-explorer.mjs DIST`, as the
 * tests' build into a temp folder does), with its source map beside it: for the browser platform,
 * ES2022, minified. The module runs in the user's browser, so nothing from Node may end up
 * in it: the build fails if any `node:` module or Node built-in is imported, or if the
 * bundle is left with any import at all.
 */
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'explorer', 'main.ts');
const outfile = join(process.argv[2] === undefined ? join(root, 'dist') : resolve(process.argv[2]), 'explorer', 'explorer.js');
const builtins = new Set(builtinModules);

/** Refuses Node modules while resolving, so the error names the importing file. */
const noNodeModules = {
  name: 'no-node-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path;
      if (args.path.startsWith('node:') || builtins.has(bare) || builtins.has(bare.split('/')[0])) {
        return { errors: [{ text: `the explorer runs in browsers: ${relative(root, args.importer)} imports the Node module ${JSON.stringify(args.path)}` }] };
      }
      return undefined;
    });
  },
};

mkdirSync(dirname(outfile), { recursive: true });
let result;
try {
  result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    sourceRoot: '',
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [noNodeModules],
  });
} catch (e) {
  const errors = e.errors ?? [{ text: String(e) }];
  for (const err of errors) process.stderr.write(`build-explorer: ${err.location ? `${err.location.file}:${err.location.line}: ` : ''}${err.text}\n`);
  process.exit(1);
}

// Belt and braces: no input of the bundle is a Node module, and the output imports nothing.
const problems = [];
for (const [path, input] of Object.entries(result.metafile.inputs)) {
  for (const imp of input.imports) {
    if (imp.path.startsWith('node:') || builtins.has(imp.path)) problems.push(`${path} imports ${imp.path}`);
  }
}
for (const [path, output] of Object.entries(result.metafile.outputs)) {
  for (const imp of output.imports) problems.push(`${path} still imports ${imp.path}`);
}
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`build-explorer: ${p}\n`);
  process.exit(1);
}

// Each file is written beside its place and renamed over it, so a server serving the old
// bundle meanwhile never sends half of a new one.
for (const file of result.outputFiles) {
  const tmp = `${file.path}.tmp-${process.pid}`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
const size = result.outputFiles.find((f) => f.path === outfile).contents.length;
process.stdout.write(`build-explorer: ${relative(root, outfile)} ${(size / 1024).toFixed(1)} KiB (+ ${relative(root, outfile)}.map)\n`);
