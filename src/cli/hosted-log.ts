/**
 * A log as a service runs it (service.ts): its configuration, store and assembled parts, how
 * the service's front serves it and what discovery says of it, and when it takes a partner's
 * write (within its interval).
 */
import type { LogDescription, LogListEntry } from '../discovery/index.js';
import { LogError } from '../errors.js';
import { EVENT_SCHEMAS } from '../events/index.js';
import type { FetchHandler, ServedLog } from '../http/service-app.js';
import type { LogMeta } from '../log/index.js';
import { parseCheckpoint, parseNote } from '../note/index.js';
import type { Interval, LogConfig } from '../service/index.js';
import type { PgLogStore } from '../storage/index.js';
import type { AssembledLog } from './assemble.js';

/** A log the service runs. */
export interface HostedLog {
  /** As configured; replaced when a reload retires the log. */
  config: LogConfig;
  readonly store: PgLogStore;
  readonly meta: LogMeta;
  readonly assembled: AssembledLog;
  readonly served: ServedLog;
  /** Once read-only: when, and its final checkpoint. */
  lifecycle: { readonly readOnlyAt: Date; readonly finalCheckpoint: string } | undefined;
  /** The closing of the log (its final checkpoint), once begun. */
  closing?: Promise<void>;
}

/** How the front serves a log, and what discovery says of it now (asked on every request). */
export function servedLog(h: HostedLog, service: { successor: () => LogConfig | undefined; started: Date }): ServedLog {
  const { meta, assembled } = h;
  const fetch: FetchHandler = (request, env) => assembled.app.fetch(request, env);
  return {
    id: h.config.id,
    ...(h.config.alias !== undefined ? { alias: h.config.alias } : {}),
    ...(h.config.interval !== undefined ? { interval: h.config.interval } : {}),
    fetch,
    describe(base: string): LogDescription {
      const l = h.config;
      const prefix = `${base}/logs/${l.id}/`;
      const successor = service.successor();
      return {
        id: l.id,
        name: l.name,
        origin: meta.origin,
        vkey: meta.verifierKey,
        submissionUrl: prefix,
        monitoringUrl: prefix,
        ...(l.interval !== undefined ? { interval: l.interval } : {}),
        ...lifecycleOf(h, service.started),
        mmdSeconds: 10,
        recordSchemas: Object.keys(EVENT_SCHEMAS).map((type) => `${prefix}v1/schemas/${type}`),
        ...(successor !== undefined ? { successor: successor.id } : {}),
      };
    },
    listEntry(): LogListEntry {
      return { vkey: meta.verifierKey, origin: meta.origin, qpd: h.config.qpd, contact: h.config.contact };
    },
  };
}

/** A temporal shard takes entries only within its interval: `start` inclusive, `end` exclusive. */
export function admitsWithin(interval: Interval): () => LogError | undefined {
  return () => {
    const now = Date.now();
    if (now < interval.start.getTime()) {
      return new LogError('OUTSIDE_INTERVAL', `this log takes entries from ${instant(interval.start)} on`, {
        hint: "submit to the log taking entries now: a log's alias always names it, and /logs.json lists every log's interval",
      });
    }
    if (now >= interval.end.getTime()) {
      return new LogError('LOG_READ_ONLY', `this log took entries until ${instant(interval.end)}, and is read-only for ever`, {
        hint: "submit to the log that succeeds it: a log's alias always names the log taking entries now, and /logs.json lists them",
      });
    }
    return undefined;
  };
}

const instant = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z');

/** A log's state as discovery says it. */
function lifecycleOf(h: HostedLog, started: Date): Pick<LogDescription, 'state' | 'stateSince' | 'finalCheckpoint'> {
  if (h.lifecycle === undefined) return { state: 'active', stateSince: h.config.interval?.start ?? started };
  const checkpoint = parseCheckpoint(parseNote(h.lifecycle.finalCheckpoint).text); // our own signed head, read back from our store
  return {
    state: 'readonly',
    stateSince: h.lifecycle.readOnlyAt,
    finalCheckpoint: { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, text: h.lifecycle.finalCheckpoint },
  };
}

