/**
 * The README is read by people who copy its commands: every variable a command uses is
 * one the README shows how to get, every command it shows is one the CLI has, and the
 * folders the commands make by default are ones git ignores.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../../src/cli/run.js';

const root = resolve(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The shell blocks of the README, in order. */
function shellBlocks(): string[] {
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Variables the README defines in prose rather than by an assignment in a block. */
const DEFINED_IN_PROSE: Record<string, RegExp> = {
  DATABASE_URL: /`DATABASE_URL=postgres:\/\/…`/,
};

describe('README', () => {
  test('every shell variable a block uses is assigned before it, or defined in the text', () => {
    const assigned = new Set<string>();
    const undefinedUses: string[] = [];
    for (const block of shellBlocks()) {
      for (const line of block.split('\n')) {
        const code = line.replace(/^\s*#.*$/, '');
        // Uses on this line come before its own assignment (`X=$(… $X …)` is a mistake).
        for (const m of code.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) {
          const name = m[1]!;
          if (!assigned.has(name) && DEFINED_IN_PROSE[name] === undefined) undefinedUses.push(`${name} in: ${line.trim()}`);
        }
        for (const m of code.matchAll(/(?:^|[\s;(])([A-Z][A-Z0-9_]*)=/g)) assigned.add(m[1]!);
      }
    }
    expect(undefinedUses).toEqual([]);
    for (const [name, where] of Object.entries(DEFINED_IN_PROSE)) expect(readme, name).toMatch(where);
  });

  test('receipts are verified as `sightline verify FILE`, never a `verify receipt` subcommand', () => {
    expect(readme).not.toMatch(/sightline verify receipt\b/);
    expect(readme).toMatch(/sightline verify entry\.tlog-proof --entry/);
  });

  test('says that fsck on a data directory needs the server stopped', () => {
    expect(readme).toMatch(/`npx sightline fsck`[^]*?on PGlite[^]*?stop\s+the server first/);
  });

  test('.gitignore covers the folders the commands make by default', () => {
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n').map((l) => l.trim());
    // Every folder flag's default, from the commands' own flag tables.
    const specs = COMMANDS.flatMap((c) => ('subcommands' in c ? c.subcommands.map((s) => s.spec) : [c.spec]));
    const made = new Set(specs.flatMap((spec) => spec.flags.filter((f) => f.value === 'DIR' && f.default !== undefined).map((f) => f.default!)));
    expect([...made].sort()).toEqual(['./data', './mirror-data', './monitor-state', './witness-data']);
    made.add('./test-results'); // the browser tests' screenshots
    for (const dir of made) expect(ignored, dir).toContain(`${dir.replace(/^\.\//, '')}/`);
  });
});
