// The monitor's pure core (design.md, "monitor"): follows a c2sp.org/tlog-tiles log as an
// untrusted peer, audits every entry and proves each checkpoint consistent with the last.
// No I/O: the log is read through `LogSource`, the state is a plain object, and findings
// come back as evidence objects for the edge (src/cli/monitor.ts) to write and announce.
export type { LogSource } from './source.js';
export {
  type MonitorState,
  type PartnerSequence,
  type SequenceGap,
  type CodeListsInForce,
  STATE_VERSION,
  initialState,
  parseState,
  edgeOf,
  edgeTilesOf,
} from './state.js';
export {
  type FindingKind,
  type WarningKind,
  type Finding,
  type Evidence,
  type CheckpointEvidence,
  type Alert,
  buildEvidence,
  evidenceFileName,
  alertFor,
} from './evidence.js';
export { type Ed25519Verify, MAX_GAPS_PER_PARTNER, defaultEd25519Verify, parsePartners } from './events.js';
export {
  type AuditOptions,
  type AuditResult,
  type VerifiedCheckpointSummary,
  AuditInterrupted,
  MonitorConfigError,
  DEFAULT_GAP_WINDOW_SECONDS,
  MAX_EVENT_FINDINGS,
  auditCheckpoint,
  auditLog,
  parseServedConsistencyProof,
} from './audit.js';
export { type FinalAuditResult, auditFinalCheckpoint } from './final.js';
