/**
 * Monitor status (`/monitor`): this browser as a small monitor of the log. It fetches the
 * checkpoint, verifies it with the pinned key, and compares it with the last one it kept
 * (localStorage `sightline-monitor:<origin>`, per prefix for a log under one): the same size must have the same root; a
 * different size needs a consistency proof (GET /v1/proofs/consistency) that verifies
 * against both roots. `#monitor-status` says first, consistent, inconsistent or failed;
 * `#monitor-history` lists the checkpoints seen. The kept checkpoint advances only when
 * consistent; an inconsistent view is kept as evidence (both signed notes and the proof)
 * and offered for download, with a warning (role="alert").
 */
import { encodeBase64 } from '../encoding/index.js';
import type { Hash } from '../merkle/index.js';
import { type Checkpoint, openCheckpoint } from '../note/index.js';
import { byId, download, h, mainElement, setStatus, statusAnchor, statusElement, storage, technicalDetails } from './dom.js';
import { explain } from './explain.js';
import { describeInstant, formatCount, plural } from './format.js';
import {
  type HistoryItem,
  type MonitorEvidence,
  type MonitorState,
  type MonitorStatus,
  advanceState,
  compareCheckpoints,
  judgeConsistency,
  monitorEvidence,
  monitorEvidenceFileName,
  monitorStateText,
  monitorStorageKey,
  parseMonitorState,
} from './monitor-state.js';
import { type PageContext, pageClient } from './pinning.js';

const HISTORY_WORDS: Record<MonitorStatus, string> = {
  first: 'first check',
  consistent: 'consistent',
  inconsistent: 'INCONSISTENT',
};

function renderHistory(history: readonly HistoryItem[]): void {
  let list = byId('monitor-history');
  if (list === null) {
    list = h('ol', { id: 'monitor-history' });
    mainElement().append(list);
  }
  const items = [...history].reverse();
  const table = list.tagName === 'TABLE' || list.tagName === 'TBODY';
  const body = list.tagName === 'TABLE' ? h('tbody') : list;
  const rows = items.map((item) => {
    const when = describeInstant(item.seenAt) ?? item.seenAt;
    const size = plural(item.treeSize, 'entry', 'entries');
    const root = `${item.rootHash.slice(0, 12)}…`;
    const attrs = { 'data-status': item.status, 'data-tree-size': String(item.treeSize) };
    if (table) return h('tr', attrs, h('td', {}, size), h('td', {}, h('code', {}, root)), h('td', {}, when), h('td', {}, HISTORY_WORDS[item.status]));
    return h(list!.tagName === 'OL' || list!.tagName === 'UL' ? 'li' : 'p', attrs, `${size}, root `, h('code', {}, root), `, seen ${when}: ${HISTORY_WORDS[item.status]}`);
  });
  body.replaceChildren(...rows);
  if (list.tagName === 'TABLE') {
    list.querySelector('tbody')?.remove();
    list.append(body);
  }
  if (rows.length === 0 && !table) list.replaceChildren(h(list.tagName === 'OL' || list.tagName === 'UL' ? 'li' : 'p', {}, 'No checkpoints seen yet.'));
}

/** The warning and the evidence download, when this browser has ever seen the log contradict itself. */
function renderEvidence(evidence: readonly MonitorEvidence[], now: boolean): void {
  byId('monitor-warning')?.remove();
  const latest = evidence[evidence.length - 1];
  if (latest === undefined) return;
  const button = h('button', { type: 'button', id: 'monitor-evidence-download' }, 'Download the evidence');
  button.addEventListener('click', () => download(monitorEvidenceFileName(latest), JSON.stringify(latest, null, 2) + '\n'));
  const when = describeInstant(latest.detectedAt) ?? latest.detectedAt;
  const warning = h(
    'div',
    { id: 'monitor-warning', role: 'alert', class: 'warning' },
    h('h2', {}, now ? 'Warning: the log has contradicted itself' : 'Warning: this browser once saw the log contradict itself'),
    h(
      'p',
      {},
      `On ${when} the log showed contents that do not fit with what it showed before. A log must only ever add entries, so this means entries may have been changed or removed, or different people are being shown different logs.`,
    ),
    h(
      'p',
      {},
      'The evidence (both signed statements from the log, and its proof) is kept in this browser. Download it and send it to the organisation that runs the log, to a regulator or to a journalist: anyone can check it with the log’s key.',
    ),
    h('p', {}, button),
    technicalDetails('Technical details', [
      ['What did not fit', latest.reason],
      ['Log key both statements verify with', latest.logKey],
    ]),
  );
  statusAnchor(statusElement('monitor-status')).after(warning);
}

function save(origin: string, basePath: string, state: MonitorState): boolean {
  try {
    const s = storage();
    if (s === undefined) return false;
    s.setItem(monitorStorageKey(origin, basePath), monitorStateText(state));
    return true;
  } catch {
    return false;
  }
}

