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
import { readFileSync } from 'node:fs';
import { decodeUtf8, encodeBase64, parseDecimal } from '../encoding/index.js';
import { LogError, type LogErrorCode, isLogError } from '../errors.js';
import { parseCosignatureVerifier, parseNoteVerifier } from '../note/index.js';
import { type VerifiedReceipt, verifyReceipt } from '../receipt/index.js';
import { type EvidenceBundle, parseEvidenceBundle } from '../explorer/evidence-bundle.js';
import { type CommandSpec, type ParsedFlags, UsageError, commandHelp } from './flags.js';
import type { CliIo } from './io.js';
import { KEY_FORMS, keyTextOrFileSync } from './key-text.js';
import { errorLine, printable } from './terminal.js';

export const VERIFY_COMMAND: CommandSpec = {
  name: 'verify',
  summary: 'check a c2sp.org/tlog-proof receipt offline',
  about: `Checks a c2sp.org/tlog-proof receipt offline: the entry's leaf hash, the inclusion proof, the
log's signature on the checkpoint, the witnesses' cosignatures and the mirrors' (each the
statement that the mirror holds a copy of every entry). Nothing is fetched: only the keys
given are trusted.`,
  positionals: [{ name: 'RECEIPT', optional: true, help: 'the receipt file (- for standard input); not with --bundle' }],
  moreUsage: ['sightline verify --bundle FILE --log-key VKEY [--witness-key VKEY …] [--quorum K] [--mirror-key VKEY …] [--mirror-quorum K] [--json]'],
  flags: [
    { name: 'entry', value: 'FILE', help: "the entry's bytes, exactly as logged" },
    {
      name: 'bundle',
      value: 'FILE',
      help: 'an evidence bundle downloaded from the explorer (sightline-evidence-N.json, - for standard input): its receipt and entry are checked instead of RECEIPT and --entry. The log and witness keys it names are NOT used: give the keys you got from the operator and the witnesses yourself',
    },
    { name: 'log-key', value: 'VKEY', required: true, help: "the log's verifier key (name+hex8+base64), or a file holding it" },
    { name: 'witness-key', value: 'VKEY', multiple: true, help: "a witness's cosignature/v1 verifier key, or a file holding it" },
    { name: 'quorum', value: 'K', defaultHelp: 'all given', help: 'how many of the witnesses must have cosigned' },
    {
      name: 'mirror-key',
      value: 'VKEY',
      multiple: true,
      help: "a mirror's cosignature/v1 verifier key, or a file holding it: its cosignature says it stores every entry of the checkpoint (c2sp.org/tlog-mirror)",
    },
    { name: 'mirror-quorum', value: 'K', defaultHelp: 'all given', help: 'how many of the mirrors must have cosigned' },
    { name: 'json', type: 'boolean', help: 'print the result as JSON' },
  ],
  footer: `Exit 0 when the receipt verifies; 1 with one line naming what failed when it does not;
2 for a usage error.`,
};

/** The help text, as sightline verify --help prints it. */
export const VERIFY_HELP = commandHelp(VERIFY_COMMAND);

/** What a failed check means, in words for the person holding the receipt. */
const FAILED: Partial<Record<LogErrorCode, string>> = {
  MALFORMED_RECEIPT: 'the receipt is not a well-formed c2sp.org/tlog-proof receipt',
  MALFORMED_NOTE: "the receipt's checkpoint is not a well-formed signed note",
  MALFORMED_CHECKPOINT: "the receipt's checkpoint is not a well-formed checkpoint",
  INVALID_PROOF: 'the inclusion proof does not lead from this entry to the checkpoint’s root',
  INVALID_SIGNATURE: 'a signature on the checkpoint does not verify',
  UNVERIFIED_NOTE: 'the checkpoint lacks a signature it needs',
};


