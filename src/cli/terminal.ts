import { safeLine } from '../encoding/index.js';

/**
 * Text from elsewhere (a log's event fields and code labels, a server's problem details, a
 * user's own arguments echoed back) made safe to print on a terminal: a hostile log must not
 * be able to move the cursor, rewrite earlier lines, set the window title or reorder what is
 * shown (src/encoding/display.ts).
 */
export const printable = safeLine;

/** A failure as the CLI says it: `sightline: ` and the message's first line, made printable. */
export function errorLine(message: string): string {
  return `sightline: ${printable(message.split('\n')[0]!)}\n`;
}

/** Rows under a header row, each column as wide as its widest cell (the last one left ragged). */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows.map((r) => r.map(printable))];
  const widths = header.map((_, c) => Math.max(...all.map((r) => [...r[c]!].length)));
  return all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length))).join('  ').trimEnd() + '\n').join('');
}
