import { describe, expect, it } from 'vitest';
import {
  extractBlockers,
  normalizeLabels,
  normalizeLinearIssue,
  parsePriority,
  parseTimestamp,
  type NormalizeContext,
} from '../../src/tracker/linear/normalize.js';
import { DEFAULT_RATE_LIMIT_WAIT_MS, RateLimitGate, rateLimitWaitMs } from '../../src/tracker/linear/rate-limit.js';
import { nextCursor } from '../../src/tracker/linear/reads.js';
import { expectNormalized } from './contract.js';

const context: NormalizeContext = { terminalStates: ['Done', 'Canceled'], assigneeId: null };
const node = (overrides: Record<string, unknown> = {}) => ({
  id: 'uuid-1',
  identifier: 'SYM-1',
  title: 'Title',
  description: 'Desc',
  priority: 3,
  branchName: 'b',
  url: 'https://linear.app/x',
  createdAt: '2024-01-02T03:04:05.678Z',
  updatedAt: '2024-01-02T03:04:05Z',
  state: { name: 'Todo' },
  assignee: { id: 'user-1' },
  team: { id: 'team-1', key: 'SYM' },
  labels: { nodes: [{ name: 'A' }] },
  inverseRelations: { nodes: [] },
  ...overrides,
});
const blockedBy = (state: string | null) => ({ inverseRelations: { nodes: [{ type: 'blocks', issue: { id: 'b', identifier: 'SYM-0', state: state === null ? null : { name: state } } }] } });
const normalize = (overrides: Record<string, unknown> = {}, ctx: NormalizeContext = context) => {
  const result = normalizeLinearIssue(node(overrides), ctx);
  if (!result.ok) throw new Error(result.reason);
  return result.issue;
};

describe('linear normalization (spec §11.3)', () => {
  it('produces every §4.1.1 field with the right types', () => {
    const issue = normalize();
    expectNormalized(issue);
    expect(issue).toEqual({
      id: 'uuid-1', nativeRef: { linear_issue_id: 'uuid-1', team_id: 'team-1', team_key: 'SYM' }, identifier: 'SYM-1', title: 'Title',
      description: 'Desc', priority: 3, state: 'Todo', branchName: 'b', url: 'https://linear.app/x', assigneeId: 'user-1',
      labels: ['a'], blockedBy: [], dispatchable: true,
      createdAt: new Date('2024-01-02T03:04:05.678Z'), updatedAt: new Date('2024-01-02T03:04:05Z'),
    });
  });

  it('missing or blank required fields make the record malformed (with its id when readable)', () => {
    expect(normalizeLinearIssue(node({ title: '' }), context)).toEqual({ ok: false, id: 'uuid-1', reason: 'missing or blank title' });
    expect(normalizeLinearIssue(node({ state: null, identifier: 7 }), context)).toEqual({ ok: false, id: 'uuid-1', reason: 'missing or blank identifier, state.name' });
    expect(normalizeLinearIssue(node({ id: ' ' }), context)).toMatchObject({ ok: false, id: null });
    expect(normalizeLinearIssue('nope', context)).toMatchObject({ ok: false, id: null });
  });

  it('optional fields fall back to null / [] / no native team ids', () => {
    const issue = normalize({ description: 5, priority: '1', branchName: null, url: ' ', assignee: null, team: null, labels: null, inverseRelations: 'x', createdAt: 17, updatedAt: null });
    expect(issue).toMatchObject({ description: null, priority: null, branchName: null, url: null, assigneeId: null, labels: [], blockedBy: [], createdAt: null, updatedAt: null });
    expect(issue.nativeRef).toEqual({ linear_issue_id: 'uuid-1' });
  });

  it('labels: trimmed, lowercased, blanks and non-strings dropped, de-duplicated', () => {
    expect(normalizeLabels({ nodes: [{ name: ' Bug ' }, { name: 'BUG' }, { name: '' }, { name: 3 }, null, { name: 'Ops' }] })).toEqual(['bug', 'ops']);
    expect(normalizeLabels(undefined)).toEqual([]);
  });

  it('priority: integers kept (0 = no priority stays 0), fractions and non-numbers → null', () => {
    expect([0, 1, 4, 2.5, Number.NaN, '2', null].map(parsePriority)).toEqual([0, 1, 4, null, null, null, null]);
  });

  it('timestamps: RFC 3339 only', () => {
    expect(parseTimestamp('2024-03-01T10:00:00+01:00')?.toISOString()).toBe('2024-03-01T09:00:00.000Z');
    expect(parseTimestamp('2024-03-01t10:00:00z')?.toISOString()).toBe('2024-03-01T10:00:00.000Z');
    expect(parseTimestamp('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    for (const bad of ['2024-03-01', 'yesterday', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T10:00:00Z', '2024-04-01T24:30:00Z', '1700000000', 1700000000, null]) expect(parseTimestamp(bad)).toBeNull();
  });

  it('blockers: inverse relations of type blocks only, the other issue being the blocker', () => {
    const blockers = extractBlockers({
      nodes: [
        { type: ' Blocks ', issue: { id: 'x', identifier: 'SYM-9', state: { name: 'In Progress' } } },
        { type: 'related', issue: { id: 'y', identifier: 'SYM-8', state: { name: 'Todo' } } },
        { type: 'blocks', issue: null },
        { type: 'blocks', issue: { id: '', identifier: null } },
      ],
    });
    expect(blockers).toEqual([
      { id: 'x', identifier: 'SYM-9', state: 'In Progress' },
      { id: null, identifier: null, state: null },
    ]);
  });

  it('dispatchable: Todo with a non-terminal or unknown-state blocker is not dispatchable', () => {
    expect(normalize(blockedBy('In Progress')).dispatchable).toBe(false);
    expect(normalize(blockedBy(null)).dispatchable).toBe(false);
    expect(normalize(blockedBy(' done ')).dispatchable).toBe(true);
    expect(normalize({ ...blockedBy('In Progress'), state: { name: ' TODO ' } }).dispatchable).toBe(false);
    expect(normalize({ ...blockedBy('In Progress'), state: { name: 'In Progress' } }).dispatchable).toBe(true);
  });

  it('dispatchable: a configured assignee must match the issue assignee id', () => {
    expect(normalize({}, { ...context, assigneeId: 'user-1' }).dispatchable).toBe(true);
    expect(normalize({}, { ...context, assigneeId: 'user-2' }).dispatchable).toBe(false);
    expect(normalize({ assignee: null }, { ...context, assigneeId: 'user-1' }).dispatchable).toBe(false);
  });
});

