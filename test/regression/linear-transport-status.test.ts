/**
 * Review: `@linear/sdk`'s rawRequest parses any `application/json` body before our code sees the
 * status. A body that is not valid JSON (empty, truncated, a gateway's page mislabelled as JSON)
 * surfaces as a bare SyntaxError, which the transport maps to `tracker_response` without the
 * status or headers. So a 429 with `Retry-After` is not seen as a rate limit: the gate stays
 * open and every poll, refresh and agent tool call keeps hitting Linear. A JSON `null` body (or an
 * `errors` that is not a list) makes the SDK throw a TypeError, mapped to `tracker_request`
 * ("transport failure") instead of `tracker_response`.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { linearTrackerProfile } from '../../src/tracker/linear/profile.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';
import { capturingLogger, CLOCK_START } from '../tracker/linear-fixture.js';

interface Canned {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

let server: Server | null = null;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }
  server = null;
});

/** A server that answers every POST with `canned`; returns the adapter and a request counter. */
async function adapterAgainst(canned: Canned): Promise<{ adapter: TrackerAdapter; requests: () => number }> {
  let count = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count += 1;
      res.writeHead(canned.status, canned.headers);
      res.end(canned.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const validation = linearTrackerProfile.validate(
    { api_key: '$K', project_slug: 'proj', endpoint: `http://127.0.0.1:${port}/graphql` },
    { K: 'lin_api_TRANSPORT' },
  );
  const clock = { now: CLOCK_START };
  const adapter = linearTrackerProfile.create(
    validation.settings!,
    { activeStates: ['Todo'], terminalStates: ['Done'] },
    { logger: capturingLogger().logger, now: () => clock.now },
  );
  return { adapter, requests: () => count };
}

async function rejection(promise: Promise<unknown>): Promise<SymphonyError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SymphonyError);
  return error as SymphonyError;
}

describe('review: Linear answers whose JSON body does not parse keep their HTTP status', () => {
  it('HTTP 429 + Retry-After with an empty application/json body → tracker_rate_limited and the gate closes', async () => {
    const { adapter, requests } = await adapterAgainst({
      status: 429,
      body: '',
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '30' },
    });
    const first = await rejection(adapter.fetchIssuesByStates(['Todo']));
    expect(first.code).toBe('tracker_rate_limited');
    const second = await rejection(adapter.fetchIssuesByStates(['Todo']));
    expect(second.code).toBe('tracker_rate_limited');
    expect(requests()).toBe(1);
  });

  it('HTTP 503 with a truncated application/json body → tracker_status naming the status', async () => {
    const { adapter } = await adapterAgainst({ status: 503, body: '{"errors": [', headers: { 'content-type': 'application/json' } });
    const error = await rejection(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_status');
    expect(error.message).toContain('503');
  });

  it('HTTP 200 with a JSON null body → tracker_response (a malformed payload, not a transport failure)', async () => {
    const { adapter } = await adapterAgainst({ status: 200, body: 'null', headers: { 'content-type': 'application/json' } });
    const error = await rejection(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_response');
  });
});
