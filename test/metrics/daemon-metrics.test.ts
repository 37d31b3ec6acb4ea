import { describe, expect, it } from 'vitest';
import { DaemonMetrics, MAX_OPERATION_LABELS } from '../../src/metrics/index.js';
import type { StatusEvent, StatusEventType, StatusSnapshot } from '../../src/status/types.js';
import { parseExposition, type Exposition } from './exposition.js';

let nextId = 1;
function event(type: StatusEventType, data: Record<string, unknown> = {}): StatusEvent {
  return { id: nextId++, type, at: '2025-01-01T00:00:00.000Z', issue_id: 'i-1', issue_identifier: 'SYM-1', message: type, data };
}

function snapshot(over: { running?: number; retrying?: number; waiting?: number; blocked?: number; input?: number; output?: number; max?: number } = {}): StatusSnapshot {
  return {
    generated_at: '2025-01-01T00:00:00.000Z',
    counts: { running: over.running ?? 0, retrying: over.retrying ?? 0, claimed: 0, waiting: over.waiting ?? 0, blocked: over.blocked ?? 0 },
    running: [],
    retrying: [],
    waiting: [],
    blocked: [],
    codex_totals: { input_tokens: over.input ?? 0, output_tokens: over.output ?? 0, total_tokens: (over.input ?? 0) + (over.output ?? 0), seconds_running: 0 },
    rate_limits: null,
    tokens_today: { day: '2026-01-02', total_tokens: 0 },
    max_concurrent_agents: over.max ?? 10,
    max_turns: 20,
    dispatch: { state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' },
    config: { workflow_path: '/w/WORKFLOW.md', loaded_at: '2025-01-01T00:00:00.000Z', last_reload: null, last_rejected: null },
  };
}

async function scrape(metrics: DaemonMetrics): Promise<Exposition> {
  const { body } = await metrics.render();
  return parseExposition(body);
}

describe('DaemonMetrics counters from status events', () => {
  it('counts dispatches, retries by cause and runs by outcome', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.observe(event('dispatch', { attempt: null, state: 'Todo', runtime: 'codex' }));
    metrics.observe(event('dispatch', { attempt: 1, state: 'Todo', runtime: 'codex' }));
    metrics.observe(event('retry_scheduled', { attempt: 1, kind: 'failure', cause: 'worker_failed', due_at: 'x', delay_ms: 10000, error: 'boom' }));
    metrics.observe(event('retry_scheduled', { attempt: 1, kind: 'continuation', cause: 'continuation', due_at: 'x', delay_ms: 1000, error: null }));
    metrics.observe(event('retry_scheduled', { attempt: 2, kind: 'failure', cause: 'worker_failed', due_at: 'x', delay_ms: 20000, error: 'boom' }));
    // The same retry brought forward by a reload is not counted again.
    metrics.observe(event('retry_scheduled', { rearmed: true, attempt: 2, kind: 'failure', cause: 'worker_failed', due_at: 'y', delay_ms: 1000, error: 'boom' }));
    metrics.observe(event('run_ended', { outcome: 'completed', reason: null, duration_ms: 5, runtime: 'codex' }));
    metrics.observe(event('run_ended', { outcome: 'failed', reason: 'turn_failed', duration_ms: 5, runtime: 'codex' }));
    metrics.observe(event('run_ended', { outcome: 'failed', reason: 'stalled', duration_ms: 5, runtime: 'codex' }));
    metrics.observe(event('agent_event', { event: 'notification', session_id: 's', turn_count: 1 }));
    metrics.observe(event('operator_waiting', { kind: 'approval', method: 'x', summary: 'y' }));
    const m = await scrape(metrics);
    expect(m.value('symphony_dispatches_total', { runtime: 'codex' })).toBe(2);
    expect(m.value('symphony_retries_total', { cause: 'worker_failed' })).toBe(2);
    expect(m.value('symphony_retries_total', { cause: 'continuation' })).toBe(1);
    expect(m.value('symphony_retries_total', { cause: 'stalled' })).toBe(0);
    expect(m.value('symphony_runs_total', { outcome: 'completed', runtime: 'codex' })).toBe(1);
    expect(m.value('symphony_runs_total', { outcome: 'failed', runtime: 'codex' })).toBe(2);
    expect(m.value('symphony_runs_total', { outcome: 'blocked', runtime: 'codex' })).toBe(0);
  });

  it('counts workflow reloads once per config event (reload() is what observe uses)', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.observe(event('config_reloaded', { changed: ['polling.interval_ms'] }));
    metrics.observe(event('config_reloaded', { changed: [] }));
    metrics.observe(event('config_rejected', { reason: 'bad yaml' }));
    const m = await scrape(metrics);
    expect(m.value('symphony_workflow_reloads_total', { outcome: 'reloaded' })).toBe(2);
    expect(m.value('symphony_workflow_reloads_total', { outcome: 'rejected' })).toBe(1);
    metrics.reload('rejected');
    expect((await scrape(metrics)).value('symphony_workflow_reloads_total', { outcome: 'rejected' })).toBe(2);
  });

  it('maps unexpected label values to "unknown" and never throws on odd data', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.observe(event('retry_scheduled', { cause: 'x'.repeat(500) }));
    metrics.observe(event('run_ended', {}));
    metrics.observe(event('run_ended', { outcome: 42 }));
    expect(() => metrics.observe({ ...event('dispatch'), data: null as unknown as Record<string, unknown> })).not.toThrow();
    expect(() => metrics.observe({ ...event('retry_scheduled'), data: null as unknown as Record<string, unknown> })).not.toThrow();
    const m = await scrape(metrics);
    expect(m.value('symphony_retries_total', { cause: 'unknown' })).toBe(1);
    expect(m.value('symphony_runs_total', { outcome: 'unknown', runtime: 'unknown' })).toBe(2);
    expect(m.value('symphony_dispatches_total', { runtime: 'unknown' })).toBe(1);
  });

  it('records poll tick durations in seconds and ignores invalid ones', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.pollTick(40);
    metrics.pollTick(2000);
    metrics.pollTick(-1);
    metrics.pollTick(Number.NaN);
    const m = await scrape(metrics);
    expect(m.value('symphony_poll_tick_duration_seconds_count')).toBe(2);
    expect(m.value('symphony_poll_tick_duration_seconds_sum')).toBeCloseTo(2.04, 6);
    expect(m.value('symphony_poll_tick_duration_seconds_bucket', { le: '0.05' })).toBe(1);
    expect(m.value('symphony_poll_tick_duration_seconds_bucket', { le: '2.5' })).toBe(2);
    expect(m.value('symphony_poll_tick_duration_seconds_bucket', { le: '+Inf' })).toBe(2);
  });
});

