/**
 * Keeps openapi.yaml honest: every route of the app is described, and every path it
 * describes is a route of the app. Also: every problem type the app can send is listed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { expect, test } from 'vitest';
import { PROBLEMS, problemType } from '../../src/http/index.js';
import type { LogErrorCode } from '../../src/errors.js';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType } from '../../src/events/index.js';
import { RECORD_SCHEMAS, RECORD_TYPES } from '../../src/money/index.js';
import { MemoryStore } from '../support/memory-store.js';
import { newTestLog } from '../support/test-log.js';

const spec = parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'openapi.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: { Problem: { properties: { type: { enum: string[] }; code: { enum: string[] } } } } };
};

/** OpenAPI `{param}` → Hono `:param`; the tile paths are one wildcard route in the app. */
function honoPath(path: string): string {
  if (path.startsWith('/tile/')) return '/tile/*';
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

test('openapi.yaml and the app have the same routes', async () => {
  const { app } = await newTestLog(new MemoryStore());
  const appRoutes = new Set(
    app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`),
  );
  const specRoutes = new Set(
    Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${honoPath(path)}`)),
  );
  expect([...appRoutes].sort()).toEqual([...specRoutes].sort());
});

test('every exposed problem type is documented', () => {
  const exposed = (Object.keys(PROBLEMS) as LogErrorCode[]).filter((c) => PROBLEMS[c].expose).concat(['INTERNAL']);
  const documented = spec.components.schemas.Problem.properties;
  for (const code of exposed) {
    expect(documented.code.enum).toContain(code);
    expect(documented.type.enum).toContain(problemType(code));
  }
});

test('the event schemas in openapi.yaml are exactly the ones the log enforces and serves', () => {
  const names: Record<EventType, string> = { access: 'AccessEvent', share: 'ShareEvent', erasure: 'ErasureEvent', correction: 'CorrectionEvent', heartbeat: 'HeartbeatEvent', coverage: 'CoverageEvent', disclosure: 'DisclosureEvent', 'subject-key': 'SubjectKeyEvent', credential: 'CredentialEvent' };
  const documented = spec.components.schemas as unknown as Record<string, unknown>;
  for (const type of EVENT_TYPES) {
    const { $schema: _s, $id: _i, ...schema } = EVENT_SCHEMAS[type] as Record<string, unknown>;
    expect(documented[names[type]], type).toEqual(schema);
  }
});

test('the record schemas in openapi.yaml are exactly the ones the log enforces and serves', () => {
  const documented = spec.components.schemas as unknown as Record<string, unknown>;
  for (const type of RECORD_TYPES) {
    const name = `${type.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}Record`;
    const { $schema: _s, $id: _i, ...schema } = RECORD_SCHEMAS[type] as Record<string, unknown>;
    expect(documented[name], type).toEqual(JSON.parse(JSON.stringify(schema)));
  }
});
