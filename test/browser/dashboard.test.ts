/**
 * The dashboard (spec §13.7.1; issue 3 item 2) in real headless Chromium against the real HTTP
 * server, fed by a controllable StatusSource: it renders the live state, follows the event stream
 * without reloading, posts operator answers, and shows an issue's recent events and session logs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { dashboardPages } from '../../src/server/dashboard/pages.js';
import { startHttpServer, type HttpServer } from '../../src/server/server.js';
import type { StatusSnapshot } from '../../src/status/types.js';
import { openDashboard, type OpenDashboard } from '../support/browser.js';
import { INITIAL_STATE_SLOT } from '../../src/server/pages.js';
import { REPO_ROOT } from '../support/codex.js';
import {
  FakeStatusSource,
  blockedRow,
  issueDetail,
  retryRow,
  runningRow,
  statusSnapshot,
  waitingApproval,
  waitingQuestions,
} from '../support/fake-status-source.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const secondsFromNow = (s: number): number => Math.floor(Date.now() / 1000) + s;
const isoFromNow = (ms: number): string => new Date(Date.now() + ms).toISOString();

function initialSnapshot(extraRunning: ReturnType<typeof runningRow>[] = []): StatusSnapshot {
  return statusSnapshot({
    running: [
      runningRow('MT-101'),
      runningRow('MT-102', {
        waiting: true,
        last_event: 'operator_waiting',
        last_message: 'waiting for an operator: npm publish --dry-run',
        last_activity: { kind: 'operator', phase: 'waiting', tool: null, command: 'npm publish --dry-run', detail: 'npm publish --dry-run', summary: 'waiting for an operator: npm publish --dry-run' },
        turn_count: 7,
        started_at: isoFromNow(-1_312_000),
        tokens: { input_tokens: 402_118, output_tokens: 28_774, total_tokens: 430_892 },
      }),
      runningRow('MT-103', {
        last_event: 'turn_completed',
        last_message: HOSTILE,
        last_activity: { kind: 'error', phase: 'failed', tool: null, command: null, detail: HOSTILE, summary: `error: ${HOSTILE}` },
        turn_count: 12,
        retry_attempt: 1,
        resumed: true,
        started_at: isoFromNow(-2_950_000),
        tokens: { input_tokens: 811_400, output_tokens: 61_002, total_tokens: 872_402 },
      }),
      runningRow('MT-104', {
        waiting: true,
        last_event: 'operator_waiting',
        last_message: 'waiting for an operator: Which database should the migration target?',
        last_activity: { kind: 'operator', phase: 'waiting', tool: null, command: null, detail: 'Which database should the migration target?', summary: 'waiting for an operator: Which database should the migration target?' },
        started_at: isoFromNow(-610_000),
        tokens: { input_tokens: 52_232, output_tokens: 3_514, total_tokens: 55_746 },
      }),
      ...extraRunning,
    ],
    waiting: [
      waitingApproval('MT-102', {
        // An ACP agent's own options (issue 8), shown with their kinds.
        options: [
          { id: 'proceed_once', name: 'Allow', kind: 'allow_once', decision: 'accept' },
          { id: 'cancel', name: 'Reject', kind: 'reject_once', decision: 'decline' },
        ],
      }),
      waitingQuestions('MT-104'),
    ],
    retrying: [retryRow('MT-105'), retryRow('MT-106', { attempt: 1, kind: 'continuation', error: null, due_at: isoFromNow(1_000) })],
    blocked: [blockedRow('MT-107'), blockedRow('MT-112', { cause: 'budget_exceeded', reason: 'token budget exceeded: 2000000 of agent.max_tokens_per_issue 2000000 tokens used' })],
    tokens_today: { day: '2026-01-02', total_tokens: 1_234_567 },
    skipped: [{ issue_id: 'id-MT-111', issue_identifier: 'MT-111', issue_url: null, state: 'Todo', reason: 'label runtime:gpt-9 names no runtime of this build (supported: codex)', since: isoFromNow(-90_000) }],
    recent_runs: [
      { issue_id: 'id-MT-110', issue_identifier: 'MT-110', issue_url: 'https://linear.app/acme/issue/MT-110', outcome: 'failed', reason: 'turn_failed: the model returned an error', ended_at: isoFromNow(-45_000), duration_ms: 754_000, attempt: 1, session_id: 'thread-MT-110-turn-2' },
      { issue_id: 'id-MT-109', issue_identifier: 'MT-109', issue_url: null, outcome: 'completed', reason: null, ended_at: isoFromNow(-300_000), duration_ms: 1_925_000, attempt: null, session_id: 'thread-MT-109-turn-1' },
      { issue_id: 'id-MT-107', issue_identifier: 'MT-107', issue_url: null, outcome: 'blocked', reason: 'operator_timeout: nobody answered within 30m', ended_at: isoFromNow(-1_200_000), duration_ms: 2_400_000, attempt: null, session_id: null },
    ],
    codex_totals: { input_tokens: 1_284_000, output_tokens: 96_410, total_tokens: 1_380_410, seconds_running: 5_432.5 },
    rate_limits: {
      primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: secondsFromNow(4_320) },
      secondary: { usedPercent: 12, windowDurationMins: 10_080, resetsAt: secondsFromNow(400_000) },
      credits: null,
      planType: 'pro',
    },
    dispatch: {
      state: 'paused',
      paused_since: isoFromNow(-600_000),
      reason: 'WORKFLOW.md: agent.max_turns must be a positive integer, got "many"',
      summary: 'dispatch: paused — WORKFLOW.md invalid since 2026-01-01T00:00:00.000Z: agent.max_turns must be a positive integer, got "many"',
    },
    config: {
      workflow_path: '/srv/symphony/WORKFLOW.md',
      loaded_at: isoFromNow(-7_200_000),
      last_reload: { at: isoFromNow(-1_800_000), changed: ['polling.interval_ms', 'agent.max_turns'] },
      last_rejected: { at: isoFromNow(-600_000), reason: 'WORKFLOW.md: agent.max_turns must be a positive integer, got "many"' },
    },
  });
}

/** Waits until the element with `testId` contains `text`. */
async function waitForText(page: Page, testId: string, text: string): Promise<void> {
  await page.locator(`[data-testid="${testId}"]`, { hasText: text }).first().waitFor({ timeout: 10_000 });
}

