/**
 * Review: a Linear API key that is not a valid HTTP header value (an embedded CR/LF, e.g. an env
 * file holding two lines) makes `fetch` throw `Headers.append: "<key>" is an invalid header value.`
 * The transport copies that message into the `tracker_request` error line (logged by the
 * orchestrator on every tick) and the `linear_graphql` tool returns it to the agent; `oneLine`
 * turns the newline into a space first, so the tool's scrub (exact key match) misses it too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import { SymphonyError } from '../../src/errors.js';
import { linearTrackerProfile } from '../../src/tracker/linear/profile.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { capturingLogger } from '../tracker/linear-fixture.js';

const KEY = 'lin_api_LEAKPARTONE\nLEAKPARTTWO';
const FRAGMENTS = ['LEAKPARTONE', 'LEAKPARTTWO'];

let linear: FakeLinear | null = null;
afterEach(async () => {
  await linear?.close();
  linear = null;
});

/** The adapter for KEY, or null when validation refuses the key (also an acceptable fix). */
async function adapterForKey(): Promise<TrackerAdapter | null> {
  linear = await startFakeLinear({ apiKey: 'lin_api_other', projectSlug: 'proj' });
  const validation = linearTrackerProfile.validate({ api_key: '$ODD_KEY', project_slug: 'proj', endpoint: linear.url }, { ODD_KEY: KEY });
  const rendered = JSON.stringify(validation);
  for (const fragment of FRAGMENTS) expect(rendered).not.toContain(fragment);
  if (validation.settings === undefined) return null;
  const { logger } = capturingLogger();
  return linearTrackerProfile.create(validation.settings, { activeStates: ['Todo'], terminalStates: ['Done'] }, { logger });
}

const issue = { id: 'i', identifier: 'SYM-1' } as unknown as Issue;

describe('review: Linear API key never leaks through transport errors', () => {
  it('a key with an embedded newline does not appear in the read error line', async () => {
    const adapter = await adapterForKey();
    if (adapter === null) return;
    const error = await adapter.fetchIssuesByStates(['Todo']).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SymphonyError);
    const line = (error as SymphonyError).toLine();
    for (const fragment of FRAGMENTS) expect(line).not.toContain(fragment);
  });

  it('a key with an embedded newline does not appear in linear_graphql tool output', async () => {
    const adapter = await adapterForKey();
    if (adapter === null) return;
    const result = await adapter.executeAgentTool('linear_graphql', { query: '{ viewer { id } }' }, { issue });
    expect(result.success).toBe(false);
    for (const fragment of FRAGMENTS) expect(result.text).not.toContain(fragment);
  });
});
