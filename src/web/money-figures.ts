/**
 * "Where the money goes": the public-money records of the log, counted from the entries as
 * the public figures are (figures.ts): read a page at a time from where the last count
 * stopped, each record as it now stands (amendments applied, withdrawn ones left out), and
 * each body's statements recounted by the same code a monitor runs (src/money/audit.ts).
 *
 * Memory is bounded: each record is kept as a few short fields (its body, type, month,
 * payee, category, amount and identifiers, cut to a length) up to MAX_RECORDS; past it the
 * page says it counts only the first ones.
 */
import { type MoneyRecord, MoneyAudit, type PublicationCheck, parseMoneyLeaf, recordAmount, recordDay } from '../money/index.js';
import type { LogStore } from '../log/index.js';

export type MoneyStore = Pick<LogStore, 'readEntries'>;

/** Most records kept for the page; a larger log is counted up to here (the monitor recounts all). */
export const MAX_RECORDS = 2_000_000;
/** Most characters of a payee, category or identifier kept: enough to read and to search. */
const MAX_TEXT = 120;
/** Most results of a search. */
export const MAX_FOUND = 50;

/** One original record as the page counts it. */
interface Counted {
  readonly index: number;
  readonly body: string;
  readonly type: string;
  day: string;
  payee: string;
  category: string;
  currency: string | null;
  amount: number;
  ids: string;
  withdrawn: boolean;
  /** Later entries about it (amendments, withdrawal, repayments), in log order. */
  readonly history: number[];
}

export interface Total {
  readonly count: number;
  /** Pence (GBP only: other currencies are counted, not summed here). */
  readonly pence: bigint;
}

export interface MoneySnapshot {
  /** Entries 0 to upTo − 1 are counted. */
  readonly upTo: number;
  /** True while counting goes on in the background. */
  readonly counting: boolean;
  readonly records: number;
  readonly truncated: boolean;
  /** Per body and type. */
  readonly byBody: readonly { readonly body: string; readonly type: string; readonly total: Total }[];
  /** Per body, type and month (YYYY-MM), oldest first. */
  readonly byMonth: readonly { readonly body: string; readonly type: string; readonly month: string; readonly total: Total }[];
  /** The payees paid most, most first. */
  readonly byPayee: readonly { readonly payee: string; readonly total: Total }[];
  /** Expense types and categories, most first. */
  readonly byCategory: readonly { readonly category: string; readonly total: Total }[];
  readonly statements: readonly PublicationCheck[];
}

export interface FoundRecord {
  readonly index: number;
  readonly body: string;
  readonly type: string;
  readonly day: string;
  readonly payee: string;
  readonly currency: string | null;
  readonly amount: number;
  readonly withdrawn: boolean;
  readonly history: readonly number[];
}

export interface MoneyTracker {
  /** The figures, after reading what the log added since the last time. */
  current(): Promise<MoneySnapshot>;
  /** Records whose identifiers or payee contain `query` (case does not matter), at most MAX_FOUND, newest first. */
  search(query: string): Promise<readonly FoundRecord[]>;
  /** A record by its original's index (or by an amendment's), as counted. */
  record(index: number): Promise<FoundRecord | undefined>;
}

function cut(text: unknown): string {
  return typeof text === 'string' ? text.slice(0, MAX_TEXT) : '';
}

/** Who was paid, what for, and what the record is known by, from each type's own fields. */
function describe(record: MoneyRecord): { payee: string; category: string; ids: string[] } {
  const r = record as Record<string, unknown>;
  const orgs = (v: unknown) => (Array.isArray(v) ? (v as { id?: unknown; name?: unknown }[]) : []);
  switch (record.type) {
    case 'spend':
      return { payee: cut(r.supplier), category: cut(r.expenseType), ids: [cut(r.transactionNumber)] };
    case 'local-spend':
    case 'card':
      return { payee: cut(r.beneficiary), category: cut(r.category), ids: [cut(r.transactionNumber)] };
    case 'grant': {
      const recipients = orgs(r.recipientOrganization);
      return { payee: cut(recipients[0]?.name), category: 'Grants', ids: [cut(r.id), ...recipients.map((o) => cut(o.id))] };
    }
    case 'contract': {
      const release = r.release as Record<string, unknown>;
      const suppliers = (Array.isArray(release.awards) ? (release.awards as { suppliers?: unknown }[]) : []).flatMap((a) => orgs(a.suppliers));
      return { payee: cut(suppliers[0]?.name), category: 'Contracts', ids: [cut(release.ocid), cut(release.id), ...suppliers.map((o) => cut(o.id))] };
    }
    case 'expense':
      return { payee: cut(r.member), category: cut(r.category), ids: [cut(r.claimNumber)] };
    default:
      return { payee: '', category: '', ids: [] };
  }
}

function add(map: Map<string, { count: number; pence: bigint }>, key: string, c: Counted): void {
  const t = map.get(key) ?? { count: 0, pence: 0n };
  t.count++;
  if (c.currency === 'GBP') t.pence += BigInt(c.amount);
  map.set(key, t);
}

