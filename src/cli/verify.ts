/**
 * `sightline verify RECEIPT --entry FILE --log-key VKEY [--witness-key VKEY …] [--quorum K]`:
 * checks a c2sp.org/tlog-proof receipt offline, trusting only the keys given — the entry's
 * leaf hash, the inclusion proof up to the checkpoint's root, the log's signature on the
 * checkpoint, and the witnesses' cosignatures against the quorum. Nothing is fetched.
 *
 * `sightline verify --bundle FILE --log-key VKEY …` takes the receipt and the entry from an
 * explorer evidence bundle instead; the keys still come only from the command line (the
 * keys a bundle names are never trusted).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeUtf8, encodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError, type LogErrorCode, isLogError } from '../errors.js';
import { parseCosignatureVerifier, parseNoteVerifier } from '../note/index.js';
import { type VerifiedReceipt, verifyReceipt } from '../receipt/index.js';
import { type EvidenceBundle, parseEvidenceBundle } from '../explorer/evidence-bundle.js';
import type { CliIo } from './io.js';

export const VERIFY_HELP = `Usage: sightline verify RECEIPT --entry FILE --log-key VKEY [--witness-key VKEY …] [--quorum K] [--json]
       sightline verify --bundle FILE --log-key VKEY [--witness-key VKEY …] [--quorum K] [--json]

Checks a c2sp.org/tlog-proof receipt offline: the entry's leaf hash, the inclusion proof, the
log's signature on the checkpoint and the witnesses' cosignatures. Nothing is fetched: only
the keys given are trusted.

  RECEIPT               the receipt file (- for standard input)
  --entry FILE          the entry's bytes, exactly as logged
  --bundle FILE         an evidence bundle downloaded from the explorer (sightline-evidence-N.json,
                        - for standard input): its receipt and entry are checked instead of
                        RECEIPT and --entry. The log and witness keys it names are NOT used:
                        give the keys you got from the operator and the witnesses yourself
  --log-key VKEY        the log's verifier key (name+hex8+base64), or a file holding it
  --witness-key VKEY    a witness's cosignature/v1 verifier key, or a file holding it (repeatable)
  --quorum K            how many of the witnesses must have cosigned (default: all given)
  --json                print the result as JSON

Exit 0 when the receipt verifies; 1 with one line naming what failed when it does not;
2 for a usage error.
`;

/** What a failed check means, in words for the person holding the receipt. */
const FAILED: Partial<Record<LogErrorCode, string>> = {
  MALFORMED_RECEIPT: 'the receipt is not a well-formed c2sp.org/tlog-proof receipt',
  MALFORMED_NOTE: "the receipt's checkpoint is not a well-formed signed note",
  MALFORMED_CHECKPOINT: "the receipt's checkpoint is not a well-formed checkpoint",
  INVALID_PROOF: 'the inclusion proof does not lead from this entry to the checkpoint’s root',
  INVALID_SIGNATURE: 'a signature on the checkpoint does not verify',
  UNVERIFIED_NOTE: 'the checkpoint lacks a signature it needs',
};

export class VerifyUsageError extends Error {}

/** A key given as its text, or as the path of a file holding it. */
function keyText(value: string): string {
  return !value.includes('+') && existsSync(value) ? readFileSync(value, 'utf8').trim() : value.trim();
}

