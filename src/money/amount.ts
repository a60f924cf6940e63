/**
 * Amounts of money as integers in the currency's minor unit (pence for GBP): a record never
 * holds a floating-point amount, and totals are exact (totals.ts).
 *
 * Two readers, for two kinds of input:
 *  - `minorUnits`: the JSON API's form, a JSON integer of minor units and nothing else (one
 *    normal form: no strings, no fractions, no exponents);
 *  - `parsePublishedAmount`: an amount as public bodies publish it in their CSV files
 *    ("£1,234.56", "1234.5", "-£12.00", "(1,234.56)"), read into pence. Strict where a wrong
 *    reading would change the amount: at most two decimal places, thousands separators
 *    only every three digits, ASCII digits only, no exponent, no other currency's sign.
 */
import { LogError } from '../errors.js';

/** The JSON API's amount: a safe integer of minor units (negative for a refund or repayment). */
export function minorUnits(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new LogError('MALFORMED_REQUEST', `${field} must be an integer number of minor units (pence for GBP)`, {
      field,
      hint: 'for example 123456 for £1,234.56; never a string, a fraction or an exponent',
    });
  }
  return value === 0 ? 0 : value; // -0 is 0
}

/** Digits with thousands separators every three digits, or plain digits; then up to two decimals. */
const NUMBER = '([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.([0-9]+))?';
const SIGNED = new RegExp(`^(-)?\\s*(£)?\\s*(-)?${NUMBER}$`);
const BRACKETED = new RegExp(`^\\(\\s*(£)?\\s*${NUMBER}\\s*\\)$`);
/** Signs of other currencies: an amount in one of them is not pence, whatever its digits. */
const OTHER_CURRENCY = /[$€¥₹]|\b(?:USD|EUR)\b/;

/**
 * An amount as published in a file, in pence. Accepts an optional `£`, a minus sign before or
 * after it or brackets for a negative amount, thousands separators, and surrounding spaces;
 * a trailing `.` with no decimals is refused (it reads as a cut-off figure).
 */
export function parsePublishedAmount(text: string, field: string): number {
  const refuse = (why: string, hint = 'write it as pounds and pence, for example 1234.56 or £1,234.56'): never => {
    throw new LogError('MALFORMED_REQUEST', `${field}: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} ${why}`, { field, hint });
  };
  const t = text.replace(/\u00a0/g, ' ').trim();
  if (t === '') refuse('is empty');
  if (OTHER_CURRENCY.test(t)) refuse('is in another currency than pounds sterling', 'give amounts in GBP, or the record\'s currency with its minor units');
  let negative: boolean;
  let whole: string;
  let fraction: string | undefined;
  const signed = SIGNED.exec(t);
  const bracketed = signed === null ? BRACKETED.exec(t) : null;
  if (signed !== null) {
    if (signed[1] !== undefined && signed[3] !== undefined) refuse('has two minus signs');
    negative = signed[1] !== undefined || signed[3] !== undefined;
    whole = signed[4]!;
    fraction = signed[5];
  } else if (bracketed !== null) {
    negative = true;
    whole = bracketed[2]!;
    fraction = bracketed[3];
  } else {
    return refuse('is not an amount');
  }
  if (fraction !== undefined && fraction.length > 2) refuse(`has ${fraction.length} decimal places: pence have two`, 'round it as the body\'s ledger does, and give at most two decimal places');
  const pounds = Number(whole.replace(/,/g, ''));
  const pence = pounds * 100 + Number((fraction ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(pence)) refuse('is too large');
  return negative && pence !== 0 ? -pence : pence;
}
