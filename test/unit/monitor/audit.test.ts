/**
 * The monitor's audit over an in-memory log: every checkpoint of a growing log verified
 * across the tile boundaries, resumed from serialised state, and each way a log can
 * misbehave caught with the evidence a third party needs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeLeafHash, nodeNodeHash } from '../../../src/cli/node-crypto.js';
import { decodeBase64, encodeBase64, utf8 } from '../../../src/encoding/index.js';
import { verifyConsistency } from '../../../src/merkle/index.js';
import {
  type AuditOptions,
  type AuditResult,
  type Evidence,
  type LogSource,
  type MonitorState,
  alertFor,
  auditLog,
  evidenceFileName,
  MonitorConfigError,
  initialState,
  parseState,
} from '../../../src/monitor/index.js';
import { ed25519Signer, formatCheckpoint, signNote } from '../../../src/note/index.js';
import { FakeLog, ORIGIN, accessEvent, flip, logSigner, sha256 } from '../../support/fake-log.js';
import { encodeMoneyLeaf, validateRecord } from '../../../src/money/index.js';
import { exampleRecord } from '../../support/money-examples.js';

const LOG_KEY = logSigner().verifierKey;

function fresh(): MonitorState {
  return initialState(ORIGIN, LOG_KEY);
}

function options(source: LogSource, extra: Partial<AuditOptions> = {}): AuditOptions {
  return { source, sha256, url: 'https://log.example/', ...extra };
}

/** JSON round trip, as the CLI stores it. */
function roundTrip(state: MonitorState): MonitorState {
  return parseState(JSON.parse(JSON.stringify(state)) as unknown);
}

async function audit(state: MonitorState, source: LogSource, extra: Partial<AuditOptions> = {}): Promise<AuditResult> {
  return auditLog(state, options(source, extra));
}

/**
 * The audits of tens of thousands of entries hash natively, as the CLI does; the others
 * keep the monitor's default (the pure core's hashing), so both are audited here.
 */
const NATIVE: Partial<AuditOptions> = { leafHash: nodeLeafHash, nodeHash: nodeNodeHash };

/**
 * 70,000 raw entries (past the first level-2 tile), built once for the tests that only read
 * it: a checkpoint of any smaller size is served from its prefix, as a log that has grown
 * further serves an old checkpoint's tiles.
 *
 * The entries are small JSON objects, as the benchmark's are: raw entries to the monitor (no
 * `v: 1`). Entries that are not JSON at all, like the `entry <i>` of the smaller logs below,
 * cost the monitor's event check two thrown parse errors each, which over the 400,000
 * entries audited from this log would be most of the file's time.
 */
let big: FakeLog;
beforeAll(() => {
  big = new FakeLog().append(Array.from({ length: 70_000 }, (_, i) => utf8(`{"entry":${i}}`)));
});

function only(result: AuditResult): Evidence {
  expect(result.evidence).toHaveLength(1);
  return result.evidence[0]!;
}