function most<K extends string>(map: Map<string, { count: number; pence: bigint }>, name: K, limit: number) {
  return [...map]
    .sort((a, b) => (a[1].pence === b[1].pence ? b[1].count - a[1].count : a[1].pence < b[1].pence ? 1 : -1))
    .slice(0, limit)
    .map(([key, total]) => ({ [name]: key, total }) as { [P in K]: string } & { total: Total });
}

export function createMoneyFigures(store: MoneyStore, options: { pageSize?: number; topRows?: number; waitMs?: number } = {}): MoneyTracker {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 1000, 1000));
  const waitMs = options.waitMs ?? 1_000;
  const topRows = options.topRows ?? 15;
  const audit = new MoneyAudit();
  const records = new Map<number, Counted>();
  /** The original each later entry is about. */
  const about = new Map<number, Counted>();
  let next = 0;
  let truncated = false;
  let snapshot: MoneySnapshot | undefined;
  let running: Promise<void> | undefined;

  function count(index: number, data: Uint8Array): void {
    let record: MoneyRecord | undefined;
    try {
      record = parseMoneyLeaf(data);
    } catch {
      return; // a malformed record leaf: the monitor reports it; the page counts what is valid
    }
    if (record === undefined) return;
    const before = audit.findings.length;
    audit.add(index, record);
    if (audit.findings.length > before) return; // refused by a well-behaved log: not counted
    if (record.type === 'amend' || record.type === 'withdraw' || record.type === 'repay') {
      const target = records.get(record.target as number);
      if (target === undefined) return; // past MAX_RECORDS
      target.history.push(index);
      about.set(index, target);
      if (record.type === 'withdraw') target.withdrawn = true;
      if (record.type === 'amend') {
        const inner = record.record as MoneyRecord;
        const amount = recordAmount(inner);
        const d = describe(inner);
        Object.assign(target, { payee: d.payee, category: d.category, ids: [...d.ids, d.payee].join('\n').toLowerCase(), day: recordDay(inner), currency: amount?.currency ?? null, amount: amount?.amount ?? 0 });
      }
      return;
    }
    if (record.type === 'publication') return;
    if (records.size >= MAX_RECORDS) {
      truncated = true;
      return;
    }
    const amount = recordAmount(record);
    const d = describe(record);
    records.set(index, {
      index,
      body: record.body,
      type: record.type,
      day: recordDay(record),
      payee: d.payee,
      category: d.category,
      currency: amount?.currency ?? null,
      amount: amount?.amount ?? 0,
      ids: [...d.ids, d.payee].join('\n').toLowerCase(),
      withdrawn: false,
      history: [],
    });
  }

  function build(): MoneySnapshot {
    const byBody = new Map<string, { count: number; pence: bigint }>();
    const byMonth = new Map<string, { count: number; pence: bigint }>();
    const byPayee = new Map<string, { count: number; pence: bigint }>();
    const byCategory = new Map<string, { count: number; pence: bigint }>();
    for (const c of records.values()) {
      if (c.withdrawn) continue;
      add(byBody, `${c.body}\n${c.type}`, c);
      add(byMonth, `${c.body}\n${c.type}\n${c.day.slice(0, 7)}`, c);
      if (c.payee !== '') add(byPayee, c.payee, c);
      if (c.category !== '') add(byCategory, c.category, c);
    }
    const split = (key: string) => key.split('\n');
    return {
      upTo: next,
      counting: running !== undefined,
      records: records.size,
      truncated,
      byBody: [...byBody].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, total]) => ({ body: split(key)[0]!, type: split(key)[1]!, total })),
      byMonth: [...byMonth].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, total]) => ({ body: split(key)[0]!, type: split(key)[1]!, month: split(key)[2]!, total })),
      byPayee: most(byPayee, 'payee', topRows),
      byCategory: most(byCategory, 'category', topRows),
      statements: audit.check(),
    };
  }

  async function refresh(): Promise<void> {
    for (;;) {
      const page = await store.readEntries(next, pageSize);
      page.forEach((data, i) => count(next + i, data));
      next += page.length;
      snapshot = undefined;
      if (page.length < pageSize) break;
    }
  }

  /**
   * Reads what the log added, waiting at most `waitMs`: on a large log the counting goes on
   * in the background and a page shows what is counted so far (up to entry `upTo`).
   */
  async function caughtUp(): Promise<void> {
    // One reader at a time: page loads that arrive together share one refresh.
    running ??= refresh().finally(() => {
      running = undefined;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  const found = (c: Counted): FoundRecord => ({ index: c.index, body: c.body, type: c.type, day: c.day, payee: c.payee, currency: c.currency, amount: c.amount, withdrawn: c.withdrawn, history: [...c.history] });

  return {
    async current() {
      await caughtUp();
      snapshot ??= build();
      return snapshot;
    },
    async search(query) {
      await caughtUp();
      const q = query.trim().toLowerCase();
      if (q.length === 0) return [];
      const out: FoundRecord[] = [];
      for (const c of [...records.values()].reverse()) {
        if (!c.ids.includes(q)) continue;
        out.push(found(c));
        if (out.length >= MAX_FOUND) break;
      }
      return out;
    },
    async record(index) {
      await caughtUp();
      const c = records.get(index) ?? about.get(index);
      return c === undefined ? undefined : found(c);
    },
  };
}
