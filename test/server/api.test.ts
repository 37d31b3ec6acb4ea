import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DashboardPages } from '../../src/status/types.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { sampleIssue, sampleSnapshot } from './fake-source.js';
import { call, onCleanup, postJson, serve } from './harness.js';

/** Asserts the JSON error envelope: exactly `{error:{code,message}}` with a one-line message. */
function expectEnvelope(body: unknown, code: string): string {
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  const message = (body as { error: { message: string } }).error.message;
  expect(message).not.toMatch(/\n/);
  expect(message.length).toBeGreaterThan(0);
  return message;
}

describe('GET /api/v1/state', () => {
  it('§13.7.2 returns the snapshot as JSON, never cached', async () => {
    const { server } = await serve();
    const response = await call(server, '/api/v1/state');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual(sampleSnapshot());
  });

  it('a throwing snapshot answers 503 snapshot_unavailable and the server keeps serving', async () => {
    const { server, source } = await serve();
    source.snapshotImpl = () => {
      throw new Error('state lock poisoned');
    };
    const failed = await call(server, '/api/v1/state');
    expect(failed.status).toBe(503);
    expect(expectEnvelope(failed.body, 'snapshot_unavailable')).toContain('state lock poisoned');
    source.snapshotImpl = () => sampleSnapshot('2026-05-05T00:00:00.000Z');
    const next = await call(server, '/api/v1/state');
    expect(next.status).toBe(200);
    expect((next.body as { generated_at: string }).generated_at).toBe('2026-05-05T00:00:00.000Z');
  });
});

describe('POST /api/v1/refresh', () => {
  it('§13.7.2 an empty body queues poll + reconcile and answers 202; repeats report coalesced', async () => {
    const { server, source } = await serve();
    const first = await call(server, '/api/v1/refresh', { method: 'POST' });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ queued: true, coalesced: false, requested_at: '2026-01-02T03:04:05.000Z', operations: ['poll', 'reconcile'] });
    const second = await postJson(server, '/api/v1/refresh', {});
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ queued: true, coalesced: true });
    const emptyJson = await postJson(server, '/api/v1/refresh', '');
    expect(emptyJson.status).toBe(202);
    expect(source.refreshes).toBe(3);
  });

  it('rejects bad JSON (400 invalid_json), non-object bodies (400 invalid_body) and other media types (415)', async () => {
    const { server, source } = await serve();
    const badJson = await postJson(server, '/api/v1/refresh', '{"oops":');
    expect(badJson.status).toBe(400);
    expect(expectEnvelope(badJson.body, 'invalid_json')).not.toContain('oops');
    const array = await postJson(server, '/api/v1/refresh', [1]);
    expect(array.status).toBe(400);
    expectEnvelope(array.body, 'invalid_body');
    const text = await call(server, '/api/v1/refresh', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'now' });
    expect(text.status).toBe(415);
    expectEnvelope(text.body, 'unsupported_media_type');
    expect(source.refreshes).toBe(0);
  });

  it('a body over 64 KB answers 413 payload_too_large', async () => {
    const { server, source } = await serve();
    const response = await postJson(server, '/api/v1/refresh', { pad: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expectEnvelope(response.body, 'payload_too_large');
    expect(source.refreshes).toBe(0);
  });
});

