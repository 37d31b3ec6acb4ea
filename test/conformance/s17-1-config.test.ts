/**
 * §17.1 conformance: `$VAR` indirection through the whole config path — WORKFLOW.md on disk, the
 * real tracker registry and Linear profile, the adapter it builds, and the fake Linear API on
 * 127.0.0.1 that checks the `Authorization` header. Unit-level rules are in test/config/*.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEffectiveWorkflow } from '../../src/config/load.js';
import { silentLogger } from '../../src/logging/logger.js';
import { trackerCache } from '../../src/service/tracker-cache.js';
import { trackerProfiles } from '../../src/tracker/registry.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { loadWorkflow, useServiceCleanup, writeWorkflow } from './support.js';

const API_KEY = 'lin_api_CONF_VAR_0123456789abcdef';
const { dirs, closeAfter } = useServiceCleanup();

async function fakeLinear(): Promise<FakeLinear> {
  const linear = closeAfter(await startFakeLinear({ apiKey: API_KEY, projectSlug: 'conf-proj' }));
  linear.addIssue({ identifier: 'SYM-1', state: 'Todo' });
  return linear;
}

describe('§17.1 $VAR resolution (conformance)', () => {
  it('§17.1 $VAR resolution works for documented adapter secret keys and path values', async () => {
    const api = await fakeLinear();
    const dir = await dirs.make();
    const home = await dirs.make('symphony-conf-home-');
    const env: NodeJS.ProcessEnv = { HOME: home, CONF_LINEAR_KEY: API_KEY, CONF_PROJECT: 'conf-proj', CONF_ENDPOINT: api.url, CONF_WS: '~/workspaces' };
    const hook = 'echo "$CONF_PROJECT" > seen.txt';
    const command = 'CODEX_HOME=$HOME/.codex codex app-server';
    const file = await writeWorkflow(dir, [
      'tracker:', '  kind: linear', '  provider:', '    api_key: $CONF_LINEAR_KEY', '    project_slug: ${CONF_PROJECT}', '    endpoint: $CONF_ENDPOINT',
      'workspace:', '  root: $CONF_WS',
      'hooks:', `  after_create: ${JSON.stringify(hook)}`,
      'codex:', `  command: ${JSON.stringify(command)}`,
    ]);
    const workflow = await loadWorkflow(file, env);
    const config = workflow.config;

    // Path value: $VAR first, then ~ against HOME.
    expect(config.workspaceRoot).toBe(path.join(home, 'workspaces'));
    // Shell strings are never resolved by the config layer.
    expect(config.hooks.afterCreate).toBe(hook);
    expect(config.codex.command).toBe(command);
    // The raw provider map keeps the references; the secret value lives only in the redacted settings.
    expect(config.tracker.provider).toMatchObject({ api_key: '$CONF_LINEAR_KEY', project_slug: '${CONF_PROJECT}' });
    expect(JSON.stringify(workflow)).not.toContain(API_KEY);
    expect(config.secretEnvNames).toEqual(expect.arrayContaining(['CONF_LINEAR_KEY', 'CONF_PROJECT', 'CONF_ENDPOINT', 'CONF_WS', 'LINEAR_API_KEY']));

    // The resolved key, project and endpoint are what the adapter really uses.
    const adapter = trackerCache(trackerProfiles, silentLogger())(config);
    expect((await adapter.fetchIssuesByStates(['Todo'])).map((issue) => issue.identifier)).toEqual(['SYM-1']);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({ authorized: true, rawAuthorization: true, variables: { projectSlug: 'conf-proj' } });
    expect(adapter.secretEnvironmentNames()).toEqual(['LINEAR_API_KEY', 'CONF_LINEAR_KEY']);
  });

  it('§17.1 an omitted api_key falls back to the documented LINEAR_API_KEY variable', async () => {
    const api = await fakeLinear();
    const dir = await dirs.make();
    const file = await writeWorkflow(dir, ['tracker:', '  kind: linear', '  project_slug: conf-proj', `  endpoint: ${JSON.stringify(api.url)}`]);
    const workflow = await loadWorkflow(file, { LINEAR_API_KEY: API_KEY });
    await trackerCache(trackerProfiles, silentLogger())(workflow.config).fetchIssuesByStates(['Todo']);
    expect(api.requests[0]).toMatchObject({ authorized: true });
    expect(workflow.config.secretEnvNames).toContain('LINEAR_API_KEY');
  });

  it('§17.1 an unset or empty $VAR is a typed startup error naming the file, the key path and the variable, never a value', async () => {
    const dir = await dirs.make();
    const secretFile = await writeWorkflow(dir, ['tracker:', '  kind: linear', '  provider:', '    api_key: $CONF_UNSET_KEY', '    project_slug: p']);
    await expect(loadWorkflow(secretFile, { CONF_UNSET_KEY: '', LINEAR_API_KEY: API_KEY })).rejects.toMatchObject({
      code: 'missing_tracker_secret',
      message: `${secretFile}: tracker.provider.api_key is required for tracker.kind linear: $CONF_UNSET_KEY is unset or empty`,
    });
    const rootFile = await writeWorkflow(dir, ['tracker:', '  kind: linear', '  provider:', '    project_slug: p', 'workspace:', '  root: $CONF_UNSET_ROOT']);
    const error = await loadWorkflow(rootFile, { LINEAR_API_KEY: API_KEY }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'invalid_config',
      message: `${rootFile}: workspace.root references $CONF_UNSET_ROOT, which is not set or is empty`,
    });
    expect(JSON.stringify(error)).not.toContain(API_KEY);
  });

  it('§17.1 tracker.kind validation uses the built-in registry (linear; memory is test-only; anything else is refused)', async () => {
    for (const kind of ['jira', 'memory']) {
      const file = await writeWorkflow(await dirs.make(), ['tracker:', `  kind: ${kind}`]);
      await expect(loadEffectiveWorkflow(file, { env: {}, profiles: trackerProfiles })).rejects.toMatchObject({
        code: 'unsupported_tracker_kind',
        message: `${file}: tracker.kind "${kind}" is not supported (supported: linear)`,
      });
    }
  });
});
