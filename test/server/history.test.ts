/**
 * Run history in the HTTP API (issue 9 item 4; spec §18): `GET /api/v1/runs`, the issue route's
 * `runs`, and the state's `revisions` / `workflow_revision` (API, event-stream snapshot and the
 * dashboard document's first-paint data), over a fake journal.
 */
import { describe, expect, it } from 'vitest';
import type { RevisionRow, RunRow } from '../../src/journal/history.js';
import { dashboardPages } from '../../src/server/dashboard/pages.js';
import { parseLimit, parseSince, REVISIONS_WINDOW_MS } from '../../src/server/history.js';
import { FakeHistory, journalRun } from '../support/fake-history.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { sampleIssue, sampleSnapshot } from './fake-source.js';
import { call, onCleanup, serve } from './harness.js';
import { openEventStream } from './sse-reader.js';

const NOW = Date.UTC(2026, 2, 10, 12, 0);
const HOUR = 3_600_000;
const REV_OLD = '0123456789ab'.padEnd(64, '0');
const REV_NEW = 'fedcba987654'.padEnd(64, '1');

/** A journal: MT-1 ran three times (the last handed off), MT-2 once 30 h ago, one run 8 days ago. */
function journal(): FakeHistory {
  return new FakeHistory([
    journalRun({ runId: 1, identifier: 'MT-9', startedAtMs: NOW - 8 * 24 * HOUR, workflowRevision: 'e'.repeat(64) }),
    journalRun({ runId: 2, identifier: 'MT-2', startedAtMs: NOW - 30 * HOUR, workflowRevision: REV_OLD, outcome: 'failed', reason: 'turn_failed: boom' }),
    journalRun({ runId: 3, identifier: 'MT-1', startedAtMs: NOW - 5 * HOUR, workflowRevision: REV_OLD, outcome: 'failed', reason: 'turn_failed: flaky' }),
    journalRun({ runId: 4, identifier: 'MT-1', startedAtMs: NOW - 4 * HOUR, workflowRevision: REV_NEW, turns: 7, totalTokens: 9_000, handedOffAtMs: NOW - 3 * HOUR }),
    journalRun({ runId: 5, identifier: 'MT-3', startedAtMs: NOW - HOUR, workflowRevision: REV_NEW, outcome: null, endedAtMs: null, turns: 1, totalTokens: 10 }),
  ]);
}

function serveWithHistory(history: FakeHistory = journal(), extra: Parameters<typeof serve>[0] = {}) {
  return serve({ history, now: () => NOW, ...extra });
}

function expectInvalidQuery(response: { status: number; body: unknown }, ...mentions: string[]): void {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ error: { code: 'invalid_query', message: expect.any(String) } });
  const message = (response.body as { error: { message: string } }).error.message;
  for (const mention of mentions) expect(message).toContain(mention);
}

