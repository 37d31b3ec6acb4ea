/**
 * Deterministic issue fixtures for benchmarks: realistic field sizes (title, description, labels,
 * a blocker on some), varied priority / state / creation time so sorting and eligibility do work.
 */
import type { Issue } from '../../dist/domain/issue.js';

/** Options of {@link makeIssue}. */
export interface IssueShape {
  /** Identifier prefix; default `SYM`. */
  readonly team?: string;
  /** State name; default alternates `Todo` / `In Progress` by index. */
  readonly state?: string;
}

const LABEL_POOL = ['agent', 'backend', 'frontend', 'bug', 'feature', 'payments', 'infra', 'p1'];
const EPOCH_MS = Date.UTC(2025, 0, 1);

/**
 * The `index`-th fixture issue. Same index → equal issue. Every 7th issue is not dispatchable and
 * every 5th lacks the `agent` label, so a `required_labels: [agent]` config skips some.
 */
export function makeIssue(index: number, shape: IssueShape = {}): Issue {
  const identifier = `${shape.team ?? 'SYM'}-${index + 1}`;
  const labels = [index % 5 === 0 ? 'backend' : 'agent', LABEL_POOL[(index * 3) % LABEL_POOL.length] ?? 'bug', LABEL_POOL[(index * 7 + 1) % LABEL_POOL.length] ?? 'infra'];
  return {
    id: `9f1c${index.toString(16).padStart(8, '0')}-5d2e-4c1a-8b7f-3e0a6c2d1b4f`,
    nativeRef: { linear_issue_id: `issue-${index}`, team_key: shape.team ?? 'SYM' },
    identifier,
    title: `Fix the rounding of refunds in ledger export #${index}`,
    description: `When a refund is split across ${index % 9} invoices the ledger export rounds each part.\n\nSteps:\n1. Create a split refund.\n2. Export the ledger.\n\nExpected: totals match to the cent.`,
    priority: index % 6 === 5 ? null : index % 5,
    state: shape.state ?? (index % 2 === 0 ? 'Todo' : 'In Progress'),
    branchName: `sym-${index + 1}-fix-refund-rounding`,
    url: `https://linear.app/acme/issue/${identifier}/fix-the-rounding-of-refunds`,
    assigneeId: 'user-1',
    labels: [...new Set(labels)],
    blockedBy: index % 4 === 0 ? [{ id: `blocker-${index}`, identifier: `SYM-${index + 5000}`, state: 'Done' }] : [],
    dispatchable: index % 7 !== 3,
    createdAt: new Date(EPOCH_MS + ((index * 7919) % 100_000) * 60_000),
    updatedAt: new Date(EPOCH_MS + index * 60_000),
  };
}

/** Issues `from` … `from + count − 1`. */
export function makeIssues(count: number, from = 0, shape: IssueShape = {}): Issue[] {
  return Array.from({ length: count }, (_, i) => makeIssue(from + i, shape));
}
