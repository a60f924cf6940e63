/**
 * `sightline witness --log-list`: the logs of a fetched list become witnessed at runtime; a
 * key is taken for an origin the first time only, and another key for a known origin is
 * refused with one warning, the old key still the one trusted.
 */
import { describe, expect, test } from 'vitest';
import { witnessListedLogs } from '../../src/cli/witness.js';
import { ed25519Cosigner } from '../../src/note/index.js';
import { MemoryWitnessStore, createWitness } from '../../src/witness/index.js';
import { TestLog, logSigner } from '../support/witness-log.js';

const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(42));

describe('witnessListedLogs', () => {
  test('witnesses new logs, keeps pinned keys, and refuses another key for a known origin once', async () => {
    const configured = new TestLog(logSigner(1, 'example.org/configured'));
    const witness = createWitness({ cosigner, logs: [{ origin: configured.origin, verifiers: [configured.verifier], verifierKeys: [configured.signer.verifierKey] }], store: new MemoryWitnessStore(), now: () => 1 });
    const listed = new TestLog(logSigner(2, 'example.org/listed'));
    const impostor = logSigner(3, 'example.org/listed');
    const pinned = new Map<string, string>();
    const reported = new Set<string>();
    const lines: Record<string, unknown>[] = [];
    const log = (r: Record<string, unknown>) => lines.push(r);

    expect(witnessListedLogs(witness, [{ origin: listed.origin, vkey: listed.signer.verifierKey }], pinned, reported, log)).toEqual([listed.origin]);
    expect(pinned.get(listed.origin)).toBe(listed.signer.verifierKey);
    listed.grow(2);
    expect((await witness.addCheckpoint(await listed.request(0, 2))).status).toBe(200);

    // The list swaps the key of a listed log and of a configured one: refused, said once each.
    const swapped = [
      { origin: listed.origin, vkey: impostor.verifierKey },
      { origin: configured.origin, vkey: logSigner(4, configured.origin).verifierKey },
    ];
    expect(witnessListedLogs(witness, swapped, pinned, reported, log)).toEqual([]);
    expect(witnessListedLogs(witness, swapped, pinned, reported, log)).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.origin)).toEqual([listed.origin, configured.origin]);
    expect(witness.logs.find((l) => l.origin === listed.origin)!.verifierKeys).toEqual([listed.signer.verifierKey]);

    // After a restart (a new witness, the pins read back), the pinned key is used, not the list's.
    const restarted = createWitness({ cosigner, logs: [], store: new MemoryWitnessStore(), now: () => 1 });
    expect(witnessListedLogs(restarted, [{ origin: listed.origin, vkey: impostor.verifierKey }], pinned, new Set(), log)).toEqual([listed.origin]);
    expect(restarted.logs[0]!.verifierKeys).toEqual([listed.signer.verifierKey]);
  });
});
