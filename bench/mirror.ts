/**
 * The mirror on the growth log (part of the growth section): a `sightline mirror --follow`
 * on a database of its own copies the whole log from an empty state through the log's public
 * tlog-tiles API — every package verified with its subtree consistency proof, committed and
 * then cosigned — timed to the moment it serves the log's checkpoint with its cosignature;
 * then the same tile and entry-bundle reads are run against the log and against the mirror.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { formatEntryBundlePath, formatTilePath } from '../src/merkle/index.js';
import { originHashOf } from '../src/mirror/index.js';
import type { LoadResult, LoadSpec } from './load.js';
import type { ProcessMeter } from './meter.js';

interface Running {
  readonly url: string;
  readonly meter: ProcessMeter;
  stop(): Promise<void>;
}

export interface MirrorBenchDeps {
  /** Starts `sightline ARGS…` as a server process and waits for it to listen. */
  readonly start: (args: string[]) => Promise<Running>;
  readonly serve: (args: string[]) => Promise<Running>;
  readonly load: (spec: LoadSpec) => Promise<LoadResult>;
  readonly progress: (message: string) => void;
}

export interface MirrorBench {
  readonly seconds: number;
  readonly rate: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly reads: { readonly name: string; readonly log: LoadResult; readonly mirror: LoadResult }[];
}

/** Random paths of full entry bundles and full level-0 tiles of a tree of `size`, each `count` long. */
function readPaths(size: number, count: number): { name: string; paths: string[] }[] {
  const full = Math.floor(size / 256);
  const pick = (f: (i: number) => string) => Array.from({ length: count }, () => f(Math.floor(Math.random() * full)));
  return [
    { name: 'entry bundle (full)', paths: pick((i) => `/${formatEntryBundlePath({ index: i, width: 256 })}`) },
    { name: 'level-0 tile (full)', paths: pick((i) => `/${formatTilePath({ level: 0, index: i, width: 256 })}`) },
  ];
}

export async function mirrorBench(
  deps: MirrorBenchDeps,
  options: { readonly serveArgs: string[]; readonly verifierKey: string; readonly origin: string; readonly size: number; readonly databaseUrl: string; readonly tmp: string; readonly readSeconds: number; readonly quick: boolean },
): Promise<MirrorBench> {
  const server = await deps.serve(options.serveArgs);
  let mirror: Running | undefined;
  try {
    deps.progress(`mirror: copying ${options.size.toLocaleString('en-GB')} entries from an empty state`);
    const started = performance.now();
    mirror = await deps.start([
      'mirror',
      '--port',
      '0',
      '--database-url',
      options.databaseUrl,
      '--data-dir',
      mkdtempSync(join(options.tmp, 'mirror-')),
      '--follow',
      server.url,
      '--log-key',
      options.verifierKey,
      '--follow-interval',
      '0.2',
    ]);
    mirror.meter.start();
    const prefix = `/${originHashOf(options.origin)}`;
    let last = { cpuSeconds: 0, peakRssMiB: 0 };
    for (;;) {
      const logs = (await (await fetch(`${mirror.url}/v1/logs`)).json()) as { logs: { mirrorSize: number | null; nextEntry: number }[] };
      const held = logs.logs[0]!;
      if (held.mirrorSize === options.size) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    last = mirror.meter.stop();
    const reads: MirrorBench['reads'] = [];
    for (const route of readPaths(options.size, 2_000)) {
      const run = (origin: string, pathPrefix: string) =>
        deps.load({ origin, method: 'GET', paths: route.paths.map((p) => `${pathPrefix}${p}`), connections: 32, warmupMs: options.quick ? 300 : 1_000, durationMs: options.readSeconds * 1000 });
      deps.progress(`mirror: reads of ${route.name}, log and mirror`);
      const log = await run(server.url, '');
      const fromMirror = await run(mirror.url, prefix);
      if (log.errors + fromMirror.errors > 0) throw new Error(`mirror reads: ${log.errors} errors from the log, ${fromMirror.errors} from the mirror`);
      reads.push({ name: route.name, log, mirror: fromMirror });
    }
    return { seconds, rate: options.size / seconds, cpuSeconds: last.cpuSeconds, peakRssMiB: last.peakRssMiB, reads };
  } finally {
    await mirror?.stop();
    await server.stop();
  }
}
