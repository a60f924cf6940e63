/**
 * The explorer's stylesheet, served at /assets/explorer.css. Kept as a string so it ships
 * with the compiled server and needs no copy step. The pages allow no inline style (the
 * Content-Security-Policy has `style-src 'self'`), so every style is here, charts included.
 *
 * Colours meet WCAG AA: body text #0b0c0c and secondary text #505a5f on white (7:1 and
 * more), links #1d4f91 (8.6:1), white on the #0b0c0c header and on the #00703c button.
 * Sizes are in rem and em, so text resizes; nothing is wider than the screen at 360 px.
 */
export const EXPLORER_CSS = `*, *::before, *::after { box-sizing: border-box; }

html { font-size: 100%; -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }

body {
  margin: 0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  font-size: 1.0625rem;
  line-height: 1.5;
  color: #0b0c0c;
  background: #ffffff;
  overflow-wrap: break-word;
}

.wrap { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
main { display: block; padding-top: 1.5rem; padding-bottom: 2.5rem; }
main:focus { outline: none; }

h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 1rem; }
h2 { font-size: 1.5rem; line-height: 1.25; margin: 2.25rem 0 0.75rem; }
h3 { font-size: 1.1875rem; line-height: 1.3; margin: 1.75rem 0 0.5rem; }
p, ul, ol, dl { margin: 0 0 1rem; }
.lead { font-size: 1.25rem; }
.secondary, .hint { color: #505a5f; }
.hint { display: block; margin-bottom: 0.25rem; }

a { color: #1d4f91; text-decoration: underline; text-decoration-thickness: max(1px, 0.0625rem); text-underline-offset: 0.15em; }
a:visited { color: #4c2c92; }
a:hover { color: #0b0c0c; text-decoration-thickness: max(3px, 0.1875rem); }

/* Focus: always visible, yellow with a dark edge (readable on light and dark backgrounds). */
:focus-visible { outline: 0.1875rem solid #0b0c0c; outline-offset: 0.125rem; box-shadow: 0 0 0 0.375rem #ffdd00; }
a:focus-visible { color: #0b0c0c; background: #ffdd00; text-decoration: none; box-shadow: 0 -0.125rem #ffdd00, 0 0.25rem #0b0c0c; outline: 0.1875rem solid transparent; }
.table-wrap:focus-visible { outline: 0.1875rem solid #0b0c0c; box-shadow: 0 0 0 0.375rem #ffdd00; }

.skip-link {
  position: absolute; left: 0.5rem; top: -10rem; z-index: 10;
  padding: 0.5rem 1rem; background: #ffdd00; color: #0b0c0c; font-weight: 700;
}
.skip-link:focus, .skip-link:focus-visible { top: 0.5rem; color: #0b0c0c; }

code, pre, .hash, .key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9375em; }
code { overflow-wrap: anywhere; word-break: break-word; }
code.hash, code.key, #log-key { word-break: break-all; overflow-wrap: anywhere; }
#log-key { display: inline-block; max-width: 100%; padding: 0.25rem 0.5rem; background: #f3f2f1; border: 1px solid #b1b4b6; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-all; max-width: 100%; padding: 0.75rem; background: #f3f2f1; border: 1px solid #b1b4b6; }

/* Header and navigation */
.site-header { background: #0b0c0c; color: #ffffff; padding: 0.75rem 0 0; border-bottom: 0.5rem solid #1d70b8; }
.site-header a, .site-header a:visited { color: #ffffff; }
.site-header a:focus-visible { color: #0b0c0c; }
.site-name { margin: 0 0 0.5rem; font-size: 1.5rem; font-weight: 700; line-height: 1.2; }
.site-name a { text-decoration: none; }
.site-name a:hover { text-decoration: underline; }
.site-tagline { display: block; font-size: 1rem; font-weight: 400; }
.nav-list { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0 1.5rem; }
.nav-list li { margin: 0; }
.nav-list a { display: inline-block; padding: 0.5rem 0 0.625rem; font-weight: 700; text-decoration: none; border-bottom: 0.25rem solid transparent; }
.nav-list a:hover { text-decoration: underline; }
.nav-list a[aria-current="page"] { border-bottom-color: #ffffff; }
.nav-list a[aria-current="page"]:focus-visible { border-bottom-color: #0b0c0c; }

.site-footer { border-top: 0.0625rem solid #b1b4b6; background: #f3f2f1; padding: 1.5rem 0 0.5rem; font-size: 1rem; }

/* Notices, warnings and the statuses the browser fills in */
.notice { padding: 0.75rem 1rem; border-left: 0.3125rem solid #1d70b8; background: #f3f2f1; }
#key-warning, [role="alert"] { padding: 1rem; border: 0.3125rem solid #d4351c; background: #ffffff; font-weight: 700; margin: 0 0 1rem; }
.status { padding: 0.75rem 1rem; border-left: 0.3125rem solid #505a5f; background: #f3f2f1; }
.status p:last-child { margin-bottom: 0; }
.status[data-status="verified"], .status[data-status="valid"], .status[data-status="consistent"], .status[data-status="first"] { border-left-color: #00703c; background: #e7f3ec; }
.status[data-status="failed"], .status[data-status="invalid"], .status[data-status="inconsistent"] { border-left-color: #d4351c; background: #fbeae7; }
.status[data-status="pending"], .status[data-status="none"] { border-left-color: #505a5f; }

/* Facts and fields */
dl.facts, dl.fields { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0; }
dl.fields > div, dl.facts > div { padding: 0.5rem 0; border-bottom: 0.0625rem solid #b1b4b6; }
dt { font-weight: 700; }
dd { margin: 0 0 0.5rem; }
dl.fields dd { margin: 0; }
@media (min-width: 40rem) {
  dl.fields > div { display: grid; grid-template-columns: 14rem minmax(0, 1fr); gap: 1rem; }
  dl.facts { grid-template-columns: 14rem minmax(0, 1fr); }
}
ul.plain { list-style: none; padding: 0; margin: 0; }
.key-figures { padding-left: 1.25rem; }
.key-figures strong { font-size: 1.25em; }
.entry-list li, #witnesses li { margin-bottom: 0.5rem; }
.pager ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; }

/* Tables scroll inside their own focusable region, never the page */
.table-wrap { max-width: 100%; overflow-x: auto; margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; font-size: 1rem; }
caption { text-align: left; font-weight: 700; padding-bottom: 0.5rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.75rem 0.5rem 0; border-bottom: 0.0625rem solid #b1b4b6; overflow-wrap: anywhere; }
thead th { border-bottom-width: 0.125rem; border-bottom-color: #0b0c0c; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { text-align: right; }
.empty { color: #505a5f; }
.ok { color: #00703c; font-weight: bold; }
.bad { color: #d4351c; font-weight: bold; }
form.search input { min-width: 16em; }

/* Bar charts (inline SVG) */
.chart { margin: 0 0 1rem; max-width: 40rem; }
.chart svg { display: block; font-size: 0.9375rem; overflow: hidden; }
.chart .bar { fill: #1d70b8; }
.chart .bar-label { fill: #0b0c0c; }

/* Forms */
form { margin: 0 0 1.5rem; }
.field { margin: 0 0 1.25rem; }
fieldset.field { border: 0; padding: 0; }
legend { font-weight: 700; padding: 0; }
label { display: block; font-weight: 700; margin-bottom: 0.25rem; }
input[type="text"], input[type="date"], input:not([type]), textarea {
  font: inherit; font-size: 1rem; color: #0b0c0c; background: #ffffff;
  border: 0.125rem solid #0b0c0c; padding: 0.375rem 0.5rem; max-width: 100%;
}
textarea { width: 100%; max-width: 40rem; display: block; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
input[type="file"] { font: inherit; font-size: 1rem; max-width: 100%; }
input:focus-visible, textarea:focus-visible { outline: 0.1875rem solid #ffdd00; outline-offset: 0; box-shadow: inset 0 0 0 0.125rem #0b0c0c; }
.date-pair { display: flex; flex-wrap: wrap; gap: 1rem; }
.inline-controls { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
#goto-index { width: 10rem; }
button, .button {
  font: inherit; font-size: 1rem; font-weight: 700; line-height: 1.2;
  color: #ffffff; background: #00703c; border: 0.125rem solid transparent; border-radius: 0;
  box-shadow: 0 0.125rem 0 #002d18; padding: 0.5rem 0.875rem; cursor: pointer;
}
button:hover { background: #005a30; }
button:focus-visible { color: #0b0c0c; background: #ffdd00; outline: 0.1875rem solid transparent; box-shadow: inset 0 0 0 0.0625rem #ffdd00, 0 0.125rem 0 #0b0c0c; }
button.not-recognised, button.secondary { color: #0b0c0c; background: #f3f2f1; box-shadow: 0 0.125rem 0 #929191; }
button.not-recognised:hover, button.secondary:hover { background: #dbdad9; }

details { margin: 0 0 1rem; }
summary { cursor: pointer; color: #1d4f91; text-decoration: underline; text-underline-offset: 0.15em; }
summary:hover { color: #0b0c0c; }
details[open] > summary { margin-bottom: 0.5rem; }
details > :not(summary) { margin-left: 0; }

/* Rows the browser module adds to the timeline and the monitor history */
#timeline [data-row] { padding: 0.75rem 0 0.75rem 0.75rem; border-left: 0.3125rem solid #505a5f; border-bottom: 0.0625rem solid #b1b4b6; margin-bottom: 0.5rem; }
#timeline [data-row][data-status="verified"] { border-left-color: #00703c; }
#timeline [data-row][data-status="failed"] { border-left-color: #d4351c; }
#monitor-history li { margin-bottom: 0.25rem; }

/* Keys made for an adviser */
.held-keys { list-style: none; padding: 0; }
.held-keys li { padding: 0.75rem 0; border-bottom: 0.0625rem solid #b1b4b6; }
.held-keys code.key { display: block; max-width: 40rem; padding: 0.25rem 0.5rem; background: #f3f2f1; border: 1px solid #b1b4b6; }
.held-keys .copy-status:empty { display: none; }
select { font: inherit; font-size: 1rem; color: #0b0c0c; background: #ffffff; border: 0.125rem solid #0b0c0c; padding: 0.375rem 0.5rem; max-width: 100%; }
select:focus-visible { outline: 0.1875rem solid #ffdd00; outline-offset: 0; box-shadow: inset 0 0 0 0.125rem #0b0c0c; }

[hidden] { display: none !important; }

@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation-duration: 0.01ms !important; animation-iteration-count: 1 !important; transition-duration: 0.01ms !important; scroll-behavior: auto !important; }
}

@media (max-width: 25rem) {
  h1 { font-size: 1.625rem; }
  table { font-size: 0.9375rem; }
  th, td { padding-right: 0.5rem; }
  .lead { font-size: 1.125rem; }
}
`;
