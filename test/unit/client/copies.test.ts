/**
 * The client reading a log from its copies: tiles and bundles from a mirror first (the log is
 * not asked for them), the checkpoint from the log first and from the mirror when the log is
 * down; a mirror whose checkpoint lacks its cosignature is passed over; everything read
 * still verifies with the log key through the client's tile reader.
 */
import { describe, expect, test } from 'vitest';
import { checkCopyCheckpoint, copyUrl, createClient, firstAnswer } from '../../../src/client/index.js';
import { tileTreeReader } from '../../../src/client/tiles.js';
import { LogError } from '../../../src/errors.js';
import { verifyInclusion, leafHash } from '../../../src/merkle/index.js';
import { originHashOf } from '../../../src/mirror/index.js';
import { ed25519Cosigner, openCheckpoint, parseCosignatureVerifier } from '../../../src/note/index.js';
import { mirroredTestLog } from '../../support/mirrored-test-log.js';
import { TEST_ORIGIN } from '../../support/test-log.js';

const mirrorKey = ed25519Cosigner('copy.mirror.example', new Uint8Array(32).fill(5));

async function setup() {
  const { log, mirrorApp } = await mirroredTestLog(300, mirrorKey, (i) => `copied entry ${i}`);
  const asked = { log: [] as string[], mirror: [] as string[] };
  const down = { log: false };
  const fetch = async (url: string, init?: RequestInit) => {
    const u = new URL(url);
    if (u.hostname === 'mirror.test') {
      asked.mirror.push(u.pathname);
      return mirrorApp.request(u.pathname, init);
    }
    if (down.log) throw new TypeError('fetch failed');
    asked.log.push(u.pathname);
    return log.app.request(`${u.pathname}${u.search}`, init);
  };
  return { log, fetch, asked, down };
}

describe('the client with copies', () => {
  test('reads tiles from the mirror, the checkpoint from the log, and everything verifies', async () => {
    const { log, fetch, asked } = await setup();
    const client = createClient({ url: 'http://log.test', fetch, copies: [{ url: copyUrl('http://mirror.test/', TEST_ORIGIN), mirror: parseCosignatureVerifier(mirrorKey.verifierKey) }] });
    const { checkpoint } = openCheckpoint(await client.checkpoint(), log.verifier);
    expect(asked.log).toEqual(['/checkpoint']);
    const reader = tileTreeReader((path) => client.tile(path), checkpoint);
    const entry = await reader.entry(123);
    verifyInclusion(leafHash(entry), 123, checkpoint.treeSize, await reader.inclusionProof(123), checkpoint.rootHash);
    expect(new TextDecoder().decode(entry)).toBe('copied entry 123');
    expect(asked.log).toEqual(['/checkpoint']); // no tile asked of the log
    expect(asked.mirror.every((p) => p.startsWith(`/${originHashOf(TEST_ORIGIN)}/tile/`))).toBe(true);
  });

  test('falls back to the mirror for the checkpoint when the log is down, and to the log for what the mirror lacks', async () => {
    const { log, fetch, asked, down } = await setup();
    const client = createClient({ url: 'http://log.test', fetch, copies: [{ url: copyUrl('http://mirror.test', TEST_ORIGIN), mirror: parseCosignatureVerifier(mirrorKey.verifierKey) }] });
    down.log = true;
    const note = await client.checkpoint();
    expect(openCheckpoint(note, log.verifier, { others: [parseCosignatureVerifier(mirrorKey.verifierKey)] }).note.verified).toHaveLength(2);
    down.log = false;
    await log.submit('only in the log');
    const path = `tile/entries/001.p/${log.sequencer.head().treeSize - 256}`;
    expect(await client.tile(path)).toBeDefined(); // past the mirror's tree: the log's
    expect(asked.log).toContain(`/${path}`);
  });

  test('passes over a mirror whose checkpoint lacks its cosignature; with no source left, says why', async () => {
    const { fetch, down } = await setup();
    const stranger = ed25519Cosigner('other.mirror.example', new Uint8Array(32).fill(6));
    const client = createClient({ url: 'http://log.test', fetch, copies: [{ url: copyUrl('http://mirror.test', TEST_ORIGIN), mirror: parseCosignatureVerifier(stranger.verifierKey) }] });
    down.log = true;
    await expect(client.checkpoint()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(() => checkCopyCheckpoint('x\n', { url: 'http://m', mirror: parseCosignatureVerifier(stranger.verifierKey) })).toThrow(/no valid cosignature/);
  });

  test('copyUrl appends the origin hash unless the URL already names one or is a static copy; firstAnswer stops at a real error', async () => {
    const hash = originHashOf('a.example/log');
    expect(copyUrl('https://m.example/', 'a.example/log')).toBe(`https://m.example/${hash}`);
    expect(copyUrl(`https://m.example/${hash}/`, 'a.example/log')).toBe(`https://m.example/${hash}`);
    expect(copyUrl('https://cdn.example/log/', 'a.example/log', { static: true })).toBe('https://cdn.example/log');
    await expect(firstAnswer([async () => undefined, async () => 7])).resolves.toBe(7);
    await expect(firstAnswer([async () => undefined])).resolves.toBeUndefined();
    await expect(firstAnswer([async () => { throw new LogError('UNAVAILABLE', 'down'); }, async () => undefined])).rejects.toThrow('down');
    await expect(firstAnswer([async () => { throw new LogError('INVALID_PROOF', 'lies'); }, async () => 1])).rejects.toThrow('lies');
  });
});