describe('GET /api/v1/runs', () => {
  it('defaults to the runs of the last 24 h, newest first, at most 100, as snake_case rows', async () => {
    const history = journal();
    const { server } = await serveWithHistory(history);
    const response = await call(server, '/api/v1/runs');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = response.body as { since: string; limit: number; runs: RunRow[] };
    expect(body.since).toBe(new Date(NOW - 24 * HOUR).toISOString());
    expect(body.limit).toBe(100);
    expect(body.runs.map((row) => row.run_id)).toEqual([5, 4, 3]);
    expect(history.calls).toEqual([{ method: 'runsSince', arg: NOW - 24 * HOUR, limit: 100 }]);
    expect(body.runs[1]).toEqual({
      run_id: 4,
      issue_id: 'id-MT-1',
      issue_identifier: 'MT-1',
      attempt: null,
      runtime: 'codex',
      started_at: new Date(NOW - 4 * HOUR).toISOString(),
      ended_at: new Date(NOW - 4 * HOUR + 300_000).toISOString(),
      duration_ms: 300_000,
      outcome: 'completed',
      reason: null,
      turns: 7,
      tokens: { input: 1_000, output: 200, total: 9_000 },
      workflow_revision: REV_NEW,
      handed_off_at: new Date(NOW - 3 * HOUR).toISOString(),
    });
    expect(body.runs[0]).toMatchObject({ outcome: null, ended_at: null, duration_ms: null });
  });

  it('takes since as epoch ms, an ISO time with Z or an offset, or a date; and a limit', async () => {
    const history = journal();
    const { server } = await serveWithHistory(history);
    const byEpoch = await call(server, `/api/v1/runs?since=${NOW - 31 * HOUR}&limit=2`);
    expect((byEpoch.body as { runs: RunRow[] }).runs.map((row) => row.run_id)).toEqual([5, 4]);
    const byIso = await call(server, `/api/v1/runs?since=${encodeURIComponent('2026-03-09T07:00:00+01:00')}`);
    expect((byIso.body as { since: string }).since).toBe('2026-03-09T06:00:00.000Z');
    expect((byIso.body as { runs: RunRow[] }).runs.map((row) => row.run_id)).toEqual([5, 4, 3, 2]);
    const byDate = await call(server, '/api/v1/runs?since=2026-03-01&limit=1000');
    expect(byDate.status).toBe(200);
    expect(history.calls).toEqual([
      { method: 'runsSince', arg: NOW - 31 * HOUR, limit: 2 },
      { method: 'runsSince', arg: Date.UTC(2026, 2, 9, 6), limit: 100 },
      { method: 'runsSince', arg: Date.UTC(2026, 2, 1), limit: 1000 },
    ]);
  });

  it('answers 400 invalid_query naming the parameter and its value, and reads nothing', async () => {
    const history = journal();
    const { server } = await serveWithHistory(history);
    expectInvalidQuery(await call(server, '/api/v1/runs?since=yesterday'), 'since', '"yesterday"');
    expectInvalidQuery(await call(server, '/api/v1/runs?since=2026-03-09T07:00'), 'since', '"2026-03-09T07:00"');
    expectInvalidQuery(await call(server, '/api/v1/runs?since=2026-02-31'), 'since', '"2026-02-31"');
    expectInvalidQuery(await call(server, '/api/v1/runs?since='), 'since', '""');
    expectInvalidQuery(await call(server, '/api/v1/runs?since=1&since=2'), 'since', 'more than once');
    expectInvalidQuery(await call(server, '/api/v1/runs?since=99999999999999999'), 'since');
    expectInvalidQuery(await call(server, '/api/v1/runs?limit=0'), 'limit', '"0"', '1 to 1000');
    expectInvalidQuery(await call(server, '/api/v1/runs?limit=1001'), 'limit', '"1001"');
    expectInvalidQuery(await call(server, '/api/v1/runs?limit=2.5'), 'limit', '"2.5"');
    expectInvalidQuery(await call(server, '/api/v1/runs?limit=-3'), 'limit', '"-3"');
    expect(history.calls).toEqual([]);
  });

  it('without a run journal answers 404 not_found saying so (not an unknown issue "runs")', async () => {
    const { server } = await serve();
    const response = await call(server, '/api/v1/runs');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no run journal') } });
  });

  it('answers 405 to other methods and 500 internal (reason logged only) when the journal read fails', async () => {
    const history = journal();
    const records: LogRecord[] = [];
    const { server } = await serveWithHistory(history, { logger: captureLogger(records) });
    const post = await call(server, '/api/v1/runs', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    history.error = new Error('disk I/O error');
    const failed = await call(server, '/api/v1/runs');
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: { code: 'internal', message: 'internal error; the daemon log has the reason' } });
    expect(records.some((record) => record.msg === 'http request failed' && record.reason === 'disk I/O error')).toBe(true);
  });
});

