/**
 * Recovery on start (issue 9 item 2), pure: the journal snapshot → the state a restarted daemon
 * begins with. Property: no claim is lost and no issue is both blocked and retrying.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recover, RESTART_REASON, RESUME_REASON } from '../../src/journal/recover.js';
import type { JournalClaim, JournalSnapshot } from '../../src/journal/types.js';

const NOW = Date.UTC(2026, 11, 8, 2, 0, 0);
const canResume = (runtime: string): boolean => runtime === 'codex' || runtime === 'claude';

function claim(over: Partial<JournalClaim> & Pick<JournalClaim, 'issueId' | 'kind'>): JournalClaim {
  return {
    identifier: over.issueId.toUpperCase(),
    issueUrl: null,
    issueState: null,
    runtime: 'codex',
    attempt: null,
    sessionId: null,
    threadId: null,
    workspacePath: null,
    startedAtMs: null,
    waiting: null,
    retry: null,
    blocked: null,
    updatedAtMs: NOW - 1000,
    ...over,
  };
}

const snapshot = (claims: JournalClaim[]): JournalSnapshot => ({ claims, usage: [], days: [], runs: [] });

describe('recover', () => {
  it('a retry keeps its original due time, cause and attempt', () => {
    const retry = { attempt: 3, dueAtMs: NOW + 20_000, error: 'worker exited: boom', errorCode: 'turn_failed', kind: 'failure' as const, cause: 'worker_failed' };
    const state = recover(snapshot([claim({ issueId: 'a-1', kind: 'retrying', retry })]), NOW, { canResume });
    expect(state.retryAttempts.get('a-1')).toEqual({ issueId: 'a-1', identifier: 'A-1', attempt: 3, dueAtMs: NOW + 20_000, error: 'worker exited: boom', errorCode: 'turn_failed', kind: 'failure', cause: 'worker_failed', issueUrl: null });
    expect(state.claimed.has('a-1')).toBe(true);
  });

  it('a blocked issue stays blocked with its state, reason and workspace', () => {
    const state = recover(snapshot([claim({ issueId: 'b-1', kind: 'blocked', workspacePath: '/ws/B-1', blocked: { state: 'In Progress', reason: 'token budget exceeded', sinceMs: NOW - 60_000, cause: 'budget_exceeded' } })]), NOW, { canResume });
    expect(state.blocked.get('b-1')).toEqual({ issueId: 'b-1', identifier: 'B-1', issueUrl: null, state: 'In Progress', reason: 'token budget exceeded', sinceMs: NOW - 60_000, workspacePath: '/ws/B-1', cause: 'budget_exceeded' });
  });

  it('a live run is resumed on its thread when the runtime can; otherwise it is a restart retry due now, next attempt', () => {
    const live = claim({ issueId: 'c-1', kind: 'running', runtime: 'codex', threadId: 'th-9', workspacePath: '/ws/C-1', attempt: 2, startedAtMs: NOW - 5000 });
    const acp = claim({ issueId: 'c-2', kind: 'running', runtime: 'acp', threadId: 'sess-1', workspacePath: '/ws/C-2', attempt: null });
    const noThread = claim({ issueId: 'c-3', kind: 'running', runtime: 'codex', threadId: null, workspacePath: '/ws/C-3', attempt: 1 });
    const state = recover(snapshot([live, acp, noThread]), NOW, { canResume });
    expect(state.retryAttempts.get('c-1')).toMatchObject({ attempt: 2, dueAtMs: NOW, cause: 'restart', error: RESUME_REASON, resume: { threadId: 'th-9', workspacePath: '/ws/C-1', waiting: null } });
    expect(state.retryAttempts.get('c-2')).toMatchObject({ attempt: 1, dueAtMs: NOW, cause: 'restart', kind: 'failure', error: RESTART_REASON });
    expect(state.retryAttempts.get('c-2')?.resume).toBeUndefined();
    expect(state.retryAttempts.get('c-3')).toMatchObject({ attempt: 2, dueAtMs: NOW, cause: 'restart' });
  });

  it('a waiting run resumes with its request, or is blocked in its state when it cannot resume; an undispatched restart retry stays resumable', () => {
    const waiting = claim({ issueId: 'w-1', kind: 'waiting', runtime: 'claude', threadId: 'sess-7', workspacePath: '/ws/W-1', waiting: 'command approval: npm publish', issueState: 'In Progress' });
    const stuck = claim({ issueId: 'w-2', kind: 'waiting', runtime: 'acp', threadId: 'sess-8', workspacePath: '/ws/W-2', waiting: 'user input: which branch?', issueState: 'In Progress' });
    const pending = claim({
      issueId: 'w-3',
      kind: 'retrying',
      threadId: 'th-3',
      workspacePath: '/ws/W-3',
      retry: { attempt: 1, dueAtMs: NOW - 10, error: RESUME_REASON, errorCode: null, kind: 'failure', cause: 'restart' },
    });
    const state = recover(snapshot([waiting, stuck, pending]), NOW, { canResume });
    expect(state.retryAttempts.get('w-1')?.resume).toEqual({ threadId: 'sess-7', workspacePath: '/ws/W-1', waiting: 'command approval: npm publish' });
    expect(state.blocked.get('w-2')).toMatchObject({ state: 'In Progress', cause: 'operator', workspacePath: '/ws/W-2' });
    expect(state.blocked.get('w-2')?.reason).toContain('user input: which branch?');
    expect(state.retryAttempts.get('w-3')).toMatchObject({ dueAtMs: NOW - 10, resume: { threadId: 'th-3', workspacePath: '/ws/W-3' } });
  });

  it('incomplete records are never dropped; the latest row of an issue wins; tokens carry over', () => {
    const state = recover(
      {
        claims: [
          claim({ issueId: 'd-1', kind: 'retrying', retry: null }),
          claim({ issueId: 'd-2', kind: 'blocked', blocked: null }),
          claim({ issueId: 'd-3', kind: 'running', updatedAtMs: NOW - 10 }),
          claim({ issueId: 'd-3', kind: 'blocked', updatedAtMs: NOW - 5, blocked: { state: 'Todo', reason: 'x', sinceMs: NOW - 5, cause: 'operator' } }),
        ],
        usage: [{ issueId: 'd-1', inputTokens: 10, outputTokens: 2, totalTokens: 12, runtimeMs: 900, budgetTokens: 12, budgetRuntimeMs: 900 }],
        days: [{ day: '2026-12-07', totalTokens: 5 }, { day: '2026-12-08', totalTokens: 40 }],
        runs: [],
      },
      NOW,
      { canResume },
    );
    expect([...state.claimed].sort()).toEqual(['d-1', 'd-2', 'd-3']);
    expect(state.retryAttempts.get('d-1')).toMatchObject({ cause: 'restart', dueAtMs: NOW });
    expect(state.retryAttempts.get('d-2')).toMatchObject({ cause: 'restart' });
    expect(state.blocked.get('d-3')).toMatchObject({ state: 'Todo' });
    expect(state.usage.get('d-1')).toEqual({ inputTokens: 10, outputTokens: 2, totalTokens: 12, runtimeMs: 900, budgetTokens: 12, budgetRuntimeMs: 900 });
    expect(state.dayUsage).toEqual({ day: '2026-12-08', totalTokens: 40 });
  });

  it('property: every claim lands in exactly one of retrying and blocked; none is lost; no retry is brought forward', () => {
    const retryArb = fc.record({
      attempt: fc.integer({ min: 1, max: 9 }),
      dueAtMs: fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }),
      error: fc.option(fc.string(), { nil: null }),
      errorCode: fc.option(fc.constantFrom('turn_failed', 'port_exit'), { nil: null }),
      kind: fc.constantFrom('continuation' as const, 'failure' as const),
      cause: fc.constantFrom('continuation', 'stalled', 'worker_failed', 'no_slots', 'refresh_failed', 'restart', 'bogus'),
    });
    const claimArb = fc.record({
      issueId: fc.constantFrom('i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6'),
      kind: fc.constantFrom('running' as const, 'waiting' as const, 'retrying' as const, 'blocked' as const),
      issueState: fc.option(fc.constant('In Progress'), { nil: null }),
      waiting: fc.option(fc.constant('command approval: ls'), { nil: null }),
      runtime: fc.constantFrom('codex', 'claude', 'acp'),
      attempt: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
      threadId: fc.option(fc.constant('th'), { nil: null }),
      workspacePath: fc.option(fc.constant('/ws/x'), { nil: null }),
      retry: fc.option(retryArb, { nil: null }),
      blocked: fc.option(fc.record({ state: fc.constant('Todo'), reason: fc.string(), sinceMs: fc.integer({ min: 0, max: NOW }), cause: fc.constantFrom('operator', 'budget_exceeded', 'no_progress', 'bogus') }), { nil: null }),
      updatedAtMs: fc.integer({ min: NOW - 1000, max: NOW }),
    });
    fc.assert(
      fc.property(fc.array(claimArb, { maxLength: 12 }), (raw) => {
        const claims = raw.map((c) => claim(c));
        const state = recover(snapshot(claims), NOW, { canResume });
        const ids = new Set(claims.map((c) => c.issueId));
        expect(state.claimed).toEqual(ids);
        for (const id of ids) {
          const places = [state.retryAttempts.has(id), state.blocked.has(id)].filter(Boolean).length;
          expect(places).toBe(1);
        }
        for (const retry of state.retryAttempts.values()) if (retry.resume !== undefined) expect(retry.cause).toBe('restart');
        for (const [id, retry] of state.retryAttempts) {
          const source = claims.filter((c) => c.issueId === id).sort((a, b) => a.updatedAtMs - b.updatedAtMs).at(-1)!;
          if (source.kind === 'retrying' && source.retry !== null) expect(retry.dueAtMs).toBe(source.retry.dueAtMs);
          else expect(retry.dueAtMs).toBe(NOW);
        }
      }),
      { numRuns: 300 },
    );
  });
});
