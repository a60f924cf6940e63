/**
 * Text from elsewhere (a log's event fields and code labels, a server's problem details, a
 * user's own arguments echoed back) made safe to print on a terminal: a hostile log must not
 * be able to move the cursor, rewrite earlier lines, set the window title or reorder what is
 * shown. C0 and C1 control characters (ESC, CSI, CR, BS, …) and the bidirectional marks,
 * embeddings, overrides and isolates (Unicode UAX #9) become U+FFFD, so whatever was hidden
 * stays visible as a replacement mark instead of acting.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, '\ufffd');
}

/** A failure as the CLI says it: `sightline: ` and the message's first line, made printable. */
export function errorLine(message: string): string {
  return `sightline: ${printable(message.split('\n')[0]!)}\n`;
}