describe('GET /api/v1/<issue_identifier> with history', () => {
  it("adds the issue's last 50 journal runs, newest first, found by its issue id", async () => {
    const history = journal();
    const { server, source } = await serveWithHistory(history);
    source.issues.set('MT-1', sampleIssue('MT-1'));
    const response = await call(server, '/api/v1/MT-1');
    expect(response.status).toBe(200);
    const body = response.body as { runs: RunRow[] };
    expect(body).toMatchObject({ ...sampleIssue('MT-1') });
    expect(body.runs.map((row) => [row.run_id, row.issue_identifier, row.handed_off_at !== null])).toEqual([
      [4, 'MT-1', true],
      [3, 'MT-1', false],
    ]);
    expect(history.calls).toEqual([{ method: 'runsOf', arg: 'id-MT-1', limit: 50 }]);
    // An issue neither the daemon nor the journal knows is 404.
    const unknown = await call(server, '/api/v1/MT-404');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'issue_not_found', message: `issue "MT-404" is not known to the daemon's current state or its run journal` } });
    expect(history.calls.slice(1)).toEqual([{ method: 'runsOfIdentifier', arg: 'MT-404', limit: 50 }]);
  });

  it('an issue the daemon no longer holds is answered from the journal: idle, its runs, its last error, its session logs', async () => {
    const { server, source } = await serveWithHistory();
    const link = { label: 'thread-2-turn-1', path: '/logs/sessions/MT-2/thread-2-turn-1.jsonl', url: '/api/v1/MT-2/logs/thread-2-turn-1', bytes: 120, modified_at: '2026-03-09T06:00:00.000Z' };
    source.logLinks.set('MT-2', [link]);
    const response = await call(server, '/api/v1/mt-2');
    expect(response.status).toBe(200);
    const body = response.body as { runs: RunRow[] } & Record<string, unknown>;
    expect(body).toMatchObject({ issue_identifier: 'MT-2', issue_id: 'id-MT-2', status: 'idle', running: null, retry: null, blocked: null, last_error: 'turn_failed: boom' });
    expect(body.runs.map((row) => [row.run_id, row.outcome])).toEqual([[2, 'failed']]);
    expect(body.logs).toEqual({ codex_session_logs: [link] });
  });

  it('without a history source has no runs; a failing journal leaves them out and is logged', async () => {
    const plain = await serve();
    plain.source.issues.set('MT-1', sampleIssue('MT-1'));
    expect((await call(plain.server, '/api/v1/MT-1')).body).toEqual(sampleIssue('MT-1'));

    const history = journal();
    history.error = new Error('database is locked');
    const records: LogRecord[] = [];
    const { server, source } = await serveWithHistory(history, { logger: captureLogger(records) });
    source.issues.set('MT-1', sampleIssue('MT-1'));
    const response = await call(server, '/api/v1/MT-1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(sampleIssue('MT-1'));
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'run history unavailable for issue MT-1', reason: 'database is locked' }));
  });
});

