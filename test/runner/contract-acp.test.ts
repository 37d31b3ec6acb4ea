/**
 * The runner contract (test/runner/contract.ts) against the ACP runtime profile: with the scripted
 * fake ACP agent, and with the real Gemini CLI (`gemini --acp`) driven by the fake Gemini API.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { acpRuntime } from '../../src/runner/acp/profile.js';
import { geminiCommand, makeGeminiHome, startFakeGemini, type FakeGemini, type GeminiHome } from '../support/fake-gemini/index.js';
import { testWorkflow } from '../support/orchestrator-harness.js';
import { fakeAcpCommand } from './acp-fixture.js';
import { describeRuntimeContract } from './contract.js';

describeRuntimeContract({
  name: 'acp (fake agent)',
  profile: acpRuntime,
  completing: () => testWorkflow({ agent: { runtime: 'acp' }, acp: { command: fakeAcpCommand('ok'), authMethod: 'fake-key', approvalPolicy: 'allow' } }).config,
  approval: () => testWorkflow({ agent: { runtime: 'acp' }, acp: { command: fakeAcpCommand('approval'), approvalPolicy: 'ask' } }).config,
  afterApproval: (ws) => expect(existsSync(path.join(ws.workspace, 'approved.txt'))).toBe(true),
});

let gemini: FakeGemini;
let home: GeminiHome;
beforeAll(async () => {
  // Each turn asked to run the command calls run_shell_command first (a permission request), then answers.
  gemini = await startFakeGemini((request) =>
    request.stepInTurn === 0 && request.lastUserText.includes('Run the command')
      ? { type: 'function_call', name: 'run_shell_command', args: { command: 'touch contract.txt', description: 'create a marker file' } }
      : { type: 'text', text: 'done' },
  );
  home = await makeGeminiHome();
});
afterAll(async () => {
  expect(gemini.otherRequests).toEqual([]);
  await gemini.close();
  await home.cleanup();
});

const realGemini = (approvalPolicy: 'allow' | 'ask') =>
  testWorkflow({ agent: { runtime: 'acp' }, acp: { command: geminiCommand({ baseUrl: gemini.baseUrl, home: home.path }), authMethod: 'gemini-api-key', approvalPolicy } }).config;

describeRuntimeContract({
  name: 'acp (real gemini --acp)',
  profile: acpRuntime,
  timeoutMs: 45_000,
  completing: () => realGemini('allow'),
  approval: () => realGemini('ask'),
  afterApproval: (ws) => expect(existsSync(path.join(ws.workspace, 'contract.txt'))).toBe(true),
});
