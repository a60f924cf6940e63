// The write path's checks of typed events and the code lists in force; no I/O of its own.
export { type IntakeContext, type SubmittingPartner, MAX_DETAILS_BYTES, prepareEvent } from './event-intake.js';
export { type CodeListsInForce, codeListsInForce } from './code-lists.js';
export { MAX_RECORD_LEAF_BYTES, type RecordIntakeContext, prepareRecord } from './record-intake.js';
