/**
 * Bearer-token authentication for the HTTP server (spec §13.7 extension; issue 3 item 1).
 *
 * When `server.auth_token` is set every request must carry it, either as
 * `Authorization: Bearer <token>` or — because browsers cannot add headers to a navigation or an
 * `EventSource` — as the `access_token` query parameter (RFC 6750 §2.3). Comparison is constant-time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The credentials a request presented (either may be absent). */
export interface PresentedCredentials {
  /** Raw `Authorization` header value. */
  readonly authorization: string | undefined;
  /** `access_token` query parameter value(s). */
  readonly accessToken: string | readonly string[] | undefined;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * True when the request may proceed: no token configured, or the header's bearer token or the
 * `access_token` query parameter equals `token`. Never throws.
 */
export function isAuthorized(token: string | null, presented: PresentedCredentials): boolean {
  if (token === null) return true;
  const candidates: string[] = [];
  const header = presented.authorization === undefined ? null : BEARER.exec(presented.authorization);
  if (header?.[1] !== undefined) candidates.push(header[1]);
  const query = presented.accessToken;
  if (typeof query === 'string') candidates.push(query);
  else if (Array.isArray(query)) for (const value of query) if (typeof value === 'string') candidates.push(value);
  // Compare every candidate so timing does not reveal which one was tried first.
  let ok = false;
  for (const candidate of candidates) ok = tokensEqual(candidate, token) || ok;
  return ok;
}

/**
 * Constant-time string equality: both sides are hashed first, so neither the content nor the
 * length of the expected token leaks through timing.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * True when `host` only accepts connections from this machine: `localhost`, `127.0.0.0/8`, `::1`
 * and IPv4-mapped loopback (`::ffff:127.x.y.z`). `0.0.0.0`, `::` and every other address are not.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost') return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) {
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped?.[1] !== undefined && mapped[1].startsWith('127.');
  }
  return false;
}
