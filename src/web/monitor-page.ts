/**
 * Monitor status (`/monitor`): the browser module compares the log's latest checkpoint with
 * the one this device kept, and proves the log only grew. The page itself shows the latest
 * checkpoint as the server knows it.
 */
import { encodeBase64 } from '../encoding/index.js';
import type { LogMeta, TreeHead } from '../log/index.js';
import { under } from './base-path.js';
import { type Html, h, plural } from './html.js';
import { layout, logKeyBlock, needsJavaScript } from './layout.js';

export function monitorPage(meta: LogMeta, base: string, head: TreeHead | undefined): Html {
  const latest =
    head === undefined
      ? h`<p>The log has not published a checkpoint yet: it is waiting for its witnesses.</p>`
      : // The root hash in base64, whole, as the checkpoint writes it (c2sp.org/tlog-checkpoint) and
        // as every other page and the browser's checks show it: what a reader compares is then
        // the same text everywhere, not hex here and base64 there.
        h`<p>The log’s latest published state has <strong>${plural(head.treeSize, 'entry', 'entries')}</strong>, with root hash (base64, as in the checkpoint) <code class="hash" id="monitor-root-hash">${encodeBase64(head.rootHash)}</code>.</p>
<details><summary>The signed checkpoint</summary><pre class="raw-text">${head.checkpoint}</pre></details>`;
  const main = h`<h1>Monitor status</h1>
<p class="lead">Check, from this device, that the log only ever grows: nothing recorded is changed or removed between your visits.</p>
<p>Each time you open this page, your browser fetches the log’s latest signed state and compares it with the one it kept from your last visit. If the log has grown, it asks for a proof that the new state still contains everything in the old one, and checks it.</p>
${needsJavaScript('Monitoring')}

<section aria-labelledby="monitor-now-heading">
<h2 id="monitor-now-heading">This visit</h2>
<p id="monitor-status" class="status" data-status="pending" aria-live="polite">Not checked yet: your browser compares the log’s latest state with the one it kept.</p>
${latest}
</section>

<section aria-labelledby="monitor-history-heading">
<h2 id="monitor-history-heading">States this device has seen</h2>
<p>Kept in this browser only. Clearing the browser’s data for this site starts the history again.</p>
<ol id="monitor-history" aria-labelledby="monitor-history-heading"></ol>
</section>

<section aria-labelledby="monitor-key-heading">
<h2 id="monitor-key-heading">The log’s key</h2>
${logKeyBlock(meta)}
</section>

<details>
<summary>What is checked, in detail</summary>
<p>Your browser fetches <a href="${under(base, '/checkpoint')}">/checkpoint</a> and checks its Ed25519 signature with the log key it pinned on its first visit. With the same size as the checkpoint it kept, the root hash must be the same. With a larger size, it fetches a consistency proof (RFC 6962, <code>/v1/proofs/consistency</code>) and checks it against both root hashes. The kept checkpoint moves on only when that succeeds; a log that contradicts itself is kept as evidence: both signed checkpoints, which anyone can check. For continuous monitoring of every entry, run <code>sightline monitor</code>.</p>
</details>`;
  return layout({ page: 'monitor', title: 'Monitor status', meta, base, main });
}
