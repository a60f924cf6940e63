/**
 * A server kept busy by many clients still takes new connections in step (src/http/turns.ts):
 * libuv accepts one connection per turn of the event loop, so without pacing a turn serves
 * every busy client's request first, and each newcomer waited for a turn's worth of other
 * clients' requests: hundreds each. Measured in requests, not time: while 60 clients connect
 * for one request each, the busy clients may complete only a bounded number of theirs.
 */
import { Agent, type Server, get, request } from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { closeServer, listen } from '../../src/cli/http-server.js';
import { until } from '../support/waits.js';

const servers: Server[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  for (const s of servers.splice(0)) await closeServer(s);
});

/** CPU work a request costs the server, so that a turn serving every busy client is long. */
function work(): Response {
  const end = performance.now() + 0.25;
  while (performance.now() < end);
  return new Response('ok');
}

function getOnce(port: number, agent: Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = (agent === false ? get : request)({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.once('end', resolve);
      res.once('error', reject);
    });
    req.once('error', reject);
    if (agent !== false) req.end();
  });
}

test('while 150 clients keep the server busy, 60 new clients connect and are answered within a bounded number of the busy requests', async () => {
  const { server, url } = await listen(work, 0, '127.0.0.1');
  servers.push(server);
  const port = Number(new URL(url).port);
  const busyClients = 150;
  const agent = new Agent({ keepAlive: true, maxSockets: busyClients });
  agents.push(agent);
  let busyDone = 0;
  let stop = false;
  const loops = Array.from({ length: busyClients }, async () => {
    while (!stop) {
      await getOnce(port, agent);
      busyDone++;
    }
  });
  try {
    // Every busy client connected and the server saturated with their requests.
    await until(() => busyDone >= busyClients * 10, 'the busy clients to be running');
    const before = busyDone;
    await Promise.all(Array.from({ length: 60 }, () => getOnce(port, false)));
    const meanwhile = busyDone - before;
    // Unpaced: ~60 turns of ~150 busy requests each (~9,000). Paced: a few a turn.
    expect(meanwhile).toBeLessThan(2_500);
  } finally {
    stop = true;
    await Promise.allSettled(loops);
  }
});
