/**
 * The in-memory tracker of test support (`test/support/memory-tracker.ts`): the §11 contract, its
 * store helpers, its `memory` profile, and the test registry that carries it (production refuses it).
 */
import { describe, expect, it } from 'vitest';
import { effectiveWorkflowFromText } from '../../src/config/load.js';
import { isSymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { trackerCache } from '../../src/service/tracker-cache.js';
import { linearTrackerProfile } from '../../src/tracker/linear/profile.js';
import { trackerProfiles } from '../../src/tracker/registry.js';
import { MemoryTracker, memoryIssue, memoryTrackerFor, memoryTrackerProfile, resetMemoryTrackers } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { describeTrackerContract } from './contract.js';

describeTrackerContract('memory', () => {
  const tracker = new MemoryTracker();
  return Promise.resolve({
    adapter: tracker,
    seed: (issues) => {
      const ids = new Map<string, string>();
      for (const seed of issues) {
        const issue = tracker.upsertIssue({ id: `mem-${seed.identifier}`, ...seed });
        ids.set(seed.identifier, issue.id);
      }
      return Promise.resolve(ids);
    },
    requestCount: () => tracker.providerRequests,
    close: () => Promise.resolve(),
  });
});

describe('memory tracker', () => {
  const issue = memoryIssue({ identifier: 'SYM-1' });

  it('fills defaults and normalizes labels', () => {
    expect(memoryIssue({ identifier: 'A-1', labels: [' Bug', 'bug', '', 'UI '] })).toMatchObject({
      id: 'A-1',
      title: 'A-1',
      state: 'Todo',
      labels: ['bug', 'ui'],
      dispatchable: true,
      blockedBy: [],
      priority: null,
    });
  });

  it('upserts, removes and records calls', async () => {
    const tracker = new MemoryTracker({ issues: [{ identifier: 'A-1' }, { identifier: 'A-2', state: 'Done' }] });
    tracker.upsertIssue({ identifier: 'A-1', state: 'In Progress' });
    expect(tracker.removeIssue('A-2')).toBe(true);
    expect(tracker.removeIssue('A-2')).toBe(false);
    const found = await tracker.fetchIssuesByStates([' in progress ']);
    expect(found.map((i) => i.identifier)).toEqual(['A-1']);
    await tracker.fetchIssuesByIds(['A-2']);
    expect(tracker.calls).toEqual([
      { method: 'fetchIssuesByStates', stateNames: [' in progress '] },
      { method: 'fetchIssuesByIds', ids: ['A-2'] },
    ]);
  });

  it('failNext(code) rejects the next store-reaching reads with that category', async () => {
    const tracker = new MemoryTracker({ issues: [{ identifier: 'A-1' }] });
    tracker.failNext('tracker_status', undefined, 2);
    await expect(tracker.fetchIssuesByStates([])).resolves.toEqual([]);
    const first = await tracker.fetchIssuesByStates(['Todo']).catch((e: unknown) => e);
    expect(isSymphonyError(first, 'tracker_status')).toBe(true);
    await expect(tracker.fetchIssuesByIds(['A-1'])).rejects.toMatchObject({ code: 'tracker_status' });
    await expect(tracker.fetchIssuesByIds(['A-1'])).resolves.toHaveLength(1);
  });

  it('an aborted signal fails the read with tracker_request', async () => {
    const tracker = new MemoryTracker({ issues: [{ identifier: 'A-1' }] });
    await expect(tracker.fetchIssuesByStates(['Todo'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'tracker_request' });
  });

  it('advertises no tools by default; unknown tools fail naming the tool', async () => {
    const tracker = new MemoryTracker();
    expect(tracker.agentToolSpecs()).toEqual([]);
    expect(tracker.secretEnvironmentNames()).toEqual([]);
    const result = await tracker.executeAgentTool('nope', {}, { issue });
    expect(result.success).toBe(false);
    expect(result.text).toContain('"nope"');
  });

  it('runs configured tools through the handler', async () => {
    const tracker = new MemoryTracker({
      tools: [{ name: 'echo', description: 'echo', inputSchema: { type: 'object' } }],
      toolHandler: (_name, args, context) => ({ success: true, text: JSON.stringify({ args, issue: context.issue.identifier }) }),
    });
    await expect(tracker.executeAgentTool('echo', { a: 1 }, { issue })).resolves.toEqual({
      success: true,
      text: '{"args":{"a":1},"issue":"SYM-1"}',
    });
    expect(tracker.calls.at(-1)).toEqual({ method: 'executeAgentTool', name: 'echo', args: { a: 1 }, issueId: 'SYM-1' });
  });

  it('the memory profile (test-only) returns the named store from create', () => {
    resetMemoryTrackers();
    const validation = memoryTrackerProfile.validate({}, {});
    expect(validation.errors).toEqual([]);
    expect(validation.settings).toEqual({ store: 'default' });
    const named = memoryTrackerProfile.validate({ store: 'e2e' }, {});
    const adapter = memoryTrackerProfile.create(named.settings!, { activeStates: [], terminalStates: [] }, { logger: silentLogger() });
    expect(adapter).toBe(memoryTrackerFor('e2e'));
    expect(adapter.kind).toBe('memory');
    expect(memoryTrackerProfile.validate({ store: 3 }, {}).errors[0]?.message).toBe('tracker.provider.store must be a non-empty string');
    expect(memoryTrackerProfile.secretEnvironmentNames(named.settings!)).toEqual([]);
    resetMemoryTrackers();
  });
});

describe('the test tracker registry', () => {
  const file = '/nonexistent/memory-registry/WORKFLOW.md';
  const text = '---\ntracker:\n  kind: memory\n  provider:\n    store: registry\n---\nWork on {{ issue.identifier }}.\n';

  it('holds the production profiles (the same objects, first) and then memory', () => {
    expect([...testTrackerProfiles.keys()]).toEqual([...trackerProfiles.keys(), 'memory']);
    for (const [kind, profile] of trackerProfiles) expect(testTrackerProfiles.get(kind)).toBe(profile);
    expect(testTrackerProfiles.get('linear')).toBe(linearTrackerProfile);
    expect(testTrackerProfiles.get('memory')).toBe(memoryTrackerProfile);
  });

  it('a kind: memory workflow loads through it and its adapter is the named store; the production registry refuses it', () => {
    resetMemoryTrackers();
    const workflow = effectiveWorkflowFromText(text, file, { env: {}, profiles: testTrackerProfiles, tmpDir: '/tmp' });
    expect(workflow.config.tracker).toMatchObject({ kind: 'memory', settings: { store: 'registry' }, activeStates: ['Todo', 'In Progress'] });
    expect(trackerCache(testTrackerProfiles, silentLogger())(workflow.config)).toBe(memoryTrackerFor('registry'));
    expect(() => trackerCache(trackerProfiles, silentLogger())(workflow.config)).toThrow(expect.objectContaining({ code: 'unsupported_tracker_kind' }));
    expect(() => effectiveWorkflowFromText(text, file, { env: {}, profiles: trackerProfiles, tmpDir: '/tmp' })).toThrow(
      expect.objectContaining({ code: 'unsupported_tracker_kind', message: `${file}: tracker.kind "memory" is not supported (supported: linear)` }),
    );
    resetMemoryTrackers();
  });
});
