import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import {
  LINEAR_DEFAULT_ACTIVE_STATES,
  LINEAR_DEFAULT_TERMINAL_STATES,
  linearTrackerProfile,
} from '../../src/tracker/linear/profile.js';
import { envReferenceName, validateLinearProvider } from '../../src/tracker/linear/settings.js';
import { getTrackerProfile, trackerProfiles } from '../../src/tracker/registry.js';

const SECRET = 'lin_api_SETTINGS_SECRET';
const validate = (provider: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => validateLinearProvider(provider, env);
const allText = (v: ReturnType<typeof validate>) => JSON.stringify([v.errors, v.warnings, v.settings]);

describe('§17.3 Error mapping covers config: linear provider validation', () => {
  it('resolves a complete map with documented defaults', () => {
    const v = validate({ api_key: '$MY_LINEAR_KEY', project_slug: 'abc123' }, { MY_LINEAR_KEY: ` ${SECRET}\n` });
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
    expect(v.settings).toMatchObject({
      projectSlug: 'abc123',
      endpoint: 'https://api.linear.app/graphql',
      assignee: null,
      requestTimeoutMs: 30000,
      secretEnvNames: ['LINEAR_API_KEY', 'MY_LINEAR_KEY'],
    });
    expect(v.settings?.apiKey.reveal()).toBe(SECRET);
  });

  it('missing project_slug → invalid_tracker_config naming the key path', () => {
    const v = validate({ api_key: SECRET });
    expect(v.settings).toBeUndefined();
    expect(v.errors).toEqual([{ code: 'invalid_tracker_config', message: 'tracker.provider.project_slug is required for tracker.kind linear' }]);
  });

  it('missing api_key with no LINEAR_API_KEY → missing_tracker_secret', () => {
    const v = validate({ project_slug: 'p' });
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]?.code).toBe('missing_tracker_secret');
    expect(v.errors[0]?.message).toMatch(/^tracker\.provider\.api_key is required for tracker\.kind linear/);
  });

  it('$VAR resolving empty → missing_tracker_secret naming the variable, never a value', () => {
    for (const ref of ['$EMPTY_KEY', '${EMPTY_KEY}']) {
      const v = validate({ api_key: ref, project_slug: 'p' }, { EMPTY_KEY: '   ', LINEAR_API_KEY: SECRET });
      expect(v.errors).toEqual([
        { code: 'missing_tracker_secret', message: 'tracker.provider.api_key is required for tracker.kind linear: $EMPTY_KEY is unset or empty' },
      ]);
      expect(allText(v)).not.toContain(SECRET);
    }
  });

  it('falls back to LINEAR_API_KEY and LINEAR_ASSIGNEE for omitted keys', () => {
    const v = validate({ project_slug: 'p', api_key: null }, { LINEAR_API_KEY: SECRET, LINEAR_ASSIGNEE: 'user-42' });
    expect(v.errors).toEqual([]);
    expect(v.settings?.apiKey.reveal()).toBe(SECRET);
    expect(v.settings?.assignee).toBe('user-42');
    expect(linearTrackerProfile.secretEnvironmentNames(v.settings!)).toEqual(['LINEAR_API_KEY']);
  });

  it('assignee: me (any case), $VAR, and an empty $VAR (no routing, warned)', () => {
    const env = { LINEAR_API_KEY: SECRET, WHO: 'user-7', NOBODY: '' };
    expect(validate({ project_slug: 'p', assignee: 'ME' }, env).settings?.assignee).toBe('me');
    expect(validate({ project_slug: 'p', assignee: '$WHO' }, env).settings?.assignee).toBe('user-7');
    const empty = validate({ project_slug: 'p', assignee: '$NOBODY' }, env);
    expect(empty.settings?.assignee).toBeNull();
    expect(empty.warnings).toEqual(['tracker.provider.assignee: $NOBODY is unset or empty; issues are not routed by assignee']);
  });

  it('a literal api_key works but warns without echoing it', () => {
    const v = validate({ api_key: SECRET, project_slug: 'p' });
    expect(v.errors).toEqual([]);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toMatch(/^tracker\.provider\.api_key is a literal credential/);
    expect(v.warnings[0]).not.toContain(SECRET);
  });

  it('validates endpoint, request_timeout_ms and value types with one-line key-path messages', () => {
    const env = { LINEAR_API_KEY: SECRET };
    const messages = (provider: Record<string, unknown>) => validate({ project_slug: 'p', ...provider }, env).errors.map((e) => e.message);
    expect(messages({ endpoint: 'http://linear.example.com/graphql' })).toEqual([
      'tracker.provider.endpoint must use https (http only for localhost), got http://linear.example.com',
    ]);
    expect(messages({ endpoint: 'not a url' })[0]).toMatch(/^tracker\.provider\.endpoint must be a URL/);
    expect(messages({ endpoint: 'https://u:p@api.linear.app/graphql' })[0]).toMatch(/must not embed credentials/);
    expect(messages({ endpoint: 'http://127.0.0.1:9999/graphql' })).toEqual([]);
    expect(messages({ request_timeout_ms: 0 })[0]).toMatch(/^tracker\.provider\.request_timeout_ms must be a positive integer/);
    expect(messages({ request_timeout_ms: 'soon' })[0]).toMatch(/^tracker\.provider\.request_timeout_ms/);
    expect(validate({ project_slug: 'p', request_timeout_ms: '2500' }, env).settings?.requestTimeoutMs).toBe(2500);
    expect(messages({ project_slug: 42 })).toEqual(['tracker.provider.project_slug must be a string (got number)']);
    expect(validate({ project_slug: 'p', api_key: 12345 }).errors).toEqual([
      { code: 'invalid_tracker_config', message: 'tracker.provider.api_key must be a string (got number)' },
    ]);
    expect(messages({ project_slug: '$NO_SLUG' })).toEqual(['tracker.provider.project_slug is required for tracker.kind linear: $NO_SLUG is unset or empty']);
    for (const message of messages({ endpoint: 'ftp://x', request_timeout_ms: -1, assignee: 3 })) expect(message).not.toMatch(/\n/);
  });

  it('warns about unknown provider keys', () => {
    const v = validate({ project_slug: 'p', page_size: 10 }, { LINEAR_API_KEY: SECRET });
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual(['tracker.provider.page_size is not a linear provider key; ignored']);
  });

  it('the resolved key never serializes, prints or stringifies', () => {
    const settings = validate({ project_slug: 'p' }, { LINEAR_API_KEY: SECRET }).settings!;
    expect(JSON.stringify(settings)).not.toContain(SECRET);
    expect(inspect(settings, { depth: 5 })).not.toContain(SECRET);
    expect(`${String(settings.apiKey)}`).toBe('[redacted]');
  });

  it('envReferenceName accepts exactly $NAME or ${NAME}', () => {
    expect(envReferenceName('$A_B1')).toBe('A_B1');
    expect(envReferenceName(' ${X} ')).toBe('X');
    expect(envReferenceName('pre$X')).toBeNull();
    expect(envReferenceName('$1X')).toBeNull();
  });
});

