import { afterEach, describe, expect, it } from 'vitest';
import { effectiveWorkflowFromText } from '../../src/config/load.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { silentLogger } from '../../src/logging/logger.js';
import { DaemonMetrics, type TrackerRequestObserver } from '../../src/metrics/index.js';
import { trackerCache } from '../../src/service/tracker-cache.js';
import { linearTrackerProfile } from '../../src/tracker/linear/profile.js';
import type { LinearSettings } from '../../src/tracker/linear/settings.js';
import { trackerProfiles } from '../../src/tracker/registry.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { makeIssue } from '../support/issues.js';
import { parseExposition, type Exposition } from './exposition.js';

const API_KEY = 'lin_api_METRICS_0123456789';
const servers: FakeLinear[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeLinear(): Promise<FakeLinear> {
  const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'proj' });
  servers.push(linear);
  linear.addIssue({ identifier: 'SYM-1', state: 'Todo' });
  return linear;
}

/** A workflow config pointing at `linear` (the real loader and Linear profile). */
function configFor(linear: FakeLinear, extra: string[] = []): ServiceConfig {
  const text = ['---', 'tracker:', '  kind: linear', '  provider:', '    api_key: $METRICS_LINEAR_KEY', '    project_slug: proj', `    endpoint: ${JSON.stringify(linear.url)}`, ...extra, '---', 'Work on {{ issue.identifier }}.', ''].join('\n');
  return effectiveWorkflowFromText(text, '/nonexistent/metrics/WORKFLOW.md', { profiles: trackerProfiles, env: { METRICS_LINEAR_KEY: API_KEY }, tmpDir: '/tmp' }).config;
}

async function scrape(metrics: DaemonMetrics): Promise<Exposition> {
  return parseExposition((await metrics.render()).body);
}

const count = (m: Exposition, operation: string): number => m.value('symphony_tracker_request_duration_seconds_count', { operation });
const errors = (m: Exposition, category: string): number => m.value('symphony_tracker_errors_total', { category });

describe('tracker request metrics against the fake Linear', () => {
  it('times every request by operation and counts failures by §11.4 category (failNext)', async () => {
    const linear = await fakeLinear();
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    const tracker = trackerCache(trackerProfiles, silentLogger(), metrics.tracker)(configFor(linear));

    expect((await tracker.fetchIssuesByStates(['Todo'])).map((i) => i.identifier)).toEqual(['SYM-1']);
    let m = await scrape(metrics);
    expect(count(m, 'SymphonyIssuesByStates')).toBe(1);
    expect(m.value('symphony_tracker_request_duration_seconds_sum', { operation: 'SymphonyIssuesByStates' })).toBeGreaterThan(0);
    expect(m.samples.filter((s) => s.name === 'symphony_tracker_errors_total').every((s) => s.value === 0)).toBe(true);

    linear.failNext('500');
    await expect(tracker.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_status' });
    linear.failNext('401');
    await expect(tracker.fetchIssuesByIds(['x'])).rejects.toMatchObject({ code: 'tracker_status' });
    linear.failNext('malformed-json');
    await expect(tracker.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_response' });
    m = await scrape(metrics);
    expect(count(m, 'SymphonyIssuesByStates')).toBe(3);
    expect(count(m, 'SymphonyIssuesByIds')).toBe(1);
    expect(errors(m, 'tracker_status')).toBe(2);
    expect(errors(m, 'tracker_response')).toBe(1);
    expect(linear.requests).toHaveLength(4);
  });

  it('counts a rate-limited answer once; calls refused by the open window send nothing and are not timed', async () => {
    const linear = await fakeLinear();
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    const tracker = trackerCache(trackerProfiles, silentLogger(), metrics.tracker)(configFor(linear));
    linear.failNext('429', { retryAfterSeconds: 600 });
    await expect(tracker.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_rate_limited' });
    await expect(tracker.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_rate_limited' });
    const m = await scrape(metrics);
    expect(linear.requests).toHaveLength(1);
    expect(count(m, 'SymphonyIssuesByStates')).toBe(1);
    expect(errors(m, 'tracker_rate_limited')).toBe(1);
  });

  it('a request that times out is timed and counted as tracker_request', async () => {
    const linear = await fakeLinear();
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    const tracker = trackerCache(trackerProfiles, silentLogger(), metrics.tracker)(configFor(linear, ['    request_timeout_ms: 200']));
    linear.failNext('hang');
    await expect(tracker.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_request' });
    const m = await scrape(metrics);
    expect(count(m, 'SymphonyIssuesByStates')).toBe(1);
    expect(errors(m, 'tracker_request')).toBe(1);
  });

  it('labels linear_graphql tool requests with the document operation name, and anonymous ones as linear_graphql', async () => {
    const linear = await fakeLinear();
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    const tracker = trackerCache(trackerProfiles, silentLogger(), metrics.tracker)(configFor(linear));
    const context = { issue: makeIssue({ identifier: 'SYM-1' }) };
    const named = await tracker.executeAgentTool('linear_graphql', { query: 'query AgentWhoAmI { viewer { id } }' }, context);
    const anonymous = await tracker.executeAgentTool('linear_graphql', { query: '{ viewer { id } }' }, context);
    expect(named.success && anonymous.success).toBe(true);
    const m = await scrape(metrics);
    expect(count(m, 'AgentWhoAmI')).toBe(1);
    expect(count(m, 'linear_graphql')).toBe(1);
  });

  it('adapters sharing one connection report to their own observers; a throwing observer breaks nothing', async () => {
    const linear = await fakeLinear();
    const config = configFor(linear);
    const settings = config.tracker.settings as LinearSettings;
    const scope = { activeStates: ['Todo'], terminalStates: ['Done'] };
    const now = (): number => Date.now();
    const metrics = new DaemonMetrics({ defaultMetrics: false });
    const throwing: TrackerRequestObserver = {
      request() {
        throw new Error('observer failure');
      },
    };
    const observed = linearTrackerProfile.create(settings, scope, { logger: silentLogger(), now, observer: metrics.tracker });
    const other = linearTrackerProfile.create(settings, scope, { logger: silentLogger(), now, observer: throwing });
    const bare = linearTrackerProfile.create(settings, scope, { logger: silentLogger(), now });
    await observed.fetchIssuesByStates(['Todo']);
    expect((await other.fetchIssuesByStates(['Todo'])).map((i) => i.identifier)).toEqual(['SYM-1']);
    await bare.fetchIssuesByIds(['x']);
    const m = await scrape(metrics);
    expect(linear.requests).toHaveLength(3);
    expect(count(m, 'SymphonyIssuesByStates')).toBe(1);
    expect(m.samples.some((s) => s.labels.operation === 'SymphonyIssuesByIds')).toBe(false);
  });
});