describe('a growing log, checkpoint by checkpoint', () => {
  it('verifies every checkpoint across the tile boundaries, resuming from serialised state each time', async () => {
    const sizes = [0, 1, 2, 255, 256, 257, 300, 511, 512, 513, 65535, 65536, 65537, 65536 + 300, 65536 + 256 * 3 + 1];
    let state = fresh();
    let previous = 0;
    for (const size of sizes) {
      // The log as it stood at `size`: its checkpoint, and tiles and bundles no wider.
      const requests: string[] = [];
      const result = await audit(state, big.source({ size, requests }), NATIVE);
      expect(result.evidence).toEqual([]);
      expect(result.verified?.treeSize).toBe(size);
      expect(result.verified?.line).toBe(
        `checkpoint ${size} (+${size - previous} ${size - previous === 1 ? 'entry' : 'entries'}) root ${encodeBase64(big.root(size)).slice(0, 16)} consistent with ${previous}: audited, 0 events checked`,
      );
      expect(result.state.rootHash).toBe(encodeBase64(big.root(size)));
      // Only the new range is fetched: the bundles from the one holding the old size on.
      const bundles = requests.filter((p) => p.startsWith('tile/entries/'));
      expect(bundles.length).toBe(Math.ceil(size / 256) - Math.floor(previous / 256));
      if (previous > 0 && previous < size) expect(requests).toContain(`proof ${previous} ${size}`);
      state = roundTrip(result.state);
      previous = size;
    }
  });

  it('audits a large log in one go, with progress, and then has nothing new to say', async () => {
    const progress: number[] = [];
    const result = await audit(fresh(), big.source(), { ...NATIVE, onProgress: (p) => progress.push(p.audited) });
    expect(result.evidence).toEqual([]);
    expect(result.verified?.treeSize).toBe(70_000);
    expect(progress.at(-1)).toBe(70_000);
    expect(progress.length).toBe(Math.ceil(70_000 / 256));
    const again = await audit(roundTrip(result.state), big.source(), NATIVE);
    expect(again.verified).toBeUndefined();
    expect(again.evidence).toEqual([]);
  });

  it('falls back to the full tile and bundle when a partial path is not served', async () => {
    const log = new FakeLog().appendRaw(600);
    const first = await audit(fresh(), log.source({ size: 300, noPartials: true }));
    expect(first.evidence).toEqual([]);
    expect(first.verified?.treeSize).toBe(300);
  });

  it('ignores cosignatures and unknown signatures on the checkpoint', async () => {
    const log = new FakeLog().appendRaw(10);
    const note = log.checkpoint();
    const extra = `\u2014 witness.example/w ${encodeBase64(new Uint8Array(68).fill(1))}\n`;
    const result = await audit(fresh(), log.source({ note: note + extra }));
    expect(result.evidence).toEqual([]);
    expect(result.verified?.treeSize).toBe(10);
  });
});

/** The note with its last signature's bytes flipped (the key name and ID untouched). */
function flipSignature(note: string): string {
  const lines = note.split('\n');
  const sig = lines[lines.length - 2]!;
  const bytes = decodeBase64(sig.split(' ')[2]!)!;
  return [...lines.slice(0, -2), `${sig.split(' ').slice(0, 2).join(' ')} ${encodeBase64(flip(bytes, 10))}`, ''].join('\n');
}

describe('a first run whose checkpoint does not verify with the pinned key: the configuration, not the log', () => {
  const rejects = async (source: LogSource, message: RegExp): Promise<void> => {
    const run = audit(fresh(), source);
    await expect(run).rejects.toBeInstanceOf(MonitorConfigError);
    await expect(run).rejects.toThrow(message);
  };

  it('the key of another log (another origin): check the log key and the URL', async () => {
    const other = new FakeLog(logSigner(new Uint8Array(32).fill(9), 'other.example/log')).appendRaw(5);
    await rejects(other.source(), /origin "other\.example\/log"\) is not signed by --log-key monitor\.test\.example\/log: check the log key and the URL$/);
  });

  it('another key of the same name, a forged signature, another origin in a note signed by the key, or no checkpoint at all', async () => {
    const log = new FakeLog().appendRaw(5);
    await rejects(log.source({ note: log.checkpoint(5, log.root(), ed25519Signer(ORIGIN, new Uint8Array(32).fill(8))) }), /is not signed by --log-key .*: check the log key and the URL$/);
    await rejects(log.source({ note: flipSignature(log.checkpoint()) }), /does not verify: check the log key and the URL/);
    // signCheckpoint refuses this; a hostile server need not.
    const elsewhere = signNote(formatCheckpoint({ origin: 'elsewhere.example/log', treeSize: 5, rootHash: log.root(), extensions: [] }), [log.signer]);
    await rejects(log.source({ note: elsewhere }), /is of origin "elsewhere\.example\/log", not "monitor\.test\.example\/log": check the log key/);
    await rejects(log.source({ note: '<!doctype html>\n<title>Not a log</title>\n' }), /is not a signed checkpoint .*: check the URL$/);
  });

  it('the same key on the same log verifies as before', async () => {
    const log = new FakeLog().appendRaw(5);
    expect((await audit(fresh(), log.source())).verified?.treeSize).toBe(5);
  });
});

