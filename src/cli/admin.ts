/**
 * The administration API of a running PGlite log, served only on a Unix socket inside
 * the data directory (whoever can read the data directory can administer the log anyway).
 * It lets `sightline partner …` work while the server holds the data directory's lock.
 */
import { Hono } from 'hono';
import { LogError } from '../errors.js';
import { encodeBase64 } from '../encoding/index.js';
import type { ListedPartner, LogStore } from '../log/index.js';
import { type ActRecorder, createAccounts } from './accounts.js';
import { parsePartnerPublicKey } from './partners.js';

/** The header the command line names its user in: the log records account changes under that user's pseudonym. */
export const ADMIN_USER_HEADER = 'x-sightline-admin';

/** A partner as `partner list --json` prints it: the keys in base64. */
export type PrintedPartner = Omit<ListedPartner, 'publicKey' | 'previousKeys'> & { publicKey: string | null; previousKeys: string[] };

export function printedPartner(p: ListedPartner): PrintedPartner {
  return { ...p, publicKey: p.publicKey === null ? null : encodeBase64(p.publicKey), previousKeys: p.previousKeys.map(encodeBase64) };
}

/** A claimant's subject key for a year, as held-key text (EventApi['subjectKey']). */
type SubjectKeyOf = (scheme: string, id: string, year: string) => Promise<string>;

export function createAdminApp(store: LogStore, acts: ActRecorder, subjectKey: SubjectKeyOf): Hono {
  const app = new Hono();
  // Every change is recorded in the log before it is made (accounts.ts).
  const accounts = (c: { req: { header(name: string): string | undefined } }) => createAccounts(store, acts, c.req.header(ADMIN_USER_HEADER) ?? 'unknown');
  app.onError((e, c) => {
    const error = e instanceof LogError ? e : new LogError('INTERNAL', String(e));
    return c.json({ code: error.code, message: error.message }, error.code === 'NOT_FOUND' ? 404 : error.code === 'INTERNAL' ? 500 : 400);
  });
  const optionalString = (v: unknown) => v === null || v === undefined || typeof v === 'string';
  app.post('/partners', async (c) => {
    const body = (await c.req.json()) as { id?: unknown; name?: unknown; publicKey?: unknown };
    if (typeof body.id !== 'string' || !optionalString(body.name) || !optionalString(body.publicKey)) {
      throw new LogError('MALFORMED_REQUEST', 'expected {"id": string, "name": string | null, "publicKey": string | null}');
    }
    const publicKey = typeof body.publicKey === 'string' ? parsePartnerPublicKey(body.publicKey) : null;
    return c.json(await accounts(c).addPartner(body.id, (body.name as string | undefined) ?? null, publicKey));
  });
  app.post('/partners/:id/key', async (c) => {
    const body = (await c.req.json()) as { publicKey?: unknown };
    if (typeof body.publicKey !== 'string') throw new LogError('MALFORMED_REQUEST', 'expected {"publicKey": string}');
    await accounts(c).setPartnerKey(c.req.param('id'), parsePartnerPublicKey(body.publicKey));
    return c.json({ id: c.req.param('id') });
  });
  app.post('/operators', async (c) => {
    const body = (await c.req.json()) as { id?: unknown };
    if (typeof body.id !== 'string') throw new LogError('MALFORMED_REQUEST', 'expected {"id": string}');
    return c.json(await accounts(c).addOperator(body.id));
  });
  app.get('/operators', async (c) => c.json(await store.listOperators()));
  app.post('/operators/:id/revoke', async (c) => {
    return c.json({ revoked: c.req.param('id'), ...(await accounts(c).revokeOperator(c.req.param('id'))) });
  });
  app.post('/auditors', async (c) => {
    const body = (await c.req.json()) as { id?: unknown };
    if (typeof body.id !== 'string') throw new LogError('MALFORMED_REQUEST', 'expected {"id": string}');
    return c.json(await accounts(c).addAuditor(body.id));
  });
  app.get('/auditors', async (c) => c.json(await store.listAuditors()));
  app.post('/auditors/:id/revoke', async (c) => {
    return c.json({ revoked: c.req.param('id'), ...(await accounts(c).revokeAuditor(c.req.param('id'))) });
  });
  app.get('/partners', async (c) => c.json((await store.listPartners()).map(printedPartner)));
  // `sightline subject-key` while the server runs: the key, recorded first as the admin's act.
  app.post('/subject-keys', async (c) => {
    const body = (await c.req.json()) as Record<string, unknown>;
    const { scheme, id, year, purpose, legalBasis } = body;
    if (![scheme, id, year, purpose, legalBasis].every((v) => typeof v === 'string')) {
      throw new LogError('MALFORMED_REQUEST', 'expected {"scheme", "id", "year", "purpose", "legalBasis"}, all strings');
    }
    const key = await subjectKey(scheme as string, id as string, year as string);
    const actor = acts.pseudonym('admin', c.req.header(ADMIN_USER_HEADER) ?? 'unknown');
    await acts.record({ type: 'subject-key', actor, purpose: purpose as string, legalBasis: legalBasis as string, year: year as string, subject: { scheme: scheme as string, id: id as string } });
    return c.json({ subjectKey: key });
  });
  app.post('/partners/:id/revoke', async (c) => {
    return c.json({ revoked: c.req.param('id'), ...(await accounts(c).revokePartner(c.req.param('id'))) });
  });
  return app;
}
