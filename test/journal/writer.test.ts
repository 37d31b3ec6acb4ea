/**
 * The journal writer against a real SQLite file, driven by the pure core (issue 9 item 1): what a
 * step decides is in the journal, and recovering from it gives back the claims.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { step } from '../../src/scheduler/core.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import { NO_BUDGETS, type SchedulerConfig } from '../../src/scheduler/policy.js';
import { initialState, type OrchestratorState } from '../../src/scheduler/state.js';
import { openJournal, type Journal } from '../../src/journal/store.js';
import { JournalWriter, USAGE_FLUSH_MS } from '../../src/journal/writer.js';
import { recover } from '../../src/journal/recover.js';
import { silentLogger } from '../../src/logging/logger.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { makeIssue } from '../support/issues.js';

const T0 = Date.UTC(2026, 11, 8, 9, 0, 0);
const config: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done'],
  requiredLabels: [],
  maxConcurrentAgents: 3,
  maxConcurrentAgentsByState: {},
  maxRetryBackoffMs: 300_000,
  stallTimeoutMs: 0,
  budgets: { ...NO_BUDGETS, maxTokensPerIssue: 500 },
};

const dirs: string[] = [];
const journals: Journal[] = [];
afterEach(() => {
  for (const journal of journals.splice(0)) journal.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openTemp(): Journal {
  const dir = mkdtempSync(path.join(tmpdir(), 'symphony-writer-'));
  dirs.push(dir);
  const journal = openJournal(path.join(dir, 'journal.db'));
  journals.push(journal);
  return journal;
}

/** The core plus the writer, as the orchestrator's apply step runs them. */
class Driver {
  state: OrchestratorState = initialState();
  readonly writer: JournalWriter;
  constructor(readonly journal: Journal) {
    this.writer = new JournalWriter(journal, silentLogger());
  }
  apply(event: SchedulerEvent, nowMs: number): void {
    const result = step(this.state, event, nowMs, config);
    this.writer.record({ previous: this.state, state: result.state, effects: result.effects, nowMs, workflowRevision: 'rev-1', event });
    this.state = result.state;
  }
}

const usage = (total: number): AgentEvent => ({ event: 'token_usage_updated', timestamp: new Date(T0), codexAppServerPid: 1, usage: { inputTokens: total, outputTokens: 0, totalTokens: total } });
const started = (thread: string): AgentEvent => ({ event: 'session_started', timestamp: new Date(T0), codexAppServerPid: 1, threadId: thread, sessionId: `${thread}-turn-1`, turnId: 'turn-1' });

