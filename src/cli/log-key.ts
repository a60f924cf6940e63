/** The log's signing key: from --key-file, or generated once into the data directory. */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LogError } from '../errors.js';
import { type Ed25519NoteSigner, generateKey, parseSignerKey } from '../note/index.js';
import { readKeyFile } from './key-text.js';
import { nodeEd25519 } from './node-crypto.js';
import { ensurePrivateDir } from '../storage/index.js';

export const DEFAULT_ORIGIN = 'sightline.localhost/log';

/**
 * `file`: where the key is generated (and found again) when no key file is given; by
 * default the data directory's `log.key`, a single-log server's.
 */
export function loadLogKey(options: { keyFile: string | undefined; dataDir: string; origin: string | undefined; file?: string }): {
  signer: Ed25519NoteSigner;
  generated: string | undefined;
} {
  const read = (file: string): Ed25519NoteSigner => {
    const text = readKeyFile(file, 'key-file');
    try {
      return parseSignerKey(text, nodeEd25519);
    } catch (e) {
      throw new LogError('UNAVAILABLE', `the key file ${file} does not hold a signer key (PRIVATE+KEY+<origin>+<hex8>+<base64>): ${(e as Error).message}`, {
        field: 'key-file',
        cause: e,
      });
    }
  };
  if (options.keyFile !== undefined) {
    const signer = read(options.keyFile);
    if (options.origin !== undefined && options.origin !== signer.name) {
      throw new LogError('UNAVAILABLE', `--origin ${options.origin} differs from the key's name ${signer.name}; the origin is the key's name`, { field: 'origin' });
    }
    return { signer, generated: undefined };
  }
  const file = options.file ?? join(options.dataDir, 'log.key');
  if (existsSync(file)) {
    const signer = read(file);
    if (options.origin !== undefined && options.origin !== signer.name) {
      throw new LogError('UNAVAILABLE', `this data directory's log key is for ${signer.name}, not --origin ${options.origin}`, { field: 'origin' });
    }
    return { signer, generated: undefined };
  }
  const origin = options.origin ?? DEFAULT_ORIGIN;
  let key;
  try {
    key = generateKey(origin);
  } catch (e) {
    throw new LogError('UNAVAILABLE', `--origin ${JSON.stringify(origin)} is not a valid key name (no spaces, no "+")`, { field: 'origin', cause: e });
  }
  ensurePrivateDir(options.dataDir);
  ensurePrivateDir(dirname(file));
  writeFileSync(file, key.signerKey + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { signer: parseSignerKey(key.signerKey, nodeEd25519), generated: file };
}
