/**
 * Which client a request comes from, for per-address limits: the socket's peer address, or,
 * only when the operator says a proxy is in front (`--trust-proxy`), the address that proxy
 * appended to X-Forwarded-For. A client cannot dodge a limit with a forged header: without
 * `--trust-proxy` the header is ignored, and with it only the last entry counts (the one the
 * trusted proxy wrote; anything before it the client may have sent).
 *
 * Addresses are keyed so that one host cannot rotate through its own: an IPv6 address by its
 * /64 prefix (one subnet, the usual assignment to one site or host, RFC 6177 and RFC 7421), an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) as the IPv4 address it is.
 */

/** The key of `address` for per-address limits; undefined when it is not an IP address. */
export function addressKey(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const text = address.trim();
  if (isIpv4(text)) return text;
  const zone = text.indexOf('%'); // fe80::1%eth0: the zone names an interface, not a host
  const groups = ipv6Groups(zone < 0 ? text : text.slice(0, zone));
  if (groups === undefined) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return `${Math.floor(groups[6]! / 256)}.${groups[6]! % 256}.${Math.floor(groups[7]! / 256)}.${groups[7]! % 256}`;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/**
 * The key of the client of a request whose socket peer is `peer`: the last X-Forwarded-For
 * entry when `trustProxy` (and it is an IP address), otherwise the peer. Undefined only when
 * neither is an address (a Unix socket): such a request is not limited by address.
 */
export function clientKey(peer: string | undefined, forwardedFor: string | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy && forwardedFor !== undefined) {
    const last = forwardedFor.split(',').at(-1);
    const key = addressKey(last);
    if (key !== undefined) return key;
  }
  return addressKey(peer);
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2, with `::` and a trailing IPv4 form). */
function ipv6Groups(text: string): number[] | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        if (!isIpv4(piece)) return undefined;
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push(a * 256 + b, c * 256 + d);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}