describe('JournalWriter', () => {
  it('records claims, usage and runs as the core decides them; a hand-off marks the last run', () => {
    const driver = new Driver(openTemp());
    const a = makeIssue({ identifier: 'W-1' });
    driver.apply({ type: 'candidates_fetched', issues: [a] }, T0);
    driver.apply({ type: 'workspace_ready', issueId: a.id, workspacePath: '/ws/W-1' }, T0 + 1);
    driver.apply({ type: 'agent_event', issueId: a.id, event: started('th-1') }, T0 + 2);
    driver.apply({ type: 'agent_event', issueId: a.id, event: usage(120) }, T0 + 3);
    let snapshot = driver.journal.snapshot();
    expect(snapshot.claims).toEqual([expect.objectContaining({ issueId: a.id, kind: 'running', threadId: 'th-1', workspacePath: '/ws/W-1', issueState: 'Todo' })]);
    // Token rows alone wait up to USAGE_FLUSH_MS after the last write (the session's thread id at T0 + 2).
    expect(snapshot.usage).toEqual([]);
    driver.apply({ type: 'agent_event', issueId: a.id, event: usage(150) }, T0 + 400);
    expect(driver.journal.snapshot().usage).toEqual([]);
    driver.apply({ type: 'stall_check' }, T0 + 2 + USAGE_FLUSH_MS);
    snapshot = driver.journal.snapshot();
    expect(snapshot.usage).toEqual([expect.objectContaining({ issueId: a.id, totalTokens: 150, budgetTokens: 150, runtimeMs: 0 })]);
    expect(snapshot.days).toEqual([{ day: '2026-12-08', totalTokens: 150 }]);
    expect(snapshot.runs).toEqual([expect.objectContaining({ issueId: a.id, endedAtMs: null, workflowRevision: 'rev-1', runtime: 'codex' })]);

    driver.apply({ type: 'worker_exited', issueId: a.id, outcome: { kind: 'normal' } }, T0 + 10_000);
    snapshot = driver.journal.snapshot();
    expect(snapshot.claims).toEqual([expect.objectContaining({ kind: 'retrying', retry: expect.objectContaining({ cause: 'continuation', dueAtMs: T0 + 11_000 }) })]);
    expect(snapshot.runs[0]).toMatchObject({ outcome: 'completed', turns: 1, totalTokens: 150, endedAtMs: T0 + 10_000 });
    // A step that writes anything else takes the pending token rows along at once.
    expect(snapshot.usage[0]).toMatchObject({ totalTokens: 150, runtimeMs: 10_000 });

    driver.apply({ type: 'retry_due', issueId: a.id }, T0 + 11_000);
    driver.apply({ type: 'retry_refreshed', issueId: a.id, issue: { ...a, state: 'Human Review' } }, T0 + 11_001);
    snapshot = driver.journal.snapshot();
    expect(snapshot.claims).toEqual([]);
    expect(snapshot.runs[0]?.handedOffAtMs).toBe(T0 + 11_001);
  });

  it('claims are frozen at shutdown: the core releases everything, the journal keeps what a restart needs', () => {
    const driver = new Driver(openTemp());
    const a = makeIssue({ identifier: 'S-1' });
    const b = makeIssue({ identifier: 'S-2' });
    driver.apply({ type: 'candidates_fetched', issues: [a, b] }, T0);
    driver.apply({ type: 'agent_event', issueId: a.id, event: started('th-a') }, T0 + 1);
    driver.apply({ type: 'workspace_ready', issueId: a.id, workspacePath: '/ws/S-1' }, T0 + 2);
    driver.apply({ type: 'worker_exited', issueId: b.id, outcome: { kind: 'failed', error: 'boom' } }, T0 + 3);
    driver.apply({ type: 'shutdown' }, T0 + 4);
    driver.apply({ type: 'worker_exited', issueId: a.id, outcome: { kind: 'failed', error: 'canceled', code: 'canceled' } }, T0 + 5);
    expect(driver.state.claimed.size).toBe(0);
    const snapshot = driver.journal.snapshot();
    expect(snapshot.claims.map((c) => [c.identifier, c.kind])).toEqual([
      ['S-1', 'running'],
      ['S-2', 'retrying'],
    ]);
    expect(snapshot.runs.map((r) => r.outcome)).toEqual(['stopped', 'failed']);
    const recovered = recover(snapshot, T0 + 60_000, { canResume: (runtime) => runtime === 'codex' });
    expect(recovered.retryAttempts.get(a.id)?.resume).toEqual({ threadId: 'th-a', workspacePath: '/ws/S-1', waiting: null });
    expect(recovered.retryAttempts.get(b.id)).toMatchObject({ cause: 'worker_failed', dueAtMs: T0 + 3 + 10_000 });
  });

  it('a rolled-back step leaves no run id behind; the error is logged once, and the recovery once', () => {
    const journal = openTemp();
    let failClaims = true;
    const flaky: Journal = new Proxy(journal, {
      get(target, key, receiver) {
        if (key === 'putClaim' && failClaims) return () => {
          throw new Error('disk I/O error');
        };
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const records: LogRecord[] = [];
    const writer = new JournalWriter(flaky, captureLogger(records));
    let state = initialState();
    const apply = (event: SchedulerEvent, nowMs: number): void => {
      const result = step(state, event, nowMs, config);
      writer.record({ previous: state, state: result.state, effects: result.effects, nowMs, workflowRevision: 'rev-1', event });
      state = result.state;
    };
    const a = makeIssue({ identifier: 'F-1' });
    apply({ type: 'candidates_fetched', issues: [a] }, T0); // claim + run start: rolled back together
    apply({ type: 'workspace_ready', issueId: a.id, workspacePath: '/ws/F-1' }, T0 + 1); // fails again: logged once
    expect(journal.snapshot().runs).toEqual([]);
    failClaims = false;
    apply({ type: 'worker_exited', issueId: a.id, outcome: { kind: 'failed', error: 'boom' } }, T0 + 2);
    const snapshot = journal.snapshot();
    expect(snapshot.runs).toEqual([]); // no run row to end, and no error for the missing one
    expect(snapshot.claims).toEqual([expect.objectContaining({ issueId: a.id, kind: 'retrying' })]);
    expect(records.filter((r) => r.msg.startsWith('run journal write failed'))).toHaveLength(1);
    expect(records.filter((r) => r.msg === 'run journal writes succeed again')).toHaveLength(1);
  });

  it('a failing write is logged and the daemon goes on', () => {
    const journal = openTemp();
    const driver = new Driver(journal);
    journal.close();
    expect(() => driver.apply({ type: 'candidates_fetched', issues: [makeIssue()] }, T0)).not.toThrow();
    expect(driver.state.running.size).toBe(1);
  });

  it('property: after any sequence of steps, recovering from the journal gives back every claim with its kind and due time', () => {
    const ids = ['p-1', 'p-2', 'p-3', 'p-4'];
    const issues = ids.map((id) => makeIssue({ id, identifier: id.toUpperCase() }));
    type Make = () => SchedulerEvent;
    const slot = fc.integer({ min: 0, max: 3 });
    const exited = ([i, ok]: [number, boolean]): Make => () => ({ type: 'worker_exited', issueId: ids[i] ?? '', outcome: ok ? { kind: 'normal' } : { kind: 'failed', error: 'boom' } });
    const tokensOf = ([i, n]: [number, number]): Make => () => ({ type: 'agent_event', issueId: ids[i] ?? '', event: usage(n) });
    const due = (i: number): Make => () => ({ type: 'retry_due', issueId: ids[i] ?? '' });
    const reread = ([i, state]: [number, string]): Make => () => ({ type: 'retry_refreshed', issueId: ids[i] ?? '', issue: { ...issues[i]!, state } });
    const refresh = ([i, state]: [number, string]): Make => () => ({ type: 'running_refreshed', requestedIds: [ids[i] ?? ''], issues: [{ ...issues[i]!, state }] });
    const eventArb: fc.Arbitrary<Make> = fc.oneof(
      fc.constant((): SchedulerEvent => ({ type: 'candidates_fetched', issues })),
      fc.tuple(slot, fc.boolean()).map(exited),
      fc.tuple(slot, fc.integer({ min: 1, max: 700 })).map(tokensOf),
      slot.map(due),
      fc.tuple(slot, fc.constantFrom('Todo', 'Human Review', 'Done')).map(reread),
      fc.tuple(slot, fc.constantFrom('Todo', 'In Progress')).map(refresh),
    );
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), (events) => {
        const journal = openTemp();
        const driver = new Driver(journal);
        events.forEach((make, n) => driver.apply(make(), T0 + n * 100));
        driver.writer.close(); // a graceful stop writes the token rows still in memory
        const recovered = recover(journal.snapshot(), T0 + 10 ** 6, { canResume: () => false });
        expect(recovered.claimed).toEqual(driver.state.claimed);
        for (const [id, retry] of [...driver.state.retryAttempts, ...driver.state.retryFetches]) expect(recovered.retryAttempts.get(id)?.dueAtMs).toBe(retry.dueAtMs);
        for (const [id, blocked] of driver.state.blocked) expect(recovered.blocked.get(id)).toEqual(blocked);
        for (const id of driver.state.running.keys()) expect(recovered.retryAttempts.get(id)?.cause).toBe('restart');
        for (const [id, used] of driver.state.usage) expect(recovered.usage.get(id)?.totalTokens).toBe(used.totalTokens + (driver.state.running.get(id)?.codexTotalTokens ?? 0));
        journal.close();
      }),
      { numRuns: 60 },
    );
  });
});
