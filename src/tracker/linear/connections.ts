/**
 * One Linear connection (request queue + rate-limit gate) per credential and endpoint, shared by
 * every adapter built for them. A workflow reload that rebuilds the adapter (new states, say), and
 * sessions still bound to an older adapter, therefore share one rate-limit window and one cap on
 * requests in flight, as Linear counts them: per API key.
 */
import { createHash } from 'node:crypto';
import { RateLimitGate } from './rate-limit.js';
import type { LinearSettings } from './settings.js';
import { LinearTransport } from './transport.js';

/** The shared parts of a Linear adapter. */
export interface LinearConnection {
  readonly transport: LinearTransport;
  readonly gate: RateLimitGate;
}

/** Connections per clock (tests inject their own), then per endpoint + key digest + timeout. */
const connections = new WeakMap<() => number, Map<string, LinearConnection>>();

/**
 * The connection for these settings, created on first use.
 *
 * @param now - the rate-limit clock (epoch ms); connections are shared only between callers with
 *   the same clock function.
 * @param fetchImpl - a custom `fetch` gives a private, unshared connection.
 */
export function linearConnection(settings: LinearSettings, now: () => number, fetchImpl?: typeof fetch): LinearConnection {
  const create = (): LinearConnection => ({
    transport: new LinearTransport({
      endpoint: settings.endpoint,
      apiKey: settings.apiKey,
      timeoutMs: settings.requestTimeoutMs,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    }),
    gate: new RateLimitGate(now),
  });
  if (fetchImpl) return create();
  let forClock = connections.get(now);
  if (!forClock) {
    forClock = new Map();
    connections.set(now, forClock);
  }
  const digest = createHash('sha256').update(settings.apiKey.reveal()).digest('hex');
  const key = `${settings.endpoint}\n${digest}\n${settings.requestTimeoutMs}`;
  let connection = forClock.get(key);
  if (!connection) {
    connection = create();
    forClock.set(key, connection);
  }
  return connection;
}
