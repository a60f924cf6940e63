/**
 * Keys given on the command line: as their text, as the path of a file holding it, or as
 * `-` for standard input (a secret key then stays out of the shell's history and the
 * process list). One reader for every command, so `--key`, `--log-key`, `--witness-key`,
 * `--log` and key files all behave alike.
 */
import { readFileSync } from 'node:fs';
import { LogError, isLogError } from '../errors.js';
import { parseCosignatureVerifier, parseNoteVerifier } from '../note/index.js';
import { UsageError } from './flags.js';
import type { CliIo } from './io.js';

/** The text forms, by what the key is. A value of this form is the key itself, never a path. */
export const KEY_FORMS = {
  /** A note verifier key, name+hex8+base64 (c2sp.org/signed-note). */
  verifier: /^[^\s+]+\+[0-9a-f]{8}\+\S+$/,
  /** A claimant's held key: subject-key:YYYY:…, month-key:YYYY-MM:… or day-key:YYYY-MM-DD:…. */
  held: /^(subject|month|day)-key:/,
} as const;

/**
 * The key `value` gives for `--flag`: `value` itself when it has the key's form, standard
 * input when it is `-`, else the trimmed content of the file it names. A value that is none
 * of these is a usage error that never repeats the value (a key is often secret).
 */
export async function keyTextOrFile(value: string, flag: string, form: RegExp, io: Pick<CliIo, 'stdin'>): Promise<string> {
  const trimmed = value.trim();
  if (form.test(trimmed)) return trimmed;
  if (value === '-') return new TextDecoder().decode(await io.stdin()).trim();
  try {
    return readFileSync(value, 'utf8').trim();
  } catch {
    throw new UsageError(`--${flag} is neither a key nor a readable file (give the key's text, a file holding it, or - for standard input)`, { field: flag });
  }
}

/** The same without standard input, for settings read before a command runs. */
export function keyTextOrFileSync(value: string, flag: string, form: RegExp): string {
  const trimmed = value.trim();
  if (form.test(trimmed)) return trimmed;
  try {
    return readFileSync(value, 'utf8').trim();
  } catch {
    throw new UsageError(`--${flag} is neither a key nor a readable file (give the key's text or a file holding it)`, { field: flag });
  }
}

/** A key file that must exist (a log's or a witness's signer key): its trimmed text. */
export function readKeyFile(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new LogError('UNAVAILABLE', `couldn't read the key file ${file}: ${(e as Error).message}`, { field: flag, cause: e });
  }
}

/**
 * A verifier key given as text, a file or `-`, checked: a note verifier key (a log's), or
 * with `cosignature` a cosignature/v1 one (a witness's). A usage error when it is not one.
 */
export async function verifierKeyFlag(value: string, flag: string, io: Pick<CliIo, 'stdin'>, kind: 'note' | 'cosignature' = 'note'): Promise<string> {
  const text = await keyTextOrFile(value, flag, KEY_FORMS.verifier, io);
  try {
    if (kind === 'note') parseNoteVerifier(text);
    else parseCosignatureVerifier(text);
  } catch (e) {
    throw new UsageError(`--${flag} is not a ${kind === 'note' ? 'verifier key' : 'cosignature/v1 verifier key'}: ${isLogError(e) ? e.message : 'check it'}`, { field: flag });
  }
  return text;
}