describe('DaemonMetrics gauges and tokens read at scrape time', () => {
  it('reads running/retrying/waiting/blocked and the limit from the bound snapshot', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    let current = snapshot({ running: 3, retrying: 2, waiting: 1, blocked: 4, max: 7 });
    metrics.bindSnapshot(() => current);
    let m = await scrape(metrics);
    expect(m.value('symphony_running_agents')).toBe(3);
    expect(m.value('symphony_retrying_agents')).toBe(2);
    expect(m.value('symphony_waiting_agents')).toBe(1);
    expect(m.value('symphony_blocked_agents')).toBe(4);
    expect(m.value('symphony_max_concurrent_agents')).toBe(7);
    current = snapshot({ running: 1 });
    m = await scrape(metrics);
    expect(m.value('symphony_running_agents')).toBe(1);
    expect(m.value('symphony_blocked_agents')).toBe(0);
  });

  it('reports token totals by direction as monotonic counters', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    let current = snapshot({ input: 100, output: 40 });
    metrics.bindSnapshot(() => current);
    let m = await scrape(metrics);
    expect(m.types.get('symphony_tokens_total')).toBe('counter');
    expect(m.value('symphony_tokens_total', { direction: 'input' })).toBe(100);
    expect(m.value('symphony_tokens_total', { direction: 'output' })).toBe(40);
    current = snapshot({ input: 250, output: 40 });
    m = await scrape(metrics);
    expect(m.value('symphony_tokens_total', { direction: 'input' })).toBe(250);
    current = snapshot({ input: 10, output: 5 }); // a lower total never makes the counter go down
    m = await scrape(metrics);
    expect(m.value('symphony_tokens_total', { direction: 'input' })).toBe(250);
    expect(m.value('symphony_tokens_total', { direction: 'output' })).toBe(40);
  });

  it('a failing snapshot read leaves the gauges as they were and the scrape still succeeds', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    let fail = false;
    metrics.bindSnapshot(() => {
      if (fail) throw new Error('state unavailable');
      return snapshot({ running: 2, input: 9 });
    });
    await scrape(metrics);
    fail = true;
    const m = await scrape(metrics);
    expect(m.value('symphony_running_agents')).toBe(2);
    expect(m.value('symphony_tokens_total', { direction: 'input' })).toBe(9);
    expect(m.value('symphony_snapshot_read_failures_total')).toBe(1);
  });

  it('a snapshot with non-numeric counts counts as a failed read', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.bindSnapshot(() => ({ ...snapshot(), counts: undefined }) as unknown as StatusSnapshot);
    const m = await scrape(metrics);
    expect(m.value('symphony_running_agents')).toBe(0);
    expect(m.value('symphony_snapshot_read_failures_total')).toBe(1);
  });

  it('scrapes before any snapshot is bound', async () => {
    const m = await scrape(new DaemonMetrics({ defaultMetrics: false }));
    expect(m.value('symphony_running_agents')).toBe(0);
    expect(m.value('symphony_tokens_total', { direction: 'output' })).toBe(0);
  });
});

