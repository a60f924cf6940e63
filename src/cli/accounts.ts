/**
 * Giving and taking credentials — a partner's or an operator's bearer token, a partner's
 * event-signing key — on the record. Each change is appended to the log as the operator's
 * `credential` event, and committed, before it is made in the accounts: so no token works,
 * and no key signs, that the log does not show being given (issue 14, seam 3). A change that
 * then fails (a database outage between the two) leaves a record of a change not made, never
 * a change not recorded; the checks that can refuse it (an id taken, an unknown account) are
 * made before anything is recorded.
 *
 * The event's private details commit to what exactly was given: the SHA-256 of the token,
 * the public key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBase64, encodeHex } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { DEFAULT_CODES, OPERATOR_PARTNER, parseCodeLists } from '../events/index.js';
import type { LogStore } from '../log/index.js';
import type { Ed25519NoteSigner } from '../note/index.js';
import type { AccountKind, OperatorAct } from '../operator/index.js';
import { assembleLog } from './assemble.js';
import { loadLogKey } from './log-key.js';
import { checkAccountId, newToken, tokenHash } from './partners.js';
import { ensureLog } from './server.js';
import { type TagKeyring, checkedTagKeyring } from './tag-keys.js';

/** The operator's acts as the accounts record them (EventApi['operatorActs']). */
export interface ActRecorder {
  record(act: OperatorAct): Promise<number>;
  pseudonym(kind: AccountKind, id: string): string;
}

export interface Accounts {
  addPartner(id: string, name: string | null, publicKey: Uint8Array | null): Promise<{ id: string; token: string }>;
  setPartnerKey(id: string, publicKey: Uint8Array): Promise<void>;
  /** Revokes the account's token; when it was already revoked, changes and records nothing and says since when. */
  revokePartner(id: string): Promise<Revoked>;
  addOperator(id: string): Promise<{ id: string; token: string }>;
  revokeOperator(id: string): Promise<Revoked>;
  addAuditor(id: string): Promise<{ id: string; token: string }>;
  revokeAuditor(id: string): Promise<Revoked>;
  /**
   * Gives this log the partners of the shard it succeeds (`from`, its origin) that it lacks,
   * with the same token hashes and keys, so that a partner's token goes on working through
   * the alias when the interval ends. Each is recorded like any issue of a credential, with
   * where it came from. Returns the ids given.
   */
  carryPartners(from: string, partners: readonly CarriedPartner[]): Promise<string[]>;
}

/** A partner as a predecessor shard holds it: what its successor is given. */
export interface CarriedPartner {
  readonly id: string;
  readonly name: string | null;
  readonly tokenHash: Uint8Array;
  readonly publicKey: Uint8Array | null;
}

/** What a revocation did: `alreadyRevokedAt` (ISO 8601) when the token was revoked before, and nothing was done. */
export interface Revoked {
  readonly alreadyRevokedAt: string | null;
}

type Store = Pick<LogStore, 'addPartner' | 'setPartnerKey' | 'listPartners' | 'revokePartner' | 'addOperator' | 'listOperators' | 'revokeOperator' | 'addAuditor' | 'listAuditors' | 'revokeAuditor'>;

/** The active partners of a log, with their token hashes, as its successor is given them. */
export async function partnersToCarry(store: Pick<LogStore, 'listPartners' | 'partnerTokenHashes'>): Promise<CarriedPartner[]> {
  const [partners, hashes] = await Promise.all([store.listPartners(), store.partnerTokenHashes()]);
  return partners.flatMap((p) => {
    const tokenHash = hashes.get(p.id);
    // The log's own account is every log's own, made with its own key: never carried.
    return tokenHash === undefined || p.id === OPERATOR_PARTNER ? [] : [{ id: p.id, name: p.name, tokenHash, publicKey: p.publicKey }];
  });
}

