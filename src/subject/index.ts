// Subject tags (design.md, "Typed events and claimant privacy"): the claimant's reference
// never enters the log, only HMAC-derived tags that the claimant's held key can re-derive.
// Pure: no I/O; runs in Node and browsers, so a claimant's tools can derive tags locally.
export { type SubjectScheme, SUBJECT_SCHEMES, normalizeSubjectId } from './normalize.js';
export { type HmacSha256, nobleHmacSha256, subjectKey, monthKey, dayKey, subjectTag, revealToken, counterKey, dayKeyForHour, disclosureKey, tagPrefix, yearKeyCheck } from './derive.js';
export { type HeldKey, formatHeldKey, parseHeldKey, deriveMonthKey, deriveDayKey, dayKeysInRange, searchedPeriod } from './held-key.js';
