/**
 * The tracker adapter contract (spec §11.1, §11.3, §17.3), run against every adapter: the
 * in-memory fake and the Linear adapter over the fake Linear server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';

/** One issue to seed, in provider-neutral terms. */
export interface ContractSeed {
  readonly identifier: string;
  readonly state: string;
  readonly labels?: readonly string[];
  readonly priority?: number;
  readonly title?: string;
}

/** What each adapter's test file provides. */
export interface ContractHarness {
  readonly adapter: TrackerAdapter;
  /** Seeds issues in scope; returns identifier → dispatch id. */
  seed(issues: readonly ContractSeed[]): Promise<Map<string, string>>;
  /** Provider requests made so far. */
  requestCount(): number;
  close(): Promise<void>;
}

const ISSUE_KEYS = [
  'assigneeId', 'blockedBy', 'branchName', 'createdAt', 'description', 'dispatchable', 'id', 'identifier',
  'labels', 'nativeRef', 'priority', 'state', 'title', 'updatedAt', 'url',
].sort();

/** Asserts the §4.1.1 / §11.3 shape of a normalized issue. */
export function expectNormalized(issue: Issue): void {
  expect(Object.keys(issue).sort()).toEqual(ISSUE_KEYS);
  for (const key of ['id', 'identifier', 'title', 'state'] as const) {
    expect(typeof issue[key]).toBe('string');
    expect(issue[key].trim()).not.toBe('');
  }
  expect(typeof issue.dispatchable).toBe('boolean');
  expect(issue.priority === null || Number.isInteger(issue.priority)).toBe(true);
  for (const label of issue.labels) expect(label).toBe(label.trim().toLowerCase());
  expect(new Set(issue.labels).size).toBe(issue.labels.length);
  expect(issue.labels).not.toContain('');
  for (const stamp of [issue.createdAt, issue.updatedAt]) expect(stamp === null || stamp instanceof Date).toBe(true);
  if (issue.nativeRef !== null) expect(JSON.parse(JSON.stringify(issue.nativeRef))).toEqual(issue.nativeRef);
  for (const blocker of issue.blockedBy) expect(Object.keys(blocker).sort()).toEqual(['id', 'identifier', 'state']);
}

/** Registers the shared contract cases for one adapter. */
export function describeTrackerContract(name: string, start: () => Promise<ContractHarness>): void {
  describe(`tracker contract: ${name}`, () => {
    let h: ContractHarness;
    beforeEach(async () => {
      h = await start();
    });
    afterEach(async () => {
      await h.close();
    });

    it('§17.3 Empty fetch_issues_by_states([]) returns empty without a provider call', async () => {
      await h.seed([{ identifier: 'SYM-1', state: 'Todo' }]);
      const before = h.requestCount();
      await expect(h.adapter.fetchIssuesByStates([])).resolves.toEqual([]);
      expect(h.requestCount()).toBe(before);
    });

    it('§17.3 Empty fetch_issues_by_ids([]) returns empty without a provider call', async () => {
      await h.seed([{ identifier: 'SYM-1', state: 'Todo' }]);
      const before = h.requestCount();
      await expect(h.adapter.fetchIssuesByIds([])).resolves.toEqual([]);
      expect(h.requestCount()).toBe(before);
    });

    it('§17.3 Candidate issue fetch applies configured active states', async () => {
      await h.seed([
        { identifier: 'SYM-1', state: 'Todo' },
        { identifier: 'SYM-2', state: 'Done' },
        { identifier: 'SYM-3', state: 'In Progress' },
        { identifier: 'SYM-4', state: 'Backlog' },
      ]);
      const issues = await h.adapter.fetchIssuesByStates(['Todo', 'In Progress']);
      expect(issues.map((i) => i.identifier)).toEqual(['SYM-1', 'SYM-3']);
      const terminal = await h.adapter.fetchIssuesByStates(['Done']);
      expect(terminal.map((i) => i.identifier)).toEqual(['SYM-2']);
    });

    it('§17.3 fetch_issues_by_ids omits unknown ids and treats input ids as a set', async () => {
      const ids = await h.seed([
        { identifier: 'SYM-1', state: 'Todo' },
        { identifier: 'SYM-2', state: 'Done' },
      ]);
      const id1 = ids.get('SYM-1')!;
      const id2 = ids.get('SYM-2')!;
      const issues = await h.adapter.fetchIssuesByIds([id1, 'no-such-issue', id2, id1]);
      expect(issues.map((i) => i.id).sort()).toEqual([id1, id2].sort());
    });

    it('§17.3 Refresh by opaque dispatch ID returns full normalized issue snapshots', async () => {
      const ids = await h.seed([{ identifier: 'SYM-7', state: 'In Progress', labels: [' Bug ', 'BUG', 'Backend'], priority: 2, title: 'Fix it' }]);
      const [issue] = await h.adapter.fetchIssuesByIds([ids.get('SYM-7')!]);
      expect(issue).toBeDefined();
      expectNormalized(issue!);
      expect(issue).toMatchObject({ identifier: 'SYM-7', title: 'Fix it', state: 'In Progress', priority: 2, labels: ['bug', 'backend'] });
    });

    it('§17.3 state reads return fully normalized snapshots, non-dispatchable ones included', async () => {
      await h.seed([
        { identifier: 'SYM-1', state: 'Todo', labels: ['UI'] },
        { identifier: 'SYM-2', state: 'Todo' },
      ]);
      const issues = await h.adapter.fetchIssuesByStates(['Todo']);
      expect(issues).toHaveLength(2);
      issues.forEach(expectNormalized);
    });
  });
}
