// Money in records: amounts in minor units, days, exact totals. No I/O; runs in Node and browsers.
export { minorUnits, parsePublishedAmount } from './amount.js';
export { FIRST_YEAR, LAST_YEAR, isDay, parsePublishedDate } from './dates.js';
export { formatPounds, sumMinorUnits, totalsByCurrency } from './totals.js';
