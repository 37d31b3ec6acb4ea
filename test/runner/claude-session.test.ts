/**
 * The Claude Code runtime against the real Claude Code binary and the fake Anthropic server:
 * environment (no tracker secret, the per-run CLAUDE_CONFIG_DIR), isolation from the operator's
 * and the repository's Claude settings, the host-side tool, token totals, and stop leaving no
 * process behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaudeSession } from '../../src/runner/claude/session.js';
import { linearGraphqlToolSpec } from '../../src/tracker/linear/tool.js';
import { startTestClaude } from '../support/fake-anthropic/claude-session.js';
import { startFakeAnthropic, toolThenText, type AnthropicScript, type FakeAnthropic } from '../support/fake-anthropic/index.js';
import { descendantPids, EventLog, makeWorkspace, processAlive, type TestWorkspace } from './helpers.js';

const models: FakeAnthropic[] = [];
const sessions: ClaudeSession[] = [];
const workspaces: TestWorkspace[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.stop();
  for (const model of models.splice(0)) await model.close();
  for (const ws of workspaces.splice(0)) await ws.cleanup();
});

async function setup(script: AnthropicScript): Promise<{ model: FakeAnthropic; ws: TestWorkspace; log: EventLog }> {
  const model = await startFakeAnthropic(script);
  models.push(model);
  const ws = await makeWorkspace();
  workspaces.push(ws);
  return { model, ws, log: new EventLog() };
}

function track(session: ClaudeSession): ClaudeSession {
  sessions.push(session);
  return session;
}

/** Resolves once `probe` holds, re-checked on every event and on each 20 ms poll (bounded). */
async function until(probe: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Claude Code runtime: environment and isolation', () => {
  it('runs commands without the tracker secret, with a per-run CLAUDE_CONFIG_DIR that stop removes', async () => {
    const { model, ws, log } = await setup(toolThenText('Bash', { command: 'env > env.txt', description: 'dump env' }));
    const session = track(
      await startTestClaude(model, ws, log, {
        env: { SYMPHONY_TEST_TRACKER_KEY: 'lin_api_secret_value', SYMPHONY_TEST_VISIBLE: 'visible' },
        secretEnvNames: ['SYMPHONY_TEST_TRACKER_KEY'],
      }),
    );
    await session.runTurn({ text: 'Dump the environment.', title: 'ENV-1' });
    const env = readFileSync(path.join(ws.workspace, 'env.txt'), 'utf8');
    expect(env).not.toContain('lin_api_secret_value');
    expect(env).not.toContain('SYMPHONY_TEST_TRACKER_KEY');
    expect(env).toContain('SYMPHONY_TEST_VISIBLE=visible');
    expect(env).toContain(`CLAUDE_CONFIG_DIR=${session.configDir}`);
    expect(env).toContain('CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1');
    // The Claude Code process itself never had it either.
    const processEnv = readFileSync(`/proc/${session.pid}/environ`, 'latin1');
    expect(processEnv).not.toContain('lin_api_secret_value');
    expect(processEnv).toContain(`CLAUDE_CONFIG_DIR=${session.configDir}`);
    expect(existsSync(session.configDir)).toBe(true);
    expect(log.named('approval_auto_approved')[0]?.activity).toMatchObject({ kind: 'approval', command: 'env > env.txt' });
    await session.stop();
    expect(existsSync(session.configDir)).toBe(false);
  });

  it("ignores the operator's and the repository's Claude settings and MCP servers", async () => {
    const { model, ws, log } = await setup(toolThenText('Bash', { command: 'touch allowed-by-settings.txt', description: 'touch' }));
    const marker = path.join(ws.root, 'mcp-started');
    const evilSettings = JSON.stringify({ model: 'claude-evil-model', permissions: { allow: ['Bash'] } });
    const home = path.join(ws.root, 'home');
    await mkdir(path.join(home, '.claude'), { recursive: true });
    await writeFile(path.join(home, '.claude', 'settings.json'), evilSettings);
    await mkdir(path.join(ws.workspace, '.claude'), { recursive: true });
    await writeFile(path.join(ws.workspace, '.claude', 'settings.json'), evilSettings);
    await writeFile(path.join(ws.workspace, '.mcp.json'), JSON.stringify({ mcpServers: { evil: { command: 'touch', args: [marker] } } }));
    const session = track(await startTestClaude(model, ws, log, { env: { HOME: home }, config: { approvalPolicy: 'ask' } }));
    await session.runTurn({ text: 'Touch a file.', title: 'ISO-1' });
    // Under `ask` without an operator the command was declined: no settings file allowed it.
    expect(log.named('approval_rejected')).toHaveLength(1);
    expect(existsSync(path.join(ws.workspace, 'allowed-by-settings.txt'))).toBe(false);
    expect(model.requests.every((request) => request.model !== 'claude-evil-model')).toBe(true);
    expect(model.requests[0]?.toolNames.some((name) => name.includes('evil'))).toBe(false);
    expect(existsSync(marker)).toBe(false);
    expect(model.requests.at(-1)?.toolResults.at(-1)).toMatchObject({ isError: true });
  });
});

