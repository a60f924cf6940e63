/**
 * The layering rules, enforced: imports point downward only, and the pure core
 * (encoding, merkle, note, receipt) does no I/O, imports no `node:` module, touches no
 * Node-only global, and never applies a 32-bit bitwise operator (tree indices pass 2^32).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** For each module (a folder under src/, or a top-level file), what it may import. */
const ALLOWED: Record<string, { modules: string[]; packages: string[] }> = {
  errors: { modules: [], packages: [] },
  encoding: { modules: ['errors'], packages: [] },
  merkle: { modules: ['errors', 'encoding'], packages: ['@noble/hashes'] },
  subject: { modules: ['errors', 'encoding'], packages: ['@noble/hashes'] },
  // Money in public records: amounts in minor units, days, exact totals.
  money: { modules: ['errors', 'encoding', 'events'], packages: [] },
  // An event's commitment covers its subject's reference in normal form (subject/normalize).
  events: { modules: ['errors', 'encoding', 'subject'], packages: ['@noble/hashes'] },
  note: { modules: ['errors', 'encoding', 'merkle'], packages: ['@noble/hashes', '@noble/ed25519'] },
  receipt: { modules: ['errors', 'encoding', 'merkle', 'note'], packages: [] },
  witness: { modules: ['errors', 'encoding', 'merkle', 'note'], packages: [] },
  // c2sp.org/tlog-mirror: a mirror's decisions (a witness's for the pending checkpoint) and the feeder.
  mirror: { modules: ['errors', 'encoding', 'merkle', 'note', 'log', 'witness', 'sequencer', 'read'], packages: ['@noble/hashes'] },
  monitor: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'events', 'money', 'sequencer', 'log'], packages: [] },
  log: { modules: ['errors', 'merkle', 'note'], packages: [] },
  // How monitors, witnesses and mirrors find a service's logs: logs/v0 and log metadata.
  discovery: { modules: ['errors', 'encoding', 'note'], packages: ['@noble/hashes'] },
  // A service of many logs: its configuration, checked as a whole.
  service: { modules: ['errors', 'note'], packages: [] },
  storage: { modules: ['errors', 'encoding', 'merkle', 'log', 'witness', 'mirror'], packages: ['drizzle-orm', '@electric-sql/pglite', 'postgres', 'node:fs', 'node:path', 'node:url', 'node:crypto', 'node:os', 'node:process'] },
  sequencer: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'log'], packages: [] },
  read: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'log'], packages: [] },
  // The log side of c2sp.org/tlog-mirror: bringing its mirrors up to each checkpoint.
  mirroring: { modules: ['errors', 'encoding', 'merkle', 'note', 'log', 'mirror', 'witness', 'witnessing'], packages: [] },
  witnessing: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'log', 'witness'], packages: [] },
  intake: { modules: ['errors', 'encoding', 'merkle', 'log', 'events', 'money', 'subject', 'sequencer'], packages: [] },
  // The log operator's own acts, recorded as its signed events through the intake.
  operator: { modules: ['errors', 'encoding', 'events', 'sequencer', 'subject'], packages: [] },
  http: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'log', 'read', 'sequencer', 'metrics', 'events', 'money', 'intake', 'operator', 'witness', 'witnessing', 'mirror', 'mirroring', 'web', 'discovery', 'service'], packages: ['hono', 'node:crypto', 'node:util', 'node:zlib', 'prom-client'] },
  metrics: { modules: [], packages: ['prom-client'] },
  cli: { modules: ['*'], packages: ['*'] },
  // The flag tables of serve are made with the CLI's flag machinery (src/cli/flags.ts).
  config: { modules: ['errors', 'encoding', 'note', 'cli'], packages: ['node:fs', 'node:path', 'node:process', 'node:util'] },
  client: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'events', 'money', 'subject', 'discovery'], packages: ['@noble/hashes', '@noble/ed25519'] },
  // The explorer's browser module: the pure core and the client, bundled for the browser.
  explorer: { modules: ['errors', 'encoding', 'merkle', 'note', 'receipt', 'events', 'money', 'subject', 'client'], packages: ['@noble/hashes', '@noble/ed25519'] },
  // The explorer's server-rendered pages and the public figures behind them.
  web: { modules: ['errors', 'encoding', 'merkle', 'note', 'events', 'money', 'log', 'read', 'discovery'], packages: ['hono', 'node:fs', 'node:path', 'node:url'] },
};
const PURE = ['errors', 'encoding', 'money', 'merkle', 'events', 'note', 'receipt', 'log', 'subject', 'discovery', 'service', 'intake', 'operator', 'client', 'witness', 'monitor', 'mirror'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function moduleOf(path: string): string {
  const rel = relative(src, path).split(/[\\/]/);
  return rel.length === 1 ? rel[0]!.replace(/\.ts$/, '') : rel[0]!;
}

function importsOf(sourceFile: ts.SourceFile): string[] {
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!)) {
      specs.push((node.arguments[0] as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return specs;
}

const BITWISE = new Set([
  ts.SyntaxKind.AmpersandToken,
  ts.SyntaxKind.BarToken,
  ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  ts.SyntaxKind.AmpersandEqualsToken,
  ts.SyntaxKind.BarEqualsToken,
  ts.SyntaxKind.CaretEqualsToken,
  ts.SyntaxKind.LessThanLessThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
]);
const NODE_ONLY = new Set(['Buffer', 'process', 'require', '__dirname', '__filename', 'setTimeout', 'setInterval', 'fetch', 'global']);

/** Bitwise operators and Node-only globals in code (not in types, strings or comments). */
function impurities(sourceFile: ts.SourceFile): string[] {
  const found: string[] = [];
  const where = (node: ts.Node) => `line ${sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && BITWISE.has(node.operatorToken.kind)) found.push(`${node.operatorToken.getText()} at ${where(node)}`);
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.TildeToken) found.push(`~ at ${where(node)}`);
    if (ts.isIdentifier(node) && NODE_ONLY.has(node.text) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) found.push(`${node.text} at ${where(node)}`);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
}

const all = files(src);

describe('architecture', () => {
  test('every module is known to this test', () => {
    for (const f of all) expect(Object.keys(ALLOWED), relative(src, f)).toContain(moduleOf(f));
  });

  test.each(all.map((f) => [relative(src, f), f] as const))('%s imports only what its layer allows', (_, path) => {
    const mod = moduleOf(path);
    const rules = ALLOWED[mod]!;
    for (const spec of importsOf(parse(path))) {
      if (spec.startsWith('.')) {
        const target = moduleOf(resolve(dirname(path), spec.replace(/\.js$/, '.ts')));
        if (target !== mod && !rules.modules.includes('*')) expect(rules.modules, `${mod} → ${target}`).toContain(target);
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!rules.packages.includes('*')) expect(rules.packages, `${mod} → ${spec}`).toContain(pkg.startsWith('node:') ? spec : pkg);
      }
    }
  });

  test.each(all.filter((f) => PURE.includes(moduleOf(f))).map((f) => [relative(src, f), f] as const))(
    '%s is pure: no Node-only globals, no bitwise operators',
    (_, path) => {
      expect(impurities(parse(path))).toEqual([]);
    },
  );
});