const textOf = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).first().textContent()) ?? '').trim();

describe('dashboard in headless Chromium', () => {
  const source = new FakeStatusSource(initialSnapshot());
  const logsDir = mkdtempSync(path.join(tmpdir(), 'symphony-dashboard-logs-'));
  let server: HttpServer;
  let dashboard: OpenDashboard;
  let page: Page;

  beforeAll(async () => {
    server = await startHttpServer({ source, host: '127.0.0.1', port: 0, authToken: null, logger: silentLogger(), pages: dashboardPages() });
    dashboard = await openDashboard(`${server.url}/`);
    page = dashboard.page;
    await source.pulse.waitFor(() => source.subscribers > 0, 'the page to follow the event stream');
  }, 120_000);

  afterAll(async () => {
    await dashboard?.close();
    await server?.close();
    rmSync(logsDir, { recursive: true, force: true });
  });

  it('§13.7.1 renders running sessions, waiting requests, retry queue, blocked runs, totals and config status', async () => {
    await page.getByTestId('running-row-MT-101').waitFor();
    await waitForText(page, 'connection', 'live');
    expect(await textOf(page, 'count-running')).toBe('running 4/10');
    expect(await textOf(page, 'running-turn-MT-102')).toBe('7/20');
    expect(await textOf(page, 'running-tokens-MT-101')).toBe('18,250 / 3,120 / 21,370');
    expect(await textOf(page, 'running-agent-MT-101')).toBe('codex');
    // What each agent does, from the structured last_activity (issue 7 item 7).
    expect(await textOf(page, 'running-event-MT-101')).toBe('Running `npm test`');
    expect(await textOf(page, 'running-event-MT-102')).toBe('Waiting for an operator: npm publish --dry-run');
    expect(await textOf(page, 'running-workspace-MT-101')).toBe('/srv/symphony/workspaces/MT-101');
    expect(await textOf(page, 'running-runtime-MT-101')).toMatch(/^4m \d\ds$/);
    expect(await page.getByTestId('issue-link-MT-101').first().getAttribute('href')).toBe('/issues/MT-101');
    expect(await page.getByTestId('tracker-link-MT-101').first().getAttribute('href')).toBe('https://linear.app/acme/issue/MT-101');

    // Text from the daemon is shown as text, never parsed as markup.
    expect(await textOf(page, 'running-event-MT-103')).toBe(`Error: ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    expect(await textOf(page, 'waiting-count')).toBe('2');
    expect(await textOf(page, 'waiting-command-MT-102')).toBe('npm publish --dry-run');
    // The summary is the command: the card says it once, as its title.
    expect(await textOf(page, 'waiting-summary-MT-102')).toBe('npm publish --dry-run');
    expect((await textOf(page, 'waiting-MT-102')).split('npm publish --dry-run')).toHaveLength(2);
    expect(await textOf(page, 'waiting-summary-MT-104')).toBe('Which database should the migration target?');
    // No phrase is said twice anywhere ("Waiting for an operator: waiting for an operator: …").
    expect(await page.locator('body').innerText()).not.toMatch(/waiting for an operator:\s*waiting for an operator/i);
    expect(await textOf(page, 'waiting-cwd-MT-102')).toBe('/srv/symphony/workspaces/MT-102');
    expect(await textOf(page, 'waiting-reason-MT-102')).toBe('needs network access to check the registry');
    expect(await textOf(page, 'waiting-deadline-MT-102')).toMatch(/^in 28m \d\ds$/);
    for (const decision of ['accept', 'acceptForSession', 'decline', 'cancel']) {
      expect(await page.getByTestId(`answer-MT-102-${decision}`).count()).toBe(1);
    }
    expect(await textOf(page, 'waiting-kind-MT-104')).toBe('Question');
    expect(await page.locator('input[type="radio"][name="answer-MT-104-target"]').count()).toBe(2);
    expect(await page.getByTestId('answer-MT-104-target-text').getAttribute('type')).toBe('text');
    expect(await page.getByTestId('answer-MT-104-password-text').getAttribute('type')).toBe('password');

    expect(await textOf(page, 'retry-attempt-MT-105')).toBe('2');
    expect(await textOf(page, 'retry-due-MT-105')).toMatch(/^in (1m 00s|\d\ds)$/);
    expect(await textOf(page, 'retry-reason-MT-105')).toBe('turn_failed: the model returned an error');
    expect(await textOf(page, 'retry-reason-MT-106')).toBe('continuation: the issue is still active');
    // The countdown ticks live: MT-106 was due in a second.
    await waitForText(page, 'retry-due-MT-106', 'ago');

    expect(await textOf(page, 'blocked-reason-MT-107')).toContain('operator_timeout');
    // Why each is blocked (issue 9): nobody answered, or a budget is spent.
    expect(await textOf(page, 'blocked-cause-MT-107')).toBe('no operator answer');
    expect(await textOf(page, 'blocked-cause-MT-112')).toBe('budget exceeded');
    expect(await textOf(page, 'running-resumed-MT-103')).toBe('resumed');
    expect(await textOf(page, 'totals-today')).toBe('1,234,567');
    expect(await textOf(page, 'waiting-options-MT-102')).toBe('Allow (allow_once → accept) · Reject (reject_once → decline)');
    // Not dispatched, with the reason (issue 8: a runtime label this daemon does not have).
    expect(await textOf(page, 'skipped-reason-MT-111')).toBe('label runtime:gpt-9 names no runtime of this build (supported: codex)');

    // Recently finished runs, newest first.
    expect(await textOf(page, 'recent-outcome-0')).toBe('failed');
    expect(await textOf(page, 'recent-reason-0')).toBe('turn_failed: the model returned an error');
    expect(await textOf(page, 'recent-ended-0')).toMatch(/^4\ds ago$/);
    expect(await textOf(page, 'recent-row-0')).toContain('MT-110');
    expect(await textOf(page, 'recent-row-0')).toContain('12m 34s');
    expect(await textOf(page, 'recent-outcome-1')).toBe('completed');
    expect(await textOf(page, 'recent-reason-1')).toBe('–');
    expect(await textOf(page, 'recent-outcome-2')).toBe('blocked');

    expect(await textOf(page, 'totals-input')).toBe('1,284,000');
    expect(await textOf(page, 'totals-output')).toBe('96,410');
    expect(await textOf(page, 'totals-total')).toBe('1,380,410');
    expect(await textOf(page, 'totals-runtime')).toMatch(/^1h 3\dm \d\ds$/);
    expect(await textOf(page, 'rate-limit-primary')).toMatch(/^primary42% used · 5h window · resets in 1h 1\dm \d\ds$/);
    expect(await textOf(page, 'rate-limit-secondary')).toMatch(/^secondary12% used · 7d window · resets in 4d 1\dh$/);

    expect(await textOf(page, 'config-path')).toBe('/srv/symphony/WORKFLOW.md');
    expect(await textOf(page, 'config-last-reload')).toMatch(/ago · changed polling\.interval_ms, agent\.max_turns$/);
    expect(await textOf(page, 'config-last-rejected')).toContain('agent.max_turns must be a positive integer, got "many"');
    // Issue 7 item 5: the pause is said plainly, not "previous config kept" as if work went on.
    expect(await page.getByTestId('dispatch-paused').isVisible()).toBe(true);
    expect(await textOf(page, 'dispatch-paused')).toBe(
      'dispatch: paused — WORKFLOW.md invalid since 2026-01-01T00:00:00.000Z: agent.max_turns must be a positive integer, got "many" — running agents go on; fix the file to resume.',
    );
  });

  it('§13.7.1 a dispatch event shows the new session without reloading the page', async () => {
    await page.evaluate('window.__sameDocument = true');
    source.setSnapshot(initialSnapshot([runningRow('MT-108', {
        state: 'Todo',
        turn_count: 1,
        last_event: 'session_started',
        last_message: null,
        last_activity: { kind: 'turn', phase: 'started', tool: null, command: null, detail: 'session started', summary: 'session started' },
        started_at: isoFromNow(-2_000),
        last_event_at: isoFromNow(-1_000),
        tokens: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
      })]));
    source.emit('dispatch', { issue_id: 'id-MT-108', issue_identifier: 'MT-108', message: 'dispatched MT-108', data: { attempt: null, state: 'Todo' } });
    await page.getByTestId('running-row-MT-108').waitFor({ timeout: 10_000 });
    expect(await textOf(page, 'running-event-MT-108')).toBe('Session started');
    expect(await textOf(page, 'running-turn-MT-108')).toBe('1/20');
    expect(await textOf(page, 'count-running')).toBe('running 5/10');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    const shot = path.join(REPO_ROOT, 'test-artifacts', 'dashboard.png');
    mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
  });

  it('answering an approval posts the chosen decision and shows the outcome', async () => {
    await page.getByTestId('answer-MT-102-acceptForSession').click();
    await source.pulse.waitFor(() => source.answers.length === 1, 'the answer');
    expect(source.answers[0]).toEqual({ identifier: 'MT-102', answer: { decision: 'acceptForSession' } });
    await waitForText(page, 'answer-result-MT-102', 'Answered (acceptForSession).');
    await waitForText(page, 'answer-flash', 'MT-102: answered (acceptForSession)');
  });

  it('answering questions posts an answer per question id (radio choice, secret text)', async () => {
    await page.getByTestId('answer-MT-104-submit').click();
    await waitForText(page, 'answer-result-MT-104', 'Answer Target, Password first.');
    expect(source.answers).toHaveLength(1);

    await page.locator('input[type="radio"][name="answer-MT-104-target"][value="staging"]').check();
    await page.getByTestId('answer-MT-104-password-text').fill('hunter2');
    await page.getByTestId('answer-MT-104-submit').click();
    await source.pulse.waitFor(() => source.answers.length === 2, 'the answers');
    expect(source.answers[1]).toEqual({ identifier: 'MT-104', answer: { answers: { target: ['staging'], password: ['hunter2'] } } });
    await waitForText(page, 'answer-result-MT-104', 'Answered (answers to 2 questions).');
  });

  it('free text replaces the options when given', async () => {
    await page.getByTestId('answer-MT-104-target-text').fill('a fresh database');
    await page.getByTestId('answer-MT-104-submit').click();
    await source.pulse.waitFor(() => source.answers.length === 3, 'the answers');
    expect(source.answers[2]?.answer).toEqual({ answers: { target: ['a fresh database'], password: ['hunter2'] } });
  });

  it('answering when nothing waits any more shows the 409', async () => {
    source.answerOutcome = () => ({ ok: false, code: 'nothing_waiting', message: 'MT-102 is not waiting for an operator' });
    await page.getByTestId('answer-MT-102-decline').click();
    await waitForText(page, 'answer-result-MT-102', 'Nothing is waiting any more');
    expect(await textOf(page, 'answer-result-MT-102')).toContain('(409)');
    expect(source.answers.at(-1)).toEqual({ identifier: 'MT-102', answer: { decision: 'decline' } });
  });

  it('the answered request leaves the page when the next state no longer lists it', async () => {
    const current = source.snapshot();
    source.setSnapshot({ ...current, waiting: current.waiting.filter((row) => row.issue_identifier !== 'MT-102'), counts: { ...current.counts, waiting: 1 } });
    source.emit('operator_answered', { issue_identifier: 'MT-102', data: { kind: 'approval', answer: 'accept' } });
    await page.getByTestId('waiting-MT-102').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await textOf(page, 'waiting-count')).toBe('1');
    // The other form kept what the operator had typed.
    expect(await page.getByTestId('answer-MT-104-password-text').inputValue()).toBe('hunter2');
  });

  it('"refresh now" posts a refresh request', async () => {
    await page.getByTestId('refresh').click();
    await source.pulse.waitFor(() => source.refreshes === 1, 'the refresh');
    await waitForText(page, 'refresh-result', 'queued at');
  });

  it('§13.7.1 the issue page shows recent events newest first and links its session logs, live', async () => {
    const logPath = path.join(logsDir, 'thread-1-turn-1.jsonl');
    writeFileSync(logPath, '{"method":"turn/started"}\n');
    source.logPaths.set('MT-101/thread-1-turn-1', logPath);
    const events = [
      { at: isoFromNow(-60_000), event: 'dispatch', message: 'dispatched (attempt 1)' },
      { at: isoFromNow(-50_000), event: 'session_started', message: 'session thread-1-turn-1 started' },
      { at: isoFromNow(-10_000), event: 'notification', message: 'item/started: commandExecution' },
      { at: isoFromNow(-5_000), event: 'operator_waiting', message: 'waiting for an operator: npm publish --dry-run' },
    ];
    const logs = [{ label: 'thread-1-turn-1', path: logPath, url: '/api/v1/MT-101/logs/thread-1-turn-1', bytes: 26, modified_at: isoFromNow(-10_000) }];
    source.setIssue('MT-101', issueDetail('MT-101', { recent_events: events, logs: { codex_session_logs: logs }, last_error: 'turn_failed: earlier attempt' }));

    await page.goto(`${server.url}/issues/MT-101`);
    await page.getByTestId('event-row-0').waitFor();
    expect(await textOf(page, 'issue-status')).toBe('running');
    expect(await textOf(page, 'issue-workspace')).toBe('/srv/symphony/workspaces/MT-101');
    expect(await textOf(page, 'issue-last-error')).toBe('turn_failed: earlier attempt');
    // The operator event's message repeats its phrase: said once.
    expect(await textOf(page, 'event-row-0')).toMatch(/Waiting for an operatornpm publish --dry-run$/);
    expect(await page.locator('body').innerText()).not.toMatch(/waiting for an operator:\s*waiting for an operator/i);
    expect(await textOf(page, 'event-row-1')).toContain('item/started: commandExecution');
    expect(await textOf(page, 'event-row-3')).toContain('dispatched (attempt 1)');
    expect(await textOf(page, 'event-row-2')).toContain('Session started');
    const href = await page.getByTestId('log-link-thread-1-turn-1').getAttribute('href');
    expect(href).toBe('/api/v1/MT-101/logs/thread-1-turn-1');
    const log = await fetch(`${server.url}${href}`);
    expect(await log.text()).toBe('{"method":"turn/started"}\n');
    await waitForText(page, 'connection', 'live');

    source.setIssue('MT-101', issueDetail('MT-101', { recent_events: [...events, { at: isoFromNow(0), event: 'turn_completed', message: 'turn 3 completed' }], logs: { codex_session_logs: logs } }));
    source.emit('agent_event', { issue_id: 'id-MT-101', issue_identifier: 'MT-101', data: { event: 'turn_completed', session_id: 'thread-1-turn-1', turn_count: 3 } });
    await waitForText(page, 'event-row-0', 'turn 3 completed');
    expect(await textOf(page, 'event-row-0')).toContain('Turn completed');
  });

  it('the issue page offers the same answer form for a waiting request', async () => {
    source.answerOutcome = () => ({ ok: true });
    source.setIssue('MT-104', issueDetail('MT-104', { status: 'waiting', waiting: waitingQuestions('MT-104') }));
    await page.goto(`${server.url}/issues/MT-104`);
    await page.getByTestId('answer-form-MT-104').waitFor();
    await page.locator('input[type="radio"][name="answer-MT-104-target"][value="local"]').check();
    await page.getByTestId('answer-MT-104-password-text').fill('s3cret');
    await page.getByTestId('answer-MT-104-submit').click();
    await source.pulse.waitFor(() => source.answers.some((a) => a.identifier === 'MT-104' && JSON.stringify(a.answer).includes('s3cret')), 'the answer');
    await waitForText(page, 'answer-result-MT-104', 'Answered');
  });

  it('an unknown issue page says so', async () => {
    await page.goto(`${server.url}/issues/NOPE-1`);
    await waitForText(page, 'error-banner', 'NOPE-1 is not known to the daemon now');
  });

  it('formats durations, counts and rate limits in plain words', async () => {
    const formatted = await page.evaluate(`import('/assets/format.js').then((f) => [
      f.formatDuration(3723), f.formatDuration(59), f.formatDuration(90061), f.formatCount(1234567),
      f.formatWindow(300), f.formatWindow(10080), f.formatWindow(45), f.eventPhrase('turn_input_required'), f.eventPhrase('some_new_event'),
      f.describeLastEvent('notification', '  '), f.describeRunning({ last_activity: null, last_event: null, last_message: null }),
      f.describeRunning({ last_activity: { kind: 'tool', phase: 'completed', summary: 'called linear_graphql' }, last_event: 'tool_call_completed' }), f.formatRelative(1000, 0), f.formatRelative(0, 5000),
      f.describeRunning({ last_activity: null, last_event: 'operator_waiting', last_message: 'waiting for an operator: rm -rf build' }),
      f.describeLastEvent('operator_waiting', 'Waiting for an operator'), f.describeLastEvent('dispatch', 'dispatched (attempt 2)'),
      f.summaryIsCommand('npm test', ' npm  test '), f.summaryIsCommand('npm run a-very-long…', 'npm run a-very-long-script --flag'), f.summaryIsCommand('file change', null), f.summaryIsCommand('rm -rf build', 'rm -rf dist'),
      JSON.stringify(f.describeRateLimits({ primary: { used_percent: 80, window_minutes: 60, resets_in_seconds: 30 } }, 0)),
      JSON.stringify(f.describeRateLimits({ weird: true }, 0)), JSON.stringify(f.describeRateLimits(null, 0)),
    ])`);
    expect(formatted).toEqual([
      '1h 02m 03s',
      '59s',
      '1d 01h',
      '1,234,567',
      '5h window',
      '7d window',
      '45m window',
      'Agent asked for input',
      'Some new event',
      'Working',
      'No event yet',
      'Called linear_graphql',
      'in 1s',
      '5s ago',
      'Waiting for an operator: rm -rf build',
      'Waiting for an operator',
      'Dispatched: dispatched (attempt 2)',
      true,
      true,
      false,
      false,
      JSON.stringify([{ label: 'primary', usedPercent: 80, text: '80% used · 1h window · resets in 30s' }]),
      JSON.stringify([{ label: 'limits', usedPercent: null, text: '{"weird":true}' }]),
      '[]',
    ]);
  });

  it('ran without JavaScript errors (only the expected 404/409 responses were reported)', () => {
    const unexpected = dashboard.errors.filter((line) => !/Failed to load resource: the server responded with a status of (404|409)/.test(line));
    expect(unexpected).toEqual([]);
    // close() in afterAll waits for every process of this profile to exit.
    expect(dashboard.profileDir).toMatch(/playwright_chromiumdev_profile-/);
  });
});

describe('dashboard behind server.auth_token', () => {
  const token = 'dashboard-test-token-7f3a';
  const source = new FakeStatusSource(statusSnapshot({ running: [runningRow('MT-201')] }));
  let server: HttpServer;
  let dashboard: OpenDashboard;

  beforeAll(async () => {
    server = await startHttpServer({ source, host: '127.0.0.1', port: 0, authToken: token, logger: silentLogger(), pages: dashboardPages() });
  });

  afterAll(async () => {
    await dashboard?.close();
    await server?.close();
  });

  it('passes ?access_token on to every API request, the event stream and its links', async () => {
    dashboard = await openDashboard('about:blank');
    const { page } = dashboard;
    // A browser cannot add the token to <script src> or <link href>: those static files are let
    // through here with a header, as the server must serve them (they hold no data).
    await page.route('**/assets/**', (route) => route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }));
    const refused: string[] = [];
    const apiRequests: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 401) refused.push(response.url());
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests.push(request.url());
    });
    await page.goto(`${server.url}/?access_token=${token}`);
    await page.getByTestId('running-row-MT-201').waitFor({ timeout: 10_000 });
    await waitForText(page, 'connection', 'live');
    expect(await page.getByTestId('issue-link-MT-201').getAttribute('href')).toBe(`/issues/MT-201?access_token=${token}`);
    await page.getByTestId('refresh').click();
    await source.pulse.waitFor(() => source.refreshes === 1, 'the refresh');
    expect(apiRequests.map((url) => new URL(url).pathname)).toEqual(expect.arrayContaining(['/api/v1/state', '/api/v1/events', '/api/v1/refresh']));
    for (const url of apiRequests) expect(new URL(url).searchParams.get('access_token'), url).toBe(token);
    expect(refused).toEqual([]);
    expect(dashboard.errors).toEqual([]);
  });
});

describe('dashboard first paint', () => {
  // Agent text that tries to end the page's data block and run markup.
  const BREAKOUT = '</script><img src=x onerror="window.__pwned=1"><!--';
  const source = new FakeStatusSource(
    statusSnapshot({
      running: [runningRow('MT-301'), runningRow('MT-302', { last_activity: { kind: 'error', phase: 'failed', tool: null, command: null, detail: BREAKOUT, summary: `error: ${BREAKOUT}` } })],
    }),
  );
  let server: HttpServer;
  let dashboard: OpenDashboard;

  beforeAll(async () => {
    server = await startHttpServer({ source, host: '127.0.0.1', port: 0, authToken: null, logger: silentLogger(), pages: dashboardPages() });
    source.setIssue('MT-301', issueDetail('MT-301', { recent_events: [{ at: isoFromNow(-1_000), event: 'dispatch', message: 'dispatched (Todo)' }] }));
    dashboard = await openDashboard('about:blank');
  }, 120_000);

  afterAll(async () => {
    await dashboard?.page.unrouteAll({ behavior: 'ignoreErrors' });
    await dashboard?.close();
    await server?.close();
  });

  /** Holds every API request unanswered (a stream that never opens, a state read that never returns); returns the paths asked. */
  async function holdApi(page: Page): Promise<string[]> {
    const asked: string[] = [];
    await page.route('**/api/v1/**', (route) => {
      asked.push(new URL(route.request().url()).pathname);
    });
    return asked;
  }

  it('shows the running rows from the page itself, before any API answer or the event stream', async () => {
    const { page } = dashboard;
    const asked = await holdApi(page);
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    // Already there at the load event: nothing had to be fetched.
    expect(await page.getByTestId('running-row-MT-301').count()).toBe(1);
    expect(await textOf(page, 'running-event-MT-301')).toBe('Running `npm test`');
    expect(await textOf(page, 'count-running')).toBe('running 2/10');
    expect(await textOf(page, 'connection')).toBe('connecting');
    expect(asked).not.toContain('/api/v1/state');
    // The data block carried the hostile text as data: shown as text, never run.
    expect(await textOf(page, 'running-event-MT-302')).toBe(`Error: ${BREAKOUT}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('the issue page also paints its details from the page', async () => {
    const { page } = dashboard;
    const asked = await holdApi(page);
    await page.goto(`${server.url}/issues/MT-301`, { waitUntil: 'load' });
    expect(await textOf(page, 'issue-status')).toBe('running');
    expect(await textOf(page, 'event-row-0')).toContain('dispatched (Todo)');
    expect(asked).not.toContain('/api/v1/MT-301');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('without data in the page, it reads the state before (and without) the event stream', async () => {
    const { page } = dashboard;
    const reads: string[] = [];
    const onRequest = (request: { url(): string }): void => {
      if (new URL(request.url()).pathname === '/api/v1/state') reads.push(request.url());
    };
    page.on('request', onRequest);
    // The stream is held: it never opens, so nothing can come from it.
    await page.route('**/api/v1/events*', () => undefined);
    // The document as an older daemon (or one whose state read failed) serves it: an empty slot.
    await page.route(`${server.url}/`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<script type="application\/json" id="initial-state">[\s\S]*?<\/script>/, INITIAL_STATE_SLOT);
      await route.fulfill({ response, body });
    });
    await page.goto(`${server.url}/`);
    await page.getByTestId('running-row-MT-301').waitFor({ timeout: 10_000 });
    expect(await textOf(page, 'connection')).toBe('connecting');
    expect(reads.length).toBeGreaterThanOrEqual(1);
    page.off('request', onRequest);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('serves the data as a JSON block that no string can end early', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const block = /<script type="application\/json" id="initial-state">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(block).not.toMatch(/[<>&]/);
    const state = JSON.parse(block) as StatusSnapshot;
    expect(state.running.map((row) => row.issue_identifier)).toEqual(['MT-301', 'MT-302']);
    expect(state.running[1]?.last_activity?.detail).toBe(BREAKOUT);
    // An unknown issue's page carries no data (the page then asks the API and says it is unknown).
    expect(await (await fetch(`${server.url}/issues/NOPE-9`)).text()).toContain(INITIAL_STATE_SLOT);
  });

  it('ran without JavaScript errors', () => {
    expect(dashboard.errors).toEqual([]);
  });
});
