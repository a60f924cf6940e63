/**
 * The explorer's browser module, as a whole: it bundles for the browser with nothing from
 * Node and no import left over; its source never writes HTML from strings, never writes to
 * the console and never uses a 32-bit bitwise operator (tree indices pass 2^32).
 */
import { build, stop as stopEsbuild } from 'esbuild';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';
import { onCleanup } from '../../support/cleanup.js';

// esbuild keeps a service process for its API; it is stopped with the file.
onCleanup(() => stopEsbuild());

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'explorer');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

test('the module bundles for the browser: one ES module, nothing from Node, no import left', async () => {
  const result = await build({
    entryPoints: [join(dir, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((p) => p.includes('src/explorer/main.ts'))).toBe(true);
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imp of input.imports) expect(imp.path).not.toMatch(/^node:/);
  }
  for (const output of Object.values(result.metafile.outputs)) expect(output.imports).toEqual([]);
  // Nothing server-side came along: no storage, HTTP server or CLI module.
  expect(inputs.filter((p) => /src\/(storage|http|cli|sequencer|read|web)\//.test(p))).toEqual([]);
  const code = result.outputFiles[0]!.text;
  expect(code).not.toMatch(/\bconsole\./);
  expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});

test.each(files)('%s builds the page with elements and text only, and writes nothing to the console', (file) => {
  const text = readFileSync(join(dir, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'write', 'writeln'].includes(node.name.text)) found.push(node.name.text);
    if (ts.isIdentifier(node) && (node.text === 'console' || node.text === 'eval')) found.push(node.text);
    if (ts.isBinaryExpression(node) && [ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken, ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken, ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken].includes(node.operatorToken.kind)) {
      found.push(node.operatorToken.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  expect(found).toEqual([]);
});
