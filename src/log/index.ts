// The log's vocabulary and its storage port; no I/O.
export type {
  LogMeta,
  TreeHead,
  StoredTile,
  TileId,
  NewEntry,
  IntegratedBatch,
  Partner,
  ListedPartner,
  Operator,
  Auditor,
  EventRecord,
  EventDetails,
  EventRows,
  MoneyRecordRow,
  MoneyRows,
  StandingRecord,
  PartnerSequence,
  CodeListsVersion,
} from './types.js';
export type { AccountStore, EventStore, LogStore, MoneyStore, TreeStore } from './ports.js';
export { type SequenceChange, type SequenceGap, type SequenceSummary, advanceSequence } from './partner-sequence.js';