describe('a log that misbehaves', () => {
  it('a flipped byte in an entry bundle: root mismatch, naming the leaf and its entry', async () => {
    const log = new FakeLog().appendRaw(700);
    const verified = await audit(fresh(), log.source({ size: 300 }));
    const leaf = 555; // in bundle 2, a partial bundle at size 700
    const result = await audit(
      verified.state,
      log.source({
        mutate: (path, data) => (path.startsWith('tile/entries/002') ? flip(data, offsetOf(log, leaf) + 2) : data),
      }),
    );
    const e = only(result);
    expect(e.kind).toBe('root-mismatch');
    expect(e.leafIndex).toBe(leaf);
    expect(decodeBase64(e.entry!)).toEqual(flip(log.entries[leaf]!, 0));
    expect(e.tile?.path).toBe('tile/0/002.p/188');
    expect(e.previous?.treeSize).toBe(300);
    expect(e.previous?.note).toBe(log.checkpoint(300));
    expect(e.checkpoint.note).toBe(log.checkpoint());
    expect(e.consistencyProof.served).not.toBeNull();
    expect(result.state).toBe(verified.state); // nothing advanced
  });

  it('a flipped byte in a served tile: tile mismatch with both tiles', async () => {
    for (const target of ['tile/0/001', 'tile/1/000', 'tile/2/000.p/1', 'tile/0/257.p/208']) {
      // Byte 40 is in the second hash; a one-hash tile gets byte 8 flipped.
      const mutate = (path: string, data: Uint8Array) => (path === target ? flip(data, 40 % data.length) : data);
      const result = await audit(fresh(), big.source({ size: 66_000, mutate }), NATIVE);
      const e = only(result);
      expect(e.kind).toBe('tile-mismatch');
      expect(e.tile?.path).toBe(target);
      const computed = decodeBase64(e.tile!.computed)!;
      expect(decodeBase64(e.tile!.served!)).toEqual(flip(computed, 40 % computed.length));
      if (target.startsWith('tile/0/')) expect(e.leafIndex).toBe(Number(target.slice(7, 10)) * 256 + 1);
      expect(result.state.treeSize).toBe(0);
    }
  });

  it('a malformed entry bundle', async () => {
    const log = new FakeLog().appendRaw(20);
    const e = only(await audit(fresh(), log.source({ mutate: (p, d) => (p.startsWith('tile/entries/') ? d.subarray(0, d.length - 1) : d) })));
    expect(e.kind).toBe('entry-bundle');
    expect(e.entryBundle?.path).toBe('tile/entries/000.p/20');
  });

  it('a wrong root in a validly signed checkpoint', async () => {
    const log = new FakeLog().appendRaw(20);
    const e = only(await audit(fresh(), log.source({ note: log.checkpoint(20, sha256(utf8('not the root'))) })));
    expect(e.kind).toBe('root-mismatch');
    expect(e.leafIndex).toBeUndefined();
  });

  it('a rollback to a smaller tree', async () => {
    const log = new FakeLog().appendRaw(200).appendRaw(100);
    const verified = await audit(fresh(), log.source());
    const old = log.checkpoint(200);
    const e = only(await audit(verified.state, log.source({ size: 200, note: old })));
    expect(e.kind).toBe('rollback');
    expect(e.previous?.note).toBe(log.checkpoint(300));
    expect(e.checkpoint.note).toBe(old);
    expect(e.checkpoint.treeSize).toBe(200);
  });

  it('a fork: another root for the same size', async () => {
    const log = new FakeLog().appendRaw(10);
    const other = new FakeLog().appendRaw(10, 10, 'other');
    const verified = await audit(fresh(), log.source());
    const e = only(await audit(verified.state, other.source()));
    expect(e.kind).toBe('fork');
    expect(e.previous?.rootHash).toBe(encodeBase64(log.root()));
    expect(e.checkpoint.rootHash).toBe(encodeBase64(other.root()));
  });

  it('a split history signed by the same key: the log’s own tiles prove the fork', async () => {
    const log = new FakeLog().appendRaw(10);
    const split = new FakeLog();
    split.append([...log.entries.slice(0, 3), utf8('rewritten'), ...log.entries.slice(4)]).appendRaw(10);
    const verified = await audit(fresh(), log.source());
    const e = only(await audit(verified.state, split.source({ proofs: false })));
    expect(e.kind).toBe('fork');
    const fromLogTiles = e.consistencyProof.fromLogTiles!.map((h) => decodeBase64(h)!);
    // Anyone can check: the log's proof links its new root to a different old root.
    expect(() => verifyConsistency(10, 20, fromLogTiles, log.root(), split.root())).toThrow();
    expect(e.previous?.note).toBe(log.checkpoint());
    expect(e.checkpoint.note).toBe(split.checkpoint());
  });

  it('a bad checkpoint signature, and a checkpoint signed by another key of the same name, once a checkpoint has verified', async () => {
    const log = new FakeLog().appendRaw(5);
    const verified = await audit(fresh(), log.source());
    expect(verified.verified?.treeSize).toBe(5);
    log.appendRaw(3);
    const tampered = flipSignature(log.checkpoint());
    const e = only(await audit(verified.state, log.source({ note: tampered })));
    expect(e.kind).toBe('checkpoint-signature');
    expect(e.checkpoint.note).toBe(tampered);
    expect(e.previous?.note).toBe(log.checkpoint(5));
    const impostor = log.checkpoint(8, log.root(), ed25519Signer(ORIGIN, new Uint8Array(32).fill(8)));
    expect(only(await audit(verified.state, log.source({ note: impostor }))).kind).toBe('checkpoint-signature');
  });

  it('a lying GET /v1/proofs/consistency', async () => {
    const log = new FakeLog().appendRaw(100);
    const verified = await audit(fresh(), log.source());
    log.appendRaw(50);
    const lie = (proof: string[]) => proof.map((h, i) => (i === 0 ? encodeBase64(flip(decodeBase64(h)!, 3)) : h));
    const e = only(await audit(verified.state, log.source({ proofs: lie })));
    expect(e.kind).toBe('consistency-proof');
    expect(e.consistencyProof.computed).not.toEqual(e.consistencyProof.served);
    expect(e.consistencyProof.served![0]).toBe(lie(e.consistencyProof.computed as string[])[0]);
    // An honest one passes.
    expect((await audit(verified.state, log.source())).evidence).toEqual([]);
  });

  it('the webhook alert carries references only', async () => {
    const log = new FakeLog().appendRaw(20);
    const e = only(await audit(fresh(), log.source({ mutate: (p, d) => (p.startsWith('tile/entries/') ? flip(d, 5) : d) })));
    const alert = alertFor(e, evidenceFileName(e), 'ab'.repeat(32));
    expect(Object.keys(alert).sort()).toEqual(['evidence', 'evidenceSha256', 'kind', 'leafIndex', 'origin', 'previousTreeSize', 'treeSize']);
    expect(JSON.stringify(alert)).not.toContain(e.entry!);
    expect(evidenceFileName(e)).toMatch(/^\d{8}T\d{6}\.\d{3}Z-root-mismatch\.json$/);
  });
});

