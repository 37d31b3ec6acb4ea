/**
 * The runner contract (test/runner/contract.ts) against the Claude Code runtime profile: the real
 * Claude Code binary of the pinned SDK, driven by the scripted fake Anthropic Messages server.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { claudeRuntime } from '../../src/runner/claude/profile.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic/index.js';
import { testWorkflow } from '../support/orchestrator-harness.js';
import { describeRuntimeContract } from './contract.js';

let model: FakeAnthropic;
beforeAll(async () => {
  // A turn asked to run the command runs Bash first (a permission prompt), then answers.
  model = await startFakeAnthropic((request) =>
    request.stepInTurn === 0 && request.lastUserText.includes('Run the command')
      ? { type: 'tool_use', name: 'Bash', input: { command: 'touch contract.txt', description: 'Create the contract file' } }
      : { type: 'text', text: 'done', usage: { inputTokens: 120, outputTokens: 7 } },
  );
});
afterAll(async () => {
  await model.close();
});

describeRuntimeContract({
  name: 'claude (real Claude Code, fake Anthropic API)',
  profile: claudeRuntime,
  timeoutMs: 30_000,
  environment: () => ({ ANTHROPIC_BASE_URL: model.baseUrl, ANTHROPIC_API_KEY: 'sk-ant-test-contract' }),
  completing: () => testWorkflow({ claude: { approvalPolicy: 'allow' } }).config,
  approval: () => testWorkflow({ claude: { approvalPolicy: 'ask' } }).config,
  afterApproval: (ws) => {
    expect(existsSync(path.join(ws.workspace, 'contract.txt'))).toBe(true);
  },
});
