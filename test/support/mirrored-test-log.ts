/**
 * A test log of `count` raw entries and a mirror in this process that holds all of it,
 * cosigned: fed through the feeder from the log's own tiles, as a pushing log feeds it.
 */
import { createMirrorApp } from '../../src/http/mirror-app.js';
import { MemoryMirrorStore, createMirror, feedMirror, localMirrorTarget } from '../../src/mirror/index.js';
import { type Cosigner, openCheckpoint } from '../../src/note/index.js';
import { MemoryStore } from './memory-store.js';
import { TEST_ORIGIN, newTestLog } from './test-log.js';

export async function mirroredTestLog(count: number, cosigner: Cosigner, entry = (i: number) => `mirrored entry ${i}`) {
  const log = await newTestLog(new MemoryStore());
  for (let i = 0; i < count; i++) await log.submit(entry(i));
  const mirror = createMirror({ cosigner, logs: [{ origin: TEST_ORIGIN, verifiers: [log.verifier] }], store: new MemoryMirrorStore(), now: () => 1_780_000_000 });
  const note = await (await log.app.request('/checkpoint')).text();
  const { checkpoint } = openCheckpoint(note, log.verifier);
  const served = async (path: string) => {
    const res = await log.app.request(`/${path}`);
    return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : undefined;
  };
  const fed = await feedMirror({ target: localMirrorTarget(mirror), source: served, checkpoint: { note, origin: TEST_ORIGIN, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash } });
  if (fed.outcome !== 'mirrored') throw new Error('the test mirror did not take the log');
  return { log, mirror, mirrorApp: createMirrorApp({ mirror, log: () => {}, contact: 'test' }) };
}
