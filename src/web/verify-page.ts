/**
 * Verify a receipt (`/verify`): a receipt file (c2sp.org/tlog-proof) and the entry it is
 * for, or an evidence bundle, checked in the browser against the pinned log key.
 */
import type { LogMeta } from '../log/index.js';
import { type Html, h } from './html.js';
import { layout, needsJavaScript } from './layout.js';

export function verifyPage(meta: LogMeta, base: string): Html {
  const main = h`<h1>Verify a receipt</h1>
<p class="lead">Check that an entry really is in this log, and that nobody has changed it since it was recorded.</p>
<p>You need a receipt file (it ends in <code>.tlog-proof</code>) and the entry it is for, or an evidence file saved from the “Check my record” page (it starts with <code>sightline-evidence-</code>), which holds both. The files are read and checked on this device; they are not sent anywhere.</p>
${needsJavaScript('Verifying a receipt')}

<form id="verify-form" action="#" novalidate>
<div class="field">
<label for="receipt-file">Receipt or evidence file</label>
<span class="hint" id="receipt-file-hint">A <code>.tlog-proof</code> receipt, or a <code>sightline-evidence-….json</code> file.</span>
<input type="file" id="receipt-file" accept=".tlog-proof,.json,.txt,text/plain,application/json" aria-describedby="receipt-file-hint">
</div>
<div class="field">
<label for="entry-file">The entry the receipt is for</label>
<span class="hint" id="entry-file-hint">Not needed with an evidence file, which already holds the entry.</span>
<input type="file" id="entry-file" aria-describedby="entry-file-hint">
</div>
<details class="field-group">
<summary>Witnesses (optional)</summary>
<div class="field">
<label for="witness-keys">Witness keys, one per line</label>
<span class="hint" id="witness-keys-hint">The public keys of independent witnesses you trust. Leave empty to check the log’s own signature only.</span>
<textarea id="witness-keys" rows="3" autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="witness-keys-hint"></textarea>
</div>
<div class="field">
<label for="quorum">How many of those witnesses must have vouched for it</label>
<span class="hint" id="quorum-hint">A whole number. 0 means none is required.</span>
<input type="text" id="quorum" inputmode="numeric" pattern="[0-9]*" autocomplete="off" aria-describedby="quorum-hint">
</div>
</details>
<button type="submit" id="verify-submit">Verify</button>
</form>

<section aria-labelledby="verify-result-heading">
<h2 id="verify-result-heading">Result</h2>
<div id="verify-result" class="status" aria-live="polite"><p>Nothing verified yet. Choose a file above and then “Verify”.</p></div>
</section>

<details>
<summary>What is checked, in detail</summary>
<p>A receipt (c2sp.org/tlog-proof) holds the entry’s number, an inclusion proof and the log’s signed checkpoint. Your browser hashes the entry (RFC 6962), checks the inclusion proof up to the checkpoint’s root hash, checks the checkpoint’s signature with the log key this device first saw for this log, and, if you gave witness keys, counts the witnesses’ valid cosignatures against the number you asked for. The same check runs offline with <code>sightline verify</code>.</p>
</details>`;
  return layout({ page: 'verify', title: 'Verify a receipt', meta, base, main });
}
