/**
 * Totals of amounts in minor units, exact whatever their number: each amount is a safe
 * integer, and their sum is kept as a bigint (a million lines of £100 million each is past
 * 2^53 pence), so a total anyone recomputes from the entries is the same to the penny.
 */

/** The sum of `amounts` (minor units), exactly. */
export function sumMinorUnits(amounts: Iterable<number>): bigint {
  let total = 0n;
  for (const a of amounts) total += BigInt(a);
  return total;
}

/** Totals per currency (ISO 4217 code) of records carrying an amount in minor units. */
export function totalsByCurrency(records: Iterable<{ readonly currency: string; readonly amount: number }>): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const r of records) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + BigInt(r.amount));
  return totals;
}

/** An amount of pence as pounds for people: `£1,234.56`, `-£0.05`. */
export function formatPounds(pence: bigint | number): string {
  const p = BigInt(pence);
  const negative = p < 0n;
  const abs = negative ? -p : p;
  const pounds = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}£${pounds}.${rest}`;
}