describe('GET /api/v1/state with history', () => {
  it('adds revisions over the last 7 days (newest first) and the current workflow_revision', async () => {
    const history = journal();
    history.current = REV_NEW;
    const { server } = await serveWithHistory(history);
    const body = (await call(server, '/api/v1/state')).body as { revisions: RevisionRow[]; workflow_revision: string };
    expect(body).toMatchObject(sampleSnapshot());
    expect(body.workflow_revision).toBe(REV_NEW);
    expect(history.calls).toEqual([{ method: 'runsSince', arg: NOW - REVISIONS_WINDOW_MS, limit: 5000 }]);
    // The run of 8 days ago (revision eee…) is outside the window.
    expect(body.revisions.map((row) => row.revision_short)).toEqual(['fedcba987654', '0123456789ab']);
    expect(body.revisions[0]).toEqual({
      revision: REV_NEW,
      revision_short: 'fedcba987654',
      first_seen_at: new Date(NOW - 4 * HOUR).toISOString(),
      last_seen_at: new Date(NOW - HOUR).toISOString(),
      runs: 2,
      ended_runs: 1,
      outcomes: { completed: 1, failed: 0, stopped: 0, blocked: 0, interrupted: 0 },
      succeeded: 1,
      judged_runs: 1,
      success_rate: 1,
      median_turns: 7,
      median_total_tokens: 9_000,
      // MT-1's first run in the window started 5 h ago (revision 0123…); handed off 3 h ago.
      median_time_to_handoff_ms: 2 * HOUR,
      handoffs: 1,
    });
    expect(body.revisions[1]).toMatchObject({ runs: 2, succeeded: 0, judged_runs: 2, success_rate: 0, handoffs: 0, median_time_to_handoff_ms: null });
  });

  it('lists at most 10 revisions', async () => {
    const runs = Array.from({ length: 14 }, (_, index) => journalRun({ runId: index + 1, startedAtMs: NOW - (20 - index) * HOUR, workflowRevision: index.toString(16).padStart(64, '0') }));
    const { server } = await serveWithHistory(new FakeHistory(runs));
    const body = (await call(server, '/api/v1/state')).body as { revisions: RevisionRow[] };
    expect(body.revisions).toHaveLength(10);
    expect(body.revisions[0]?.revision).toBe((13).toString(16).padStart(64, '0'));
  });

  it('without history the state is unchanged; a failing journal leaves the fields out and is logged', async () => {
    const plain = await serve();
    expect((await call(plain.server, '/api/v1/state')).body).toEqual(sampleSnapshot());

    const history = journal();
    history.error = new Error('disk I/O error');
    const records: LogRecord[] = [];
    const { server } = await serveWithHistory(history, { logger: captureLogger(records) });
    const response = await call(server, '/api/v1/state');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(sampleSnapshot());
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'run history unavailable for the state', reason: 'disk I/O error' }));
  });

  it('the event stream opens with the same state, revisions included', async () => {
    const { server } = await serveWithHistory();
    const { reader } = await openEventStream(`${server.url}/api/v1/events`);
    onCleanup(() => reader.cancel());
    const [opening] = await reader.waitForEvents(1);
    const state = JSON.parse(opening?.data ?? '{}') as { revisions?: RevisionRow[] };
    expect(state.revisions?.map((row) => row.revision_short)).toEqual(['fedcba987654', '0123456789ab']);
  });

  it("the dashboard documents carry the same data for the first paint (state with revisions, the issue's runs)", async () => {
    const history = journal();
    history.current = REV_NEW;
    const { server, source } = await serveWithHistory(history, { pages: dashboardPages() });
    source.issues.set('MT-1', sampleIssue('MT-1'));
    const block = async (path: string): Promise<Record<string, unknown>> => {
      const html = await (await fetch(`${server.url}${path}`)).text();
      return JSON.parse(/<script type="application\/json" id="initial-state">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? 'null') as Record<string, unknown>;
    };
    const state = await block('/');
    expect(state).toEqual((await call(server, '/api/v1/state')).body);
    expect(state.workflow_revision).toBe(REV_NEW);
    expect((state.revisions as RevisionRow[]).length).toBe(2);
    expect(((await block('/issues/MT-1')).runs as RunRow[]).map((row) => row.run_id)).toEqual([4, 3]);
  });
});

describe('query parsing (pure)', () => {
  it('since: absent is 24 h before now; digits are epoch ms; ISO needs Z or an offset', () => {
    expect(parseSince(undefined, NOW)).toEqual({ ok: true, value: NOW - 24 * HOUR });
    expect(parseSince('0', NOW)).toEqual({ ok: true, value: 0 });
    expect(parseSince('2026-03-09T07:00Z', NOW)).toEqual({ ok: true, value: Date.UTC(2026, 2, 9, 7) });
    expect(parseSince('2026-03-09T07:00:00.5-0130', NOW)).toEqual({ ok: true, value: Date.UTC(2026, 2, 9, 8, 30, 0, 500) });
    expect(parseSince('2026-03-09 07:00Z', NOW).ok).toBe(false);
    expect(parseSince('1e12', NOW).ok).toBe(false);
    expect(parseSince(['1'], NOW).ok).toBe(false);
  });

  it('limit: absent is 100; otherwise 1…1000', () => {
    expect(parseLimit(undefined)).toEqual({ ok: true, value: 100 });
    expect(parseLimit('1')).toEqual({ ok: true, value: 1 });
    expect(parseLimit('1000')).toEqual({ ok: true, value: 1000 });
    expect(parseLimit('01000').ok).toBe(true);
    expect(parseLimit(' 5').ok).toBe(false);
  });
});
