/**
 * What went wrong, in plain words. Every failure the explorer shows has a short sentence for
 * the person reading (someone who may be worried about their benefits) and the exact
 * technical reason for an adviser or a journalist, shown one click away. Pure: no DOM.
 *
 * Messages from the core never repeat a held key or a reveal token, so the technical reason
 * is safe to show.
 */
import { isLogError } from '../errors.js';

export interface Explanation {
  /** One or two plain sentences. */
  readonly text: string;
  /** The exact reason, for the technical details. */
  readonly technical: string;
}

/** What the explorer was doing when it failed: the same error means different things in each. */
export type Activity = 'checkpoint' | 'receipt' | 'entry' | 'lookup' | 'consistency' | 'bundle';

function technical(e: unknown): string {
  if (isLogError(e)) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function status(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

export function explain(e: unknown, activity: Activity): Explanation {
  const tech = technical(e);
  const say = (text: string): Explanation => ({ text, technical: tech });
  if (!isLogError(e)) {
    if (e instanceof RangeError || e instanceof TypeError) return say('Something in the information given is not in the form this page expects.');
    return say('Something went wrong while checking. Please try again. If it keeps happening, tell the organisation that runs this log.');
  }
  switch (e.code) {
    case 'UNAVAILABLE':
      return say(
        status(e) === 503
          ? 'The log is busy or not ready yet, so nothing could be checked. Please try again in a minute.'
          : 'We could not reach the log, so nothing could be checked. Check your connection and try again.',
      );
    case 'NOT_YET_WITNESSED':
      return say('The independent witnesses have not yet countersigned a version of the log that includes this entry. Please try again in a minute.');
    case 'NOT_FOUND':
      return say(activity === 'receipt' || activity === 'entry' ? 'The log has no entry with this number.' : 'The log could not find what was asked for.');
    case 'MALFORMED_RECEIPT':
      return say('This file is not a receipt this page can read. A receipt starts with the line “c2sp.org/tlog-proof@v1”.');
    case 'MALFORMED_NOTE':
    case 'MALFORMED_CHECKPOINT':
      return say(
        activity === 'receipt' || activity === 'bundle'
          ? 'The signed statement of the log’s contents inside this receipt is damaged or not in the expected form.'
          : 'The log’s signed statement of its contents is damaged or not in the expected form.',
      );
    case 'INVALID_PROOF':
      if (activity === 'consistency') return say('The log could not prove that its current contents include everything it showed before.');
      return say('The proof does not connect this entry to the log’s signed contents. The entry or the receipt has been changed, or they do not belong together.');
    // The key the statement fails against is the reader's (pinned or given), so the first
    // thing to check is that key: the same words as `sightline lookup` and the monitor.
    case 'INVALID_SIGNATURE':
      return say('A signature on the log’s statement of its contents is not genuine. Check the log key: it may be the key of another log, or this page may be another log’s.');
    case 'UNVERIFIED_NOTE':
      if (e.field === 'cosignatures') return say('Not enough independent witnesses countersigned the log’s statement of its contents.');
      if (e.field === 'origin') return say('The log’s statement names a different log from the one your browser trusts. Check the log key: the key your browser holds may be another log’s.');
      return say('The log’s statement of its contents is not signed by the log key your browser trusts. Check the log key: the key your browser holds may be another log’s, or the log may have changed its key.');
    case 'MALFORMED_KEY':
      if (e.field === 'sightline-log-key') return say('This page does not say which key the log signs with, and your browser has none pinned, so nothing can be checked.');
      return say('A key given is not in the expected form.');
    case 'MALFORMED_REQUEST':
      if (activity === 'lookup' && e.field === 'key') {
        return say('That does not look like a key from the log. A key starts with “subject-key:”, “month-key:” or “day-key:”, then a date, then 64 letters and numbers.');
      }
      if (activity === 'lookup' && (e.field === 'from' || e.field === 'to' || e.field === 'day' || e.field === 'month')) {
        return say('The dates are not right: give a first and a last day, with the first day not after the last.');
      }
      return say('Something in the information given is not in the form this page expects.');
    case 'INTERNAL':
      return say('The log gave an answer that is not what it should be, so nothing could be checked. Tell the organisation that runs this log.');
    default:
      return say('Something went wrong while checking. Please try again. If it keeps happening, tell the organisation that runs this log.');
  }
}
