/**
 * One Linear connection (request queue + rate-limit gate) per credential and endpoint, shared by
 * every adapter built for them. A workflow reload that rebuilds the adapter (new states, say), and
 * sessions still bound to an older adapter, therefore share one rate-limit window and one cap on
 * requests in flight, as Linear counts them: per API key.
 */
import { createHash } from 'node:crypto';
import type PQueue from 'p-queue';
import type { TrackerRequestObserver } from '../../metrics/tracker-observer.js';
import { RateLimitGate } from './rate-limit.js';
import type { LinearSettings } from './settings.js';
import { LinearTransport, linearRequestQueue } from './transport.js';

/** The shared parts of a Linear adapter. */
export interface LinearConnection {
  /** This adapter's transport: its own observer, the shared request queue. */
  readonly transport: LinearTransport;
  readonly gate: RateLimitGate;
}

/** What adapters for one credential share. */
interface SharedConnection {
  readonly queue: PQueue;
  readonly gate: RateLimitGate;
}

/** Shared parts per clock (tests inject their own), then per endpoint + key digest + timeout. */
const connections = new WeakMap<() => number, Map<string, SharedConnection>>();

/**
 * The connection for these settings: the request queue and rate-limit window are created on first
 * use and shared; the transport is built per call so each adapter reports to its own observer.
 *
 * @param now - the rate-limit clock (epoch ms); connections are shared only between callers with
 *   the same clock function.
 * @param fetchImpl - a custom `fetch` gives a private, unshared connection.
 * @param observer - told about every request this adapter sends (request metrics). Default: none.
 */
export function linearConnection(
  settings: LinearSettings,
  now: () => number,
  fetchImpl?: typeof fetch,
  observer?: TrackerRequestObserver,
): LinearConnection {
  const shared = fetchImpl ? newShared(now) : sharedFor(settings, now);
  const transport = new LinearTransport({
    endpoint: settings.endpoint,
    apiKey: settings.apiKey,
    timeoutMs: settings.requestTimeoutMs,
    queue: shared.queue,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(observer ? { observer } : {}),
  });
  return { transport, gate: shared.gate };
}

function newShared(now: () => number): SharedConnection {
  return { queue: linearRequestQueue(), gate: new RateLimitGate(now) };
}

function sharedFor(settings: LinearSettings, now: () => number): SharedConnection {
  let forClock = connections.get(now);
  if (!forClock) {
    forClock = new Map();
    connections.set(now, forClock);
  }
  const digest = createHash('sha256').update(settings.apiKey.reveal()).digest('hex');
  const key = `${settings.endpoint}\n${digest}\n${settings.requestTimeoutMs}`;
  let shared = forClock.get(key);
  if (!shared) {
    shared = newShared(now);
    forClock.set(key, shared);
  }
  return shared;
}
