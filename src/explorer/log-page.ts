/**
 * The log page (`/`): fetches the published checkpoint, verifies the log's signature with
 * the pinned key, and checks each witness's cosignature with the witness keys GET /v1/log
 * lists. `#checkpoint-status` says verified or failed, in words; the technical detail
 * (origin, size, root, keys, each witness) is in a <details> after it.
 */
import { encodeBase64 } from '../encoding/index.js';
import { isLogError } from '../errors.js';
import { openCheckpoint, openNote } from '../note/index.js';
import { cosignatureTimestamp } from '../note/index.js';
import { byId, setStatus, statusElement, technicalDetails } from './dom.js';
import { explain } from './explain.js';
import { describeInstant, formatCount, plural } from './format.js';
import { type LogWitnesses, type WitnessInfo, fetchLogWitnesses } from './log-info.js';
import { type PageContext, pageClient } from './pinning.js';

type WitnessResult = { readonly witness: WitnessInfo; readonly outcome: 'cosigned' | 'absent' | 'bad-signature' | 'bad-key'; readonly at?: string };

/** Checks one witness's cosignature on the note on its own, so one bad witness is named rather than failing the rest. */
function checkWitness(note: string, witness: WitnessInfo): WitnessResult {
  if (witness.verifier === undefined) return { witness, outcome: 'bad-key' };
  try {
    const opened = openNote(note, [witness.verifier]);
    const ts = cosignatureTimestamp(opened.verified[0]!.signature);
    return { witness, outcome: 'cosigned', ...(ts === undefined ? {} : { at: describeInstant(new Date(ts * 1000).toISOString()) ?? '' }) };
  } catch (e) {
    return { witness, outcome: isLogError(e, 'INVALID_SIGNATURE') ? 'bad-signature' : 'absent' };
  }
}

function witnessLine(r: WitnessResult): [string, string] {
  const words = {
    cosigned: `countersigned this checkpoint${r.at ? ` on ${r.at}` : ''}`,
    absent: 'has not countersigned this checkpoint',
    'bad-signature': 'its countersignature on this checkpoint is NOT genuine',
    'bad-key': 'the log lists a key for it that is not a witness key, so it could not be checked',
  }[r.outcome];
  return [`Witness ${r.witness.name}`, `${words} (key ${r.witness.verifierKey})`];
}

export async function runLogPage(ctx: PageContext): Promise<void> {
  const status = statusElement('checkpoint-status');
  const client = pageClient(ctx);
  const [noteResult, infoResult] = await Promise.allSettled([client.checkpoint(), fetchLogWitnesses(ctx.baseUrl)]);
  if (noteResult.status === 'rejected') {
    const why = explain(noteResult.reason, 'checkpoint');
    setStatus(status, 'failed', `Not checked. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical]]));
    return;
  }
  const note = noteResult.value;
  const info: LogWitnesses | undefined = infoResult.status === 'fulfilled' ? infoResult.value : undefined;

  let checkpoint;
  try {
    checkpoint = openCheckpoint(note, ctx.verifier).checkpoint;
  } catch (e) {
    const why = explain(e, 'checkpoint');
    setStatus(
      status,
      'failed',
      `Not verified. ${why.text} Do not rely on what this log shows until this is explained.`,
      technicalDetails('Technical details', [
        ['Reason', why.technical],
        ['Log key used (pinned in your browser)', ctx.logKey],
        ['Checkpoint as served', note],
      ]),
    );
    return;
  }

  const results = (info?.witnesses ?? []).map((w) => checkWitness(note, w));
  const cosigned = results.filter((r) => r.outcome === 'cosigned').length;
  const bad = results.filter((r) => r.outcome === 'bad-signature').length;
  const quorum = info?.quorum ?? 0;
  const size = plural(checkpoint.treeSize, 'entry', 'entries');
  const pairs: [string, string][] = [
    ['Origin', checkpoint.origin],
    ['Tree size', String(checkpoint.treeSize)],
    ['Root hash (base64)', encodeBase64(checkpoint.rootHash)],
    ['Log key used (pinned in your browser)', ctx.logKey],
    ...results.map(witnessLine),
  ];
  if (info === undefined) {
    pairs.push(['Witnesses', `could not be listed: ${infoResult.status === 'rejected' ? explain(infoResult.reason, 'checkpoint').technical : ''}`]);
  } else if (results.length > 0) {
    pairs.push(['Where the witness keys come from', `the log itself (GET /v1/log); it asks for ${quorum} of ${results.length} to countersign`]);
  }

  const sizeEl = byId('tree-size');
  if (sizeEl !== null && (sizeEl.textContent ?? '').replace(/[^0-9]/g, '') !== String(checkpoint.treeSize)) sizeEl.textContent = formatCount(checkpoint.treeSize);

  if (bad > 0 || cosigned < quorum) {
    const why =
      bad > 0
        ? `${plural(bad, 'witness countersignature is', 'witness countersignatures are')} not genuine.`
        : `The log says ${quorum} independent ${quorum === 1 ? 'witness' : 'witnesses'} must countersign, but only ${cosigned} did.`;
    setStatus(status, 'failed', `Not verified. The log’s signature is genuine, but ${why.charAt(0).toLowerCase()}${why.slice(1)}`, technicalDetails('Technical details', pairs));
    return;
  }
  const witnessed =
    results.length === 0
      ? ''
      : cosigned === 0
        ? ' No independent witness has countersigned it.'
        : ` ${cosigned} of ${plural(results.length, 'independent witness', 'independent witnesses')} countersigned it.`;
  setStatus(
    status,
    'verified',
    `Verified. The log’s current contents (${size}) are signed with the log key your browser trusts.${witnessed}`,
    technicalDetails('Technical details', pairs),
  );
}
