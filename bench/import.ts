/**
 * The import section: a month of central government spending (HM Treasury's layout), one
 * line per payment, written as a CSV file and imported with `sightline import spend` into a
 * fresh log on PostgreSQL, the importer in its own process. Each record gets its receipt in
 * the answers the importer reads (POST /v1/records answers a tlog-proof receipt per record).
 * Measured: records/s over the whole import (both passes over the file, the period's
 * lookup, every request), the importer's and the server's CPU; checked: the log holds
 * exactly the lines, and a sample of them as sent.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { ProcessMeter } from './meter.js';

export interface Meter {
  start(): void;
  stop(): { cpuSeconds: number; peakRssMiB: number };
}

export interface ImportBenchDeps {
  readonly cliPath: string;
  readonly root: string;
  /** The log's URL and the partner's token, on a fresh PostgreSQL database; its id is `bench`. */
  readonly server: { readonly url: string; readonly meter: Meter };
  readonly token: string;
  readonly progress: (message: string) => void;
}

export interface ImportResult {
  readonly lines: number;
  readonly seconds: number;
  readonly rate: number;
  readonly importer: { cpuSeconds: number; peakRssMiB: number };
  readonly server: { cpuSeconds: number; peakRssMiB: number };
  readonly fileBytes: number;
  readonly summary: { created: number; refused: number };
  readonly checked: number;
}

const SUPPLIERS = Array.from({ length: 500 }, (_, i) => `Supplier ${i + 1} Ltd`);
const TYPES = ['IT Services', 'Consultancy', 'Rent', 'Utilities', 'Travel', 'Facilities Management', 'Legal Services', 'Training'];
const AREAS = ['Digital Group', 'Operations', 'Estates', 'Finance', 'Policy Group', 'Service Excellence'];

/** The n-th line's values: what the file holds, and what its record must hold. */
function line(n: number): { cells: string[]; amount: number; day: number } {
  const day = 1 + (n % 31);
  const pence = 2_500_000 + ((n * 7919) % 100_000_000);
  const pounds = `${Math.floor(pence / 100).toLocaleString('en-GB')}.${String(pence % 100).padStart(2, '0')}`;
  const cells = [
    'Department for Work and Pensions',
    n % 3 === 0 ? 'Jobcentre Plus' : 'Department for Work and Pensions',
    `${String(day).padStart(2, '0')}/01/2026`,
    TYPES[n % TYPES.length]!,
    AREAS[n % AREAS.length]!,
    SUPPLIERS[(n * 31) % SUPPLIERS.length]!,
    String(10_000_000 + n),
    `"£${pounds}"`,
    `"Payment ${n}, January 2026"`,
  ];
  return { cells, amount: pence, day };
}

async function writeFile(path: string, lines: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('\uFEFFDepartment Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount (£),Description\r\n');
  let chunk = '';
  for (let n = 0; n < lines; n++) {
    chunk += line(n).cells.join(',') + '\r\n';
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return bytes;
}

export async function importBench(deps: ImportBenchDeps, dir: string, lines: number): Promise<ImportResult> {
  const file = join(dir, 'spend-2026-01.csv');
  deps.progress(`import: writing ${lines.toLocaleString('en-GB')} spend lines`);
  const fileBytes = await writeFile(file, lines);
  deps.progress(`import: importing them (${(fileBytes / 2 ** 20).toFixed(0)} MiB)`);
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const size = async () => Number((await (await fetch(`${deps.server.url}/checkpoint`)).text()).split('\n')[1]);
  // The log already holds the operator's record of the partner's token.
  const before = await size();
  deps.server.meter.start();
  const started = performance.now();
  const child = spawn(process.execPath, [deps.cliPath, 'import', 'spend', file, '--log', deps.server.url, '--body', 'bench', '--json'], {
    cwd: deps.root,
    env: { ...env, SIGHTLINE_TOKEN: deps.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const meter = new ProcessMeter(child.pid!);
  meter.start();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  const importer = meter.stop();
  const server = deps.server.meter.stop();
  if (code !== 0) throw new Error(`import exited with ${code}: ${stderr.slice(0, 2000)}`);
  const summary = JSON.parse(stdout) as { created: number; refused: number; rows: number };
  if (summary.created !== lines || summary.refused !== 0) throw new Error(`import: ${lines} lines, but ${summary.created} created and ${summary.refused} refused`);

  // The log holds exactly the lines, and a sample of records as the file said them.
  const after = await size();
  if (after - before !== lines) throw new Error(`import: the log grew by ${after - before} entries, not ${lines}`);
  const page = (await (await fetch(`${deps.server.url}/v1/records?body=bench&type=spend&from=2026-01-01&to=2026-01-31`)).json()) as { records: { record: { transactionNumber: string; amount: number; date: string } }[] };
  for (const { record } of page.records) {
    const n = Number(record.transactionNumber) - 10_000_000;
    const want = line(n);
    if (record.amount !== want.amount || record.date !== `2026-01-${String(want.day).padStart(2, '0')}`) throw new Error(`import: transaction ${record.transactionNumber} holds other values than its line`);
  }
  return { lines, seconds, rate: lines / seconds, importer, server, fileBytes, summary, checked: page.records.length };
}
