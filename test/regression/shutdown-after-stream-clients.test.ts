/**
 * Issue 7 item 1: after dashboard tabs were closed (event-stream clients gone), the status hub
 * holds no stream subscriber and SIGTERM still exits at once. Before the fix, a spare connection
 * that a client opened and never used kept the HTTP server's close waiting for Node's 60 s
 * headers timeout, so the daemon never exited after its workers had stopped.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startService } from '../../src/service/service.js';
import { shellQuote } from '../support/codex.js';
import { IDLE_AGENT, NODE_BIN } from '../support/daemon.js';
import type { ModelStep } from '../support/fake-model/index.js';
import { memoryTrackerFor } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { eventuallyAsync } from '../support/wait.js';
import { LogSink, memoryWorkflowFrontMatter, useServiceCleanup, writeWorkflow } from '../conformance/support.js';
import { setupE2E, type E2E } from '../e2e/harness.js';

const { dirs, services } = useServiceCleanup();
let env: E2E | null = null;

afterEach(async () => {
  await env?.dispose();
  env = null;
});

/** Opens `GET /api/v1/events` and reads its first chunk; abort the returned controller to disconnect. */
async function connect(base: string): Promise<AbortController> {
  const controller = new AbortController();
  const response = await fetch(`${base}/api/v1/events`, { signal: controller.signal });
  await response.body!.getReader().read();
  return controller;
}

/** 20 clients: a request on a keep-alive connection each time, then a stream, then a disconnect. */
async function churn(base: string): Promise<void> {
  const clients: AbortController[] = [];
  for (let i = 0; i < 20; i++) {
    expect((await fetch(`${base}/api/v1/state`)).status).toBe(200);
    clients.push(await connect(base));
  }
  for (const client of clients) client.abort();
}

describe('event-stream clients that went away (issue 7 item 1)', () => {
  it('20 clients connect and disconnect: the hub is back to its own subscribers; stop is prompt', async () => {
    const dir = await dirs.make();
    const store = `sse-churn-${path.basename(dir)}`;
    memoryTrackerFor(store).upsertIssue({ identifier: 'SSE-1', id: 'id-1', state: 'In Progress' });
    const command = `exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)} idle`;
    const workflowPath = await writeWorkflow(dir, memoryWorkflowFrontMatter({ root: path.join(dir, 'ws'), store, command, extra: ['server:', '  port: 0'] }));
    const sink = new LogSink();
    const service = await startService({ workflowPath, logger: sink.logger(), env: process.env, profiles: testTrackerProfiles });
    services.push(service);
    await sink.waitFor((l) => l.msg === 'app-server stderr' && String(l.line).includes('idle-agent: turn started'), 'the agent turn to start');
    const base = service.server!.url;
    const before = service.status.subscriberCount;

    await churn(base);
    await eventuallyAsync(() => Promise.resolve(service.status.subscriberCount === before), 'every stream unsubscribed from the hub', 10_000);

    expect(await service.stop(8000)).toBe(true);
    expect(service.status.subscriberCount).toBe(0);
  });

  it('through the CLI with a running agent: SIGTERM exits 0 within 2 s', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'hang' }), { pollMs: 600_000, serverPort: 0 });
    env.linear.addIssue({ identifier: 'SSE-2', title: 'Busy', state: 'Todo', priority: 1 });
    const daemon = env.start();
    const listening = await daemon.waitForLog((line) => line.msg === 'http server listening', 'the HTTP server to listen');
    const base = String(listening.url);
    await eventuallyAsync(async () => {
      const body = (await (await fetch(`${base}/api/v1/state`)).json()) as { running: { session_id: string | null }[] };
      return body.running.some((row) => row.session_id !== null);
    }, 'SSE-2 running with a session', 30_000);

    await churn(base);

    daemon.signal('SIGTERM');
    // The bound of the wait is the assertion: before the fix the daemon never exited.
    const exit = await daemon.waitForExit(2000);
    expect(exit.exitCode).toBe(0);
    expect(daemon.logs.some((line) => line.msg === 'http server closed')).toBe(true);
  });
});
