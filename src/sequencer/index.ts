export { type Sequencer, type SequencerOptions, type SubmitResult, createSequencer } from './sequencer.js';
export { type EventSubmission, eventKey } from './events.js';
export { type RightEdge, type Integration, integrate, edgeHashes, rightEdgeTileIds } from './integrate.js';
export { loadRightEdge } from './edge.js';
