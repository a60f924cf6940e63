/** Prometheus metrics of one log server (one registry per app, so tests stay isolated). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly submissions: Counter<'result'>;
  readonly batchSize: Histogram;
  readonly commitSeconds: Histogram;
  readonly treeSize: Gauge;
  readonly http: Counter<'method' | 'route' | 'status'>;
  readonly httpSeconds: Histogram<'method' | 'route'>;
}

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'sightline_' });
  return {
    registry,
    submissions: new Counter({ name: 'sightline_submissions_total', help: 'Entries submitted, by result (new, duplicate, error).', labelNames: ['result'], registers: [registry] }),
    batchSize: new Histogram({
      name: 'sightline_batch_entries',
      help: 'New entries per committed batch.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: 'sightline_batch_commit_seconds',
      help: 'Time to integrate, sign and commit one batch.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    treeSize: new Gauge({ name: 'sightline_tree_size', help: 'Entries in the log at the last commit.', registers: [registry] }),
    http: new Counter({ name: 'sightline_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpSeconds: new Histogram({
      name: 'sightline_http_request_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
