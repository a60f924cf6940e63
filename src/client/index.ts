// sightline/client: submit entries and typed events, read the log, verify receipts, and look
// up and verify a claimant's timeline with a held key. Pure: global fetch (or one passed in)
// and Web Crypto's getRandomValues only; runs in Node 20 and browsers.
export {
  type ClientOptions,
  type EntryDetails,
  type EntryReceipt,
  type EventFields,
  type EventReceipt,
  type EventSigner,
  type LogEntry,
  type LogInfo,
  type PublishedCodes,
  type PublishedPartner,
  type RevealedDetails,
  type SightlineClient,
  type SubmitEventInput,
  type TagBucket,
  createClient,
  ed25519PublicKey,
} from './client.js';
export { type FetchLike, ProblemError } from './http.js';
export { type LogCopy, type ReadSource, copyUrl, firstAnswer, checkCopyCheckpoint, readThroughCopies } from './copies.js';
export { type RecordRow, type RecordsQuery, listRecords, verifyRecords } from './records.js';
export { type LookupOptions, type LookupResult, type TimelineChecks, type TimelineRow, lookup } from './lookup.js';
export { type ServiceLogLookup, type ServiceLookupOptions, type ServiceLookupResult, lookupAcrossLogs } from './service-lookup.js';
export { type LogKey, opensCommitment, verifyEntryReceipt, verifyEventSignature } from './verify.js';
export { type HeldKey, formatHeldKey, parseHeldKey } from '../subject/index.js';
export { LogError, isLogError } from '../errors.js';
