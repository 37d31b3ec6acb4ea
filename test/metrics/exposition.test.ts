import { describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../src/metrics/index.js';
import type { StatusSnapshot } from '../../src/status/types.js';
import { familyOf, parseExposition } from './exposition.js';

const SYMPHONY_FAMILIES: Readonly<Record<string, string>> = {
  symphony_running_agents: 'gauge',
  symphony_retrying_agents: 'gauge',
  symphony_waiting_agents: 'gauge',
  symphony_blocked_agents: 'gauge',
  symphony_blocked_issues: 'gauge',
  symphony_tokens_today: 'gauge',
  symphony_max_concurrent_agents: 'gauge',
  symphony_dispatches_total: 'counter',
  symphony_retries_total: 'counter',
  symphony_runs_total: 'counter',
  symphony_tokens_total: 'counter',
  symphony_tracker_request_duration_seconds: 'histogram',
  symphony_tracker_errors_total: 'counter',
  symphony_poll_tick_duration_seconds: 'histogram',
  symphony_workflow_reloads_total: 'counter',
  symphony_snapshot_read_failures_total: 'counter',
};

function populated(defaultMetrics: boolean): DaemonMetrics {
  const metrics = new DaemonMetrics({ defaultMetrics });
  metrics.bindSnapshot(() => ({
    counts: { running: 1, retrying: 0, claimed: 1, waiting: 0, blocked: 0 },
    codex_totals: { input_tokens: 5, output_tokens: 6, total_tokens: 11, seconds_running: 1 },
    max_concurrent_agents: 3,
  }) as unknown as StatusSnapshot);
  metrics.observe({ id: 1, type: 'dispatch', at: '2025-01-01T00:00:00Z', issue_id: 'i', issue_identifier: 'SYM-1', message: 'm', data: {} });
  metrics.pollTick(12);
  metrics.tracker.request('SymphonyIssuesByStates', 30, 'tracker_status');
  return metrics;
}

describe('metrics exposition format', () => {
  it('every line is a valid HELP, TYPE or sample line, and every sample has HELP and TYPE', async () => {
    const { body, contentType } = await populated(true).render();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body.endsWith('\n')).toBe(true);
    const exposition = parseExposition(body); // throws on any malformed line
    expect(exposition.samples.length).toBeGreaterThan(50);
    for (const sample of exposition.samples) {
      const family = familyOf(sample.name, exposition.types);
      expect(family, `TYPE of ${sample.name}`).not.toBeNull();
      expect(exposition.help.get(family as string), `HELP of ${sample.name}`).toBeTruthy();
    }
  });

  it('declares every documented Symphony metric with its type', async () => {
    const exposition = parseExposition((await populated(false).render()).body);
    for (const [name, type] of Object.entries(SYMPHONY_FAMILIES)) expect(exposition.types.get(name), name).toBe(type);
    const own = [...exposition.types.keys()].filter((name) => name.startsWith('symphony_'));
    expect(own.sort()).toEqual(Object.keys(SYMPHONY_FAMILIES).sort());
  });

  it('histograms have cumulative buckets ending in +Inf equal to the count', async () => {
    const exposition = parseExposition((await populated(false).render()).body);
    for (const [name, type] of exposition.types) {
      if (type !== 'histogram') continue;
      const buckets = exposition.samples.filter((s) => s.name === `${name}_bucket`);
      const series = new Set(buckets.map((s) => JSON.stringify({ ...s.labels, le: undefined })));
      for (const key of series) {
        const labels = JSON.parse(key) as Record<string, string>;
        const mine = buckets.filter((s) => JSON.stringify({ ...s.labels, le: undefined }) === key);
        const values = mine.map((s) => s.value);
        expect(values).toEqual([...values].sort((a, b) => a - b));
        expect(mine.at(-1)?.labels.le).toBe('+Inf');
        expect(mine.at(-1)?.value).toBe(exposition.value(`${name}_count`, labels));
      }
    }
  });

  it('includes the default process metrics under their standard names', async () => {
    const exposition = parseExposition((await populated(true).render()).body);
    expect(exposition.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(exposition.types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(exposition.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(exposition.value('process_start_time_seconds')).toBeGreaterThan(0);
  });
});
