/**
 * The public figures: counts anyone can recompute from the public entries (the tiles), so
 * they show what the log says without asking anyone to trust the server's own statistics.
 *
 * The entries are read incrementally, a page at a time from where the last count stopped,
 * and only the aggregates are kept. A page load starts a refresh at most every `refreshMs`
 * and waits for it at most `waitMs`: on a large log the counting goes on in the background
 * and the page shows what is ready ("figures up to entry N").
 */
import { CODE_MAX_LENGTH, CODE_PATTERN, HOUR_PATTERN, parseEventLeaf, parseLogRecord } from '../events/index.js';
import type { LogStore } from '../log/index.js';

/** What the figures read: the entries, and the partners' sequence numbers. */
export type FiguresStore = Pick<LogStore, 'readEntries' | 'listPartners' | 'partnerSequence'>;

export interface FiguresOptions {
  /** Entries read per store query (at most 1000). */
  readonly pageSize?: number;
  /** Least time between two refreshes started by page loads. */
  readonly refreshMs?: number;
  /** Longest a page load waits for a refresh before showing what is ready. */
  readonly waitMs?: number;
  /** Most coverage changes kept for the list of latest changes. */
  readonly maxCoverageRows?: number;
  /** Most sequence gaps asked for per partner. */
  readonly maxGaps?: number;
  /** The clock, in milliseconds. */
  readonly now?: () => number;
}

/** A count per code, most first (ties by code). */
export type Tally = readonly (readonly [code: string, count: number])[];

export interface MonthFigures {
  /** YYYY-MM, from the events' `hour`. */
  readonly month: string;
  readonly accesses: number;
  readonly erasures: number;
}

export interface CoverageChange {
  readonly index: number;
  readonly hour: string;
  readonly organisation: string;
  readonly system: string;
  /** `join` or `leave` (as the event says). */
  readonly action: string;
}

export interface SystemCoverage {
  readonly system: string;
  readonly joins: number;
  readonly leaves: number;
  /** The latest change of the system: its action and hour. */
  readonly latest: { readonly action: string; readonly hour: string; readonly index: number };
}

export interface PartnerFigures {
  readonly id: string;
  readonly name: string | null;
  readonly active: boolean;
  /** The last sequence number used, null before the first event. */
  readonly last: number | null;
  /** Events recorded. */
  readonly count: number;
  /** Unused numbers between 1 and `last`, as inclusive ranges. */
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  /** More gaps than listed. */
  readonly truncated: boolean;
}

export interface PublicFigures {
  /** The figures count entries 0 to upTo − 1. */
  readonly upTo: number;
  /** When the counting last reached the end of the log (ms), or undefined if it never has. */
  readonly completedAt: number | undefined;
  /** True while counting goes on in the background. */
  readonly counting: boolean;
  /** Why the last refresh failed, if it did (the figures are then those counted before). */
  readonly failed: boolean;
  /** Typed events per type. */
  readonly byType: Tally;
  /** Entries that are not typed events nor the log's own records. */
  readonly rawEntries: number;
  /** The log's own records (changes of the code lists). */
  readonly records: number;
  /** Entries that claim to be typed events but are not well formed. */
  readonly malformed: number;
  /** Access and share events. */
  readonly accesses: number;
  readonly byOrganisation: Tally;
  readonly byPurpose: Tally;
  readonly byLegalBasis: Tally;
  /** Per month, oldest first. */
  readonly byMonth: readonly MonthFigures[];
  readonly erasures: number;
  readonly coverageChanges: number;
  /** The latest coverage changes, newest first. */
  readonly latestCoverage: readonly CoverageChange[];
  /** Per system, by system code. */
  readonly coverageBySystem: readonly SystemCoverage[];
  /** Every partner's sequence numbers; undefined until first read. */
  readonly partners: readonly PartnerFigures[] | undefined;
}

export interface FiguresTracker {
  /** The figures, refreshed first if they are older than `refreshMs` (waiting at most `waitMs`). */
  current(): Promise<PublicFigures>;
}