describe('§17.3 The adapter publishes the required compact profile', () => {
  it('linear profile: kind, default states, flat legacy keys', () => {
    expect(linearTrackerProfile.kind).toBe('linear');
    expect(LINEAR_DEFAULT_ACTIVE_STATES).toEqual(['Todo', 'In Progress']);
    expect(LINEAR_DEFAULT_TERMINAL_STATES).toEqual(['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done']);
    expect(linearTrackerProfile.defaultActiveStates).toBe(LINEAR_DEFAULT_ACTIVE_STATES);
    expect(linearTrackerProfile.flatProviderKeys).toEqual(['api_key', 'project_slug', 'endpoint', 'assignee']);
  });

  it('create() builds an adapter advertising linear_graphql and its secret env names', () => {
    const settings = validate({ project_slug: 'p', api_key: '$K' }, { K: SECRET }).settings!;
    const adapter = linearTrackerProfile.create(settings, { activeStates: [], terminalStates: [] }, { logger: silentLogger() });
    expect(adapter.kind).toBe('linear');
    expect(adapter.agentToolSpecs().map((s) => s.name)).toEqual(['linear_graphql']);
    expect(adapter.secretEnvironmentNames()).toEqual(['LINEAR_API_KEY', 'K']);
  });

  it('registry: linear only (memory is test support), nothing else', () => {
    expect([...trackerProfiles.keys()]).toEqual(['linear']);
    expect(getTrackerProfile('linear')).toBe(linearTrackerProfile);
    expect(getTrackerProfile('memory')).toBeUndefined();
    expect(getTrackerProfile('jira')).toBeUndefined();
    expect(getTrackerProfile('Linear')).toBeUndefined();
  });
});
