/**
 * The administration API of a running PGlite log, served only on a Unix socket inside
 * the data directory (whoever can read the data directory can administer the log anyway).
 * It lets `sightline partner …` work while the server holds the data directory's lock.
 */
import { Hono } from 'hono';
import { LogError } from '../errors.js';
import type { LogStore } from '../log/index.js';
import { addPartner } from './partners.js';

export function createAdminApp(store: LogStore): Hono {
  const app = new Hono();
  app.onError((e, c) => {
    const error = e instanceof LogError ? e : new LogError('INTERNAL', String(e));
    return c.json({ code: error.code, message: error.message }, error.code === 'NOT_FOUND' ? 404 : error.code === 'INTERNAL' ? 500 : 400);
  });
  app.post('/partners', async (c) => {
    const body = (await c.req.json()) as { id?: unknown; name?: unknown };
    if (typeof body.id !== 'string' || (body.name !== null && body.name !== undefined && typeof body.name !== 'string')) {
      throw new LogError('MALFORMED_REQUEST', 'expected {"id": string, "name": string | null}');
    }
    return c.json(await addPartner(store, body.id, (body.name as string | undefined) ?? null));
  });
  app.get('/partners', async (c) => c.json(await store.listPartners()));
  app.post('/partners/:id/revoke', async (c) => {
    await store.revokePartner(c.req.param('id'));
    return c.json({ revoked: c.req.param('id') });
  });
  return app;
}
