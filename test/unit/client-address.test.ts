/**
 * The key of a client for per-address limits: IPv6 by /64, IPv4-mapped IPv6 as IPv4, and
 * X-Forwarded-For only with --trust-proxy (its last entry), so a forged header dodges nothing.
 */
import { describe, expect, test } from 'vitest';
import { addressKey, clientKey } from '../../src/http/client-address.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';

describe('addressKey', () => {
  test('IPv4 is itself; IPv4-mapped IPv6 (either spelling) is the IPv4 address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(addressKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  test('IPv6 is keyed by its /64: a host rotating through its own addresses stays one client', () => {
    const key = addressKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const a of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:abcd::9', '2001:db8:1:2:0:0:0:0', '2001:db8:1:2::1%eth0']) expect(addressKey(a)).toBe(key);
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  test('anything not an IP address has no key', () => {
    for (const a of [undefined, '', 'localhost', '1.2.3', '1.2.3.256', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', ':::', '1:2:3:4:5:6:7:8::']) expect(addressKey(a), String(a)).toBeUndefined();
  });
});

describe('clientKey', () => {
  test('without --trust-proxy a forged X-Forwarded-For is ignored: the socket peer counts', () => {
    expect(clientKey('198.51.100.1', '203.0.113.9', false)).toBe('198.51.100.1');
    expect(clientKey('198.51.100.1', '203.0.113.9, 192.0.2.4', false)).toBe('198.51.100.1');
  });

  test('with --trust-proxy the last entry counts (the one the proxy wrote), not what the client prepended', () => {
    expect(clientKey('10.0.0.2', 'forged, 203.0.113.9', true)).toBe('203.0.113.9');
    expect(clientKey('10.0.0.2', '1.1.1.1, 2001:db8:1:2::5', true)).toBe('2001:db8:1:2::/64');
    // A missing or broken header falls back to the peer, never to no limit.
    expect(clientKey('10.0.0.2', undefined, true)).toBe('10.0.0.2');
    expect(clientKey('10.0.0.2', '203.0.113.9, junk', true)).toBe('10.0.0.2');
  });

  test('a rate limiter keyed by address: one bucket per client, a /64 shares one, others are untouched (injected clock)', () => {
    let t = 0;
    const limiter = createRateLimiter({ rate: 2, burst: 3, now: () => t });
    const take = (peer: string) => limiter.take(clientKey(peer, undefined, false)!);
    for (let i = 0; i < 3; i++) expect(take(`2001:db8:1:2::${i + 1}`)).toBe(0);
    expect(take('2001:db8:1:2::99')).toBe(1); // the same /64: its bucket is spent
    expect(take('::ffff:198.51.100.1')).toBe(0);
    expect(take('198.51.100.1')).toBe(0); // the same client as the mapped form
    expect(take('198.51.100.1')).toBe(0);
    expect(take('198.51.100.1')).toBe(1);
    expect(take('2001:db8:1:3::1')).toBe(0); // another /64
    t += 500; // one token back at 2 a second
    expect(take('2001:db8:1:2::7')).toBe(0);
    expect(take('2001:db8:1:2::7')).toBe(1);
  });
});
