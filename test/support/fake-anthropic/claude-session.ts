/**
 * Starting a real Claude Code session (the pinned SDK's binary) against a {@link FakeAnthropic},
 * with test defaults, for the Claude runtime tests.
 */
import { DEFAULT_CLAUDE_CONFIG } from '../../../src/config/claude.js';
import type { ClaudeConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { startClaudeSession, type ClaudeSession, type ClaudeSessionOptions } from '../../../src/runner/claude/session.js';
import type { EventLog, TestWorkspace } from '../../runner/helpers.js';
import type { FakeAnthropic } from './index.js';

/** Overrides of {@link startTestClaude}; `config` merges into the defaults. */
export type TestClaudeOverrides = Partial<Omit<ClaudeSessionOptions, 'config'>> & { readonly config?: Partial<ClaudeConfig> };

/** Session options for `ws` talking to `model`, events into `log`; `overrides` win. */
export function testClaudeOptions(model: FakeAnthropic, ws: TestWorkspace, log: EventLog, overrides: TestClaudeOverrides = {}): ClaudeSessionOptions {
  const { config, env, ...rest } = overrides;
  return {
    config: { ...DEFAULT_CLAUDE_CONFIG, approvalPolicy: 'allow', ...config },
    workspacePath: ws.workspace,
    workspaceRoot: ws.root,
    env: { ...process.env, ANTHROPIC_BASE_URL: model.baseUrl, ANTHROPIC_API_KEY: 'sk-ant-test', ...env },
    secretEnvNames: [],
    operatorChannel: false,
    tools: [],
    executeTool: () => Promise.resolve({ success: false, text: 'no tools in this test' }),
    onEvent: log.sink,
    logger: silentLogger(),
    clientVersion: '0.0.0-test',
    ...rest,
  };
}

/** Starts a session with {@link testClaudeOptions}. */
export function startTestClaude(model: FakeAnthropic, ws: TestWorkspace, log: EventLog, overrides: TestClaudeOverrides = {}): Promise<ClaudeSession> {
  return startClaudeSession(testClaudeOptions(model, ws, log, overrides));
}
