/**
 * The runner contract (test/runner/contract.ts) against the Codex runtime profile: with the fake
 * app-server fixture, and with the real Codex binary driven by the scripted fake model.
 */
import { afterAll, beforeAll } from 'vitest';
import { codexRuntime } from '../../src/runner/app-server/profile.js';
import { codexCommand, makeCodexHome, type CodexHome } from '../support/codex.js';
import { startFakeModel, type FakeModel } from '../support/fake-model/index.js';
import { testWorkflow } from '../support/orchestrator-harness.js';
import { describeRuntimeContract } from './contract.js';
import { fakeServerCommand } from './helpers.js';

describeRuntimeContract({
  name: 'codex (fake app-server)',
  profile: codexRuntime,
  completing: () => testWorkflow({ codex: { command: fakeServerCommand('ok'), approvalPolicy: 'never' } }).config,
  approval: () => testWorkflow({ codex: { command: fakeServerCommand('approval-wait'), approvalPolicy: 'untrusted' } }).config,
});

let model: FakeModel;
let home: CodexHome;
beforeAll(async () => {
  // Each turn: run a command first (an approval under `untrusted`), then answer.
  model = await startFakeModel((request) =>
    request.stepInTurn === 0 && request.input.some((item) => JSON.stringify(item).includes('Run the command'))
      ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch contract.txt' } }
      : { type: 'message', text: 'done' },
  );
  home = await makeCodexHome();
});
afterAll(async () => {
  await model.close();
  await home.cleanup();
});

describeRuntimeContract({
  name: 'codex (real binary)',
  profile: codexRuntime,
  timeoutMs: 60_000,
  completing: () => testWorkflow({ codex: { command: codexCommand({ modelBaseUrl: model.baseUrl, codexHome: home.path }), approvalPolicy: 'never', readTimeoutMs: 30_000 } }).config,
  approval: () => testWorkflow({ codex: { command: codexCommand({ modelBaseUrl: model.baseUrl, codexHome: home.path }), approvalPolicy: 'untrusted', readTimeoutMs: 30_000 } }).config,
});
