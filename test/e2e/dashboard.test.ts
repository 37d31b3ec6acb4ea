/**
 * The HTTP surface of a real daemon (issue 3 items 1, 2, 5): the `symphony` CLI with `--port 0`,
 * the fake Linear, the real Codex binary and a scripted model that keeps its turns open. The API,
 * the event stream, the metrics and the dashboard in headless Chromium follow the daemon live.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStep } from '../support/fake-model/index.js';
import { openDashboard, type OpenDashboard } from '../support/browser.js';
import { eventuallyAsync } from '../support/wait.js';
import { LINEAR_KEY, setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;
let dashboard: OpenDashboard | null = null;

afterEach(async () => {
  await dashboard?.close();
  dashboard = null;
  await env?.dispose();
  env = null;
});

/** Reads `GET /api/v1/events` until `count` events (after the opening snapshot) arrived or the bound passed. */
async function readEvents(url: string, count: number, signal: AbortSignal): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const response = await fetch(url, { signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let buffer = '';
  while (events.length < count + 1) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  await reader.cancel();
  return events;
}

describe('HTTP server, events, metrics and dashboard of a running daemon (issue 3)', () => {
  it('serves the live state; the dashboard updates when an issue is dispatched', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'hang' }), { pollMs: 600_000, serverPort: 0 });
    const logsRoot = path.join(env.dir, 'logs');
    await mkdir(logsRoot);
    env.linear.addIssue({ identifier: 'DASH-1', title: 'First', state: 'Todo', priority: 1 });
    const daemon = env.start(['--logs-root', logsRoot]);
    const listening = await daemon.waitForLog((line) => line.msg === 'http server listening', 'the HTTP server to listen');
    const base = String(listening.url);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // The API: the first issue runs.
    const state = await eventuallyAsync(async () => {
      const body = (await (await fetch(`${base}/api/v1/state`)).json()) as { running: { issue_identifier: string; session_id: string | null }[] };
      return body.running.some((row) => row.issue_identifier === 'DASH-1' && row.session_id !== null) ? body : false;
    }, 'DASH-1 running with a session', 30_000);
    expect(state).toMatchObject({ counts: { running: 1, retrying: 0, waiting: 0, blocked: 0 }, max_turns: 3, config: { workflow_path: env.workflowPath } });

    dashboard = await openDashboard(base);
    const { page } = dashboard;
    await page.getByTestId('running-row-DASH-1').waitFor({ timeout: 20_000 });
    await page.evaluate('window.notReloaded = true');

    // A second issue: the event stream reports its dispatch, and the page shows it without reloading.
    const stream = new AbortController();
    const events = readEvents(`${base}/api/v1/events`, 1, stream.signal);
    env.linear.addIssue({ identifier: 'DASH-2', title: 'Second', state: 'Todo', priority: 2 });
    const refresh = await fetch(`${base}/api/v1/refresh`, { method: 'POST' });
    expect(refresh.status).toBe(202);
    expect(await refresh.json()).toMatchObject({ queued: true, operations: ['poll', 'reconcile'] });
    const received = await events;
    stream.abort();
    expect(received[0]?.event).toBe('snapshot');
    expect(received[1]).toMatchObject({ event: 'dispatch', data: { type: 'dispatch', issue_identifier: 'DASH-2' } });
    await page.getByTestId('running-row-DASH-2').waitFor({ timeout: 20_000 });
    expect(await page.evaluate('window.notReloaded === true')).toBe(true);
    await page.getByTestId('running-turn-DASH-1').filter({ hasText: '1/3' }).waitFor({ timeout: 20_000 });

    await mkdir(path.resolve('test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.resolve('test-artifacts', 'dashboard-daemon.png'), fullPage: true });
    expect(dashboard.errors).toEqual([]);

    // Per-issue details and errors.
    const detail = (await (await fetch(`${base}/api/v1/DASH-1`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ issue_identifier: 'DASH-1', status: 'running', workspace: { path: path.join(env.root, 'DASH-1') } });
    expect((detail.recent_events as { event: string }[]).map((e) => e.event)).toContain('dispatch');
    const missing = await fetch(`${base}/api/v1/NOPE-9`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'issue_not_found' } });
    expect((await fetch(`${base}/api/v1/state`, { method: 'DELETE' })).status).toBe(405);
    const idle = await fetch(`${base}/api/v1/DASH-1/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"accept"}' });
    expect(idle.status).toBe(409);

    // Metrics.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^symphony_dispatches_total{runtime="codex"} 2$/m);
    expect(metrics).toMatch(/^symphony_running_agents 2$/m);
    expect(metrics).toMatch(/^symphony_tracker_request_duration_seconds_count\{operation="[A-Za-z]+"\} [1-9]/m);
    expect(metrics).not.toContain(LINEAR_KEY);

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
    expect(daemon.output).not.toContain(LINEAR_KEY);
  });

  it('a port already in use fails startup with one line naming it', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'hang' }), { pollMs: 600_000 });
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const daemon = env.start(['--port', String(port)]);
      const exit = await daemon.waitForExit();
      expect(exit.exitCode).toBe(1);
      expect(daemon.stderr).toMatch(new RegExp(`startup failed: http_server_failed: .*127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
