/**
 * GET /v1/log, as the explorer needs it: the witnesses the log asks to cosign, with their
 * cosignature keys, and the quorum. The answer comes from the log itself, so these keys
 * are only as trustworthy as the log (the pages say so); they let a browser check the
 * cosignatures the log serves, not replace keys a careful verifier pins itself.
 * Pure: no DOM.
 */
import { type NoteVerifier, parseCosignatureVerifier } from '../note/index.js';
import { Transport, badAnswer, globalFetch, isIndexValue, isObject } from '../client/http.js';
import type { FetchLike } from '../client/index.js';

export interface WitnessInfo {
  readonly name: string;
  readonly url: string;
  readonly verifierKey: string;
  /** The key parsed, or undefined when the log lists a key that is not a cosignature/v1 key. */
  readonly verifier: NoteVerifier | undefined;
  readonly treeSize: number | null;
  readonly cosignedAt: string | null;
  readonly lastError: string | null;
}

export interface LogWitnesses {
  readonly origin: string;
  readonly verifierKey: string;
  readonly quorum: number;
  readonly witnesses: readonly WitnessInfo[];
}

/** Parses GET /v1/log's answer; throws a bad-answer `LogError` when it lacks what the API promises. */
export function parseLogWitnesses(body: unknown): LogWitnesses {
  const what = 'GET /v1/log';
  if (!isObject(body)) throw badAnswer(what, 'is not a JSON object');
  if (typeof body.origin !== 'string' || typeof body.verifierKey !== 'string') throw badAnswer(what, 'lacks origin or verifierKey');
  const quorum = body.quorum === undefined ? 0 : body.quorum;
  if (!isIndexValue(quorum)) throw badAnswer(what, 'has a quorum that is not a whole number');
  const list = body.witnesses === undefined ? [] : body.witnesses;
  if (!Array.isArray(list)) throw badAnswer(what, 'has a witnesses member that is not a list');
  const witnesses = list.map((w: unknown): WitnessInfo => {
    if (!isObject(w) || typeof w.name !== 'string' || typeof w.verifierKey !== 'string') throw badAnswer(what, 'lists a witness without a name and a verifier key');
    let verifier: NoteVerifier | undefined;
    try {
      verifier = parseCosignatureVerifier(w.verifierKey);
    } catch {
      verifier = undefined;
    }
    return {
      name: w.name,
      url: typeof w.url === 'string' ? w.url : '',
      verifierKey: w.verifierKey,
      verifier,
      treeSize: isIndexValue(w.treeSize) ? w.treeSize : null,
      cosignedAt: typeof w.cosignedAt === 'string' ? w.cosignedAt : null,
      lastError: typeof w.lastError === 'string' ? w.lastError : null,
    };
  });
  if (quorum > witnesses.length) throw badAnswer(what, `asks for a quorum of ${quorum} from ${witnesses.length} witnesses`);
  return { origin: body.origin, verifierKey: body.verifierKey, quorum, witnesses };
}

/** Fetches and parses GET /v1/log. */
export async function fetchLogWitnesses(baseUrl: string, send: FetchLike = globalFetch()): Promise<LogWitnesses> {
  const { body } = await new Transport(baseUrl.replace(/\/+$/, ''), send).json('GET', '/v1/log');
  return parseLogWitnesses(body);
}

/** The witnesses of a verified note: which of `witnesses` cosigned it (by name and key ID). */
export function cosignedBy(verified: readonly { readonly name: string; readonly keyId: number }[], witnesses: readonly WitnessInfo[]): WitnessInfo[] {
  return witnesses.filter((w) => w.verifier !== undefined && verified.some((s) => s.name === w.verifier!.name && s.keyId === w.verifier!.keyId));
}
