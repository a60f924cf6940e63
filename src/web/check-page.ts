/**
 * Check my record (`/check`): the form where a claimant or their adviser gives the key they
 * hold. The browser module does the whole lookup: the key never leaves the browser, so the
 * form has no `action` to send it to, and its controls have no `name` (a browser without
 * the module submits nothing).
 */
import { MONTHS } from '../events/index.js';
import type { LogMeta } from '../log/index.js';
import { type Html, h, join } from './html.js';
import { layout, needsJavaScript } from './layout.js';

/** The months of a year as a select's options, valued 01 to 12. */
const monthOptions = join(MONTHS.map((name, i) => h`<option value="${String(i + 1).padStart(2, '0')}">${name}</option>`), h`
`);

/**
 * `inService`: the log is one of a service's logs; the check then searches every log of the
 * service whose period meets the dates (the browser reads the list at /logs.json), since one
 * year's key finds a claimant in all of them.
 */
export function checkPage(meta: LogMeta, base: string, inService = false): Html {
  const main = h`<h1>Check my record</h1>
<p class="lead">See every time staff recorded looking at, changing or sharing your personal data in this log, and check that each record is genuine.</p>
<p>You need the key you were given for your record. It is a line of text that starts with <code>subject-key:</code>, <code>month-key:</code> or <code>day-key:</code>. An adviser helping you may have a key for only some months or days. You also need your National Insurance number (or your DWP customer reference), to check that each record is really about you.</p>
<p class="notice" id="key-privacy">Your key and your reference stay on this device. This page never sends them to the log or to anyone else: your browser uses them to find your entries among everyone’s, and checks each one itself.</p>
${needsJavaScript('Checking your record')}

${inService ? h`<p id="service-scope" data-service-list="/logs.json">This check searches every log of this service whose period meets your dates: one for each organisation and year. Each record says which log, and so which organisation, it came from.</p>
` : ''}<form id="check-form" action="#" novalidate aria-describedby="key-privacy">
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
<span class="hint" id="dates-hint">Leave these empty to look at every date your key covers, up to today. These dates are days in UTC (Coordinated Universal Time), which the log records in; the times shown on each record are UK time. In summer, UK time is one hour ahead of UTC, so something done between midnight and 1am UK time belongs to the day before in UTC.</span>
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

<section id="adviser" aria-labelledby="adviser-heading">
<h2 id="adviser-heading">Make a key for an adviser</h2>
<p>Someone helping you, such as a welfare rights adviser, can check your record on this page too. Rather than give them your own key, you can make a key that opens only the months or days you choose, from the key you entered above. It is made on this device: like your own key, it is never sent anywhere.</p>
<div class="notice" id="adviser-explained">
<p><strong>What the adviser can see with it:</strong> on this page, every record about you in the months or days you chose, with its private details, and check that each one is genuine. To check that a record is about you, they also need your National Insurance number (or customer reference).</p>
<p><strong>What they cannot see:</strong> any record from another month or day. They cannot work out your own key, or a key for any other month or day, from the key you give them. It does not hold your name or your reference, and nobody can use it to change the log.</p>
<p>Anyone who has the key can see what the adviser can, so give it only to the person helping you, and keep the file somewhere safe.</p>
</div>
${needsJavaScript('Making a key for an adviser')}
<form id="adviser-form" action="#" novalidate aria-describedby="adviser-explained">
<div class="field">
<label for="adviser-kind">The key should open</label>
<select id="adviser-kind" aria-describedby="adviser-kind-hint">
<option value="month" selected>Whole months</option>
<option value="day">Single days</option>
</select>
<span class="hint" id="adviser-kind-hint">One key is made for each month or day. A month key opens every day of its month.</span>
</div>
<fieldset class="field" id="adviser-months">
<legend>Which months</legend>
<span class="hint" id="adviser-months-hint">Months of the year your key is for.</span>
<div class="date-pair">
<div><label for="adviser-month-from">First month</label>
<select id="adviser-month-from" aria-describedby="adviser-months-hint">
${monthOptions}
</select></div>
<div><label for="adviser-month-to">Last month</label>
<select id="adviser-month-to" aria-describedby="adviser-months-hint">
${monthOptions}
</select></div>
</div>
</fieldset>
<fieldset class="field" id="adviser-days" hidden>
<legend>Which days</legend>
<span class="hint" id="adviser-days-hint">Days in UTC, within the period your key covers; up to 31 days. For more, make month keys.</span>
<div class="date-pair">
<div><label for="adviser-day-from">First day</label>
<input type="date" id="adviser-day-from" aria-describedby="adviser-days-hint"></div>
<div><label for="adviser-day-to">Last day</label>
<input type="date" id="adviser-day-to" aria-describedby="adviser-days-hint"></div>
</div>
</fieldset>
<button type="submit" id="adviser-submit">Make the key</button>
</form>
<div id="adviser-result" class="status" data-status="pending" aria-live="polite"><p>No key made yet.</p></div>
<ul id="adviser-keys" class="held-keys" aria-label="Keys made for an adviser"></ul>
</section>

<details>
<summary>If something looks wrong</summary>
<p>Next to each entry there is a button, “I don’t recognise this”. It saves a file with the entry and the proof that the log holds it. You, or an adviser, can give that file to the organisation, to the Information Commissioner’s Office, or to anyone who wants to check it: they do not need to trust this website to do so.</p>
</details>
<details>
<summary>How the check works, in detail</summary>
<p>Your key is a subject key for a year (or a month key, or a day key). For each day, your browser derives from it the tags of your entries and asks the log for every tag that starts with the same four hex digits (<code>/v1/tags/{prefix}</code>), so the log does not learn which tag is yours. It reads each entry found from the bundle of 256 entries that holds it (<code>/tile/entries/…</code>), and proves it is in the log from the log’s hash tiles (<code>/tile/…</code>), against a checkpoint signed by the log’s key: every other reader of those entries asks for the same files, so no request names yours. It checks the partner’s Ed25519 signature. It opens the private details with reveal tokens derived from your day keys, sent together among random ones in the body of one request of a fixed size (<code>POST /v1/details</code>), never in a web address, and checks them, with your reference, against the commitment the partner signed in each entry: the tag alone is the log’s word that the entry is yours, the commitment is the partner’s.</p>
</details>`;
  return layout({ page: 'check', title: 'Check my record', meta, base, main });
}
