/**
 * The HTTP ceiling: a Hono POST endpoint on @hono/node-server that reads the body and
 * answers a small JSON object, and does nothing else. The log's write rate is reported as a
 * share of this one's, driven the same way in the same run.
 *
 * Usage: node --import tsx bench/noop-server.ts   (prints {"msg":"listening","url":…})
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/noop', async (c) => {
  const body = await c.req.arrayBuffer();
  return c.json({ ok: true, bytes: body.byteLength }, 201);
});

const server = createServer(getRequestListener(app.fetch));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
