/**
 * Choosing the runtime (issue 8 item 1): `agent.runtime` (default codex), the per-issue
 * `runtime:<kind>` label, an unknown kind kept out of dispatch with its reason in the API, and the
 * registry matching the supported kinds.
 */
import { describe, expect, it } from 'vitest';
import { buildServiceConfig } from '../../src/config/build.js';
import { RUNTIME_KINDS } from '../../src/runner/kinds.js';
import { runtimeProfiles } from '../../src/runner/registry.js';
import { step } from '../../src/scheduler/core.js';
import { runtimeForIssue, type SchedulerConfig } from '../../src/scheduler/policy.js';
import { snapshotState } from '../../src/scheduler/snapshot.js';
import { initialState } from '../../src/scheduler/state.js';
import { skippedCandidates } from '../../src/status/skipped.js';
import { stubProfiles } from '../config/support.js';
import { makeIssue } from '../support/issues.js';

const scheduler: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done'],
  requiredLabels: [],
  maxConcurrentAgents: 10,
  maxConcurrentAgentsByState: {},
  maxRetryBackoffMs: 300_000,
  stallTimeoutMs: 300_000,
  defaultRuntime: 'codex',
};

describe('agent.runtime', () => {
  const build = (agent: Record<string, unknown>) =>
    buildServiceConfig({ tracker: { kind: 'stub', provider: { api_key: 'k' } }, agent }, { workflowPath: '/w/WORKFLOW.md', env: {}, profiles: stubProfiles });

  it('defaults to codex; a supported kind is accepted in any case', () => {
    expect(build({}).config?.agent.runtime).toBe('codex');
    expect(build({ runtime: ' Codex ' }).config?.agent.runtime).toBe('codex');
  });

  it('an unsupported kind is one error naming the key, the value and the supported kinds', () => {
    const result = build({ runtime: 'cursor' });
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([{ code: 'unsupported_runtime_kind', keyPath: 'agent.runtime', message: `agent.runtime "cursor" is not supported (supported: ${RUNTIME_KINDS.join(', ')})` }]);
  });

  it('the registry holds exactly one profile per supported kind', () => {
    expect([...runtimeProfiles.keys()]).toEqual([...RUNTIME_KINDS]);
    for (const [kind, profile] of runtimeProfiles) expect(profile.kind).toBe(kind);
  });
});

describe('the runtime:<kind> label', () => {
  it('picks the runtime case-insensitively; no label means agent.runtime', () => {
    expect(runtimeForIssue({ labels: [] })).toEqual({ ok: true, kind: 'codex', source: 'default' });
    expect(runtimeForIssue({ labels: ['bug', 'Runtime:CODEX'] })).toEqual({ ok: true, kind: 'codex', source: 'label' });
  });

  it('an unknown kind, or labels that disagree, give a one-line reason', () => {
    expect(runtimeForIssue({ labels: ['runtime:gpt-9'] })).toEqual({ ok: false, reason: `label runtime:gpt-9 names no runtime of this build (supported: ${RUNTIME_KINDS.join(', ')})` });
    expect(runtimeForIssue({ labels: ['runtime:codex', 'runtime:gpt-9'] })).toMatchObject({ ok: false, reason: expect.stringContaining('name different runtimes') });
  });

  it('the core does not dispatch an issue with an unknown runtime label, and dispatches the others on their runtime', () => {
    const bad = makeIssue({ identifier: 'RT-1', labels: ['runtime:gpt-9'] });
    const good = makeIssue({ identifier: 'RT-2', labels: ['runtime:codex'] });
    const r = step(initialState(), { type: 'candidates_fetched', issues: [bad, good] }, 1_000, scheduler);
    const started = r.effects.filter((e) => e.type === 'start_worker').map((e) => (e.type === 'start_worker' ? e.issue.identifier : ''));
    expect(started).toEqual(['RT-2']);
    expect(r.state.claimed.has(bad.id)).toBe(false);
    expect(snapshotState(r.state, 2_000).running[0]).toMatchObject({ issue_identifier: 'RT-2', runtime: 'codex' });
  });

  it('a due retry whose issue got an unknown runtime label is released, not dispatched', () => {
    const issue = makeIssue({ identifier: 'RT-3' });
    let s = step(initialState(), { type: 'candidates_fetched', issues: [issue] }, 0, scheduler).state;
    s = step(s, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'boom' } }, 1, scheduler).state;
    s = step(s, { type: 'retry_due', issueId: issue.id }, 20_000, scheduler).state;
    const r = step(s, { type: 'retry_refreshed', issueId: issue.id, issue: { ...issue, labels: ['runtime:gpt-9'] } }, 20_001, scheduler);
    expect(r.state.claimed.has(issue.id)).toBe(false);
    expect(r.effects.some((e) => e.type === 'start_worker')).toBe(false);
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'log', message: 'claim released', fields: expect.objectContaining({ reason: expect.stringContaining('runtime:gpt-9') }) }));
  });

  it('the API lists such candidates as skipped with the reason, keeping since while the reason stands', () => {
    const bad = makeIssue({ identifier: 'RT-1', labels: ['runtime:gpt-9'], state: 'Todo' });
    const inactive = makeIssue({ identifier: 'RT-4', labels: ['runtime:gpt-9'], state: 'Done' });
    const first = skippedCandidates([bad, inactive, makeIssue({ identifier: 'RT-2' })], scheduler, [], Date.UTC(2026, 0, 1));
    expect(first).toEqual([
      { issue_id: bad.id, issue_identifier: 'RT-1', issue_url: bad.url, state: 'Todo', reason: `label runtime:gpt-9 names no runtime of this build (supported: ${RUNTIME_KINDS.join(', ')})`, since: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(skippedCandidates([bad], scheduler, first, Date.UTC(2026, 0, 2))[0]?.since).toBe('2026-01-01T00:00:00.000Z');
    expect(skippedCandidates([{ ...bad, labels: [] }], scheduler, first, Date.UTC(2026, 0, 2))).toEqual([]);
  });
});
