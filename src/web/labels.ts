/**
 * Plain-English names for what a typed event says: the code lists' labels for codes, and
 * the pages' own words for event types and fields.
 */
import type { CodeListName, CodeLists, EventType } from '../events/index.js';

/** What an event type means, as a short phrase for a table or a heading. */
export const TYPE_NAMES: Readonly<Record<EventType, string>> = {
  access: 'Access to a claimant’s data',
  share: 'Data shared with another organisation',
  erasure: 'Details of an earlier entry erased',
  correction: 'Details of an earlier entry corrected',
  heartbeat: 'A partner’s counts for a period',
  coverage: 'A system joined or left the log',
};

/** A sentence on what each type of entry records. */
export const TYPE_EXPLANATIONS: Readonly<Record<EventType, string>> = {
  access: 'A member of staff looked at, searched for, changed or exported a claimant’s personal data.',
  share: 'A claimant’s personal data was sent to another organisation.',
  erasure: 'The private details of an earlier entry were deleted. The earlier entry itself stays in the log, so the log can still be checked.',
  correction: 'The private details of an earlier entry were corrected by this entry.',
  heartbeat: 'A partner said how many events it recorded for each purpose over a period, so that missing events can be noticed.',
  coverage: 'A computer system started or stopped recording its accesses in this log.',
};

/** The lookup of code-list labels in force. */
export interface Labels {
  /** The label of `code` in `list`, or undefined when the lists in force do not have it. */
  find(list: CodeListName, code: string): string | undefined;
  /** The label, or the code itself when the lists in force do not have it. */
  of(list: CodeListName, code: string): string;
}

export function labelsFrom(codes: CodeLists): Labels {
  const find = (list: CodeListName, code: string): string | undefined => (Object.hasOwn(codes[list], code) ? codes[list][code] : undefined);
  return { find, of: (list, code) => find(list, code) ?? code };
}