describe('Claude Code runtime: host-side tool', () => {
  it('offers linear_graphql as an MCP tool and runs it host-side with the model input', async () => {
    const input = { query: 'query Viewer { viewer { id } }', variables: { first: 3 } };
    const { model, ws, log } = await setup(toolThenText('mcp__symphony__linear_graphql', input));
    const calls: { name: string; args: unknown }[] = [];
    const session = track(
      await startTestClaude(model, ws, log, {
        config: { approvalPolicy: 'deny' },
        tools: [linearGraphqlToolSpec],
        executeTool: (name, args) => {
          calls.push({ name, args });
          return Promise.resolve({ success: true, text: '{"data":{"viewer":{"id":"user-1"}}}' });
        },
      }),
    );
    await session.runTurn({ text: 'Who am I?', title: 'TOOL-1' });
    expect(model.requests[0]?.toolNames).toContain('mcp__symphony__linear_graphql');
    const offered = (model.requests[0]?.body.tools as { name: string; input_schema: { properties: Record<string, unknown>; required: string[] } }[]).find((tool) => tool.name === 'mcp__symphony__linear_graphql');
    expect(Object.keys(offered?.input_schema.properties ?? {})).toEqual(['query', 'variables']);
    expect(offered?.input_schema.required).toEqual(['query']);
    expect(calls).toEqual([{ name: 'linear_graphql', args: input }]);
    expect(log.named('tool_call_completed')[0]?.activity).toMatchObject({ kind: 'tool', phase: 'completed', tool: 'linear_graphql' });
    // Host tools never ask, even under `deny`.
    expect(log.named('approval_rejected')).toHaveLength(0);
    expect(model.requests.at(-1)?.toolResults.at(-1)?.text).toContain('"user-1"');
  });
});

describe('Claude Code runtime: usage', () => {
  it('reports absolute totals summed over the session, cached prompt tokens included', async () => {
    const { model, ws, log } = await setup(() => ({ type: 'text', text: 'ok', usage: { inputTokens: 100, outputTokens: 10, cacheReadInputTokens: 50 } }));
    const session = track(await startTestClaude(model, ws, log));
    await session.runTurn({ text: 'One.', title: 'USE-1' });
    expect(log.named('token_usage_updated').at(-1)?.usage).toEqual({ inputTokens: 150, outputTokens: 10, totalTokens: 160 });
    await session.runTurn({ text: 'Two.', title: 'USE-1' });
    expect(log.named('token_usage_updated').at(-1)?.usage).toEqual({ inputTokens: 300, outputTokens: 20, totalTokens: 320 });
    expect(log.named('turn_completed')).toHaveLength(2);
  });
});

describe('Claude Code runtime: session log', () => {
  it('records the SDK stream of the session in <logsRoot>/sessions/<workspace_key>/<session_id>.jsonl', async () => {
    const { model, ws, log } = await setup(() => ({ type: 'text', text: 'logged' }));
    const logsRoot = path.join(ws.root, 'logs');
    const session = track(await startTestClaude(model, ws, log, { sessionLog: { logsRoot, workspaceKey: 'ABC-1' } }));
    const { sessionId } = await session.runTurn({ text: 'Log this.', title: 'LOG-1' });
    await session.stop();
    const records = readFileSync(path.join(logsRoot, 'sessions', 'ABC-1', `${sessionId}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { dir: string; msg: { type: string } });
    expect(records.find((record) => record.dir === 'send')?.msg).toMatchObject({ type: 'user', message: { content: 'Log this.' } });
    expect(records.some((record) => record.dir === 'recv' && record.msg.type === 'result')).toBe(true);
  });
});

describe('Claude Code runtime: stop', () => {
  it('leaves no process behind, not even a command running in its own process group', async () => {
    const { model, ws, log } = await setup(toolThenText('Bash', { command: 'echo $$ > cmd.pid; exec node -e "setTimeout(() => {}, 60000)"', description: 'wait a minute' }));
    const session = track(await startTestClaude(model, ws, log));
    const pid = session.pid!;
    expect(processAlive(pid)).toBe(true);
    const turn = session.runTurn({ text: 'Wait.', title: 'STOP-1' });
    const pidFile = path.join(ws.workspace, 'cmd.pid');
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the command to start');
    const commandPid = Number(readFileSync(pidFile, 'utf8').trim());
    await until(() => processAlive(commandPid) && readFileSync(`/proc/${commandPid}/cmdline`, 'latin1').includes('setTimeout'), 'the command to exec node');
    expect(descendantPids(pid)).toContain(commandPid);
    const ended = expect(turn).rejects.toMatchObject({ code: 'port_exit' });
    await session.stop();
    await ended;
    expect(processAlive(pid)).toBe(false);
    expect(processAlive(commandPid)).toBe(false);
    expect(descendantPids(pid)).toEqual([]);
    await session.stop();
  });
});
