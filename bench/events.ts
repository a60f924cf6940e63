/**
 * Typed events for the benchmark: a partner's Ed25519 key, signed POST /v1/events bodies
 * made before a run (a file of one JSON body a line, which the load generator sends in
 * order, each once: see `bodies` in ./load.ts), and the check of what the server answered.
 *
 * The bodies are what a partner would send: access events about a few thousand claimants
 * (valid National Insurance numbers), at hours spread over September and October 2026,
 * with codes drawn from the default code lists, a commitment to ~200 bytes of details, and
 * the partner's signature over the event bound to the log's origin. One partner numbers
 * them 1, 2, 3, … in file order, so the numbers the log holds at the end are gapless
 * whatever order concurrent requests arrive in.
 */
import { spawn } from 'node:child_process';
import { type KeyObject, createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { canonicalJson, encodeHex } from '../src/encoding/index.js';
import { DEFAULT_CODES, eventSigningMessage, parseEventLeaf } from '../src/events/index.js';
import { dayKeyForHour, normalizeSubjectId, subjectTag } from '../src/subject/index.js';

/** A partner that signs its events: its id, and the public key to register (base64 of the raw 32 bytes). */
export interface EventPartner {
  readonly id: string;
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

export function newEventPartner(id: string): EventPartner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The raw key is the last 32 bytes of its SubjectPublicKeyInfo (RFC 8410).
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { id, publicKey: raw.toString('base64'), privateKey };
}

// ---- Realistic variety --------------------------------------------------------------------

/** Prefixes that are issued (none of D, F, I, Q, U, V first; nor D, F, I, O, Q, U, V second). */
const NINO_PREFIXES = ['AB', 'CE', 'HJ', 'KL', 'MN', 'PR', 'ST', 'WX'];
const SUBJECTS = 4_000;
const STAFF = 1_500;
/** Hours are drawn from these days: September and October 2026 (61 days). */
const FIRST_DAY = Date.UTC(2026, 8, 1);
const DAYS = 61;
const DETAILS_BYTES = 200;

const pick = <T>(list: readonly T[], r: () => number): T => list[Math.floor(r() * list.length)]!;
const codesOf = (list: keyof typeof DEFAULT_CODES) => Object.keys(DEFAULT_CODES[list]).filter((c) => c !== 'join' && c !== 'leave');

/** A small fast PRNG (mulberry32): the variety need not be secret, only cheap. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function subjects(r: () => number): string[] {
  const ids = new Set<string>();
  while (ids.size < SUBJECTS) {
    const digits = String(Math.floor(r() * 1_000_000)).padStart(6, '0');
    ids.add(`${pick(NINO_PREFIXES, r)}${digits}${'ABCD'[Math.floor(r() * 4)]}`);
  }
  return [...ids];
}

/** An hour in September or October 2026, mostly in office hours on weekdays. */
function hour(r: () => number): string {
  for (;;) {
    const day = new Date(FIRST_DAY + Math.floor(r() * DAYS) * 86_400_000);
    const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
    if (weekend && r() < 0.85) continue;
    const h = r() < 0.9 ? 8 + Math.floor(r() * 10) : Math.floor(r() * 24);
    return `${day.toISOString().slice(0, 10)}T${String(h).padStart(2, '0')}`;
  }
}

const SCREENS = ['claim-summary', 'payment-history', 'contact-details', 'journal', 'to-do-list', 'evidence', 'housing-costs', 'earnings', 'sanctions', 'appointments'];
const NOTES = ['viewed during a scheduled appointment', 'searched after a change of circumstances', 'exported for a mandatory reconsideration', 'checked before a payment decision', 'opened from the to-do list'];

/** About DETAILS_BYTES of canonical JSON: what the claimant is shown when they open the entry. */
function details(r: () => number, seq: number, subject: string): Record<string, unknown> {
  const d: Record<string, unknown> = {
    caseRef: `UC-${String(Math.floor(r() * 1e8)).padStart(8, '0')}`,
    nino: subject,
    note: pick(NOTES, r),
    office: '',
    screen: pick(SCREENS, r),
    ticket: seq,
  };
  const office = `Jobcentre Plus office ${Math.floor(r() * 900) + 100}, team ${Math.floor(r() * 40) + 1}; `;
  d.office = office.padEnd(Math.max(office.length, DETAILS_BYTES - canonicalJson(d).length), '.');
  return d;
}

// ---- Bodies -------------------------------------------------------------------------------

export interface BodyFile {
  readonly count: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly processes: number;
}

/** What one generating process makes: bodies `from` to `to` (partnerSeq, inclusive) into `file`. */
interface PartSpec {
  readonly file: string;
  readonly from: number;
  readonly to: number;
  readonly partner: string;
  /** PKCS #8 DER of the partner's private key, base64. */
  readonly privateKey: string;
  readonly origin: string;
}

const COMMIT_PREFIX = Buffer.from('sightline/v1/commit-subject\n');

/**
 * Bodies `from` to `to` of the run, appended to `file`. The variety depends only on the
 * sequence number's part, and the subjects on nothing at all, so parts made by different
 * processes make one run.
 */
function writePart(spec: PartSpec): number {
  const privateKey = createPrivateKey({ key: Buffer.from(spec.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  const ids = subjects(rng(0x5eed));
  const r = rng(spec.from);
  const actors = Array.from({ length: STAFF }, (_, i) => createHash('sha256').update(`bench staff ${i}`).digest('hex').slice(0, 32));
  const lists = {
    organisations: codesOf('organisations'),
    systems: codesOf('systems'),
    roles: codesOf('roles'),
    actions: codesOf('actions'),
    purposes: codesOf('purposes'),
    legalBases: codesOf('legalBases'),
    categories: codesOf('categories'),
  };
  const fd = openSync(spec.file, 'w');
  let bytes = 0;
  let chunk: string[] = [];
  let openings = randomBytes(0);
  try {
    for (let seq = spec.from; seq <= spec.to; seq++) {
      if (openings.length === 0) openings = randomBytes(32 * 4_096);
      const opening = openings.subarray(0, 32);
      openings = openings.subarray(32);
      const subject = pick(ids, r);
      const categories = new Set<string>();
      const wanted = 1 + Math.floor(r() * 3);
      while (categories.size < wanted) categories.add(pick(lists.categories, r));
      const d = details(r, seq, subject);
      // The commitment as eventCommitment makes it (checked by the server), natively: faster.
      const commitment = createHash('sha256')
        .update(COMMIT_PREFIX)
        .update(opening)
        .update(`nino\n${normalizeSubjectId('nino', subject)}\n${canonicalJson(d)}`)
        .digest('base64');
      const event = {
        type: 'access',
        partner: spec.partner,
        partnerSeq: seq,
        hour: hour(r),
        organisation: pick(lists.organisations, r),
        system: pick(lists.systems, r),
        actorRole: pick(lists.roles, r),
        actor: pick(actors, r),
        action: pick(lists.actions, r),
        purpose: pick(lists.purposes, r),
        legalBasis: pick(lists.legalBases, r),
        categories: [...categories],
        commitment,
      };
      const signature = sign(null, eventSigningMessage(spec.origin, event), privateKey).toString('base64');
      chunk.push(JSON.stringify({ event, signature, subject: { scheme: 'nino', id: subject }, details: d, opening: opening.toString('base64') }), '\n');
      if (chunk.length >= 2_000) {
        bytes += writeSync(fd, chunk.join(''));
        chunk = [];
      }
    }
    bytes += writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * Writes `count` signed POST /v1/events bodies to `file`, one a line, partnerSeq 1 to
 * `count` in order, each signed for the log `origin`; made by several processes at once
 * (signing is most of the cost), each writing a part, then joined in order.
 */
export async function writeEventBodies(file: string, count: number, partner: EventPartner, origin: string): Promise<BodyFile> {
  const started = performance.now();
  const processes = Math.max(1, Math.min(8, cpus().length, Math.ceil(count / 5_000)));
  const privateKey = partner.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const per = Math.ceil(count / processes);
  const parts: PartSpec[] = [];
  for (let from = 1, k = 0; from <= count; from += per, k++) parts.push({ file: `${file}.${k}`, from, to: Math.min(count, from + per - 1), partner: partner.id, privateKey, origin });
  await Promise.all(
    parts.map(
      (part) =>
        new Promise<void>((resolvePart, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', SELF], { stdio: ['pipe', 'ignore', 'inherit'] });
          child.stdin.end(JSON.stringify(part));
          child.once('error', reject);
          child.once('exit', (code) => (code === 0 ? resolvePart() : reject(new Error(`making event bodies ${part.from}–${part.to}: exited with ${code}`))));
        }),
    ),
  );
  const fd = openSync(file, 'w');
  let bytes = 0;
  try {
    for (const part of parts) {
      const data = readFileSync(part.file);
      bytes += writeSync(fd, data);
      rmSync(part.file);
    }
  } finally {
    closeSync(fd);
  }
  return { count, bytes, seconds: (performance.now() - started) / 1000, processes: parts.length };
}

const SELF = fileURLToPath(import.meta.url);

// ---- Checking the answers -----------------------------------------------------------------

/** Most entries one subject may have had on one day in a run: the tag search stops there. */
const MAX_J = 100_000;

/**
 * The leaf the log built for a sent body (the answer's `data`), checked against the body:
 * the event and signature are the ones sent, byte for byte once canonical, and the subject
 * tag is tag_j of the subject's day key (derived here from the log's year key) for some j.
 * Returns the leaf, for the receipt check, and the tag.
 */
export function checkEventLeaf(sent: string, leaf: Uint8Array, yearKey: (year: string) => Uint8Array): { tag: string; j: number } {
  const body = JSON.parse(sent) as { event: { hour: string }; signature: string; subject: { scheme: 'nino'; id: string } };
  const parsed = parseEventLeaf(leaf);
  if (parsed === undefined) throw new Error('an answer\'s data is not an event leaf');
  if (canonicalJson(parsed.event) !== canonicalJson(body.event)) throw new Error(`the leaf's event is not the event sent: ${canonicalJson(parsed.event).slice(0, 200)}`);
  if (Buffer.from(parsed.signature).toString('base64') !== body.signature) throw new Error('the leaf\'s signature is not the one sent');
  if (parsed.subjectTag === undefined) throw new Error('an access event leaf has no subject tag');
  const hour = body.event.hour;
  const dayKey = dayKeyForHour(yearKey(hour.slice(0, 4)), body.subject.scheme, body.subject.id, hour);
  for (let j = 0; j < MAX_J; j++) {
    if (encodeHex(subjectTag(dayKey, j)) === parsed.subjectTag) return { tag: parsed.subjectTag, j };
  }
  throw new Error(`the leaf's subject tag is not tag_j of the subject's day key for any j below ${MAX_J}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  writePart(JSON.parse(Buffer.concat(chunks).toString('utf8')) as PartSpec);
}
