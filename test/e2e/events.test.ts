/**
 * End to end, on the real server process (PGlite) and the CLI's commands (run in-process,
 * reaching the running server through its admin socket): three partners record a
 * few hundred typed events about a few dozen claimants over several months; a claimant's
 * `sightline lookup` returns exactly their events, all verified; an advocate holding one
 * month's key sees only that month; after an erasure the timeline shows it erased and
 * everything still verifies, and fsck passes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { deriveMonthKey, formatHeldKey, parseHeldKey } from '../../src/subject/index.js';
import { spawnCli, startServe } from '../support/cli.js';
import { runCli } from '../support/run-cli.js';
import { accessDraft, code, partnerKeyPair, signedEvent, targetingEvent } from '../support/events.js';
import { tempDir } from '../support/temp.js';


const ORIGIN = 'events.sightline.example/log';
const PARTNERS = ['dwp-uc', 'hmrc-tc', 'la-leeds'] as const;
const PREFIXES = ['AB', 'CE', 'HJ', 'KL', 'MN', 'PR', 'ST', 'WX'];
const SUBJECTS = Array.from({ length: 36 }, (_, i) => `${PREFIXES[i % PREFIXES.length]}${String(200000 + i * 3137).slice(0, 6)}${'ABCD'[i % 4]}`);
const MONTHS = ['06', '07', '08', '09'];

interface Row {
  index: number;
  hour: string;
  type: string;
  partner: string;
  verified: boolean;
  erasedBy?: number;
  problems: string[];
}

async function lookup(url: string, key: string, nino: string, verifierKey: string, from = '2026-06-01', to = '2026-09-30'): Promise<Row[]> {
  const run = await runCli(['lookup', '--key', key, '--scheme', 'nino', '--id', nino, '--from', from, '--to', to, '--url', url, '--log-key', verifierKey, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { rows: Row[] }).rows;
}

test('three partners, dozens of claimants, months of events: lookup finds exactly one claimant’s, verified, through an erasure', async () => {
  const dataDir = tempDir('events-e2e');
  const server = await startServe(['--data-dir', dataDir, '--origin', ORIGIN]);
  try {
    const verifierKey = String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey);

    // Partners with their event-signing keys (one registered later with set-key), and an operator.
    const tokens: Record<string, string> = {};
    for (const id of PARTNERS) {
      const publicKey = Buffer.from(partnerKeyPair(id).publicKey).toString('base64');
      const args = id === 'la-leeds' ? [] : ['--public-key', publicKey];
      const added = await runCli(['partner', 'add', id, ...args, '--json', '--data-dir', dataDir]);
      expect(added.stderr).toBe('');
      tokens[id] = (JSON.parse(added.stdout) as { token: string }).token;
      if (id === 'la-leeds') expect((await runCli(['partner', 'set-key', id, '--public-key', publicKey, '--data-dir', dataDir])).code).toBe(0);
    }
    const listed = JSON.parse((await runCli(['partner', 'list', '--json', '--data-dir', dataDir])).stdout) as { id: string; publicKey: string }[];
    // Beside the partners, the log's own account, whose key signs the operator's acts.
    expect(listed.map((p) => p.id)).toContain('log-operator');
    expect(listed.filter((p) => p.id !== 'log-operator').map((p) => p.publicKey)).toEqual(
      [...PARTNERS].sort().map((id) => Buffer.from(partnerKeyPair(id).publicKey).toString('base64')),
    );
    const operator = JSON.parse((await runCli(['operator', 'add', 'casework', '--json', '--data-dir', dataDir])).stdout) as { token: string };

    // A few hundred events, submitted concurrently; who each is about is known only here.
    const seq: Record<string, number> = {};
    const about = new Map<number, string>();
    const post = async (partner: string, body: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[partner]}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { index: number };
      expect(res.status, JSON.stringify(json)).toBe(201);
      return json.index;
    };
    const work = Array.from({ length: 320 }, (_, i) => {
      const partner = PARTNERS[i % 3]!;
      const n = (seq[partner] = (seq[partner] ?? 0) + 1);
      const subject = SUBJECTS[(i * 7) % SUBJECTS.length]!;
      const hour = `2026-${MONTHS[Math.floor(i / 80)]}-${String(1 + ((i * 5) % 28)).padStart(2, '0')}T${String((i * 3) % 24).padStart(2, '0')}`;
      const draft = accessDraft(partner, n, hour, subject, { purpose: code('purposes', i), categories: [code('categories', i)] });
      return { partner, subject, body: signedEvent(draft, ORIGIN, partnerKeyPair(partner).seed) };
    });
    for (let i = 0; i < work.length; i += 16) {
      const indices = await Promise.all(work.slice(i, i + 16).map((w) => post(w.partner, w.body)));
      indices.forEach((index, k) => about.set(index, work[i + k]!.subject));
    }

    // The claimant's subject key, from the CLI and from the API: the same key.
    const claimant = SUBJECTS[5]!;
    const fromCli = await runCli(['subject-key', '--scheme', 'nino', '--id', claimant.toLowerCase(), '--year', '2026', '--purpose', 'subject-access-request', '--legal-basis', 'ukgdpr-6-1-c', '--data-dir', dataDir]);
    expect(fromCli.stderr).toBe('');
    const subjectKey = fromCli.stdout.trim();
    const fromApi = await fetch(`${server.url}/v1/subject-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scheme: 'nino', id: claimant, year: '2026', purpose: 'subject-access-request', legalBasis: 'ukgdpr-6-1-c' }),
    });
    expect(((await fromApi.json()) as { subjectKey: string }).subjectKey).toBe(subjectKey);

    const theirs = [...about].filter(([, s]) => s === claimant).map(([index]) => index).sort((a, b) => a - b);
    expect(theirs.length).toBeGreaterThan(4);
    const rows = await lookup(server.url, subjectKey, claimant, verifierKey);
    expect(rows.map((r) => r.index).sort((a, b) => a - b)).toEqual(theirs);
    expect(rows.every((r) => r.verified && r.problems.length === 0)).toBe(true);

    // An advocate with July's key sees July's entries and nothing else.
    const july = formatHeldKey(deriveMonthKey(parseHeldKey(subjectKey), '2026-07'));
    const julyRows = await lookup(server.url, july, claimant, verifierKey);
    expect(julyRows.map((r) => r.index).sort((a, b) => a - b)).toEqual(rows.filter((r) => r.hour.startsWith('2026-07')).map((r) => r.index).sort((a, b) => a - b));
    expect(julyRows.length).toBeGreaterThan(0);

    // The partner that recorded one of them erases its details.
    const target = rows[0]!;
    const erasure = targetingEvent('erasure', target.partner, seq[target.partner]! + 1, '2026-09-30T12', target.index);
    const erasedBy = await post(target.partner, signedEvent({ event: erasure, subject: { scheme: 'nino', id: claimant }, details: { reason: 'recorded against the wrong claimant' } }, ORIGIN, partnerKeyPair(target.partner).seed));
    const after = await lookup(server.url, subjectKey, claimant, verifierKey);
    expect(after.map((r) => r.index).sort((a, b) => a - b)).toEqual([...theirs, erasedBy].sort((a, b) => a - b));
    expect(after.find((r) => r.index === target.index)).toMatchObject({ erasedBy, verified: true });
    expect(after.find((r) => r.index === erasedBy)).toMatchObject({ type: 'erasure', verified: true });
    expect(after.every((r) => r.verified)).toBe(true);

    const sequence = (await (await fetch(`${server.url}/v1/partners/dwp-uc/sequence`)).json()) as { last: number; gaps: unknown[] };
    expect(sequence.gaps).toEqual([]);
    expect(sequence.last).toBeGreaterThanOrEqual(seq['dwp-uc']!);
  } finally {
    expect(await server.stop()).toBe(0);
  }
  const checked = await runCli(['fsck', '--data-dir', dataDir]);
  expect(checked.stderr).toBe('');
  // 322 from the partners and the code lists; 7 the operator's own acts: three partners' tokens
  // given and a key set, an operator's token, and the claimant's key issued twice.
  expect(checked.stdout).toMatch(/^fsck: ok, 329 entries/m);
});

test('serve --codes FILE and --tag-key-file FILE: the lists served and enforced, the keys used; bad files refused in one line', async () => {
  const dir = tempDir('codes-e2e');
  const codes = {
    organisations: { dwp: 'Department for Work and Pensions' },
    systems: { pip: 'Personal Independence Payment system' },
    roles: { 'case-manager': 'Case manager' },
    actions: { view: 'Viewed a record', join: 'Joined the logged systems', leave: 'Left the logged systems' },
    purposes: { 'claim-assessment': 'Assessing a claim' },
    legalBases: { 'ukgdpr-6-1-e': 'UK GDPR Article 6(1)(e): public task' },
    categories: { health: 'Health information' },
  };
  writeFileSync(join(dir, 'codes.json'), JSON.stringify(codes));
  writeFileSync(join(dir, 'tag-keys.json'), JSON.stringify({ '2026': '7'.repeat(64) }), { mode: 0o600 });
  const bad = await spawnCli(['serve', '--port', '0', '--data-dir', join(dir, 'bad'), '--codes', join(dir, 'tag-keys.json')]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/^sightline: the code lists .*tag-keys\.json are not valid: .*\n$/);

  const server = await startServe(['--data-dir', join(dir, 'data'), '--codes', join(dir, 'codes.json'), '--tag-key-file', join(dir, 'tag-keys.json')]);
  try {
    const served = (await (await fetch(`${server.url}/v1/codes`)).json()) as { codes: unknown };
    expect(served.codes).toEqual(codes);
    const added = JSON.parse((await runCli(['partner', 'add', 'dwp-pip', '--public-key', Buffer.from(partnerKeyPair('dwp-pip').publicKey).toString('base64'), '--json', '--data-dir', join(dir, 'data')])).stdout) as { token: string };
    const draft = accessDraft('dwp-pip', 1, '2026-10-01T09', 'AB123456C', { organisation: 'dwp', system: 'pip', actorRole: 'case-manager', action: 'view', purpose: 'claim-assessment', legalBasis: 'ukgdpr-6-1-e', categories: ['health'] });
    const post = (body: unknown) => fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${added.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(signedEvent(draft, 'sightline.localhost/log', partnerKeyPair('dwp-pip').seed))).status).toBe(201);
    const unknown = { ...draft, event: { ...draft.event, partnerSeq: 2, purpose: 'payment' } }; // in the default lists, not in these
    expect(((await (await post(signedEvent(unknown, 'sightline.localhost/log', partnerKeyPair('dwp-pip').seed))).json()) as { code: string }).code).toBe('UNKNOWN_CODE');
    // The key file given is the one used, and never written: 2025 is not in it.
    const key = await runCli(['subject-key', '--scheme', 'nino', '--id', 'AB123456C', '--year', '2026', '--purpose', 'claim-assessment', '--legal-basis', 'ukgdpr-6-1-e', '--data-dir', join(dir, 'data')]);
    expect(key.stderr).toBe(''); // why and under which law are codes of the lists this log serves
    const rows = await lookup(server.url, key.stdout.trim(), 'AB123456C', String(server.lines.find((l) => l.msg === 'generated a new log key')!.verifierKey), '2026-10-01', '2026-10-01');
    expect(rows).toHaveLength(1);
    const old = await post(signedEvent({ ...draft, event: { ...draft.event, partnerSeq: 3, hour: '2025-12-31T23' } }, 'sightline.localhost/log', partnerKeyPair('dwp-pip').seed));
    expect(((await old.json()) as { code: string; field: string })).toMatchObject({ code: 'INVALID_EVENT', field: 'event.hour' });
    expect(JSON.parse(readFileSync(join(dir, 'tag-keys.json'), 'utf8'))).toEqual({ '2026': '7'.repeat(64) });
  } finally {
    await server.stop();
  }
});
