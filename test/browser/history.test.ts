/**
 * Run history on the dashboard (issue 9 item 4; spec §18) in real headless Chromium against the
 * real HTTP server over a fake journal: the "Workflow revisions" table of `/` (first paint from
 * the page's own data, the current revision marked, live updates), an issue page's runs, and no
 * section at all for a daemon without a journal.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { dashboardPages } from '../../src/server/dashboard/pages.js';
import { startHttpServer, type HttpServer } from '../../src/server/server.js';
import { openDashboard, type OpenDashboard } from '../support/browser.js';
import { FakeHistory, journalRun } from '../support/fake-history.js';
import { FakeStatusSource, issueDetail, runningRow, statusSnapshot } from '../support/fake-status-source.js';

const MIN = 60_000;
const T = Date.now();
const REV_OLD = 'abc123def456'.padEnd(64, '0');
const REV_NEW = 'fedcba987654'.padEnd(64, '1');
const REV_NEWER = '0000ffff1111'.padEnd(64, '2');

function history(): FakeHistory {
  const journal = new FakeHistory([
    // The older revision: MT-1 failed, then completed and was handed off 90 min after its first start.
    journalRun({ runId: 1, identifier: 'MT-1', startedAtMs: T - 180 * MIN, workflowRevision: REV_OLD, outcome: 'failed', reason: 'turn_failed: tests failed', turns: 4, totalTokens: 10_000 }),
    journalRun({ runId: 2, identifier: 'MT-1', startedAtMs: T - 150 * MIN, workflowRevision: REV_OLD, turns: 8, totalTokens: 30_000, handedOffAtMs: T - 90 * MIN }),
    // The current revision: MT-2 handed off 42 min after it started; MT-3 still running.
    journalRun({ runId: 3, identifier: 'MT-2', startedAtMs: T - 60 * MIN, workflowRevision: REV_NEW, turns: 5, totalTokens: 12_345, handedOffAtMs: T - 18 * MIN }),
    journalRun({ runId: 4, identifier: 'MT-3', startedAtMs: T - 30 * MIN, workflowRevision: REV_NEW, outcome: null, endedAtMs: null, turns: 1, totalTokens: 99 }),
  ]);
  journal.current = REV_NEW;
  return journal;
}

const textOf = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).first().textContent()) ?? '').trim();

describe('run history on the dashboard', () => {
  const source = new FakeStatusSource(statusSnapshot({ running: [runningRow('MT-3')] }));
  const journal = history();
  let server: HttpServer;
  let withoutJournal: HttpServer;
  let dashboard: OpenDashboard;
  let page: Page;

  beforeAll(async () => {
    server = await startHttpServer({ source, history: journal, host: '127.0.0.1', port: 0, authToken: null, logger: silentLogger(), pages: dashboardPages() });
    withoutJournal = await startHttpServer({ source: new FakeStatusSource(statusSnapshot()), host: '127.0.0.1', port: 0, authToken: null, logger: silentLogger(), pages: dashboardPages() });
    dashboard = await openDashboard('about:blank');
    page = dashboard.page;
  }, 120_000);

  afterAll(async () => {
    await dashboard?.page.unrouteAll({ behavior: 'ignoreErrors' });
    await dashboard?.close();
    await server?.close();
    await withoutJournal?.close();
  });

  it('paints the workflow revisions from the page itself, newest first, the current one marked', async () => {
    const asked: string[] = [];
    // Every API request is held unanswered: what shows at the load event came with the page.
    await page.route('**/api/v1/**', (route) => {
      asked.push(new URL(route.request().url()).pathname);
    });
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    expect(await page.getByTestId('revisions-section').isVisible()).toBe(true);
    const rows = page.locator('[data-testid="revisions-table"] tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))).toEqual(['revision-row-fedcba987654', 'revision-row-abc123def456']);
    expect(asked).not.toContain('/api/v1/state');

    expect(await textOf(page, 'revision-current-fedcba987654')).toBe('current');
    expect(await page.getByTestId('revision-current-abc123def456').count()).toBe(0);
    expect(await page.getByTestId('revision-hash-fedcba987654').getAttribute('title')).toBe(REV_NEW);
    expect(await textOf(page, 'revision-runs-fedcba987654')).toBe('2');
    expect(await textOf(page, 'revision-rate-fedcba987654')).toBe('100% (1/1)');
    expect(await textOf(page, 'revision-turns-fedcba987654')).toBe('5');
    expect(await textOf(page, 'revision-tokens-fedcba987654')).toBe('12,345');
    expect(await textOf(page, 'revision-handoff-fedcba987654')).toBe('42 min');
    expect(await textOf(page, 'revision-handoffs-fedcba987654')).toBe('1');

    expect(await textOf(page, 'revision-rate-abc123def456')).toBe('50% (1/2)');
    expect(await textOf(page, 'revision-turns-abc123def456')).toBe('6');
    expect(await textOf(page, 'revision-tokens-abc123def456')).toBe('20,000');
    expect(await textOf(page, 'revision-handoff-abc123def456')).toBe('1 h 30 min');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('shows a new revision on top after the next event, without reloading the page', async () => {
    await page.goto(`${server.url}/`);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
    await source.pulse.waitFor(() => source.subscribers > 0, 'the page to follow the event stream');
    await page.evaluate('window.__sameDocument = true');
    journal.runs.push(journalRun({ runId: 5, identifier: 'MT-4', startedAtMs: Date.now() - MIN, workflowRevision: REV_NEWER, outcome: 'failed', reason: 'turn_failed', turns: 2, totalTokens: 2_500 }));
    journal.current = REV_NEWER;
    source.emit('run_ended', { issue_id: 'id-MT-4', issue_identifier: 'MT-4', message: 'run failed', data: { outcome: 'failed' } });
    await page.getByTestId('revision-current-0000ffff1111').waitFor({ timeout: 10_000 });
    const order = await page.locator('[data-testid="revisions-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')));
    expect(order).toEqual(['revision-row-0000ffff1111', 'revision-row-fedcba987654', 'revision-row-abc123def456']);
    expect(await page.getByTestId('revision-current-fedcba987654').count()).toBe(0);
    expect(await textOf(page, 'revision-rate-0000ffff1111')).toBe('0% (0/1)');
    expect(await textOf(page, 'revision-handoff-0000ffff1111')).toBe('–');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it("an issue page lists the issue's runs from the journal, newest first", async () => {
    source.setIssue('MT-1', issueDetail('MT-1', { status: 'idle', running: null, workspace: null }));
    await page.goto(`${server.url}/issues/MT-1`);
    await page.getByTestId('runs-table').waitFor({ timeout: 10_000 });
    const order = await page.locator('[data-testid="runs-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')));
    expect(order).toEqual(['run-row-2', 'run-row-1']);
    expect(await textOf(page, 'run-outcome-1')).toBe('failed');
    expect(await textOf(page, 'run-row-1')).toContain('turn_failed: tests failed');
    expect(await textOf(page, 'run-handoff-2')).toMatch(/^1h 30m \d\ds ago$/);
    expect(await textOf(page, 'run-handoff-1')).toBe('–');
  });

  it('a daemon without a run journal shows no revisions section', async () => {
    await page.goto(`${withoutJournal.url}/`);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('revisions-section').isHidden()).toBe(true);
    expect(await page.getByTestId('revisions-table').count()).toBe(0);
  });

  it('says spans, shares and medians in plain words', async () => {
    const formatted = await page.evaluate(`import('/assets/format.js').then((f) => [
      f.formatSpan(null), f.formatSpan(20_000), f.formatSpan(42 * 60_000), f.formatSpan(60 * 60_000), f.formatSpan(185 * 60_000),
      f.formatSpan(52 * 3_600_000), f.formatSpan(48 * 3_600_000), f.formatPercent(2 / 3), f.formatPercent(null), f.formatMedian(2.5), f.formatMedian(1234),
    ])`);
    expect(formatted).toEqual(['–', 'under 1 min', '42 min', '1 h', '3 h 5 min', '2 d 4 h', '2 d', '67%', '–', '2.5', '1,234']);
  });

  it('ran without JavaScript errors', () => {
    expect(dashboard.errors).toEqual([]);
  });
});
