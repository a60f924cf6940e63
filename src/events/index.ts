// Typed events (design.md, "Typed events and claimant privacy"): schemas, code lists, the
// personal-data linter, commitments and leaf encodings. Pure: no I/O; runs in Node and browsers.
export {
  type CodeListName,
  type CodeLists,
  CODE_LIST_NAMES,
  CODE_MAX_LENGTH,
  CODE_PATTERN,
  DEFAULT_CODES,
  LABEL_MAX_LENGTH,
  codeListsBytes,
  isCode,
  parseCodeLists,
} from './codes.js';
export { CODE_PROFILE, type LintProfile, type PersonalDataKind, isNormalPublicText, lintPersonalData, normalizePublicText } from './lint.js';
export { type JsonSchema, type SchemaViolation, checkSchema, objectSchema, violationHint } from './schema.js';
export {
  type EventType,
  type SightlineEvent,
  ACTOR_PATTERN,
  COMMITMENT_PATTERN,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  HOUR_PATTERN,
  PARTNER_PATTERN,
  hasSubject,
  OPERATOR_PARTNER,
  isOperatorType,
  subjectTagRule,
  isEventType,
} from './types.js';
export { validateEvent } from './validate.js';
export {
  OPENING_SIZE,
  SIGNATURE_SIZE,
  encodeCodeListsRecord,
  encodeSuccessorRecord,
  type LogRecord,
  encodeEventLeaf,
  eventCommitment,
  eventSigningMessage,
  parseEventLeaf,
  leafKind,
  MONEY_MEMBER,
  parseLogRecord,
  type SubjectRef,
} from './leaf.js';
export { DETAILS_REQUEST_SLOTS, MAX_DETAILS_REQUEST_BODY, REVEAL_TOKEN_SIZE, formatDetailsRequest, parseDetailsRequest } from './details-request.js';
export { MONTHS, describeDay, describeHour, describeInstant, isBritishSummerTime, monthName } from './hours.js';