describe('linear rate-limit hints and pagination integrity', () => {
  const now = Date.parse('2025-06-01T00:00:00Z');
  const headers = (init: Record<string, string>) => new Headers(init);

  it('Retry-After seconds, HTTP date, reset epochs, default', () => {
    expect(rateLimitWaitMs(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(rateLimitWaitMs(headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(rateLimitWaitMs(headers({ 'retry-after': new Date(now + 7000).toUTCString() }), now)).toBe(7000);
    expect(rateLimitWaitMs(headers({ 'retry-after': new Date(now - 7000).toUTCString() }), now)).toBe(0);
    expect(rateLimitWaitMs(headers({ 'x-ratelimit-requests-reset': String(now + 900) }), now)).toBe(900);
    expect(rateLimitWaitMs(headers({ 'x-ratelimit-requests-reset': String(now + 900), 'x-ratelimit-complexity-reset': String(now + 1200) }), now)).toBe(1200);
    expect(rateLimitWaitMs(headers({ 'retry-after': 'soon' }), now)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
    expect(rateLimitWaitMs(headers({}), now)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
  });

  it('the gate fails fast while open and keeps the later window', () => {
    let clock = now;
    const gate = new RateLimitGate(() => clock);
    expect(() => gate.check('Op')).not.toThrow();
    gate.block(1000);
    gate.block(100);
    clock += 400;
    expect(() => gate.check('Op')).toThrow(expect.objectContaining({ code: 'tracker_rate_limited', details: { retry_after_ms: 600, operation: 'Op' } }));
    clock += 600;
    expect(gate.remainingMs()).toBe(0);
    expect(() => gate.check('Op')).not.toThrow();
  });

  it('nextCursor: last page, next page, and tracker_pagination failures', () => {
    expect(nextCursor({ hasNextPage: false, endCursor: null }, null, 1)).toBeNull();
    expect(nextCursor({ hasNextPage: true, endCursor: 'c2' }, 'c1', 2)).toBe('c2');
    for (const [info, previous] of [[{ hasNextPage: true, endCursor: '' }, null], [{ hasNextPage: true }, null], [{ hasNextPage: true, endCursor: 'c1' }, 'c1'], [undefined, null], [{ hasNextPage: 'yes' }, null]] as const) {
      expect(() => nextCursor(info, previous, 3)).toThrow(expect.objectContaining({ code: 'tracker_pagination' }));
    }
  });
});
