/** Who may write to and read a log, in PostgreSQL (AccountStore): partners and operators, by the SHA-256 of their bearer tokens. */
import { and, asc, eq, sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import type { AccountStore } from '../log/ports.js';
import type { Auditor, ListedPartner, Operator, Partner } from '../log/types.js';
import type { Hash } from '../merkle/index.js';
import { checkHash } from './checks.js';
import { type Database, rowsOf } from './db.js';
import type { LogTables } from './schema.js';
import type { StoreContext } from './store-context.js';

export class PgAccountStore implements AccountStore {
  readonly #db: Database;
  readonly #t: LogTables;
  readonly #run: StoreContext['run'];
  readonly #findPartner;

  constructor(ctx: StoreContext) {
    const db = ctx.db;
    this.#db = db;
    this.#t = ctx.t;
    this.#run = (what, fn, conflict) => ctx.run(what, fn, conflict);
    this.#findPartner = db
      .select(partnerColumns(this.#t))
      .from(this.#t.partners)
      .where(sql`${this.#t.partners.tokenHash} = ${sql.placeholder('tokenHash')} and ${this.#t.partners.revokedAt} is null`)
      .prepare(ctx.statementName('find_partner'));
  }

  async addPartner(partner: { id: string; name: string | null; tokenHash: Hash; publicKey: Uint8Array | null }): Promise<void> {
    checkHash(partner.tokenHash, 'token hash');
    await this.#run(
      'adding a partner',
      () => this.#db.insert(this.#t.partners).values({ id: partner.id, name: partner.name, tokenHash: partner.tokenHash, publicKey: partner.publicKey }),
      (constraint) =>
        constraint === 'partners_token_hash_key' ? `another partner already has the token given for ${partner.id}` : `partner ${partner.id} already exists`,
    );
  }

  async listPartners(): Promise<ListedPartner[]> {
    const [rows, previous] = await this.#run('listing partners', () =>
      Promise.all([
        this.#db.select(partnerColumns(this.#t)).from(this.#t.partners).orderBy(asc(this.#t.partners.id)),
        this.#db
          .select({ partnerId: this.#t.previousPartnerKeys.partnerId, publicKey: this.#t.previousPartnerKeys.publicKey })
          .from(this.#t.previousPartnerKeys)
          .orderBy(asc(this.#t.previousPartnerKeys.replacedAt), asc(this.#t.previousPartnerKeys.publicKey)),
      ]),
    );
    return rows.map((row) => ({ ...toPartner(row), previousKeys: previous.filter((k) => k.partnerId === row.id).map((k) => k.publicKey) }));
  }

  async partnerTokenHashes(): Promise<Map<string, Hash>> {
    const rows = await this.#run('reading partner token hashes', () =>
      this.#db.select({ id: this.#t.partners.id, tokenHash: this.#t.partners.tokenHash }).from(this.#t.partners).where(sql`${this.#t.partners.revokedAt} is null`),
    );
    return new Map(rows.map((r) => [r.id, r.tokenHash]));
  }

  async revokePartner(id: string): Promise<void> {
    const rows = await this.#run('revoking a partner', () =>
      this.#db
        .update(this.#t.partners)
        .set({ revokedAt: sql`coalesce(${this.#t.partners.revokedAt}, now())` })
        .where(eq(this.#t.partners.id, id))
        .returning({ id: this.#t.partners.id }),
    );
    if (rows.length === 0) throw new LogError('NOT_FOUND', `no partner ${id}`);
  }

  async setPartnerKey(id: string, publicKey: Uint8Array): Promise<void> {
    if (publicKey.length !== 32) throw new LogError('INTERNAL', 'an Ed25519 public key is 32 bytes');
    const col = (c: { name: string }) => sql.identifier(c.name);
    // One statement: the key replaced (read from the snapshot before the update) is kept
    // with the partner's previous keys, atomically with the update.
    const rows = await this.#run('setting a partner key', () =>
      this.#db
        .execute(
          sql`with old as (
              select ${col(this.#t.partners.publicKey)} as k from ${this.#t.partners} where ${col(this.#t.partners.id)} = ${id}
            ), kept as (
              insert into ${this.#t.previousPartnerKeys} (${col(this.#t.previousPartnerKeys.partnerId)}, ${col(this.#t.previousPartnerKeys.publicKey)})
              select ${id}, k from old where k is not null and k <> ${publicKey}::bytea
              on conflict do nothing
              returning 1
            ), updated as (
              update ${this.#t.partners} set ${col(this.#t.partners.publicKey)} = ${publicKey}::bytea where ${col(this.#t.partners.id)} = ${id} returning 1
            )
            select (select count(*) from updated) as updated, (select count(*) from kept) as kept`,
        )
        .then(rowsOf),
    );
    if (Number(rows[0]?.['updated'] ?? 0) === 0) throw new LogError('NOT_FOUND', `no partner ${id}`);
  }

  async findPartnerByTokenHash(tokenHash: Hash): Promise<Partner | undefined> {
    checkHash(tokenHash, 'token hash');
    const rows = await this.#run('looking up a partner', () => this.#findPartner.execute({ tokenHash }));
    const row = rows[0];
    return row && toPartner(row);
  }

  addOperator(operator: { id: string; tokenHash: Hash }): Promise<void> {
    return this.#staff('operator').add(operator);
  }

  listOperators(): Promise<Operator[]> {
    return this.#staff('operator').list();
  }

  revokeOperator(id: string): Promise<void> {
    return this.#staff('operator').revoke(id);
  }

  findOperatorByTokenHash(tokenHash: Hash): Promise<Operator | undefined> {
    return this.#staff('operator').find(tokenHash);
  }

  addAuditor(auditor: { id: string; tokenHash: Hash }): Promise<void> {
    return this.#staff('auditor').add(auditor);
  }

  listAuditors(): Promise<Auditor[]> {
    return this.#staff('auditor').list();
  }

  revokeAuditor(id: string): Promise<void> {
    return this.#staff('auditor').revoke(id);
  }

  findAuditorByTokenHash(tokenHash: Hash): Promise<Auditor | undefined> {
    return this.#staff('auditor').find(tokenHash);
  }

  /** Operators and auditors: accounts of one shape, each kind in its own table. */
  #staff(kind: 'operator' | 'auditor') {
    const t = kind === 'operator' ? this.#t.operators : this.#t.auditors;
    const columns = { id: t.id, createdAt: t.createdAt, revokedAt: t.revokedAt };
    return {
      add: async (account: { id: string; tokenHash: Hash }): Promise<void> => {
        checkHash(account.tokenHash, 'token hash');
        await this.#run(
          `adding an ${kind}`,
          () => this.#db.insert(t).values({ id: account.id, tokenHash: account.tokenHash }),
          (constraint) => (constraint === `${kind}s_token_hash_key` ? `another ${kind} already has the token given for ${account.id}` : `${kind} ${account.id} already exists`),
        );
      },
      list: (): Promise<Operator[]> => this.#run(`listing ${kind}s`, () => this.#db.select(columns).from(t).orderBy(asc(t.id))),
      revoke: async (id: string): Promise<void> => {
        const rows = await this.#run(`revoking an ${kind}`, () =>
          this.#db
            .update(t)
            .set({ revokedAt: sql`coalesce(${t.revokedAt}, now())` })
            .where(eq(t.id, id))
            .returning({ id: t.id }),
        );
        if (rows.length === 0) throw new LogError('NOT_FOUND', `no ${kind} ${id}`);
      },
      find: async (tokenHash: Hash): Promise<Operator | undefined> => {
        checkHash(tokenHash, 'token hash');
        const rows = await this.#run(`looking up an ${kind}`, () =>
          this.#db
            .select(columns)
            .from(t)
            .where(and(eq(t.tokenHash, tokenHash), sql`${t.revokedAt} is null`)),
        );
        return rows[0];
      },
    };
  }
}

const partnerColumns = (t: LogTables) => ({ id: t.partners.id, name: t.partners.name, publicKey: t.partners.publicKey, createdAt: t.partners.createdAt, revokedAt: t.partners.revokedAt });

function toPartner(row: { id: string; name: string | null; publicKey: Uint8Array | null; createdAt: Date; revokedAt: Date | null }): Partner {
  return { id: row.id, name: row.name, publicKey: row.publicKey, createdAt: row.createdAt, revokedAt: row.revokedAt };
}

