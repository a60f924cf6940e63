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
  disclosure: 'The log operator read an entry’s details',
  'subject-key': 'The log operator issued a subject key',
  credential: 'The log operator gave or took credentials',
};

/** A sentence on what each type of entry records. */
export const TYPE_EXPLANATIONS: Readonly<Record<EventType, string>> = {
  access: 'A member of staff looked at, searched for, changed or exported a claimant’s personal data.',
  share: 'A claimant’s personal data was sent to another organisation.',
  erasure: 'The private details of an earlier entry were deleted. The earlier entry itself stays in the log, so the log can still be checked.',
  correction: 'The private details of an earlier entry were corrected by this entry.',
  heartbeat: 'A partner said how many events it recorded for each purpose over a period, so that missing events can be noticed.',
  coverage: 'A computer system started or stopped recording its accesses in this log.',
  disclosure: 'Someone working for the log operator was shown the private details of an entry. The log records it before the details are shown, so nobody can read them without the log saying so.',
  'subject-key': 'Someone working for the log operator issued a claimant the key that finds their records.',
  credential: 'Someone working for the log operator gave an organisation or a member of the operator’s staff access to the log, took it away, or registered an organisation’s signing key.',
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