/** The byte offset of entry `leaf` (its first byte) inside its entry bundle. */
function offsetOf(log: FakeLog, leaf: number): number {
  let o = 0;
  for (let i = Math.floor(leaf / 256) * 256; i < leaf; i++) o += 2 + log.entries[i]!.length;
  return o;
}

describe('typed events', () => {
  function eventLog(): FakeLog {
    const log = new FakeLog();
    log.addPartner('dwp-uc');
    log.addPartner('hmrc-tc');
    return log.appendRaw(3).recordCodes();
  }

  it('checks schema, codes and signatures, and follows partner sequence numbers', async () => {
    const log = eventLog();
    log.append([1, 2, 3].map((s) => log.eventLeaf('dwp-uc', accessEvent('dwp-uc', s))));
    log.append([log.eventLeaf('hmrc-tc', accessEvent('hmrc-tc', 1)), utf8('a raw entry'), utf8('{"v":1}')]);
    const result = await audit(fresh(), log.source());
    expect(result.evidence).toEqual([]);
    expect(result.verified?.eventsChecked).toBe(4);
    expect(result.state.codes?.leafIndex).toBe(3);
    expect(result.state.partners).toEqual({ 'dwp-uc': { highest: 3, gaps: [] }, 'hmrc-tc': { highest: 1, gaps: [] } });
  });

  it('a bad partner signature', async () => {
    const log = eventLog();
    const forged = log.eventLeaf('dwp-uc', accessEvent('dwp-uc', 1), sha256(utf8('not the partner')));
    log.append([forged]);
    const result = await audit(fresh(), log.source());
    const e = only(result);
    expect(e.kind).toBe('event-signature');
    expect(e.leafIndex).toBe(4);
    expect(decodeBase64(e.entry!)).toEqual(forged);
    expect(e.partner).toBe('dwp-uc');
    // The tree itself verified: the monitor moves on, the evidence stays.
    expect(result.verified?.treeSize).toBe(5);
    expect(e.consistencyProof.computed).toEqual([]);
  });

  it("an operator's act by a partner, or a partner's event by the operator, is the log's doing", async () => {
    const disclosure = { type: 'disclosure', partner: 'dwp-uc', partnerSeq: 1, hour: '2026-03-01T09', actor: 'ab'.repeat(16), purpose: 'complaint-handling', legalBasis: 'ukgdpr-6-1-e', target: 0 };
    const log = eventLog();
    log.append([log.eventLeaf('dwp-uc', disclosure)]);
    const e = only(await audit(fresh(), log.source()));
    expect(e.kind).toBe('event-schema');
    expect(e.field).toBe('event.type');
    expect(e.message).toMatch(/a disclosure event by partner dwp-uc, which the log's intake refuses/);

    const other = eventLog();
    other.addPartner('log-operator');
    other.append([other.eventLeaf('log-operator', accessEvent('log-operator', 1))]);
    expect(only(await audit(fresh(), other.source())).field).toBe('event.type');
  });

  it('personal data in an event', async () => {
    const log = eventLog();
    log.append([log.eventLeaf('dwp-uc', accessEvent('dwp-uc', 1, { system: 'qq123456c' }))]);
    const e = only(await audit(fresh(), log.source()));
    expect(e.kind).toBe('personal-data');
    expect(e.field).toBe('event.system');
    expect(e.message).not.toContain('qq123456c');
  });

  it('an unknown code, and a code-lists record the log cannot back', async () => {
    const log = eventLog();
    log.append([log.eventLeaf('dwp-uc', accessEvent('dwp-uc', 1, { purpose: 'curiosity' }))]);
    expect(only(await audit(fresh(), log.source())).kind).toBe('event-schema');
    const other = new FakeLog().recordCodes();
    other.codeLists.clear();
    expect(only(await audit(fresh(), other.source())).kind).toBe('code-lists');
  });

  it('a sequence gap is a warning once it outlives the window, reported once', async () => {
    const log = eventLog();
    log.append([1, 2, 5].map((s) => log.eventLeaf('dwp-uc', accessEvent('dwp-uc', s))));
    let clock = Date.parse('2026-06-01T10:00:00Z');
    const now = () => new Date(clock);
    const first = await audit(fresh(), log.source(), { now, gapWindowSeconds: 3600 });
    expect(first.warnings).toEqual([]);
    expect(first.state.partners['dwp-uc']!.gaps).toEqual([{ from: 3, to: 4, firstSeen: '2026-06-01T10:00:00.000Z', firstSeenTreeSize: 7, reported: false }]);
    clock += 2 * 3600 * 1000;
    const second = await audit(roundTrip(first.state), log.source(), { now, gapWindowSeconds: 3600 });
    expect(second.evidence).toEqual([]);
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]!.kind).toBe('sequence-gap');
    expect(second.warnings[0]!.gap).toMatchObject({ partner: 'dwp-uc', from: 3, to: 4 });
    const third = await audit(roundTrip(second.state), log.source(), { now, gapWindowSeconds: 3600 });
    expect(third.warnings).toEqual([]);
    // A late event fills part of the gap; a reused number is a finding.
    log.append([log.eventLeaf('dwp-uc', accessEvent('dwp-uc', 3))]);
    const fourth = await audit(roundTrip(third.state), log.source(), { now, gapWindowSeconds: 3600 });
    expect(fourth.evidence).toEqual([]);
    expect(fourth.state.partners['dwp-uc']!.gaps).toMatchObject([{ from: 4, to: 4, reported: true }]);
    log.append([log.eventLeaf('dwp-uc', accessEvent('dwp-uc', 2, { action: 'search' }))]);
    expect(only(await audit(roundTrip(fourth.state), log.source(), { now })).kind).toBe('event-sequence');
  });

  it('skips typed-event checks on a log without Sightline’s routes, and says so', async () => {
    const log = eventLog();
    log.append([log.eventLeaf('dwp-uc', accessEvent('dwp-uc', 1, { system: 'qq123456c' }))]);
    const result = await audit(fresh(), log.source({ events: false, proofs: false }));
    expect(result.evidence).toEqual([]);
    expect(result.verified?.eventsChecked).toBe(0);
    expect(result.notices).toHaveLength(1);
  });
});

