/**
 * A valid reload brings forward a retry waiting out its backoff for an error the reload may fix
 * (issue 10 item 7), through the real orchestrator shell with the manual clock.
 */
import { describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { RELOAD_RETRY_DELAY_MS } from '../../src/scheduler/core.js';
import { Harness, testWorkflow } from '../support/orchestrator-harness.js';

/** An hour-long poll interval: no poll tick interleaves with the retries under test. */
const QUIET = { pollIntervalMs: 3_600_000 } as const;

describe('orchestrator: workflowReloaded() re-arms retries the reload may fix', () => {
  it('a template-error retry runs RELOAD_RETRY_DELAY_MS after the reload, with the new prompt, not after the rest of its backoff', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.worker('SYM-1').fail(new SymphonyError('template_render_error', 'prompt template render error for SYM-1: undefined variable: issue.nope'));
    const row = await h.waitForRetry('SYM-1', 1);
    const originalDue = Date.parse(row.due_at);
    expect(originalDue - h.clock.now()).toBe(10_000);
    h.clock.advance(3_000);

    const fixed = { ...testWorkflow(QUIET), promptTemplate: 'Work on {{ issue.identifier }} (fixed).' };
    h.workflow.swap(fixed);
    h.orchestrator.workflowReloaded(['prompt']);
    expect(Date.parse(h.retryRow('SYM-1')!.due_at)).toBe(h.clock.now() + RELOAD_RETRY_DELAY_MS);
    expect(h.logged('retry re-armed: the workflow reload may fix its error')[0]).toMatchObject({ issue_identifier: 'SYM-1', error_code: 'template_render_error', attempt: 1 });
    // The old timer is gone: only the re-armed one (and the reload's immediate tick) are pending.
    expect(h.clock.pending().filter((t) => t.dueAtMs === originalDue)).toEqual([]);

    h.clock.advance(RELOAD_RETRY_DELAY_MS - 1);
    expect(h.workersOf('SYM-1')).toHaveLength(1);
    h.clock.advance(1);
    const next = await h.waitForWorker('SYM-1', 2);
    expect(next.attempt).toBe(1);
    expect(next.workflow.promptTemplate).toBe('Work on {{ issue.identifier }} (fixed).');
  });

  it('the reload also asks for an immediate tick (new interval, limits and states apply at once)', async () => {
    const h = new Harness({ config: QUIET });
    await h.startAndTick();
    h.workflow.swap(testWorkflow({ pollIntervalMs: 5_000 }));
    h.orchestrator.workflowReloaded(['polling']);
    expect(h.tickTimer()?.delayMs).toBe(0);
    expect((await h.runTick()).delayMs).toBe(5_000);
  });

  it('a retry for an error no reload fixes keeps its backoff, and so does one whose section did not change', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    h.addIssue('SYM-2');
    await h.startAndTick();
    h.worker('SYM-1').fail(new SymphonyError('turn_failed', 'model error'));
    h.worker('SYM-2').fail(new SymphonyError('template_parse_error', 'tag {% if %} not closed'));
    const first = await h.waitForRetry('SYM-1', 1);
    const second = await h.waitForRetry('SYM-2', 1);
    h.clock.advance(2_000);
    h.orchestrator.workflowReloaded(['polling', 'agent']);
    expect(h.retryRow('SYM-1')?.due_at).toBe(first.due_at);
    expect(h.retryRow('SYM-2')?.due_at).toBe(second.due_at);
    expect(h.logged('retry re-armed: the workflow reload may fix its error')).toEqual([]);
  });

  it('after shutdown a reload changes nothing', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.worker('SYM-1').fail(new SymphonyError('template_render_error', 'x'));
    await h.waitForRetry('SYM-1', 1);
    await h.orchestrator.shutdown(1_000);
    const pending = h.clock.pending();
    h.orchestrator.workflowReloaded(['prompt']);
    expect(h.clock.pending()).toEqual(pending);
  });
});
