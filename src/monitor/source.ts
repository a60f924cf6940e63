/**
 * The one port through which a monitor reads a log: the public read API of
 * c2sp.org/tlog-tiles, plus Sightline's optional routes. Everything it returns is
 * untrusted (trust boundary): the audit verifies each byte before relying on it.
 */
export interface LogSource {
  /** GET /checkpoint: the signed note text (c2sp.org/tlog-checkpoint). */
  checkpoint(): Promise<string>;
  /**
   * GET /<path> for a tile or entry-bundle path (`tile/<L>/<N>[.p/<W>]`,
   * `tile/entries/<N>[.p/<W>]`); undefined when the log answers 404.
   */
  tile(path: string): Promise<Uint8Array | undefined>;
  /** GET /v1/proofs/consistency?from=&to=: the JSON body, or undefined on 404 (not offered). */
  consistencyProof?(from: number, to: number): Promise<string | undefined>;
  /** GET /v1/codes/<sha256>: the JSON body, or undefined on 404. */
  codes?(sha256: string): Promise<string | undefined>;
  /** GET /v1/partners: the JSON body, or undefined on 404 (no typed events: not a Sightline log). */
  partners?(): Promise<string | undefined>;
}
