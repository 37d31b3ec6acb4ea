/**
 * Review: SPEC.md §9 says a page "repeating a cursor" is `tracker_pagination`. `nextCursor` only
 * compares with the immediately previous cursor, so a cycle A → B → A is followed forever (one
 * request per page, the collected list growing without bound) instead of failing the read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { startLinearFixture, type LinearFixture } from '../tracker/linear-fixture.js';

let f: LinearFixture | null = null;
afterEach(async () => {
  await f?.close();
  f = null;
});

const page = (endCursor: string) => ({ data: { issues: { nodes: [], pageInfo: { hasNextPage: true, endCursor } } } });

describe('review: Linear pagination integrity', () => {
  it('a page that repeats an earlier (not just the previous) endCursor → tracker_pagination, no further request', async () => {
    f = await startLinearFixture();
    for (const cursor of ['A', 'B', 'A', 'B', 'A', 'B']) f.linear.failNext('raw', { body: page(cursor) });
    const error = await f.adapter.fetchIssuesByStates(['Todo']).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SymphonyError);
    expect((error as SymphonyError).code).toBe('tracker_pagination');
    expect(f.requestsFor('SymphonyIssuesByStates')).toBe(3);
  });
});
