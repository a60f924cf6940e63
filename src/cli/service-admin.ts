/**
 * The administration API of a running service on PGlite, on its Unix socket (admin.ts has
 * one log's): each log's under `/logs/<id>`, the default log's at the root (as a single-log
 * server's always was), and `POST /service/reload` to read the configuration again.
 */
import { Hono } from 'hono';
import { createAdminApp } from './admin.js';
import type { HostedLog } from './hosted-log.js';

export function createServiceAdminApp(service: { readonly hosted: ReadonlyMap<string, HostedLog>; readonly defaultLogId: string | undefined; reload(): Promise<void> }): Hono {
  const { hosted } = service;
  const app = new Hono();
  const adminOf = (h: HostedLog) => createAdminApp(h.store, h.assembled.events.operatorActs!, (scheme, id, year) => h.assembled.events.subjectKey(scheme, id, year));
  const apps = new Map<string, Hono>();
  const appFor = (h: HostedLog) => apps.get(h.config.id) ?? apps.set(h.config.id, adminOf(h)).get(h.config.id)!;
  app.all('/logs/:id/*', (c) => {
    const h = hosted.get(c.req.param('id'));
    if (h === undefined) return c.json({ code: 'NOT_FOUND', message: `this service has no log ${JSON.stringify(c.req.param('id'))}` }, 404);
    const inner = new URL(c.req.url);
    inner.pathname = inner.pathname.slice(`/logs/${h.config.id}`.length);
    return appFor(h).fetch(new Request(inner, c.req.raw));
  });
  app.post('/service/reload', async (c) => {
    await service.reload();
    return c.json({ logs: [...hosted.keys()] });
  });
  app.all('*', (c) => {
    const h = service.defaultLogId !== undefined ? hosted.get(service.defaultLogId) : undefined;
    if (h === undefined) return c.json({ code: 'NOT_FOUND', message: 'this service has no default log: name one with --log' }, 404);
    return appFor(h).fetch(c.req.raw);
  });
  return app;
}
