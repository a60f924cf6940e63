/**
 * sightline/client runs in a browser: bundled for the browser platform (a `node:` import
 * fails the build) and run in a bare realm with only what a web page has, it submits a
 * typed event and looks the subject's timeline up and verifies it, through a fetch that
 * reaches the real app.
 */
import { build, stop as stopEsbuild } from 'esbuild';
import { webcrypto } from 'node:crypto';
import { resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { expect, test } from 'vitest';
import { NINO_A, URL_BASE, accessEvent, newLog, subjectKeyText } from '../../support/client-harness.js';
import { onCleanup } from '../../support/cleanup.js';

// esbuild keeps a service process for its API; it is stopped with the file.
onCleanup(() => stopEsbuild());

test('the client bundles for the browser, and submits and looks up without Node globals', async () => {
  const bundle = await build({
    entryPoints: [resolve(import.meta.dirname, '..', '..', '..', 'src', 'client', 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'SightlineClient',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const log = await newLog();
  const realm = createContext({
    TextEncoder,
    TextDecoder,
    crypto: { getRandomValues: <T extends ArrayBufferView>(a: T) => webcrypto.getRandomValues(a as unknown as Uint8Array) as unknown as T },
    fetch: (input: string, init?: RequestInit) => log.app.request(input, init),
    input: {
      url: URL_BASE,
      token: log.token,
      seed: Array.from(log.partnerKey.seed),
      logKey: log.signer.verifierKey,
      event: accessEvent('partner-a', 1, '2026-03-14T09'),
      nino: NINO_A,
      key: subjectKeyText(NINO_A),
    },
    result: undefined as unknown,
  });
  runInContext(bundle.outputFiles[0]!.text, realm);
  expect(runInContext('typeof process + typeof Buffer + typeof require', realm)).toBe('undefinedundefinedundefined');
  await runInContext(
    `(async () => {
      const { createClient, lookup } = SightlineClient;
      const client = createClient({ url: input.url, token: input.token, logKey: input.logKey });
      const r = await client.submitEvent({
        event: input.event,
        subject: { scheme: 'nino', id: input.nino },
        details: { screen: 'claim summary' },
        signer: { seed: new Uint8Array(input.seed) },
      });
      const { rows } = await lookup({ client, key: input.key, subject: { scheme: 'nino', id: input.nino }, from: '2026-03-14', to: '2026-03-14', logKey: input.logKey });
      result = { index: r.index, verified: r.verified.leafIndex, rows: rows.map((row) => [row.index, row.verified, row.details.screen]) };
    })()`,
    realm,
  );
  const result = runInContext('result', realm) as { index: number; verified: number; rows: unknown[] };
  expect(result.verified).toBe(result.index);
  expect(result.rows).toEqual([[result.index, true, 'claim summary']]);
});