/** Accounts whose every change is recorded first, as done by `admin` (the local administrator's name, kept only as a pseudonym). */
export function createAccounts(store: Store, acts: ActRecorder, admin: string): Accounts {
  const actor = acts.pseudonym('admin', admin);
  const credential = (action: 'issue' | 'revoke' | 'set-key', holder: 'partner' | 'operator' | 'auditor', account: string, details: Record<string, unknown> = {}) =>
    acts.record({ type: 'credential', actor, action, holder, account, details });

  const partnerExists = async (id: string) => (await store.listPartners()).some((p) => p.id === id);
  // A second revocation records nothing: the log shows each token taken away once.
  const revokedAt = (accounts: readonly { id: string; revokedAt: Date | null }[], id: string) => accounts.find((a) => a.id === id)?.revokedAt?.toISOString() ?? null;
  const notOurs = (id: string) => {
    if (id === OPERATOR_PARTNER) throw new LogError('FORBIDDEN', `partner ${OPERATOR_PARTNER} is the log's own account: only the log records as it`, { field: 'id', hint: 'it cannot be changed or revoked' });
  };
  const unknown = (kind: 'partner' | AccountKind, id: string) => new LogError('NOT_FOUND', `no ${kind} ${JSON.stringify(id.slice(0, 64))}`, { field: 'id', hint: `sightline ${kind} list shows them` });

  // Operators and auditors: accounts of one shape, named in the log by their pseudonyms.
  const staff = (kind: 'operator' | 'auditor') =>
    kind === 'operator'
      ? { list: () => store.listOperators(), add: (a: { id: string; tokenHash: Uint8Array }) => store.addOperator(a), revoke: (id: string) => store.revokeOperator(id) }
      : { list: () => store.listAuditors(), add: (a: { id: string; tokenHash: Uint8Array }) => store.addAuditor(a), revoke: (id: string) => store.revokeAuditor(id) };
  const addStaff = async (kind: 'operator' | 'auditor', id: string) => {
    checkAccountId(id, kind);
    if ((await staff(kind).list()).some((o) => o.id === id)) throw new LogError('CONFLICT', `${kind} ${id} already exists`, { field: 'id', hint: 'choose another id, or revoke and re-add it' });
    const token = newToken();
    const hash = tokenHash(token);
    await credential('issue', kind, acts.pseudonym(kind, id), { tokenSha256: encodeHex(hash) });
    await staff(kind).add({ id, tokenHash: hash });
    return { id, token };
  };
  const revokeStaff = async (kind: 'operator' | 'auditor', id: string): Promise<Revoked> => {
    const accounts = await staff(kind).list();
    if (!accounts.some((o) => o.id === id)) throw unknown(kind, id);
    const alreadyRevokedAt = revokedAt(accounts, id);
    if (alreadyRevokedAt !== null) return { alreadyRevokedAt };
    await credential('revoke', kind, acts.pseudonym(kind, id));
    await staff(kind).revoke(id);
    return { alreadyRevokedAt: null };
  };

  return {
    async addPartner(id, name, publicKey) {
      checkAccountId(id);
      if (await partnerExists(id)) throw new LogError('CONFLICT', `partner ${id} already exists`, { field: 'id', hint: 'choose another id, or revoke and re-add it' });
      const token = newToken();
      const hash = tokenHash(token);
      await credential('issue', 'partner', id, { tokenSha256: encodeHex(hash), ...(publicKey === null ? {} : { publicKey: encodeBase64(publicKey) }) });
      await store.addPartner({ id, name, tokenHash: hash, publicKey });
      return { id, token };
    },
    async setPartnerKey(id, publicKey) {
      notOurs(id);
      if (!(await partnerExists(id))) throw unknown('partner', id);
      await credential('set-key', 'partner', id, { publicKey: encodeBase64(publicKey) });
      await store.setPartnerKey(id, publicKey);
    },
    async carryPartners(from, partners) {
      const have = new Set((await store.listPartners()).map((p) => p.id));
      const given: string[] = [];
      for (const p of partners) {
        if (have.has(p.id) || p.id === OPERATOR_PARTNER) continue;
        await credential('issue', 'partner', p.id, { tokenSha256: encodeHex(p.tokenHash), ...(p.publicKey === null ? {} : { publicKey: encodeBase64(p.publicKey) }), carriedFrom: from });
        await store.addPartner({ id: p.id, name: p.name, tokenHash: p.tokenHash, publicKey: p.publicKey });
        given.push(p.id);
      }
      return given;
    },
    async revokePartner(id) {
      notOurs(id);
      const partners = await store.listPartners();
      if (!partners.some((p) => p.id === id)) throw unknown('partner', id);
      const alreadyRevokedAt = revokedAt(partners, id);
      if (alreadyRevokedAt !== null) return { alreadyRevokedAt };
      await credential('revoke', 'partner', id);
      await store.revokePartner(id);
      return { alreadyRevokedAt: null };
    },
    addOperator: (id) => addStaff('operator', id),
    revokeOperator: (id) => revokeStaff('operator', id),
    addAuditor: (id) => addStaff('auditor', id),
    revokeAuditor: (id) => revokeStaff('auditor', id),
  };
}

