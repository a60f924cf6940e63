export { type Sequencer, type SequencerOptions, type SubmitResult, createSequencer } from './sequencer.js';
export { type EventSubmission, type EventSequencer, eventKey, createEventKind, createEventSequencer } from './events.js';
export { type MoneySubmission, dedupKeyOf } from './money.js';
export { type PlacedKind, type PlacedReads, type PlacedBatch, type PlacedRows } from './placed.js';
export { type RightEdge, type Integration, integrate, edgeHashes, rightEdgeTileIds } from './integrate.js';
export { loadRightEdge } from './edge.js';
