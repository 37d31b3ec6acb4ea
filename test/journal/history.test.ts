/**
 * Run history (issue 9 item 4; spec §15a, §18): verdicts, the per-revision summary (checked as
 * properties over random journals and on worked examples) and the API row mappers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, revisionRow, runRow, runVerdict, summarizeRevisions, type RevisionSummary } from '../../src/journal/history.js';
import type { StoredJournalRun } from '../../src/journal/rows.js';

const REV_A = 'a'.repeat(64);
const REV_B = 'b'.repeat(64);
const MIN = 60_000;

let nextRunId = 1;
/** A completed 3-turn run of issue i-1 under revision A unless overridden. */
function run(overrides: Partial<StoredJournalRun> = {}): StoredJournalRun {
  const startedAtMs = overrides.startedAtMs ?? 1_000_000;
  return {
    runId: nextRunId++,
    issueId: 'i-1',
    identifier: 'MT-1',
    attempt: null,
    runtime: 'codex',
    startedAtMs,
    endedAtMs: startedAtMs + 5 * MIN,
    outcome: 'completed',
    reason: null,
    turns: 3,
    inputTokens: 100,
    outputTokens: 20,
    totalTokens: 120,
    workflowRevision: REV_A,
    handedOffAtMs: null,
    ...overrides,
  };
}

describe('runVerdict', () => {
  it.each([
    [{ outcome: null, reason: null }, 'live'],
    [{ outcome: 'completed', reason: null }, 'success'],
    [{ outcome: 'stopped', reason: 'inactive' }, 'success'],
    [{ outcome: 'stopped', reason: 'terminal' }, 'success'],
    [{ outcome: 'failed', reason: 'turn_failed: boom' }, 'failure'],
    [{ outcome: 'blocked', reason: 'operator_timeout' }, 'failure'],
    [{ outcome: 'stopped', reason: 'stalled' }, 'failure'],
    [{ outcome: 'stopped', reason: 'shutdown' }, 'neutral'],
    [{ outcome: 'stopped', reason: 'missing' }, 'neutral'],
    [{ outcome: 'stopped', reason: 'unroutable' }, 'neutral'],
    [{ outcome: 'stopped', reason: null }, 'neutral'],
    [{ outcome: 'stopped', reason: 'inactivated' }, 'neutral'],
    [{ outcome: 'interrupted', reason: 'daemon restarted' }, 'neutral'],
    [{ outcome: 'exploded', reason: null }, 'neutral'],
  ] as const)('%o is %s', (fields, verdict) => {
    expect(runVerdict(fields)).toBe(verdict);
  });
});

describe('median', () => {
  it('is null for none, the middle value for an odd count, the mean of the middle two for an even count', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not depend on order and lies between the smallest and largest value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 40 }), fc.integer(), (values, seed) => {
        const shuffled = [...values].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7));
        const m = median(values) as number;
        expect(median(shuffled)).toBe(m);
        expect(m).toBeGreaterThanOrEqual(Math.min(...values));
        expect(m).toBeLessThanOrEqual(Math.max(...values));
      }),
    );
  });
});

