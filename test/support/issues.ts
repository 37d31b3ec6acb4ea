import type { Issue } from '../../src/domain/issue.js';

let counter = 0;

/** Builds a normalized issue with sensible defaults; `id` defaults from the identifier. */
export function makeIssue(overrides: Partial<Issue> & { identifier?: string } = {}): Issue {
  counter += 1;
  const identifier = overrides.identifier ?? `SYM-${counter}`;
  return {
    id: overrides.id ?? `id-${identifier}`,
    nativeRef: null,
    identifier,
    title: `Title of ${identifier}`,
    description: null,
    priority: null,
    state: 'Todo',
    branchName: null,
    url: `https://linear.example/issue/${identifier}`,
    assigneeId: null,
    labels: [],
    blockedBy: [],
    dispatchable: true,
    createdAt: null,
    updatedAt: null,
    ...overrides,
  };
}
