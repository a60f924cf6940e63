/**
 * `sightline advocate-key --key KEY|FILE|- --month YYYY-MM … --day YYYY-MM-DD …`: the month
 * or day keys a claimant hands to an advocate, made from the key the claimant holds. Nothing
 * is fetched or recorded: the derivation is the claimant's own (src/subject/held-key.ts), and
 * a key only ever narrows — a subject key gives the months and days of its year, a month key
 * the days of its month, a day key nothing further.
 */
import { isLogError } from '../errors.js';
import { type HeldKey, deriveDayKey, deriveMonthKey, formatHeldKey, parseHeldKey } from '../subject/index.js';
import { type CommandSpec, type ParsedFlags, UsageError } from './flags.js';
import type { CliIo } from './io.js';
import { KEY_FORMS, keyTextOrFile } from './key-text.js';

export const ADVOCATE_KEY_COMMAND: CommandSpec = {
  name: 'advocate-key',
  summary: 'make the month or day keys an advocate is to hold, from a subject or month key',
  about: `Prints, one a line, the month key of each --month and the day key of each --day, made from
--key: an advocate holding one can find and verify the claimant's entries of that month or
day only (sightline lookup, the explorer's /check page), and nothing else. A subject key gives
the months and days of its year, a month key the days of its month; a day key gives no other.
Give --key - to read the key from standard input, keeping it out of shell history.`,
  flags: [
    {
      name: 'key',
      value: 'KEY|FILE|-',
      required: true,
      help: 'the key held: subject-key:YYYY:<hex> or month-key:YYYY-MM:<hex>, a file holding it, or - for standard input',
    },
    { name: 'month', value: 'YYYY-MM', multiple: true, help: 'a month to make a month key for' },
    { name: 'day', value: 'YYYY-MM-DD', multiple: true, help: 'a day to make a day key for' },
  ],
  footer: 'Exit status: 0 the keys printed, 2 a usage error (a month or day the key does not cover).',
};

/** A key the command refuses: never repeats the key text. */
function scopeOf(k: HeldKey): string {
  return k.kind === 'subject' ? `the subject key of ${k.year}` : k.kind === 'month' ? `the month key of ${k.month}` : `the day key of ${k.day}`;
}

export async function advocateKeyCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const months = flags.strings('month');
  const days = flags.strings('day');
  if (months.length === 0 && days.length === 0) throw new UsageError('advocate-key needs --month YYYY-MM or --day YYYY-MM-DD (repeatable); see sightline advocate-key --help', { field: 'month' });
  const text = await keyTextOrFile(flags.string('key')!, 'key', KEY_FORMS.held, io);
  let held: HeldKey;
  try {
    held = parseHeldKey(text);
  } catch (e) {
    throw new UsageError(`--key: ${isLogError(e) ? e.message : 'not a held key'}`, { field: 'key' });
  }
  if (held.kind === 'day') throw new UsageError(`${scopeOf(held)} gives no other key: a day key is the narrowest; the advocate can hold it as it is`, { field: 'key' });
  if (held.kind === 'month' && months.length > 0) {
    throw new UsageError(`${scopeOf(held)} gives day keys only (--day ${held.month}-DD): the advocate can hold the month key itself`, { field: 'month' });
  }
  const derived: string[] = [];
  const derive = (field: 'month' | 'day', value: string, make: (k: HeldKey, v: string) => HeldKey): void => {
    try {
      derived.push(formatHeldKey(make(held, value)));
    } catch (e) {
      if (!isLogError(e)) throw e;
      const why = held.kind === 'subject' && /^[0-9]{4}/.test(value) && !value.startsWith(held.year) ? `; a subject key covers its own year only, ${held.year}` : '';
      throw new UsageError(`--${field} ${JSON.stringify(value)}: ${e.message}${why}`, { field });
    }
  };
  for (const month of months) derive('month', month, deriveMonthKey);
  for (const day of days) derive('day', day, deriveDayKey);
  io.stdout.write(derived.map((k) => k + '\n').join(''));
  return 0;
}
