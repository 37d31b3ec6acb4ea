/**
 * Issue 8 items 3 and 7 through the real service (store, orchestrator, worker factory) on the
 * in-memory tracker and the idle app-server fixture: a template that passes the sample-issue check
 * but fails on a real issue is retried with backoff; fixing it in WORKFLOW.md brings the retry
 * forward; a reload whose template does not render is rejected and the last good prompt stays.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startService } from '../../src/service/service.js';
import { RELOAD_RETRY_DELAY_MS } from '../../src/scheduler/core.js';
import { shellQuote } from '../support/codex.js';
import { IDLE_AGENT, NODE_BIN } from '../support/daemon.js';
import { memoryTrackerFor } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { LogSink, memoryWorkflowFrontMatter, useServiceCleanup, writeWorkflow } from '../conformance/support.js';

const { dirs, services } = useServiceCleanup();

const IDLE_COMMAND = `exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)} idle`;

describe('service: reloads and prompt-template retries', () => {
  it('a template-error retry runs soon after a reload fixes the template, not after its backoff; a broken reload keeps the last good prompt', async () => {
    const dir = await dirs.make();
    const store = `reload-retry-${path.basename(dir)}`;
    const tracker = memoryTrackerFor(store);
    // No labels: `issue.labels[0]` renders for the sample issue (startup passes) but not for this one.
    tracker.upsertIssue({ identifier: 'SYM-1', id: 'id-1', state: 'In Progress' });
    const frontMatter = memoryWorkflowFrontMatter({ root: path.join(dir, 'ws'), store, command: IDLE_COMMAND });
    const workflowPath = await writeWorkflow(dir, frontMatter, 'Work on {{ issue.identifier }} ({{ issue.labels[0] }}).');
    const sink = new LogSink();
    const service = await startService({ workflowPath, logger: sink.logger(), env: process.env, profiles: testTrackerProfiles });
    services.push(service);

    const retry = await sink.waitFor((l) => l.msg === 'retry scheduled' && l.cause === 'worker_failed', 'the template-error retry');
    expect(retry).toMatchObject({ attempt: 1, delay_ms: 10_000 });
    expect(String(retry.reason)).toContain('template_render_error');

    // A reload whose template does not render is rejected: the running config and prompt stay.
    await writeWorkflow(dir, frontMatter, 'Work on {{ issue.nope }}.');
    const rejected = await sink.waitFor((l) => l.msg === 'workflow reload rejected; keeping the last known good configuration', 'the rejected reload');
    // Fences on line 1 and after the front matter, then a blank line: the body is on line length + 4.
    expect(rejected.error).toBe(`template_render_error: ${workflowPath}:${frontMatter.length + 4}: prompt template: undefined variable issue.nope`);
    expect(service.store.current().promptTemplate).toBe('Work on {{ issue.identifier }} ({{ issue.labels[0] }}).');
    expect(sink.named('retry re-armed: the workflow reload may fix its error')).toEqual([]);

    // The fix: the retry is re-armed to RELOAD_RETRY_DELAY_MS and the issue dispatched again with the new prompt.
    await writeWorkflow(dir, frontMatter, 'Work on {{ issue.identifier }}.');
    const rearmed = await sink.waitFor((l) => l.msg === 'retry re-armed: the workflow reload may fix its error', 'the re-armed retry');
    expect(rearmed).toMatchObject({ issue_identifier: 'SYM-1', attempt: 1, delay_ms: RELOAD_RETRY_DELAY_MS, error_code: 'template_render_error', changed_sections: ['prompt'] });
    await sink.waitFor((l) => l.msg === 'dispatch started' && l.attempt === 1, 'the retried dispatch');
    await sink.waitFor((l) => l.msg === 'app-server stderr' && String(l.line).includes('idle-agent: turn started'), 'the retried run to reach its first turn');
    expect(sink.lines.filter((l) => l.msg === 'dispatch started').map((l) => l.attempt)).toEqual([null, 1]);
  });
});