describe('summarizeRevisions', () => {
  it('summarises a worked example: rate over judged runs, medians, time to hand-off, newest revision first', () => {
    const t0 = 10_000_000;
    const runs = [
      // Revision A (older): MT-1 fails, then completes and is handed off 42 min after its first run started.
      run({ issueId: 'i-1', startedAtMs: t0, outcome: 'failed', reason: 'turn_failed', turns: 1, totalTokens: 50 }),
      run({ issueId: 'i-1', startedAtMs: t0 + 10 * MIN, turns: 5, totalTokens: 500, handedOffAtMs: t0 + 42 * MIN }),
      // A run cut by a restart: counted, not judged.
      run({ issueId: 'i-2', startedAtMs: t0 + 1 * MIN, outcome: 'interrupted', reason: 'daemon restarted', turns: 0, totalTokens: 0 }),
      // Revision B (newer): the agent moved MT-3 on during the run (stopped: inactive) → a success and a hand-off.
      run({ issueId: 'i-3', startedAtMs: t0 + 60 * MIN, workflowRevision: REV_B, outcome: 'stopped', reason: 'inactive', turns: 4, totalTokens: 400, handedOffAtMs: t0 + 70 * MIN }),
      run({ issueId: 'i-4', startedAtMs: t0 + 61 * MIN, workflowRevision: REV_B, outcome: 'blocked', reason: 'operator_timeout', turns: 2, totalTokens: 200 }),
      run({ issueId: 'i-5', startedAtMs: t0 + 62 * MIN, workflowRevision: REV_B, outcome: null, endedAtMs: null, turns: 9, totalTokens: 9_999 }),
    ];
    const [b, a] = summarizeRevisions(runs);
    expect(b).toEqual({
      revision: REV_B,
      shortRevision: 'bbbbbbbbbbbb',
      firstSeenMs: t0 + 60 * MIN,
      lastSeenMs: t0 + 62 * MIN,
      runs: 3,
      endedRuns: 2,
      outcomes: { completed: 0, failed: 0, stopped: 1, blocked: 1, interrupted: 0 },
      succeeded: 1,
      judgedRuns: 2,
      successRate: 0.5,
      medianTurns: 3,
      medianTotalTokens: 300,
      medianTimeToHandoffMs: 10 * MIN,
      handoffs: 1,
    } satisfies RevisionSummary);
    expect(a).toMatchObject({
      revision: REV_A,
      runs: 3,
      endedRuns: 3,
      outcomes: { completed: 1, failed: 1, stopped: 0, blocked: 0, interrupted: 1 },
      succeeded: 1,
      judgedRuns: 2,
      successRate: 0.5,
      medianTurns: 3,
      medianTotalTokens: 275,
      medianTimeToHandoffMs: 42 * MIN,
      handoffs: 1,
    });
  });

  it('times a second hand-off of the same issue from the run after the first one, attributed to its own revision', () => {
    const runs = [
      run({ issueId: 'i-1', startedAtMs: 0, handedOffAtMs: 20 * MIN }),
      // Sent back from review a day later, redone under revision B.
      run({ issueId: 'i-1', startedAtMs: 24 * 60 * MIN, workflowRevision: REV_B }),
      run({ issueId: 'i-1', startedAtMs: 24 * 60 * MIN + 30 * MIN, workflowRevision: REV_B, handedOffAtMs: 24 * 60 * MIN + 45 * MIN }),
    ];
    const byRevision = new Map(summarizeRevisions(runs).map((summary) => [summary.revision, summary]));
    expect(byRevision.get(REV_A)).toMatchObject({ handoffs: 1, medianTimeToHandoffMs: 20 * MIN });
    expect(byRevision.get(REV_B)).toMatchObject({ handoffs: 1, medianTimeToHandoffMs: 45 * MIN });
  });

  it('gives nulls, not zeros, for what it cannot measure', () => {
    const [only] = summarizeRevisions([run({ outcome: null, endedAtMs: null }), run({ outcome: 'interrupted' })]);
    expect(only).toMatchObject({ runs: 2, endedRuns: 1, judgedRuns: 0, successRate: null, medianTurns: null, medianTotalTokens: null, medianTimeToHandoffMs: null, handoffs: 0 });
    expect(summarizeRevisions([])).toEqual([]);
  });

  const arbitraryRun = fc.record({
    issue: fc.integer({ min: 1, max: 6 }),
    revision: fc.constantFrom(REV_A, REV_B, 'c'.repeat(64), 'd'.repeat(64)),
    startedAtMs: fc.integer({ min: 0, max: 10_000_000 }),
    outcome: fc.constantFrom(null, 'completed', 'failed', 'stopped', 'blocked', 'interrupted'),
    reason: fc.constantFrom(null, 'inactive', 'terminal', 'stalled', 'shutdown', 'missing', 'turn_failed'),
    turns: fc.integer({ min: 0, max: 50 }),
    totalTokens: fc.integer({ min: 0, max: 1_000_000 }),
    handoffAfterMs: fc.option(fc.integer({ min: -5_000, max: 5_000_000 })),
  });
  const journals = fc.array(arbitraryRun, { maxLength: 60 }).map((specs) =>
    specs.map((spec, index) =>
      run({
        runId: index + 1,
        issueId: `i-${spec.issue}`,
        identifier: `MT-${spec.issue}`,
        workflowRevision: spec.revision,
        startedAtMs: spec.startedAtMs,
        endedAtMs: spec.outcome === null ? null : spec.startedAtMs + 1_000,
        outcome: spec.outcome,
        reason: spec.reason,
        turns: spec.turns,
        totalTokens: spec.totalTokens,
        handedOffAtMs: spec.handoffAfterMs === null ? null : spec.startedAtMs + spec.handoffAfterMs,
      }),
    ),
  );

  it('accounts for every run, every hand-off and every verdict exactly once', () => {
    fc.assert(
      fc.property(journals, (runs) => {
        const summaries = summarizeRevisions(runs);
        expect(new Set(summaries.map((s) => s.revision)).size).toBe(summaries.length);
        expect(summaries.reduce((sum, s) => sum + s.runs, 0)).toBe(runs.length);
        expect(summaries.reduce((sum, s) => sum + s.handoffs, 0)).toBe(runs.filter((r) => r.handedOffAtMs !== null).length);
        for (const s of summaries) {
          const mine = runs.filter((r) => r.workflowRevision === s.revision);
          expect(s.runs).toBe(mine.length);
          expect(s.endedRuns).toBe(mine.filter((r) => r.outcome !== null).length);
          expect(Object.values(s.outcomes).reduce((x, y) => x + y, 0)).toBe(s.endedRuns);
          expect(s.succeeded).toBe(mine.filter((r) => runVerdict(r) === 'success').length);
          expect(s.judgedRuns).toBe(mine.filter((r) => runVerdict(r) === 'success' || runVerdict(r) === 'failure').length);
          expect(s.succeeded).toBeLessThanOrEqual(s.judgedRuns);
          expect(s.judgedRuns).toBeLessThanOrEqual(s.endedRuns);
          if (s.judgedRuns === 0) expect([s.successRate, s.medianTurns, s.medianTotalTokens]).toEqual([null, null, null]);
          else expect(s.successRate).toBe(s.succeeded / s.judgedRuns);
          expect(s.medianTimeToHandoffMs === null).toBe(s.handoffs === 0);
          if (s.medianTimeToHandoffMs !== null) expect(s.medianTimeToHandoffMs).toBeGreaterThanOrEqual(0);
          expect(s.firstSeenMs).toBe(Math.min(...mine.map((r) => r.startedAtMs)));
          expect(s.lastSeenMs).toBe(Math.max(...mine.map((r) => r.startedAtMs)));
        }
        for (let i = 1; i < summaries.length; i += 1) {
          expect((summaries[i - 1] as RevisionSummary).lastSeenMs).toBeGreaterThanOrEqual((summaries[i] as RevisionSummary).lastSeenMs);
        }
      }),
    );
  });

  it('does not depend on the order of the runs, and a limit keeps the newest revisions', () => {
    fc.assert(
      fc.property(journals, fc.integer({ min: 0, max: 5 }), (runs, limit) => {
        const summaries = summarizeRevisions(runs);
        expect(summarizeRevisions([...runs].reverse())).toEqual(summaries);
        expect(summarizeRevisions(runs, { limit })).toEqual(summaries.slice(0, limit));
      }),
    );
  });
});