describe('DaemonMetrics tracker observer', () => {
  it('records request durations by operation and errors by category', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.tracker.request('SymphonyIssuesByStates', 120, null);
    metrics.tracker.request('SymphonyIssuesByStates', 80, 'tracker_status');
    metrics.tracker.request('SymphonyViewer', 3000, 'tracker_rate_limited');
    metrics.tracker.request('SymphonyViewer', 10, 'something_else');
    const m = await scrape(metrics);
    expect(m.value('symphony_tracker_request_duration_seconds_count', { operation: 'SymphonyIssuesByStates' })).toBe(2);
    expect(m.value('symphony_tracker_request_duration_seconds_sum', { operation: 'SymphonyIssuesByStates' })).toBeCloseTo(0.2, 6);
    expect(m.value('symphony_tracker_request_duration_seconds_bucket', { operation: 'SymphonyViewer', le: '5' })).toBe(2);
    expect(m.value('symphony_tracker_request_duration_seconds_bucket', { operation: 'SymphonyViewer', le: '1' })).toBe(1);
    expect(m.value('symphony_tracker_errors_total', { category: 'tracker_status' })).toBe(1);
    expect(m.value('symphony_tracker_errors_total', { category: 'tracker_rate_limited' })).toBe(1);
    expect(m.value('symphony_tracker_errors_total', { category: 'unknown' })).toBe(1);
    expect(m.value('symphony_tracker_errors_total', { category: 'tracker_request' })).toBe(0);
  });

  it('bounds operation label cardinality: malformed names and names past the cap are "unknown"', async () => {
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    metrics.tracker.request('query { viewer { id } }', 1, null);
    metrics.tracker.request('', 1, null);
    for (let i = 0; i < MAX_OPERATION_LABELS + 10; i++) metrics.tracker.request(`AgentOp${i}`, 1, null);
    metrics.tracker.request('AgentOp0', 1, null); // a name seen before the cap keeps its label
    const m = await scrape(metrics);
    const operations = new Set(m.samples.filter((s) => s.name === 'symphony_tracker_request_duration_seconds_count').map((s) => s.labels.operation));
    expect(operations.size).toBe(MAX_OPERATION_LABELS + 1);
    expect(m.value('symphony_tracker_request_duration_seconds_count', { operation: 'unknown' })).toBe(2 + 10);
    expect(m.value('symphony_tracker_request_duration_seconds_count', { operation: 'AgentOp0' })).toBe(2);
  });
});

describe('DaemonMetrics options', () => {
  it('uses a custom prefix and keeps registries of two daemons apart', async () => {
    const a = new DaemonMetrics({ prefix: 'a_', defaultMetrics: false });
    const b = new DaemonMetrics({ prefix: 'a_', defaultMetrics: false });
    a.observe(event('dispatch', { runtime: 'codex' }));
    expect((await scrape(a)).value('a_dispatches_total', { runtime: 'codex' })).toBe(1);
    expect((await scrape(b)).value('a_dispatches_total', { runtime: 'codex' })).toBe(0);
    expect((await scrape(a)).has('symphony_dispatches_total')).toBe(false);
  });

  it('rejects a prefix that makes invalid metric names', () => {
    expect(() => new DaemonMetrics({ prefix: 'bad-prefix-', defaultMetrics: false })).toThrow();
  });
});
