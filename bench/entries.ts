/**
 * The benchmark's entries: JSON records shaped like an access event, about a realistic size,
 * unique by a random run id and a counter, so that no two entries (nor two runs) are
 * deduplicated. Shared by the load generator and the bulk preload.
 */
import { randomBytes } from 'node:crypto';

/** A new run id and the text every entry of the run starts with; the counter follows it. */
export function accessEventPrefix(): string {
  const run = randomBytes(8).toString('hex');
  return `{"type":"access","organisation":"dwp","system":"uc-fs","actorRole":"work-coach","action":"view","purpose":"claim-review","legalBasis":"ssaa-1992-s7","categories":["contact","income"],"run":"${run}","n":`;
}
