/**
 * The page listing a service's logs (`/logs/`): for each, the body and period it records,
 * whether it still takes entries, and where its explorer, its checkpoint and its metadata
 * are. Server-rendered, no script: it only links.
 */
import type { LogDescription } from '../discovery/index.js';
import { type Html, h, join } from './html.js';

export interface ListedLog {
  readonly id: string;
  readonly alias?: string;
  readonly log: LogDescription;
}

const STATE_TEXT: Record<LogDescription['state'], string> = {
  active: 'Takes entries',
  readonly: 'Closed: read-only for ever',
  retired: 'Retired',
};

const day = (d: Date): string => d.toISOString().slice(0, 10);

function period(log: LogDescription): string {
  if (log.interval === undefined) return 'No end date';
  // `end` is exclusive: the last day covered is the day before it (at midnight ends).
  return `${day(log.interval.start)} to ${day(new Date(log.interval.end.getTime() - 1))} (UTC)`;
}

function row({ id, alias, log }: ListedLog): Html {
  const since = log.state === 'active' ? '' : ` since ${log.stateSince.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  return h`<tr>
<th scope="row"><a href="/logs/${id}/">${log.name}</a></th>
<td><code>${log.origin}</code></td>
<td>${period(log)}</td>
<td>${STATE_TEXT[log.state]}${since}${log.successor === undefined ? '' : h`; continued by <a href="/logs/${log.successor}/">${log.successor}</a>`}</td>
<td>${alias === undefined ? 'none' : h`<code>/logs/${alias}/</code>`}</td>
<td><a href="/logs/${id}/checkpoint">checkpoint</a>, <a href="/logs/${id}/metadata.json">metadata</a></td>
</tr>`;
}

export function serviceLogsPage(operator: string, logs: readonly ListedLog[]): string {
  return String(h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Logs – Sightline</title>
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/explorer.css">
</head>
<body data-page="logs">
<main id="main" class="wrap">
<h1>The logs of ${operator}</h1>
<p>Each public body has its own log, and a new log for each period. Each log is an append-only Merkle tree (RFC 6962) with its own key; anyone can check that nothing it recorded was changed or removed. To check your own record, open the log of the body and year it concerns and choose "Check my record": one key per year finds your records in every log of that year.</p>
<div class="table-scroll">
<table>
<caption>Logs of this service</caption>
<thead><tr><th scope="col">Log</th><th scope="col">Origin</th><th scope="col">Period</th><th scope="col">State</th><th scope="col">Alias for partners</th><th scope="col">For monitors</th></tr></thead>
<tbody>
${join(logs.map(row))}
</tbody>
</table>
</div>
<p>For witnesses and mirrors: <a href="/logs.txt">the log list</a> (logs/v0). For monitors: <a href="/logs.json">the operator's log list</a> with each log's metadata.</p>
</main>
</body>
</html>
`);
}