async function read(path: string, what: string, io: CliIo): Promise<Uint8Array> {
  try {
    return path === '-' ? await io.stdin() : new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new VerifyUsageError(`couldn't read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The checks, on the receipt's text and the entry's bytes; throws LogError naming what failed. */
export function checkReceipt(receipt: string, entry: Uint8Array, keys: { logKey: string; witnessKeys: readonly string[]; quorum?: number }): VerifiedReceipt {
  let log;
  let witnesses;
  try {
    log = parseNoteVerifier(keys.logKey);
  } catch (e) {
    throw new VerifyUsageError(`--log-key is not a verifier key: ${(e as Error).message}`);
  }
  try {
    witnesses = keys.witnessKeys.map(parseCosignatureVerifier);
  } catch (e) {
    throw new VerifyUsageError(`--witness-key is not a cosignature/v1 verifier key: ${(e as Error).message}`);
  }
  const quorum = keys.quorum ?? witnesses.length;
  if (quorum > witnesses.length) throw new VerifyUsageError(`--quorum ${quorum} is more than the ${witnesses.length} witness keys given`);
  return verifyReceipt(receipt, entry, { log, witnesses, quorum });
}

export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        entry: { type: 'string' },
        bundle: { type: 'string' },
        'log-key': { type: 'string' },
        'witness-key': { type: 'string', multiple: true },
        quorum: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new VerifyUsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(VERIFY_HELP);
    return 0;
  }
  if (values.bundle !== undefined) {
    if (positionals.length !== 0 || values.entry !== undefined) throw new VerifyUsageError('--bundle holds the receipt and the entry: give neither RECEIPT nor --entry with it');
    if (values['log-key'] === undefined) throw new VerifyUsageError('usage: sightline verify --bundle FILE --log-key VKEY [--witness-key VKEY …] [--quorum K]');
  } else if (positionals.length !== 1 || values.entry === undefined || values['log-key'] === undefined) {
    throw new VerifyUsageError('usage: sightline verify RECEIPT --entry FILE --log-key VKEY [--witness-key VKEY …] [--quorum K]');
  }
  let quorum: number | undefined;
  if (values.quorum !== undefined) {
    quorum = parseDecimal(values.quorum);
    if (quorum === undefined) throw new VerifyUsageError(`--quorum must be a whole number, got ${JSON.stringify(values.quorum)}`);
  }
  const keys = { logKey: keyText(values['log-key']), witnessKeys: (values['witness-key'] ?? []).map(keyText), quorum };
  let verified: VerifiedReceipt;
  let bundle: EvidenceBundle | undefined;
  try {
    if (values.bundle !== undefined) {
      const text = decodeUtf8(await read(values.bundle, 'bundle', io));
      if (text === undefined) throw new LogError('MALFORMED_REQUEST', 'not a valid evidence bundle: it is not UTF-8 text');
      const parsed = parseEvidenceBundle(text);
      bundle = parsed;
      verified = checkReceipt(parsed.receipt, parsed.entryBytes, keys);
    } else {
      const receiptBytes = await read(positionals[0]!, 'receipt', io);
      const entry = await read(values.entry!, 'entry', io);
      const receipt = decodeUtf8(receiptBytes);
      if (receipt === undefined) throw new LogError('MALFORMED_RECEIPT', 'it is not UTF-8 text');
      verified = checkReceipt(receipt, entry, keys);
    }
  } catch (e) {
    if (!isLogError(e)) throw e;
    if (e.code === 'MALFORMED_REQUEST') {
      io.stderr.write(`sightline: the bundle does not verify: ${e.message.split('\n')[0]}\n`);
      return 1;
    }
    io.stderr.write(`sightline: the ${bundle === undefined ? 'receipt' : 'bundle'} does not verify: ${FAILED[e.code] ?? e.code}: ${e.message.split('\n')[0]}\n`);
    return 1;
  }
  const { checkpoint, cosigners, leafIndex } = verified;
  if (values.json) {
    io.stdout.write(
      JSON.stringify({
        verified: true,
        origin: checkpoint.origin,
        leafIndex,
        treeSize: checkpoint.treeSize,
        rootHash: encodeBase64(checkpoint.rootHash),
        cosigners,
        ...(bundle === undefined ? {} : { bundleLogKeyDiffers: bundle.logKey !== keys.logKey }),
      }) + '\n',
    );
  } else {
    const by = cosigners.length === 0 ? 'no witness cosignature required' : `cosigned by ${cosigners.map((c) => `${c.name} (${new Date(c.timestamp * 1000).toISOString()})`).join(', ')}`;
    io.stdout.write(`verified: entry ${leafIndex} is in ${checkpoint.origin} at tree size ${checkpoint.treeSize}, root ${encodeBase64(checkpoint.rootHash)}; ${by}\n`);
    if (bundle !== undefined && bundle.logKey !== keys.logKey) {
      io.stdout.write('note: the bundle names a different log key from --log-key; it was not used\n');
    }
  }
  return 0;
}

