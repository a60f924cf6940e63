/**
 * Verify a receipt (`/verify`): a c2sp.org/tlog-proof receipt from `#receipt-file` with the
 * entry's bytes from `#entry-file` — or an evidence bundle in `#receipt-file`, which carries
 * both — is checked in this browser against the PINNED log key (never a key from a file),
 * and optionally against witness keys (`#witness-keys`, one per line) and a quorum
 * (`#quorum`; all the keys given by default, as `sightline verify` does). `#verify-result`
 * says valid or invalid, and what that proves or what failed, in plain words.
 */
import { verifyEntryReceipt } from '../client/index.js';
import { decodeUtf8, encodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { parseEventLeaf, parseLogRecord } from '../events/index.js';
import { leafHash } from '../merkle/index.js';
import { type NoteVerifier, parseCosignatureVerifier } from '../note/index.js';
import { type DomElement, type FileLike, byId, h, inputById, setStatus, statusElement, technicalDetails } from './dom.js';
import { looksLikeEvidenceBundle, parseEvidenceBundle } from './evidence-bundle.js';
import { explain } from './explain.js';
import { describeHour, plural } from './format.js';
import { type PageContext, pageClient } from './pinning.js';
import { type CodeLabels, describeFacts, eventView, headingOf } from './timeline.js';

const MAX_FILE = 2 * 1024 * 1024;

class InputProblem extends Error {}

async function fileBytes(file: FileLike, what: string): Promise<Uint8Array> {
  if (file.size > MAX_FILE) throw new InputProblem(`The ${what} is too big to be one. Check that you chose the right file.`);
  return new Uint8Array(await file.arrayBuffer());
}

function witnessKeys(): NoteVerifier[] {
  const text = inputById('witness-keys')?.value ?? '';
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.map((line, i) => {
    try {
      return parseCosignatureVerifier(line);
    } catch {
      throw new InputProblem(`Witness key ${i + 1} is not a witness key. Each line should be one witness’s key, as the witness publishes it.`);
    }
  });
}

function quorumOf(count: number): number {
  const text = inputById('quorum')?.value.trim() ?? '';
  if (text === '') return count;
  const n = parseDecimal(text);
  if (n === undefined) throw new InputProblem('The number of witnesses needed must be a whole number, like 1 or 2.');
  if (n > count) throw new InputProblem(`You asked for ${n} witnesses to have countersigned, but gave ${plural(count, 'witness key', 'witness keys')}.`);
  return n;
}

/** What the entry says, for the result: its heading, hour and facts with labels (when the codes can be fetched). */
async function describeEntry(entry: Uint8Array, ctx: PageContext): Promise<DomElement | null> {
  let leaf;
  try {
    leaf = parseEventLeaf(entry);
  } catch {
    return h('p', {}, 'The entry claims to be an event but is not in the exact form events take.');
  }
  if (leaf === undefined) {
    const record = parseLogRecord(entry);
    const words =
      record === undefined
        ? 'The entry is a plain entry, not an event reported by a partner.'
        : record.record === 'codes'
          ? 'The entry is the log’s own record of a change to its code lists.'
          : `The entry is the log’s own announcement of the log after it: ${record.origin}, from ${record.start}.`;
    return h('p', {}, words);
  }
  let labels: CodeLabels = {};
  try {
    labels = (await pageClient(ctx).codes()).codes;
  } catch {
    // Offline or unreachable: the codes are shown as they are.
  }
  const view = eventView(leaf.event);
  const dl = h('dl', { class: 'facts' });
  const when = view.hour === null ? undefined : describeHour(view.hour);
  if (when !== undefined) dl.append(h('dt', {}, 'When'), h('dd', {}, when));
  for (const [k, v] of describeFacts(view, labels)) dl.append(h('dt', {}, k), h('dd', {}, v));
  return h('div', { class: 'entry-summary' }, h('p', {}, `What the entry says: ${headingOf(view.type)}.`), dl);
}

async function verify(ctx: PageContext, result: DomElement): Promise<void> {
  let receipt: string;
  let entry: Uint8Array;
  let witnesses: NoteVerifier[];
  let quorum: number;
  const notes: string[] = [];
  let bundleIndex: number | undefined;
  try {
    const receiptFile = inputById('receipt-file')?.files?.[0];
    if (receiptFile === undefined) throw new InputProblem('Choose the receipt file (or the evidence file) to check.');
    const text = decodeUtf8(await fileBytes(receiptFile, 'receipt file'));
    if (text === undefined) throw new LogError('MALFORMED_RECEIPT', 'the receipt file is not UTF-8 text');
    if (looksLikeEvidenceBundle(text)) {
      const bundle = parseEvidenceBundle(text);
      receipt = bundle.receipt;
      entry = bundle.entryBytes;
      bundleIndex = bundle.index;
      notes.push('The entry and the receipt were taken from the evidence file.');
      if (bundle.logKey !== ctx.logKey) notes.push('The evidence file names a different log key from the one your browser trusts. It was not used: only the key your browser trusts counts.');
    } else {
      receipt = text;
      const entryFile = inputById('entry-file')?.files?.[0];
      if (entryFile === undefined) throw new InputProblem('Choose the entry file too: the receipt proves that this exact entry is in the log.');
      entry = await fileBytes(entryFile, 'entry file');
    }
    witnesses = witnessKeys();
    quorum = quorumOf(witnesses.length);
  } catch (e) {
    if (e instanceof InputProblem) setStatus(result, 'invalid', `Nothing was checked. ${e.message}`);
    else {
      const why = explain(e, 'bundle');
      setStatus(result, 'invalid', `Not valid. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical]]));
    }
    return;
  }

  setStatus(result, 'pending', 'Checking…');
  try {
    const verified = verifyEntryReceipt(receipt, entry, ctx.verifier, { witnesses, quorum });
    if (bundleIndex !== undefined && verified.leafIndex !== bundleIndex) throw new LogError('INVALID_PROOF', `the receipt is for entry ${verified.leafIndex}, the evidence file says ${bundleIndex}`);
    const { checkpoint, cosigners } = verified;
    const witnessed =
      witnesses.length === 0
        ? ' No witness keys were given, so countersignatures were not required.'
        : ` It was countersigned by ${cosigners.map((c) => c.name).join(', ') || 'no witness'} (${cosigners.length} of ${plural(witnesses.length, 'witness key', 'witness keys')} given; ${quorum} needed).`;
    const pairs: [string, string][] = [
      ['Entry number (leaf index)', String(verified.leafIndex)],
      ['Leaf hash (base64)', encodeBase64(leafHash(entry))],
      ['Origin', checkpoint.origin],
      ['Tree size', String(checkpoint.treeSize)],
      ['Root hash (base64)', encodeBase64(checkpoint.rootHash)],
      ['Log key used (pinned in your browser)', ctx.logKey],
      ...cosigners.map((c): [string, string] => [`Witness ${c.name}`, `countersigned at ${new Date(c.timestamp * 1000).toISOString()}`]),
      ...notes.map((n, i): [string, string] => [`Note ${i + 1}`, n]),
    ];
    const described = await describeEntry(entry, ctx);
    setStatus(
      result,
      'valid',
      `Valid. This receipt proves that the entry is number ${verified.leafIndex} in the log “${checkpoint.origin}”, in the version of the log with ${plural(checkpoint.treeSize, 'entry', 'entries')}, signed with the log key your browser trusts.${witnessed} So the entry was recorded, and it cannot be changed or removed without that showing. It does not prove that what the entry says is true.`,
      technicalDetails('Technical details', pairs, described),
    );
  } catch (e) {
    const why = explain(e, 'receipt');
    setStatus(
      result,
      'invalid',
      `Not valid. ${why.text}`,
      technicalDetails('Technical details', [
        ['Reason', why.technical],
        ['Log key used (pinned in your browser)', ctx.logKey],
        ['Leaf hash of the entry given', encodeBase64(leafHash(entry))],
        ...notes.map((n, i): [string, string] => [`Note ${i + 1}`, n]),
      ]),
    );
  }
}

export async function runVerifyPage(ctx: PageContext): Promise<void> {
  const result = statusElement('verify-result');
  const submit = inputById('verify-submit');
  const form = submit?.form ?? byId('verify-form');
  let running = false;
  const start = (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    if (running) return;
    running = true;
    if (submit !== null) submit.disabled = true;
    verify(ctx, result)
      .catch((e: unknown) => setStatus(result, 'invalid', `Not checked. ${explain(e, 'receipt').text}`))
      .finally(() => {
        running = false;
        if (submit !== null) submit.disabled = false;
      });
  };
  // Both: a form submits on Enter; a button may be outside the form or not a submit button.
  form?.addEventListener('submit', start);
  submit?.addEventListener('click', start);
}