describe('API rows', () => {
  it('runRow maps a run to snake_case with ISO times and its duration', () => {
    const row = runRow(
      run({ runId: 7, issueId: 'i-9', identifier: 'MT-9', attempt: 2, startedAtMs: Date.UTC(2026, 0, 2, 3, 0), endedAtMs: Date.UTC(2026, 0, 2, 3, 42), outcome: 'stopped', reason: 'inactive', turns: 6, inputTokens: 900, outputTokens: 100, totalTokens: 1000, handedOffAtMs: Date.UTC(2026, 0, 2, 3, 43) }),
    );
    expect(row).toEqual({
      run_id: 7,
      issue_id: 'i-9',
      issue_identifier: 'MT-9',
      attempt: 2,
      runtime: 'codex',
      started_at: '2026-01-02T03:00:00.000Z',
      ended_at: '2026-01-02T03:42:00.000Z',
      duration_ms: 42 * MIN,
      outcome: 'stopped',
      reason: 'inactive',
      turns: 6,
      tokens: { input: 900, output: 100, total: 1000 },
      workflow_revision: REV_A,
      handed_off_at: '2026-01-02T03:43:00.000Z',
    });
    expect(runRow(run({ outcome: null, endedAtMs: null }))).toMatchObject({ ended_at: null, duration_ms: null, outcome: null, handed_off_at: null });
  });

  it('revisionRow maps a summary to snake_case with ISO times', () => {
    const [summary] = summarizeRevisions([run({ startedAtMs: Date.UTC(2026, 0, 2), handedOffAtMs: Date.UTC(2026, 0, 2) + 42 * MIN })]);
    expect(revisionRow(summary as RevisionSummary)).toEqual({
      revision: REV_A,
      revision_short: 'aaaaaaaaaaaa',
      first_seen_at: '2026-01-02T00:00:00.000Z',
      last_seen_at: '2026-01-02T00:00:00.000Z',
      runs: 1,
      ended_runs: 1,
      outcomes: { completed: 1, failed: 0, stopped: 0, blocked: 0, interrupted: 0 },
      succeeded: 1,
      judged_runs: 1,
      success_rate: 1,
      median_turns: 3,
      median_total_tokens: 120,
      median_time_to_handoff_ms: 42 * MIN,
      handoffs: 1,
    });
  });
});
