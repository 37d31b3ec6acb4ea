/**
 * How Claude Code sessions fail (real Claude Code, fake Anthropic server): a missing executable at
 * startup, an abort while starting, an API error ending the turn, stream silence past
 * `claude.turn_timeout_ms`. Every failure leaves no process and no config dir behind.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaudeSession } from '../../src/runner/claude/session.js';
import { startClaudeSession } from '../../src/runner/claude/session.js';
import { claudeRuntime } from '../../src/runner/claude/profile.js';
import { startTestClaude, testClaudeOptions } from '../support/fake-anthropic/claude-session.js';
import { testWorkflow } from '../support/orchestrator-harness.js';
import { startFakeAnthropic, type AnthropicScript, type FakeAnthropic } from '../support/fake-anthropic/index.js';
import { EventLog, makeWorkspace, processAlive, type TestWorkspace } from './helpers.js';

const models: FakeAnthropic[] = [];
const sessions: ClaudeSession[] = [];
const workspaces: TestWorkspace[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.stop();
  for (const model of models.splice(0)) await model.close();
  for (const ws of workspaces.splice(0)) await ws.cleanup();
});

async function setup(script: AnthropicScript = () => ({ type: 'text', text: 'done' })): Promise<{ model: FakeAnthropic; ws: TestWorkspace; log: EventLog; tmpDir: string }> {
  const model = await startFakeAnthropic(script);
  models.push(model);
  const ws = await makeWorkspace();
  workspaces.push(ws);
  const tmpDir = path.join(ws.root, 'tmp');
  await mkdir(tmpDir);
  return { model, ws, log: new EventLog(), tmpDir };
}

describe('Claude Code runtime: startup failures', () => {
  it('a missing executable is agent_not_found, with startup_failed and no config dir left', async () => {
    const { model, ws, log, tmpDir } = await setup();
    const failed = startTestClaude(model, ws, log, { tmpDir, config: { pathToExecutable: path.join(ws.root, 'no-such-claude') } });
    await expect(failed).rejects.toMatchObject({ code: 'agent_not_found', message: expect.stringContaining('claude.path_to_executable') });
    expect(log.named('startup_failed')).toHaveLength(1);
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it('an abort while starting rejects with canceled and stops what it started', async () => {
    const { model, ws, log, tmpDir } = await setup();
    const controller = new AbortController();
    const options = testClaudeOptions(model, ws, log, { tmpDir, signal: controller.signal });
    const started = startClaudeSession(options);
    controller.abort(new Error('stopped by the orchestrator'));
    await expect(started).rejects.toMatchObject({ code: 'canceled' });
    expect(await readdir(tmpDir)).toEqual([]);
    const pids = log.events.map((event) => event.codexAppServerPid).filter((pid): pid is number => pid !== null);
    expect(pids.every((pid) => !processAlive(pid))).toBe(true);
  });

  it('a workspace outside the root is invalid_workspace_cwd before anything starts', async () => {
    const { model, ws, log, tmpDir } = await setup();
    await expect(startTestClaude(model, ws, log, { tmpDir, workspacePath: ws.root })).rejects.toMatchObject({ code: 'invalid_workspace_cwd' });
    expect(await readdir(tmpDir)).toEqual([]);
    expect(model.requests).toHaveLength(0);
  });
});

describe('Claude Code runtime: turn failures', () => {
  it('an API error ends the turn with turn_failed; the session stays usable', async () => {
    let fail = true;
    const { model, ws, log } = await setup(() => (fail ? { type: 'error', status: 400, message: 'prompt is too long' } : { type: 'text', text: 'done' }));
    const session = await startTestClaude(model, ws, log);
    sessions.push(session);
    await expect(session.runTurn({ text: 'Hello.', title: 'FAIL-1' })).rejects.toMatchObject({ code: 'turn_failed' });
    expect(log.named('turn_failed')).toHaveLength(1);
    fail = false;
    await expect(session.runTurn({ text: 'Again.', title: 'FAIL-1' })).resolves.toMatchObject({ sessionId: expect.any(String) });
  });

  it('silence past claude.turn_timeout_ms fails the turn with turn_timeout', async () => {
    const { model, ws, log } = await setup(() => ({ type: 'hang' }));
    const session = await startTestClaude(model, ws, log, { config: { turnTimeoutMs: 500 } });
    sessions.push(session);
    await expect(session.runTurn({ text: 'Hello.', title: 'FAIL-2' })).rejects.toMatchObject({ code: 'turn_timeout', message: expect.stringContaining('claude.turn_timeout_ms') });
    expect(log.named('turn_ended_with_error')).toHaveLength(1);
    const pid = session.pid!;
    await session.stop();
    expect(processAlive(pid)).toBe(false);
  });
});

describe('Claude Code runtime: symphony check probe', () => {
  it('is ok when Claude Code starts and a credential variable reaches it, WARN without one, FAIL when missing', async () => {
    const { model, tmpDir } = await setup();
    const { config } = testWorkflow();
    const base = { ...process.env };
    for (const name of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY']) delete base[name];
    // Offline, Claude Code is pointed at the fake (with a real-looking key it checks in with the API while starting).
    const withKey = await claudeRuntime.probe!({ config, env: { ...base, ANTHROPIC_BASE_URL: model.baseUrl, ANTHROPIC_API_KEY: 'sk-ant-test' }, tmpDir });
    expect(withKey).toMatchObject({ status: 'ok', detail: expect.stringContaining('credentials from ANTHROPIC_API_KEY') });
    expect(await claudeRuntime.probe!({ config, env: base, tmpDir })).toMatchObject({ status: 'WARN' });
    const missing = { ...config, claude: { ...config.claude, pathToExecutable: path.join(tmpDir, 'no-claude') } };
    expect(await claudeRuntime.probe!({ config: missing, env: base, tmpDir })).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/^agent_not_found: /) });
    expect(await readdir(tmpDir)).toEqual([]);
  });
});