describe('GET /api/v1/<issue_identifier>', () => {
  it('§13.7.2 returns the issue details', async () => {
    const { server, source } = await serve();
    source.issues.set('MT-1', sampleIssue('MT-1'));
    const response = await call(server, '/api/v1/MT-1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(sampleIssue('MT-1'));
  });

  it('§13.7.2 an unknown issue answers 404 issue_not_found', async () => {
    const { server } = await serve();
    const response = await call(server, '/api/v1/MT-404');
    expect(response.status).toBe(404);
    expect(expectEnvelope(response.body, 'issue_not_found')).toContain('MT-404');
  });

  it('identifiers are URL-decoded path segments', async () => {
    const { server, source } = await serve();
    source.issues.set('MT 7/é', sampleIssue('MT 7/é'));
    const response = await call(server, `/api/v1/${encodeURIComponent('MT 7/é')}`);
    expect(response.status).toBe(200);
    expect((response.body as { issue_identifier: string }).issue_identifier).toBe('MT 7/é');
  });

  it('a throwing source answers 500 internal, logs one line, and the server keeps serving', async () => {
    const records: LogRecord[] = [];
    const { server, source } = await serve({ logger: captureLogger(records) });
    source.issueError = new Error('index corrupted\nsecond line');
    const failed = await call(server, '/api/v1/MT-1?access_token=hidden');
    expect(failed.status).toBe(500);
    expect(expectEnvelope(failed.body, 'internal')).not.toContain('index corrupted');
    const logged = records.find((record) => record.msg === 'http request failed');
    expect(logged).toMatchObject({ level: 'error', method: 'GET', path: '/api/v1/MT-1', reason: 'index corrupted second line' });
    expect(JSON.stringify(records)).not.toContain('hidden');
    source.issueError = null;
    source.issues.set('MT-1', sampleIssue('MT-1'));
    expect((await call(server, '/api/v1/MT-1')).status).toBe(200);
  });
});

describe('POST /api/v1/<issue_identifier>/answer', () => {
  it('delivers a decision or user-input answers and answers 200 {answered:true}', async () => {
    const { server, source } = await serve();
    source.issues.set('MT-1', sampleIssue('MT-1'));
    const decision = await postJson(server, '/api/v1/MT-1/answer', { decision: 'acceptForSession' });
    expect(decision.status).toBe(200);
    expect(decision.body).toEqual({ answered: true });
    const answers = await postJson(server, '/api/v1/MT-1/answer', { answers: { q1: ['Yes'], q2: ['free text', 'more'] } });
    expect(answers.status).toBe(200);
    expect(source.answers).toEqual([
      { identifier: 'MT-1', answer: { decision: 'acceptForSession' } },
      { identifier: 'MT-1', answer: { answers: { q1: ['Yes'], q2: ['free text', 'more'] } } },
    ]);
  });

  it.each([
    ['an empty body', undefined, 'empty body'],
    ['an unknown decision', { decision: 'maybe' }, '"decision" must be one of accept, acceptForSession, decline, cancel'],
    ['both keys', { decision: 'accept', answers: {} }, 'keys "decision", "answers"'],
    ['another key', { approve: true }, 'key "approve"'],
    ['answers not arrays', { answers: { q1: 'Yes' } }, '"answers.q1" must be an array of strings'],
    ['answers with numbers', { answers: { q1: [1] } }, '"answers.q1" must be an array of strings'],
    ['no answers', { answers: {} }, 'at least one question'],
    ['an array', ['accept'], 'got an array'],
  ])('rejects %s with 400 invalid_answer naming what is wrong', async (_name, body, expected) => {
    const { server, source } = await serve();
    source.issues.set('MT-1', sampleIssue('MT-1'));
    const response =
      body === undefined ? await call(server, '/api/v1/MT-1/answer', { method: 'POST' }) : await postJson(server, '/api/v1/MT-1/answer', body);
    expect(response.status).toBe(400);
    expect(expectEnvelope(response.body, 'invalid_answer')).toContain(expected);
    expect(source.answers).toEqual([]);
  });

  it('maps the source outcome: issue_not_found 404, nothing_waiting 409, invalid_answer 400', async () => {
    const { server, source } = await serve();
    const unknown = await postJson(server, '/api/v1/MT-9/answer', { decision: 'accept' });
    expect(unknown.status).toBe(404);
    expectEnvelope(unknown.body, 'issue_not_found');
    source.answerImpl = () => ({ ok: false, code: 'nothing_waiting', message: 'MT-1 is not waiting for an operator' });
    const idle = await postJson(server, '/api/v1/MT-1/answer', { decision: 'accept' });
    expect(idle.status).toBe(409);
    expect(expectEnvelope(idle.body, 'nothing_waiting')).toBe('MT-1 is not waiting for an operator');
    source.answerImpl = () => ({ ok: false, code: 'invalid_answer', message: 'question q9 is not asked' });
    const wrong = await postJson(server, '/api/v1/MT-1/answer', { answers: { q9: ['x'] } });
    expect(wrong.status).toBe(400);
    expect(expectEnvelope(wrong.body, 'invalid_answer')).toBe('question q9 is not asked');
  });
});

describe('GET /api/v1/<issue_identifier>/logs/<label>', () => {
  it('streams the session log as application/x-ndjson; unknown or missing logs are 404 log_not_found', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'symphony-server-logs-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'thread-1-turn-1.jsonl');
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ n: i, method: 'item/completed' })).join('\n') + '\n';
    writeFileSync(file, lines);
    const { server, source } = await serve();
    source.logs.set('MT-1/thread-1-turn-1', file);
    source.logs.set('MT-1/gone', path.join(dir, 'gone.jsonl'));
    const response = await call(server, '/api/v1/MT-1/logs/thread-1-turn-1');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.text).toBe(lines);
    for (const label of ['nope', 'gone']) {
      const missing = await call(server, `/api/v1/MT-1/logs/${label}`);
      expect(missing.status).toBe(404);
      expectEnvelope(missing.body, 'log_not_found');
    }
  });
});

