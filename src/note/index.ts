// c2sp.org/signed-note, tlog-checkpoint and tlog-cosignature: pure, no I/O; runs in browsers.
export {
  type Note,
  type NoteSignature,
  type NoteVerifier,
  type NoteSigner,
  type VerifiedNote,
  type NoteLimits,
  DEFAULT_NOTE_LIMITS,
  isValidKeyName,
  parseNote,
  formatNote,
  signNote,
  openNote,
} from './signed-note.js';
export {
  type Ed25519NoteSigner,
  type Ed25519SignerFactory,
  type VerifierKey,
  SIGNATURE_TYPE_ED25519,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  keyId,
  ed25519Signer,
  ed25519Verifier,
  parseSignerKey,
  formatSignerKey,
  parseVerifierKey,
  formatVerifierKey,
  parseNoteVerifier,
  generateKey,
} from './keys.js';
export { type Checkpoint, type VerifiedCheckpoint, parseCheckpoint, formatCheckpoint, signCheckpoint, openCheckpoint } from './checkpoint.js';
export {
  type Cosigner,
  cosignatureMessage,
  cosignatureTimestamp,
  ed25519Cosigner,
  cosignatureVerifier,
  parseCosignatureVerifier,
} from './cosignature.js';