async function read(path: string, what: string, io: CliIo): Promise<Uint8Array> {
  try {
    return path === '-' ? await io.stdin() : new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`couldn't read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The checks, on the receipt's text and the entry's bytes; throws LogError naming what failed. */
export function checkReceipt(
  receipt: string,
  entry: Uint8Array,
  keys: { logKey: string; witnessKeys: readonly string[]; quorum?: number | undefined; mirrorKeys?: readonly string[]; mirrorQuorum?: number | undefined },
): VerifiedReceipt {
  let log;
  let witnesses;
  try {
    log = parseNoteVerifier(keys.logKey);
  } catch (e) {
    throw new UsageError(`--log-key is not a verifier key: ${(e as Error).message}`);
  }
  try {
    witnesses = keys.witnessKeys.map(parseCosignatureVerifier);
  } catch (e) {
    throw new UsageError(`--witness-key is not a cosignature/v1 verifier key: ${(e as Error).message}`);
  }
  let mirrors;
  try {
    mirrors = (keys.mirrorKeys ?? []).map(parseCosignatureVerifier);
  } catch (e) {
    throw new UsageError(`--mirror-key is not a cosignature/v1 verifier key: ${(e as Error).message}`, { field: 'mirror-key' });
  }
  const quorum = keys.quorum ?? witnesses.length;
  if (quorum > witnesses.length) throw new UsageError(`--quorum ${quorum} is more than the ${witnesses.length} witness keys given`);
  const mirrorQuorum = keys.mirrorQuorum ?? mirrors.length;
  if (mirrorQuorum > mirrors.length) throw new UsageError(`--mirror-quorum ${mirrorQuorum} is more than the ${mirrors.length} mirror keys given`, { field: 'mirror-quorum' });
  const both = mirrors.find((m) => witnesses.some((w) => w.name === m.name && w.keyId === m.keyId));
  if (both !== undefined) throw new UsageError(`the key ${both.name} is given with --witness-key and --mirror-key: a mirror cosigns under a key of its own`, { field: 'mirror-key' });
  return verifyReceipt(receipt, entry, { log, witnesses, quorum, mirrors, mirrorQuorum });
}

export async function verifyCommand(flags: ParsedFlags, io: CliIo): Promise<number> {
  const { positionals } = flags;
  const bundleFile = flags.string('bundle');
  const entryFile = flags.string('entry');
  if (bundleFile !== undefined) {
    if (positionals.length !== 0 || entryFile !== undefined) throw new UsageError('--bundle holds the receipt and the entry: give neither RECEIPT nor --entry with it', { field: 'bundle' });
  } else if (positionals.length !== 1) {
    throw new UsageError('verify needs RECEIPT and --entry FILE, or --bundle FILE; see sightline verify --help', { field: 'RECEIPT' });
  } else if (entryFile === undefined) {
    throw new UsageError('verify needs --entry FILE with RECEIPT; see sightline verify --help', { field: 'entry' });
  }
  const count = (flag: string): number | undefined => {
    const text = flags.string(flag);
    if (text === undefined) return undefined;
    const n = parseDecimal(text);
    if (n === undefined) throw new UsageError(`--${flag} must be a whole number, got ${JSON.stringify(text)}`, { field: flag });
    return n;
  };
  const keys = {
    logKey: keyTextOrFileSync(flags.string('log-key')!, 'log-key', KEY_FORMS.verifier),
    witnessKeys: flags.strings('witness-key').map((k) => keyTextOrFileSync(k, 'witness-key', KEY_FORMS.verifier)),
    quorum: count('quorum'),
    mirrorKeys: flags.strings('mirror-key').map((k) => keyTextOrFileSync(k, 'mirror-key', KEY_FORMS.verifier)),
    mirrorQuorum: count('mirror-quorum'),
  };
  let verified: VerifiedReceipt;
  let bundle: EvidenceBundle | undefined;
  try {
    if (bundleFile !== undefined) {
      const text = decodeUtf8(await read(bundleFile, 'bundle', io));
      if (text === undefined) throw new LogError('MALFORMED_REQUEST', 'not a valid evidence bundle: it is not UTF-8 text');
      const parsed = parseEvidenceBundle(text);
      bundle = parsed;
      verified = checkReceipt(parsed.receipt, parsed.entryBytes, keys);
    } else {
      const receiptBytes = await read(positionals[0]!, 'receipt', io);
      const entry = await read(entryFile!, 'entry', io);
      const receipt = decodeUtf8(receiptBytes);
      if (receipt === undefined) throw new LogError('MALFORMED_RECEIPT', 'it is not UTF-8 text');
      verified = checkReceipt(receipt, entry, keys);
    }
  } catch (e) {
    if (!isLogError(e) || e instanceof UsageError) throw e;
    if (e.code === 'MALFORMED_REQUEST') {
      io.stderr.write(errorLine(`the bundle does not verify: ${e.message}`));
      return 1;
    }
    io.stderr.write(errorLine(`the ${bundle === undefined ? 'receipt' : 'bundle'} does not verify: ${FAILED[e.code] ?? e.code}: ${e.message}`));
    return 1;
  }
  const { checkpoint, cosigners, mirrorCosigners, leafIndex } = verified;
  if (flags.boolean('json')) {
    io.stdout.write(
      JSON.stringify({
        verified: true,
        origin: checkpoint.origin,
        leafIndex,
        treeSize: checkpoint.treeSize,
        rootHash: encodeBase64(checkpoint.rootHash),
        cosigners,
        mirrorCosigners,
        ...(bundle === undefined ? {} : { bundleLogKeyDiffers: bundle.logKey !== keys.logKey }),
      }) + '\n',
    );
  } else {
    const named = (list: typeof cosigners) => list.map((c) => `${c.name} (${new Date(c.timestamp * 1000).toISOString()})`).join(', ');
    let by = cosigners.length === 0 ? 'no witness cosignature required' : `cosigned by ${named(cosigners)}`;
    if (mirrorCosigners.length > 0) by += `; mirrored by ${named(mirrorCosigners)}`;
    // The origin and the cosigners' names come from the receipt: printed only made printable.
    io.stdout.write(printable(`verified: entry ${leafIndex} is in ${checkpoint.origin} at tree size ${checkpoint.treeSize}, root ${encodeBase64(checkpoint.rootHash)}; ${by}`) + '\n');
    if (bundle !== undefined && bundle.logKey !== keys.logKey) {
      io.stdout.write('note: the bundle names a different log key from --log-key; it was not used\n');
    }
  }
  return 0;
}

