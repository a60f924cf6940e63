/**
 * The administration API of a running PGlite log, served only on a Unix socket inside
 * the data directory (whoever can read the data directory can administer the log anyway).
 * It lets `sightline partner …` work while the server holds the data directory's lock.
 */
import { Hono } from 'hono';
import { LogError } from '../errors.js';
import { encodeBase64 } from '../encoding/index.js';
import type { ListedPartner, LogStore } from '../log/index.js';
import { addOperator, addPartner, parsePartnerPublicKey } from './partners.js';

/** A partner as `partner list --json` prints it: the keys in base64. */
export type PrintedPartner = Omit<ListedPartner, 'publicKey' | 'previousKeys'> & { publicKey: string | null; previousKeys: string[] };

export function printedPartner(p: ListedPartner): PrintedPartner {
  return { ...p, publicKey: p.publicKey === null ? null : encodeBase64(p.publicKey), previousKeys: p.previousKeys.map(encodeBase64) };
}

export function createAdminApp(store: LogStore): Hono {
  const app = new Hono();
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
    return c.json(await addPartner(store, body.id, (body.name as string | undefined) ?? null, publicKey));
  });
  app.post('/partners/:id/key', async (c) => {
    const body = (await c.req.json()) as { publicKey?: unknown };
    if (typeof body.publicKey !== 'string') throw new LogError('MALFORMED_REQUEST', 'expected {"publicKey": string}');
    await store.setPartnerKey(c.req.param('id'), parsePartnerPublicKey(body.publicKey));
    return c.json({ id: c.req.param('id') });
  });
  app.post('/operators', async (c) => {
    const body = (await c.req.json()) as { id?: unknown };
    if (typeof body.id !== 'string') throw new LogError('MALFORMED_REQUEST', 'expected {"id": string}');
    return c.json(await addOperator(store, body.id));
  });
  app.get('/operators', async (c) => c.json(await store.listOperators()));
  app.post('/operators/:id/revoke', async (c) => {
    await store.revokeOperator(c.req.param('id'));
    return c.json({ revoked: c.req.param('id') });
  });
  app.get('/partners', async (c) => c.json((await store.listPartners()).map(printedPartner)));
  app.post('/partners/:id/revoke', async (c) => {
    await store.revokePartner(c.req.param('id'));
    return c.json({ revoked: c.req.param('id') });
  });
  return app;
}
