/**
 * The audit of a log that its operator declared read-only (a temporal shard past its
 * interval, issue "temporal shards"): its metadata names the final checkpoint, signed by the
 * log key. The monitor audits the tree up to that checkpoint exactly as any other, then
 * checks that what the log serves is still that tree: a larger checkpoint signed by the log
 * key means it took entries after it closed, and another root at the final size is a fork
 * (both are findings). When neither, the log is closed and need not be polled again.
 *
 * Trust boundary: the final checkpoint comes from the metadata document (untrusted); it
 * counts only if it verifies with the pinned log key and origin. One that does not is not
 * the log's statement, so it proves nothing either way: the log is then audited as if active.
 */
import { encodeBase64 } from '../encoding/index.js';
import { isLogError } from '../errors.js';
import { openCheckpoint, parseNoteVerifier } from '../note/index.js';
import { type AuditOptions, type AuditResult, auditCheckpoint, auditLog } from './audit.js';
import { buildEvidence } from './evidence.js';
import type { MonitorState } from './state.js';

export interface FinalAuditResult extends AuditResult {
  /** The log served its final tree and nothing beyond: it need not be polled again. */
  readonly closed: boolean;
  /** The final checkpoint's tree size, when it verified with the pinned key. */
  readonly finalTreeSize?: number;
}

export async function auditFinalCheckpoint(state: MonitorState, finalNote: string, options: AuditOptions): Promise<FinalAuditResult> {
  let finalTreeSize: number;
  try {
    finalTreeSize = openCheckpoint(finalNote, parseNoteVerifier(state.logKey), { origin: state.origin }).checkpoint.treeSize;
  } catch (e) {
    if (!isLogError(e)) throw e;
    const asActive = await auditLog(state, options);
    return {
      ...asActive,
      notices: [`the final checkpoint the metadata names does not verify with the pinned log key (${e.message}); auditing the log as active`, ...asActive.notices],
      closed: false,
    };
  }
  // 1. The tree up to the final checkpoint, as any checkpoint is audited.
  const toFinal = await auditCheckpoint(state, finalNote, options);
  if (toFinal.evidence.length > 0) return { ...toFinal, closed: false, finalTreeSize };

  // 2. What the log serves now must still be that tree.
  const served = await options.source.checkpoint();
  let servedSize: number | undefined;
  try {
    servedSize = openCheckpoint(served, parseNoteVerifier(state.logKey), { origin: state.origin }).checkpoint.treeSize;
  } catch {
    servedSize = undefined; // the audit below makes the finding (signature, malformed)
  }
  if (servedSize !== undefined && servedSize > finalTreeSize) {
    const after = toFinal.state;
    const opened = openCheckpoint(served, parseNoteVerifier(state.logKey), { origin: state.origin }).checkpoint;
    const evidence = buildEvidence(
      {
        kind: 'after-final-checkpoint',
        message: `the log is read-only since its final checkpoint of tree size ${finalTreeSize}, yet signed a checkpoint of tree size ${servedSize}`,
      },
      {
        detectedAt: (options.now ?? (() => new Date()))(),
        url: options.url ?? null,
        origin: state.origin,
        logKey: state.logKey,
        previous: { treeSize: after.treeSize, rootHash: after.rootHash, note: after.checkpoint },
        checkpoint: { treeSize: servedSize, rootHash: encodeBase64(opened.rootHash), note: served },
        proof: { from: after.treeSize, to: servedSize, computed: null, served: null },
      },
    );
    return { ...toFinal, evidence: [evidence], closed: false, finalTreeSize };
  }
  const now = await auditCheckpoint(toFinal.state, served, options);
  return {
    state: now.state,
    ...(toFinal.verified === undefined ? {} : { verified: toFinal.verified }),
    evidence: now.evidence,
    warnings: [...toFinal.warnings, ...now.warnings],
    notices: [...toFinal.notices, ...now.notices],
    closed: now.evidence.length === 0,
    finalTreeSize,
  };
}
