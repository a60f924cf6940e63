// c2sp.org/tlog-witness: the add-checkpoint wire formats and the witness's decisions. Pure, no I/O.
export {
  type AddCheckpointRequest,
  TREE_SIZE_CONTENT_TYPE,
  MAX_CONSISTENCY_PROOF_LINES,
  MAX_ADD_CHECKPOINT_BODY,
  ADD_CHECKPOINT_NOTE_LIMITS,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
  formatTreeSizeBody,
  parseTreeSizeBody,
  formatCosignatureLines,
  parseCosignatureLines,
} from './protocol.js';
export {
  type WitnessedState,
  type WitnessStore,
  type WitnessedLog,
  type WitnessEvidence,
  type AddCheckpointStatus,
  type AddCheckpointResult,
  type WitnessOptions,
  type Witness,
  createWitness,
} from './witness.js';
export { MemoryWitnessStore } from './memory-store.js';
