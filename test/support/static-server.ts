/**
 * A plain static file server over a directory: what a web server, an object store or a CDN
 * does with a `sightline export` directory. Nothing of Sightline's: GET a file, or 404.
 */
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export async function serveDirectory(dir: string): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (req.method !== 'GET' || path.includes('..')) {
      res.writeHead(405).end();
      return;
    }
    readFile(join(dir, path)).then(
      (data) => res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length }).end(data),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