const UNKNOWN = '(none)';
/** `{` — every typed event leaf starts with it; anything else is a raw entry. */
const OPEN_BRACE = 0x7b;

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function tally(map: ReadonlyMap<string, number>): Tally {
  return [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Counted under, in place of any value that is not code-shaped. */
export const NOT_A_CODE = '(not a code)';
const CODE = new RegExp(CODE_PATTERN);
const HOUR = new RegExp(HOUR_PATTERN);

/**
 * A code as counted. The intake lets only listed codes into a leaf, but the figures hold
 * what they count for the life of the server: anything else (from a log that let it in) is
 * counted under one fixed label, so no entry can put an unbounded string in memory or on
 * the page.
 */
function text(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) return UNKNOWN;
  return value.length <= CODE_MAX_LENGTH && CODE.test(value) ? value : NOT_A_CODE;
}

function hourText(value: unknown): string {
  return typeof value === 'string' && HOUR.test(value) ? value : UNKNOWN;
}

function monthOf(hour: unknown): string {
  return typeof hour === 'string' && /^[0-9]{4}-[0-9]{2}/.test(hour) ? hour.slice(0, 7) : UNKNOWN;
}

export function createFigures(store: FiguresStore, options: FiguresOptions = {}): FiguresTracker {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 1000, 1000));
  const refreshMs = options.refreshMs ?? 5_000;
  const waitMs = options.waitMs ?? 250;
  const maxCoverageRows = options.maxCoverageRows ?? 200;
  const maxGaps = options.maxGaps ?? 100;
  const now = options.now ?? Date.now;

  // The aggregates: only ever added to, a whole page at a time.
  let next = 0;
  let rawEntries = 0;
  let records = 0;
  let malformed = 0;
  let accesses = 0;
  let erasures = 0;
  let coverageChanges = 0;
  const byType = new Map<string, number>();
  const byOrganisation = new Map<string, number>();
  const byPurpose = new Map<string, number>();
  const byLegalBasis = new Map<string, number>();
  const monthAccesses = new Map<string, number>();
  const monthErasures = new Map<string, number>();
  const latestCoverage: CoverageChange[] = [];
  const bySystem = new Map<string, { joins: number; leaves: number; latest: { action: string; hour: string; index: number } }>();
  let partners: PartnerFigures[] | undefined;
  let completedAt: number | undefined;
  let failed = false;
  let lastStart = -Infinity;
  let running: Promise<void> | undefined;

  function count(index: number, data: Uint8Array): void {
    if (data.length === 0 || data[0] !== OPEN_BRACE) {
      rawEntries++;
      return;
    }
    let leaf;
    try {
      leaf = parseEventLeaf(data);
    } catch {
      malformed++;
      return;
    }
    if (leaf === undefined) {
      // JSON that is not an event: the log's record of a change of code lists, or a raw entry.
      if (parseLogRecord(data) !== undefined) records++;
      else rawEntries++;
      return;
    }
    const event = leaf.event;
    bump(byType, event.type);
    switch (event.type) {
      case 'access':
      case 'share': {
        accesses++;
        bump(byOrganisation, text(event.organisation));
        bump(byPurpose, text(event.purpose));
        bump(byLegalBasis, text(event.legalBasis));
        bump(monthAccesses, monthOf(event.hour));
        break;
      }
      case 'erasure':
        erasures++;
        bump(monthErasures, monthOf(event.hour));
        break;
      case 'coverage': {
        coverageChanges++;
        const change: CoverageChange = { index, hour: hourText(event.hour), organisation: text(event.organisation), system: text(event.system), action: text(event.action) };
        latestCoverage.unshift(change);
        if (latestCoverage.length > maxCoverageRows) latestCoverage.pop();
        const system = bySystem.get(change.system) ?? { joins: 0, leaves: 0, latest: { action: change.action, hour: change.hour, index } };
        if (change.action === 'join') system.joins++;
        else if (change.action === 'leave') system.leaves++;
        system.latest = { action: change.action, hour: change.hour, index };
        bySystem.set(change.system, system);
        break;
      }
      default:
        break;
    }
  }

  async function refresh(): Promise<void> {
    try {
      for (;;) {
        const page = await store.readEntries(next, pageSize);
        // Counted synchronously, then `next` moves: a snapshot never sees half a page.
        page.forEach((data, i) => count(next + i, data));
        next += page.length;
        if (page.length < pageSize) break;
      }
      const listed = await store.listPartners();
      const sequences = await Promise.all(listed.map((p) => store.partnerSequence(p.id, maxGaps)));
      partners = listed.map((p, i) => ({
        id: p.id,
        name: p.name,
        active: p.revokedAt === null,
        last: sequences[i]!.last,
        count: sequences[i]!.count,
        gaps: sequences[i]!.gaps,
        truncated: sequences[i]!.truncated,
      }));
      completedAt = now();
      failed = false;
    } catch {
      failed = true; // shown on the page; the next page load tries again
    }
  }

  function snapshot(): PublicFigures {
    const months = [...new Set([...monthAccesses.keys(), ...monthErasures.keys()])].sort();
    return {
      upTo: next,
      completedAt,
      counting: running !== undefined,
      failed,
      byType: tally(byType),
      rawEntries,
      records,
      malformed,
      accesses,
      byOrganisation: tally(byOrganisation),
      byPurpose: tally(byPurpose),
      byLegalBasis: tally(byLegalBasis),
      byMonth: months.map((month) => ({ month, accesses: monthAccesses.get(month) ?? 0, erasures: monthErasures.get(month) ?? 0 })),
      erasures,
      coverageChanges,
      latestCoverage: [...latestCoverage],
      coverageBySystem: [...bySystem]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([system, s]) => ({ system, joins: s.joins, leaves: s.leaves, latest: { ...s.latest } })),
      partners: partners?.map((p) => ({ ...p })),
    };
  }

  return {
    async current() {
      if (running === undefined && now() - lastStart >= refreshMs) {
        lastStart = now();
        running = refresh().finally(() => {
          running = undefined;
        });
      }
      if (running !== undefined) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waited = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
        });
        await Promise.race([running, waited]);
        clearTimeout(timer);
      }
      return snapshot();
    },
  };
}