export async function runMonitorPage(ctx: PageContext): Promise<void> {
  const status = statusElement('monitor-status');
  const store = storage();
  let storedText: string | null = null;
  try {
    storedText = store?.getItem(monitorStorageKey(ctx.origin, ctx.basePath)) ?? null;
  } catch {
    storedText = null;
  }
  const { state: stored, corrupt } = parseMonitorState(storedText);
  const notes: [string, string][] = [];
  if (corrupt) notes.push(['Note', 'What this browser had kept could not be read, so this check starts afresh.']);
  renderHistory(stored?.history ?? []);
  renderEvidence(stored?.evidence ?? [], false);

  const client = pageClient(ctx);
  let seenNote: string;
  let seen: Checkpoint;
  try {
    seenNote = await client.checkpoint();
    seen = openCheckpoint(seenNote, ctx.verifier).checkpoint;
  } catch (e) {
    const why = explain(e, 'checkpoint');
    setStatus(status, 'failed', `Not checked. ${why.text}`, technicalDetails('Technical details', [['Reason', why.technical], ['Log key used (pinned in your browser)', ctx.logKey]]));
    return;
  }

  // The kept checkpoint counts only if it still verifies with the pinned key.
  let kept: Checkpoint | undefined;
  if (stored !== undefined) {
    try {
      kept = openCheckpoint(stored.kept, ctx.verifier).checkpoint;
    } catch {
      notes.push(['Note', 'The log state this browser kept is not signed with the key it now trusts, so this check starts afresh.']);
    }
  }
  const previous = kept === undefined ? undefined : stored;
  const now = new Date();
  const comparison = compareCheckpoints(kept, seen);
  let result: MonitorStatus;
  let text: string;
  let evidence: MonitorEvidence | undefined;
  let proof: Hash[] | null = null;
  const size = plural(seen.treeSize, 'entry', 'entries');

  switch (comparison.kind) {
    case 'first':
      result = 'first';
      text = `First check. Your browser has now seen the log with ${size} and will remember it. Next time you open this page, it will check that nothing in it was changed or removed since.`;
      break;
    case 'same':
      result = 'consistent';
      text = `Consistent. The log still has ${size}, with the same contents as when your browser last checked.`;
      break;
    case 'fork':
      result = 'inconsistent';
      text = `Inconsistent. ${comparison.reason.charAt(0).toUpperCase()}${comparison.reason.slice(1)}.`;
      break;
    case 'proof': {
      try {
        proof = await client.consistencyProof(comparison.from, comparison.to);
      } catch (e) {
        const why = explain(e, 'consistency');
        setStatus(
          status,
          'failed',
          `Not checked. The log did not give the proof needed to compare its contents with what your browser saw before. ${why.text}`,
          technicalDetails('Technical details', [['Reason', why.technical], ['From tree size', String(comparison.from)], ['To tree size', String(comparison.to)]]),
        );
        return;
      }
      const why = judgeConsistency(kept!, seen, proof);
      if (why !== undefined) {
        result = 'inconsistent';
        text = `Inconsistent. The log could not prove that its current contents include everything it showed before: ${why}.`;
      } else if (comparison.grown) {
        result = 'consistent';
        text = `Consistent. The log has grown from ${formatCount(comparison.from)} to ${size}, and it proved that the earlier entries are unchanged.`;
      } else {
        result = 'consistent';
        text = `Consistent, but out of date. The log showed an older version (${size}) than your browser saw before (${plural(comparison.to, 'entry', 'entries')}). Its proof shows nothing was changed. Try again later.`;
      }
      break;
    }
  }

  if (result === 'inconsistent') {
    evidence = monitorEvidence({ origin: ctx.origin, logKey: ctx.logKey, kept: previous!.kept, seen: seenNote, proof, reason: text, now });
  }
  const next = advanceState(previous, kept?.treeSize, { origin: ctx.origin, logKey: ctx.logKey, seenNote, seen, status: result, now, ...(evidence === undefined ? {} : { evidence }) });
  if (!save(ctx.origin, ctx.basePath, next)) notes.push(['Note', 'This browser cannot store anything for this site, so it will not remember this check.']);
  renderHistory(next.history);

  const pairs: [string, string][] = [
    ['Origin', seen.origin],
    ['Tree size now', String(seen.treeSize)],
    ['Root hash now (base64)', encodeBase64(seen.rootHash)],
    ...(kept === undefined ? [] : ([['Tree size kept from before', String(kept.treeSize)], ['Root hash kept from before (base64)', encodeBase64(kept.rootHash)]] as [string, string][])),
    ...(proof === null ? [] : ([['Consistency proof', proof.length === 0 ? '(empty)' : proof.map(encodeBase64).join(' ')]] as [string, string][])),
    ['Log key used (pinned in your browser)', ctx.logKey],
    ...notes,
  ];
  setStatus(status, result, text, technicalDetails('Technical details', pairs));
  renderEvidence(next.evidence, result === 'inconsistent');
}