describe('state', () => {
  it('refuses a state whose edge does not hash to its root', async () => {
    const log = new FakeLog().appendRaw(300);
    const { state } = await audit(fresh(), log.source());
    const json = JSON.parse(JSON.stringify(state)) as { edgeTiles: { level: number; data: string }[] };
    json.edgeTiles[0]!.data = encodeBase64(flip(decodeBase64(json.edgeTiles[0]!.data)!, 0));
    expect(() => parseState(json)).toThrow(/do not hash to the stored root/);
  });
});

describe('public-money records', () => {
  const spendLeaf = (n: number, amount: number) => encodeMoneyLeaf(validateRecord(exampleRecord('spend', { transactionNumber: `T${n}`, amount })));
  const statementLeaf = (count: number, total: string) => encodeMoneyLeaf(validateRecord(exampleRecord('publication', { count, totals: { GBP: total } })));

  it('recounts each statement from the entries; a late row in a closed period is reported once, with the entry that added it', async () => {
    const log = new FakeLog().append([spendLeaf(1, 100), spendLeaf(2, 250), statementLeaf(2, '350')]);
    const first = await audit(fresh(), log.source());
    expect(first.evidence).toEqual([]);
    expect(first.warnings).toEqual([]);
    expect(first.verified!.line).toContain('3 records checked');

    log.append([spendLeaf(3, 5)]);
    const second = await audit(roundTrip(first.state), log.source());
    expect(second.evidence).toEqual([]);
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]).toMatchObject({ kind: 'publication-mismatch', leafIndex: 2, publication: { declared: { count: 2 }, found: { count: 3, totals: { GBP: '355' } }, lateEntries: [3] } });
    expect(second.warnings[0]!.message).toContain('£3.55');

    // Reported once: the next checkpoints say nothing more of it.
    log.append([utf8('a raw entry')]);
    const third = await audit(roundTrip(second.state), log.source());
    expect(third.warnings).toEqual([]);
  });

  it('a record leaf the intake would refuse is the log misbehaving', async () => {
    const amendNothing = encodeMoneyLeaf(validateRecord(exampleRecord('withdraw', { target: 0 })));
    const forged = utf8(JSON.stringify({ money: { ...exampleRecord('spend'), amount: '1' }, v: 1 }));
    const result = await audit(fresh(), new FakeLog().append([utf8('raw'), amendNothing, forged]).source());
    expect(result.evidence.map((e) => [e.kind, e.leafIndex])).toEqual([
      ['money-record', 1],
      ['money-record', 2],
    ]);
  });
});
