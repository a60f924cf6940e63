/**
 * Check my record (`/check`): the form where a claimant or their adviser gives the key they
 * hold. The browser module does the whole lookup: the key never leaves the browser, so the
 * form has no `action` to send it to, and its controls have no `name` (a browser without
 * the module submits nothing).
 */
import type { LogMeta } from '../log/index.js';
import { type Html, h } from './html.js';
import { layout, needsJavaScript } from './layout.js';

export function checkPage(meta: LogMeta): Html {
  const main = h`<h1>Check my record</h1>
<p class="lead">See every time staff recorded looking at, changing or sharing your personal data in this log, and check that each record is genuine.</p>
<p>You need the key you were given for your record. It is a line of text that starts with <code>subject-key:</code>, <code>month-key:</code> or <code>day-key:</code>. An adviser helping you may have a key for only some months or days. You also need your National Insurance number (or your DWP customer reference), to check that each record is really about you.</p>
<p class="notice" id="key-privacy">Your key and your reference stay on this device. This page never sends them to the log or to anyone else: your browser uses them to find your entries among everyone’s, and checks each one itself.</p>
${needsJavaScript('Checking your record')}

<form id="check-form" action="#" novalidate aria-describedby="key-privacy">
<div class="field">
<label for="held-key">Your key</label>
<span class="hint" id="held-key-hint">Paste the whole key, for example <code>subject-key:2026:</code> followed by 64 letters and numbers.</span>
<textarea id="held-key" rows="3" autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="held-key-hint"></textarea>
</div>
<div class="field">
<label for="key-file">Or open the file that holds your key</label>
<span class="hint" id="key-file-hint">The file is read on this device only.</span>
<input type="file" id="key-file" accept=".txt,.key,text/plain" aria-describedby="key-file-hint">
</div>
<fieldset class="field">
<legend>Your reference</legend>
<span class="hint" id="subject-hint">Each record is sealed with the reference of the person it is about. Your browser checks the seal with yours, so a record that is about someone else shows as failed.</span>
<div><label for="subject-scheme">Kind of reference</label>
<select id="subject-scheme" aria-describedby="subject-hint">
<option value="nino" selected>National Insurance number</option>
<option value="customer-ref">DWP customer reference</option>
</select></div>
<div><label for="subject-id">Your reference</label>
<input type="text" id="subject-id" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="subject-hint"></div>
</fieldset>
<fieldset class="field">
<legend>Which dates to look at (optional)</legend>
<span class="hint" id="dates-hint">Leave these empty to look at every date your key covers. Entries are recorded by the hour, in UTC.</span>
<div class="date-pair">
<div><label for="from">From</label>
<input type="date" id="from" aria-describedby="dates-hint"></div>
<div><label for="to">To</label>
<input type="date" id="to" aria-describedby="dates-hint"></div>
</div>
</fieldset>
<button type="submit" id="check-submit">Check my record</button>
</form>

<section id="results" aria-labelledby="results-heading">
<h2 id="results-heading">What the log holds about you</h2>
<div id="check-summary" class="status" aria-live="polite"><p>Nothing checked yet. Give your key above and choose “Check my record”.</p></div>
<div id="timeline"></div>
</section>

<details>
<summary>If something looks wrong</summary>
<p>Next to each entry there is a button, “I don’t recognise this”. It saves a file with the entry and the proof that the log holds it. You, or an adviser, can give that file to the organisation, to the Information Commissioner’s Office, or to anyone who wants to check it: they do not need to trust this website to do so.</p>
</details>
<details>
<summary>How the check works, in detail</summary>
<p>Your key is a subject key for a year (or a month key, or a day key). For each day, your browser derives from it the tags of your entries and asks the log for every tag that starts with the same four hex digits (<code>/v1/tags/{prefix}</code>), so the log does not learn which tag is yours. It reads each entry found from the bundle of 256 entries that holds it (<code>/tile/entries/…</code>), and proves it is in the log from the log’s hash tiles (<code>/tile/…</code>), against a checkpoint signed by the log’s key: every other reader of those entries asks for the same files, so no request names yours. It checks the partner’s Ed25519 signature. It opens the private details with reveal tokens derived from your day keys, sent together among random ones in the body of one request of a fixed size (<code>POST /v1/details</code>), never in a web address, and checks them, with your reference, against the commitment the partner signed in each entry: the tag alone is the log’s word that the entry is yours, the commitment is the partner’s.</p>
</details>`;
  return layout({ page: 'check', title: 'Check my record', meta, main });
}
