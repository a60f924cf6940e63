/**
 * A PostgreSQL that never answers, or a port that is not PostgreSQL's, must not hang a
 * command: each gives up within --connect-timeout with one line naming the host and what to
 * check. Local listeners stand in for the unreachable host (no network needed): one that
 * accepts and never speaks (a blackholed server), one that accepts and hangs up at once (a
 * proxy or balancer with nothing behind it, which made the driver reconnect forever).
 */
import { existsSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { onCleanup } from '../support/cleanup.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('unreachable-database');

/** One line, `sightline: …`, and nothing else. */
const ONE_LINE = /^sightline: [^\n]+\n$/;

/** A TCP listener on 127.0.0.1 that does `onConnection` with each connection; its URL and how many it saw. */
async function listener(onConnection: (socket: Socket) => void): Promise<{ url: string; host: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `postgres://sightline:secret@127.0.0.1:${port}/sightline`, host: `127.0.0.1:${port}`, connections: () => connections };
}

const silent = () => listener(() => {}); // reads, never speaks
const hangsUp = () => listener((socket) => socket.destroy());

describe('a PostgreSQL that cannot be reached', () => {
  test('one that never answers: fsck, partner list and serve each give up with one line naming the host and --connect-timeout', async () => {
    const db = await silent();
    const dataDir = join(dir, 'never-made');
    for (const args of [['fsck'], ['partner', 'list'], ['serve', '--port', '0', '--data-dir', dataDir]]) {
      const r = await runCli([...args, '--database-url', db.url, '--connect-timeout', '1']);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr, args[0]).toMatch(ONE_LINE);
      expect(r.stderr, args[0]).toContain(`PostgreSQL at ${db.host} did not answer within 1 s`);
      expect(r.stderr, args[0]).toContain('--connect-timeout');
      expect(r.stderr, args[0]).not.toContain('secret');
    }
    // It waited on this listener, and serve made nothing on disk before the database answered.
    expect(db.connections()).toBeGreaterThanOrEqual(3);
    expect(existsSync(dataDir)).toBe(false);
  });

  test('one that hangs up at once (a proxy, not PostgreSQL): no endless reconnecting, one line within the timeout, from the environment too', async () => {
    const db = await hangsUp();
    const r = await runCli(['operator', 'list', '--database-url', db.url], { SIGHTLINE_CONNECT_TIMEOUT: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toContain(`PostgreSQL at ${db.host} did not answer within 1 s`);
    expect(db.connections()).toBeGreaterThan(0);
  });

  test('the witness too: one line within its --connect-timeout', async () => {
    const db = await silent();
    const verifierKey = (await runCli(['keygen', '--origin', 'unreachable.sightline.example/log'])).stdout.trim().split('\n')[1]!;
    const r = await runCli(['witness', '--log', verifierKey, '--port', '0', '--data-dir', join(dir, 'witness'), '--database-url', db.url, '--connect-timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toContain(`PostgreSQL at ${db.host} did not answer within 1 s`);
    expect(db.connections()).toBeGreaterThan(0);
  });

  test('a refused connection says so at once, without waiting for the timeout', async () => {
    // A port nothing listens on: one a listener had, closed again.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await runCli(['fsck', '--database-url', `postgres://sightline@127.0.0.1:${port}/sightline`, '--connect-timeout', '3600']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toContain(`PostgreSQL at 127.0.0.1:${port} refused the connection`);
  });

  test('--connect-timeout must be a whole number of seconds from 1: one line naming it, nothing tried', async () => {
    for (const value of ['0', 'abc', '-1', '1.5']) {
      const r = await runCli(['fsck', '--database-url', 'postgres://127.0.0.1:1/x', '--connect-timeout', value]);
      expect(r.code, value).not.toBe(0);
      expect(r.stderr, value).toMatch(ONE_LINE);
      expect(r.stderr, value).toContain('--connect-timeout');
    }
  });
});
