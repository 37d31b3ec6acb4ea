/**
 * The ACP runtime with the real Gemini CLI 0.61 (`gemini --acp`) and the fake Gemini API: startup
 * time, the agent environment as its own shell tool sees it, and stop leaving no process behind
 * (a background command included). Start-up of Gemini CLI is about 2.5–3.5 s per session here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { startAcpSession, type AcpSession, type AcpSessionOptions } from '../../src/runner/acp/session.js';
import { geminiCommand, makeGeminiHome, startFakeGemini, type FakeGemini, type GeminiHome, type GeminiStep } from '../support/fake-gemini/index.js';
import { descendantPids, EventLog, groupAlive, perTestSession, processAlive, type TestWorkspace } from './helpers.js';

/** What the scripted model does at step 0 of a turn whose input names a key of this map. */
const FIRST_STEPS: Readonly<Record<string, GeminiStep>> = {
  'Dump the environment': { type: 'function_call', name: 'run_shell_command', args: { command: 'env > env.txt', description: 'dump env' } },
  'Start a server': { type: 'function_call', name: 'run_shell_command', args: { command: 'sleep 600', description: 'long runner', is_background: true } },
};

let gemini: FakeGemini;
let home: GeminiHome;
beforeAll(async () => {
  gemini = await startFakeGemini((request) => {
    const key = Object.keys(FIRST_STEPS).find((prefix) => request.lastUserText.startsWith(prefix));
    return request.stepInTurn === 0 && key !== undefined ? FIRST_STEPS[key]! : { type: 'text', text: 'done' };
  });
  home = await makeGeminiHome();
});
afterAll(async () => {
  expect(gemini.otherRequests).toEqual([]);
  await gemini.close();
  await home.cleanup();
});

let ws: TestWorkspace;
let log: EventLog;
const sessions: AcpSession[] = [];
perTestSession(sessions, (fresh) => ({ ws, log } = fresh));

async function start(overrides: Partial<AcpSessionOptions> = {}): Promise<AcpSession> {
  const session = await startAcpSession({
    command: geminiCommand({ baseUrl: gemini.baseUrl, home: home.path }),
    workspacePath: ws.workspace,
    workspaceRoot: ws.root,
    env: { ...process.env },
    secretEnvNames: [],
    authMethod: 'gemini-api-key',
    approvalPolicy: 'allow',
    readTimeoutMs: 30_000,
    turnTimeoutMs: 30_000,
    tools: [],
    executeTool: () => Promise.resolve({ success: false, text: 'none' }),
    onEvent: log.sink,
    logger: silentLogger(),
    ...overrides,
  });
  sessions.push(session);
  return session;
}

describe('ACP runtime with the real gemini --acp', () => {
  it('starts within the startup allowance and reports the agent commands it runs; no tracker secret reaches them', async () => {
    const began = Date.now();
    const session = await start({ env: { ...process.env, LINEAR_API_KEY: 'lin_secret' }, secretEnvNames: ['LINEAR_API_KEY'] });
    const startupMs = Date.now() - began;
    expect(startupMs).toBeLessThan(20_000);
    await session.runTurn({ text: 'Dump the environment.', title: 'ABC-1: env' });
    const env = readFileSync(path.join(ws.workspace, 'env.txt'), 'utf8');
    expect(env).toContain('GEMINI_API_KEY=');
    expect(env).not.toContain('LINEAR_API_KEY');
    const command = log.named('notification').find((event) => event.activity?.kind === 'command');
    expect(command?.activity).toMatchObject({ kind: 'command', command: 'env > env.txt' });
    expect(log.named('approval_auto_approved')).toHaveLength(1);
    expect(log.named('token_usage_updated').at(-1)?.usage?.totalTokens).toBeGreaterThan(0);
    console.info(`gemini --acp startup (spawn → session/new answered): ${startupMs} ms`);
  }, 60_000);

  it('stop leaves no process behind, a background command of the agent included', async () => {
    const session = await start();
    await session.runTurn({ text: 'Start a server.', title: 'ABC-1: server' });
    const pid = session.pid ?? 0;
    const tree = descendantPids(pid);
    const cmdline = (child: number): string => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, 'latin1').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    };
    expect(tree.map(cmdline).some((line) => line.startsWith('sleep 600') || line.includes(' sleep 600'))).toBe(true);
    const stopping = Date.now();
    await session.stop();
    const stopMs = Date.now() - stopping;
    expect(groupAlive(pid)).toBe(false);
    expect(tree.filter(processAlive)).toEqual([]);
    console.info(`gemini --acp stop: ${stopMs} ms, ${tree.length} descendant processes reaped`);
  }, 60_000);
});