describe('GET /metrics', () => {
  it('serves the exposition with its content type; absent metrics are 404; a failing one is 500', async () => {
    let fail = false;
    const metrics = () =>
      fail
        ? Promise.reject(new Error('registry broken'))
        : Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'symphony_running_agents 1\n' });
    const { server } = await serve({ metrics });
    const response = await call(server, '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.text).toBe('symphony_running_agents 1\n');
    fail = true;
    const failed = await call(server, '/metrics');
    expect(failed.status).toBe(500);
    expectEnvelope(failed.body, 'internal');
    const { server: bare } = await serve();
    const absent = await call(bare, '/metrics');
    expect(absent.status).toBe(404);
    expectEnvelope(absent.body, 'not_found');
  });
});

describe('dashboard documents', () => {
  const pages: DashboardPages = {
    index: '<!doctype html><title>index</title>',
    issue: '<!doctype html><title>issue</title>',
    assets: [
      { path: '/assets/dashboard.js', contentType: 'text/javascript; charset=utf-8', body: 'console.log(1);' },
      { path: '/assets/dashboard.css', contentType: 'text/css; charset=utf-8', body: 'body{}' },
    ],
  };

  it('§13.7.1 serves / and /issues/<id> as HTML with a strict CSP and no caching, and the assets', async () => {
    const { server } = await serve({ pages });
    for (const [url, body] of [
      ['/', pages.index],
      ['/issues/MT-1', pages.issue],
    ] as const) {
      const response = await call(server, url);
      expect(response.status).toBe(200);
      expect(response.text).toBe(body);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
    }
    const script = await call(server, '/assets/dashboard.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.text).toBe('console.log(1);');
    const style = await call(server, '/assets/dashboard.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('without pages, / is a minimal HTML page linking the API', async () => {
    const { server } = await serve();
    const response = await call(server, '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('href="/api/v1/state"');
    expect(response.text).not.toContain('<script');
    expect((await call(server, '/issues/MT-1')).status).toBe(404);
  });
});

describe('errors on every route', () => {
  it.each([
    ['POST', '/api/v1/state', 'GET'],
    ['DELETE', '/api/v1/events', 'GET'],
    ['GET', '/api/v1/refresh', 'POST'],
    ['PUT', '/api/v1/MT-1', 'GET'],
    ['GET', '/api/v1/MT-1/answer', 'POST'],
    ['POST', '/api/v1/MT-1/logs/x', 'GET'],
    ['PATCH', '/', 'GET'],
    ['HEAD', '/api/v1/state', 'GET'],
  ])('§13.7.2 %s %s answers 405 method_not_allowed with Allow: %s', async (method, url, allow) => {
    const { server, source } = await serve();
    const response = await call(server, url, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    if (method !== 'HEAD') expectEnvelope(response.body, 'method_not_allowed');
    expect(source.refreshes).toBe(0);
  });

  it.each(['/nope', '/api/v2/state', '/api/v1/MT-1/unknown', '/api/v1/MT-1/logs', '/favicon.ico'])(
    '§13.7.2 unknown path %s answers 404 not_found',
    async (url) => {
      const { server } = await serve();
      const response = await call(server, url);
      expect(response.status).toBe(404);
      expectEnvelope(response.body, 'not_found');
    },
  );
});
