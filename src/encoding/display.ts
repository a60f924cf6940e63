/**
 * Untrusted text (a log's entries and event fields, a server's problem details) made safe to
 * show, on a terminal or a page: C0 and C1 control characters (ESC, CSI, CR, BS, …) and the
 * bidirectional marks, embeddings, overrides and isolates (Unicode UAX #9) become U+FFFD, so
 * whatever was hidden stays visible as a replacement mark instead of acting (moving a
 * terminal's cursor, rewriting earlier lines, reordering what a reader sees). One class of
 * characters for every reader; a page keeps tab and line breaks, which its layout shows as
 * such, while a terminal line keeps none.
 */
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** For one line of a terminal: every control character replaced, line breaks too. */
export function safeLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, '\ufffd');
}

/** For a block of text on a page: as `safeLine`, but tab, line feed and carriage return kept. */
export function safeText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, '\ufffd');
}