/**
 * The log key a command records with: `keyFile`, or the data directory's. Only a log that
 * does not exist yet, in a data directory of its own (PGlite), gets its key made here, as
 * `serve` would make it; for a log that exists, a missing key is one line naming the flag,
 * and nothing is written anywhere.
 */
async function recordingKey(store: LogStore, options: { readonly keyFile: string | undefined; readonly dataDir: string; readonly databaseUrl?: string; readonly logId?: string | undefined }): Promise<Ed25519NoteSigner> {
  // Where serve keeps a generated key: log.key for the default log, keys/<id>.key for a log of a service.
  const file = options.logId === undefined ? join(options.dataDir, 'log.key') : join(options.dataDir, 'keys', `${options.logId}.key`);
  if (options.keyFile === undefined && !existsSync(file) && (options.databaseUrl !== undefined || (await store.readMeta()) !== undefined)) {
    throw new LogError('UNAVAILABLE', "recording this change in the log needs the log's key: pass --key-file FILE (or set SIGHTLINE_KEY_FILE)", {
      field: 'key-file',
      hint: 'pass --key-file FILE (or set SIGHTLINE_KEY_FILE) with the key the server signs with',
    });
  }
  return loadLogKey({ keyFile: options.keyFile, dataDir: options.dataDir, origin: undefined, file }).signer;
}

/**
 * The log in `store`, opened by a command (no server holds it: a stopped PGlite log, or a
 * PostgreSQL log other servers may be writing too, which the sequencer's compare-and-swap
 * allows), only to record the operator's acts. The log key comes from `keyFile` or the data
 * directory, as for `serve`; the code lists are the ones the log last recorded, so recording
 * changes none of them; year keys only when the act needs one (a subject key).
 */
export async function openActRecorder(
  store: LogStore,
  options: { readonly keyFile: string | undefined; readonly dataDir: string; readonly databaseUrl?: string; readonly logId?: string | undefined; readonly keyring?: TagKeyring },
): Promise<{ readonly acts: ActRecorder; close(): Promise<void> }> {
  const signer = await recordingKey(store, options);
  const meta = await ensureLog(store, signer);
  const latest = await store.readCodeLists();
  const keyring: TagKeyring = options.keyring ?? {
    keyFor: () => Promise.reject(new LogError('UNAVAILABLE', 'this command has no subject-tag year keys', { field: 'tag-key-file' })),
    years: () => [],
  };
  const log = await assembleLog({
    store,
    signer,
    meta,
    keyring: checkedTagKeyring(keyring, store),
    codes: latest === undefined ? DEFAULT_CODES : parseCodeLists(latest.body),
    log: () => undefined,
    web: false,
  });
  const acts = log.events.operatorActs;
  if (acts === undefined) throw new LogError('INTERNAL', "the log was assembled without the operator's key");
  return { acts, close: () => log.stop() };
}
