/**
 * The body of `POST /v1/details`: a claimant opens the private details of their entries by
 * reveal tokens alone, so that no request path, query or header names an entry (design.md,
 * "The watchers are watched": a lookup reads only what many people share). Shared by the
 * server, which parses it strictly, and the client, which formats it.
 *
 * `{"revealTokens": ["<canonical base64 of 32 bytes>", …]}`, 1 to `DETAILS_REQUEST_SLOTS`
 * tokens, each at most once. A client sends exactly `DETAILS_REQUEST_SLOTS` every time, its
 * own tokens in random order among random dummy tokens (which open nothing), so that every
 * such request has the same size and the body says nothing about how many entries it is for.
 */
import { decodeBase64, encodeBase64 } from '../encoding/index.js';
import { LogError } from '../errors.js';

/**
 * Tokens in one request. 64 covers the entries of most claimants' year in one request (so the
 * number of requests, which anyone on the path sees, rarely says more than "up to 64"), while
 * bounding the server's work per request: one indexed query for 64 hashes, an answer of at most
 * 64 details of 16 KiB each (about 1 MiB).
 */
export const DETAILS_REQUEST_SLOTS = 64;
/** A reveal token: HMAC-SHA256(K_day, "sightline/v1/reveal\n" ‖ j), 32 bytes. */
export const REVEAL_TOKEN_SIZE = 32;
/**
 * The most bytes a request body may take: 64 tokens of 44 base64 digits, quoted and separated,
 * in `{"revealTokens":[…]}` is 3,026 bytes; the rest is room for whitespace.
 */
export const MAX_DETAILS_REQUEST_BODY = 4096;

const TOKEN_TEXT = /^[A-Za-z0-9+/]{43}=$/;

function malformed(message: string, field: string, hint: string): LogError {
  return new LogError('MALFORMED_REQUEST', message, { field, hint });
}

/**
 * Parses a request body (already JSON-decoded) into its reveal tokens, in order.
 *
 * Trust boundary: `body` is attacker-controlled. Messages never echo a token.
 */
export function parseDetailsRequest(body: unknown): Uint8Array[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw malformed('the body must be a JSON object', 'body', 'send {"revealTokens": ["<base64 of 32 bytes>", …]}');
  }
  const { revealTokens, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw malformed(`unknown member ${JSON.stringify(extra.slice(0, 40))}`, extra, 'the only member is revealTokens');
  if (!Array.isArray(revealTokens)) throw malformed('revealTokens must be an array of reveal tokens', 'revealTokens', 'send {"revealTokens": ["<base64 of 32 bytes>", …]}');
  if (revealTokens.length === 0) throw malformed('revealTokens is empty', 'revealTokens', 'send 1 to 64 reveal tokens');
  if (revealTokens.length > DETAILS_REQUEST_SLOTS) {
    throw malformed(`revealTokens holds ${revealTokens.length} tokens, more than ${DETAILS_REQUEST_SLOTS}`, 'revealTokens', `send at most ${DETAILS_REQUEST_SLOTS} tokens a request, and more in further requests`);
  }
  const seen = new Set<string>();
  return revealTokens.map((t, i) => {
    const field = `revealTokens[${i}]`;
    const bytes = typeof t === 'string' && TOKEN_TEXT.test(t) ? decodeBase64(t) : undefined;
    if (bytes === undefined || bytes.length !== REVEAL_TOKEN_SIZE) {
      throw malformed(`${field} is not a reveal token`, field, 'a reveal token is 32 bytes in canonical standard base64: 43 digits and one "="');
    }
    if (seen.has(t as string)) throw malformed(`${field} repeats an earlier token`, field, 'send each token once');
    seen.add(t as string);
    return bytes;
  });
}

/** The body of a request for `tokens` (each 32 bytes), in the order given. */
export function formatDetailsRequest(tokens: readonly Uint8Array[]): string {
  if (tokens.length < 1 || tokens.length > DETAILS_REQUEST_SLOTS) throw new RangeError(`a details request holds 1 to ${DETAILS_REQUEST_SLOTS} tokens, got ${tokens.length}`);
  for (const t of tokens) if (t.length !== REVEAL_TOKEN_SIZE) throw new RangeError(`a reveal token is ${REVEAL_TOKEN_SIZE} bytes, got ${t.length}`);
  return JSON.stringify({ revealTokens: tokens.map(encodeBase64) });
}
