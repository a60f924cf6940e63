/**
 * An entry's page (`/entries/{index}`): fetches the entry's bytes (GET /v1/entries/{i}) and
 * checks, in the browser,
 *   - `#signature-status`: the partner's Ed25519 signature over the event, with the partner's
 *     current and previous keys from GET /v1/partners (`none` for a raw entry or a log record);
 *   - `#inclusion-status`: the receipt (GET /v1/receipts/{i}) proves these bytes are entry i
 *     of a checkpoint signed by the pinned log key.
 */
import { type LogEntry, type PublishedPartner, type SightlineClient, verifyEntryReceipt, verifyEventSignature } from '../client/index.js';
import { encodeBase64 } from '../encoding/index.js';
import { isLogError } from '../errors.js';
import { parseEventLeaf, parseLogRecord } from '../events/index.js';
import { leafHash } from '../merkle/index.js';
import { type DomElement, byId, download, h, pageLocation, setStatus, technicalDetails } from './dom.js';
import { explain } from './explain.js';
import { entryIndexFromPath, plural } from './format.js';
import { cosignedBy, fetchLogWitnesses } from './log-info.js';
import { type PageContext, pageClient } from './pinning.js';

const WITNESS_RETRIES = 5;
const WITNESS_WAIT_MS = 3000;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function checkSignature(el: DomElement, ctx: PageContext, client: SightlineClient, entry: LogEntry): Promise<void> {
  let leaf: ReturnType<typeof parseEventLeaf>;
  try {
    leaf = parseEventLeaf(entry.data);
  } catch (e) {
    setStatus(
      el,
      'failed',
      'Not verified. This entry claims to be an event, but it is not in the exact form events must take, so its signature cannot be trusted.',
      technicalDetails('Technical details', [['Reason', explain(e, 'entry').technical]]),
    );
    return;
  }
  if (leaf === undefined) {
    const record = parseLogRecord(entry.data);
    setStatus(
      el,
      'none',
      record === undefined
        ? 'No partner signature: this is a plain entry, not an event reported by a partner, so it carries no partner signature.'
        : `No partner signature: this entry is the log’s own ${record.record === 'codes' ? 'record of a change to its code lists' : 'announcement of the log after it'}. The log’s signature covers it.`,
    );
    return;
  }
  const { event, signature } = leaf;
  let partners: PublishedPartner[];
  try {
    partners = await client.partners();
  } catch (e) {
    const why = explain(e, 'entry');
    setStatus(el, 'failed', `Not checked. The list of partners and their keys could not be fetched. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical]]));
    return;
  }
  const partner = partners.find((p) => p.id === event.partner);
  const origin = ctx.verifier.name;
  const shown = String(event.partner);
  if (partner === undefined) {
    setStatus(el, 'failed', `Not verified. The organisation that reported this entry (partner “${shown}”) is not known to the log, so its signature cannot be checked.`);
    return;
  }
  const keys = [...(partner.publicKey === null ? [] : [{ key: partner.publicKey, which: 'its current key' }]), ...partner.previousKeys.map((key, i) => ({ key, which: `its earlier key number ${i + 1}` }))];
  const name = partner.name === null ? `partner “${partner.id}”` : `${partner.name} (partner “${partner.id}”)`;
  const pairs: [string, string][] = [
    ['Partner', partner.id],
    ['Log origin signed over', origin],
    ['Signature', encodeBase64(signature)],
    ['Keys tried', keys.map((k) => `${encodeBase64(k.key)} (${k.which})`).join('; ') || 'none'],
    ['Where the keys come from', 'the log (GET /v1/partners)'],
  ];
  if (keys.length === 0) {
    setStatus(el, 'failed', `Not verified. ${name} has no published signing key, so the signature cannot be checked.`, technicalDetails('Technical details', pairs));
    return;
  }
  const good = keys.find((k) => verifyEventSignature(origin, event, signature, k.key));
  if (good === undefined) {
    setStatus(
      el,
      'failed',
      `Not verified. The signature does not match the keys of ${name}. The entry may have been changed after it was signed.`,
      technicalDetails('Technical details', pairs),
    );
    return;
  }
  setStatus(el, 'verified', `Verified. The signature is genuine: ${name} signed this entry with ${good.which}.`, technicalDetails('Technical details', pairs));
}

async function fetchReceipt(el: DomElement, client: SightlineClient, index: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.receipt(index);
    } catch (e) {
      if (!isLogError(e, 'NOT_YET_WITNESSED') || attempt >= WITNESS_RETRIES) throw e;
      el.textContent = 'Checking… The independent witnesses have not yet countersigned a version of the log with this entry; waiting for them.';
      await wait(WITNESS_WAIT_MS);
    }
  }
}

async function checkInclusion(el: DomElement, ctx: PageContext, client: SightlineClient, entry: LogEntry): Promise<void> {
  let receipt: string;
  try {
    receipt = await fetchReceipt(el, client, entry.index);
  } catch (e) {
    const why = explain(e, 'receipt');
    setStatus(el, 'failed', `Not checked. The receipt for this entry could not be fetched. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical]]));
    return;
  }
  const saveReceipt = h('button', { type: 'button', class: 'download-receipt' }, 'Download the receipt');
  saveReceipt.addEventListener('click', () => download(`sightline-receipt-${entry.index}.tlog-proof`, receipt, 'text/plain'));
  const saveEntry = h('button', { type: 'button', class: 'download-entry' }, 'Download the entry');
  saveEntry.addEventListener('click', () => download(`sightline-entry-${entry.index}.bin`, entry.data, 'application/octet-stream'));
  let verified;
  try {
    verified = verifyEntryReceipt(receipt, entry.data, ctx.verifier);
    if (verified.leafIndex !== entry.index) {
      throw new Error(`the receipt is for entry ${verified.leafIndex}, not entry ${entry.index}`);
    }
  } catch (e) {
    const why = explain(e, 'receipt');
    setStatus(
      el,
      'failed',
      `Not verified. ${why.text}`,
      technicalDetails('Technical details', [
        ['Reason', why.technical],
        ['Log key used (pinned in your browser)', ctx.logKey],
        ['Leaf hash of the entry as served', encodeBase64(leafHash(entry.data))],
      ], saveReceipt),
    );
    return;
  }
  const { checkpoint } = verified;
  // The witnesses' cosignatures, when the log names its witnesses: reported, not required here.
  let witnessed = '';
  const pairs: [string, string][] = [
    ['Entry number (leaf index)', String(verified.leafIndex)],
    ['Leaf hash (base64)', encodeBase64(leafHash(entry.data))],
    ['Checkpoint origin', checkpoint.origin],
    ['Checkpoint tree size', String(checkpoint.treeSize)],
    ['Checkpoint root hash (base64)', encodeBase64(checkpoint.rootHash)],
    ['Log key used (pinned in your browser)', ctx.logKey],
  ];
  try {
    const info = await fetchLogWitnesses(ctx.baseUrl);
    const usable = info.witnesses.flatMap((w) => (w.verifier === undefined ? [] : [w.verifier]));
    if (usable.length > 0) {
      const withWitnesses = verifyEntryReceipt(receipt, entry.data, ctx.verifier, { witnesses: usable, quorum: 0 });
      const names = cosignedBy(withWitnesses.cosigners, info.witnesses).map((w) => w.name);
      witnessed = names.length === 0 ? '' : ` ${plural(names.length, 'independent witness', 'independent witnesses')} countersigned that version.`;
      pairs.push(['Witnesses that countersigned', names.join(', ') || 'none']);
    }
  } catch (e) {
    pairs.push(['Witnesses', `not checked: ${explain(e, 'checkpoint').technical}`]);
  }
  setStatus(
    el,
    'verified',
    `Verified. This entry is number ${verified.leafIndex} in the log. The proof links it to the log’s signed contents (${plural(checkpoint.treeSize, 'entry', 'entries')}), signed with the log key your browser trusts.${witnessed}`,
    technicalDetails('Technical details', pairs, h('p', {}, saveReceipt, ' ', saveEntry)),
  );
}

export async function runEntryPage(ctx: PageContext): Promise<void> {
  const signature = byId('signature-status');
  const inclusion = byId('inclusion-status');
  if (signature === null && inclusion === null) return; // not an entry (a "not found" page)
  const index = entryIndexFromPath(pageLocation().pathname, ctx.basePath);
  const fail = (text: string, technical?: string) => {
    for (const el of [signature, inclusion]) {
      if (el !== null) setStatus(el, 'failed', text, technical === undefined ? undefined : technicalDetails('Technical details', [['Reason', technical]]));
    }
  };
  if (index === undefined) {
    fail('Not checked. This page’s address does not name an entry.');
    return;
  }
  const client = pageClient(ctx);
  let entry: LogEntry;
  try {
    entry = await client.entry(index);
  } catch (e) {
    const why = explain(e, 'entry');
    fail(`Not checked. The entry could not be fetched. ${why.text}`, why.technical);
    return;
  }
  await Promise.all([
    signature === null ? undefined : checkSignature(signature, ctx, client, entry),
    inclusion === null ? undefined : checkInclusion(inclusion, ctx, client, entry),
  ]);
}
