/**
 * `symphony check` for the ACP runtime (issue 8 item 4): the handshake with the fake ACP agent in
 * a temporary workspace, one line each way, and nothing left behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeAcp } from '../../src/runner/acp/probe.js';
import { testWorkflow } from '../support/orchestrator-harness.js';
import { fakeAcpCommand } from './acp-fixture.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-acp-probe-'));
  dirs.push(dir);
  return dir;
}

describe('the ACP probe', () => {
  it('ok when the agent answers initialize and session/new; the temporary workspace is removed', async () => {
    const tmpDir = await scratch();
    const config = testWorkflow({ acp: { command: fakeAcpCommand('ok') } }).config;
    const result = await probeAcp({ config, env: { ...process.env }, tmpDir });
    expect(result).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^acp\.command answered initialize, session\/new in \d+ ms$/) });
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it('FAIL with the category when the command is missing or not set', async () => {
    const tmpDir = await scratch();
    const missing = await probeAcp({ config: testWorkflow({ acp: { command: 'symphony-no-such-acp-agent --acp' } }).config, env: { ...process.env }, tmpDir });
    expect(missing).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/^agent_not_found: acp\.command not found/) });
    const unset = await probeAcp({ config: testWorkflow({ acp: { command: null } }).config, env: { ...process.env }, tmpDir });
    expect(unset).toEqual({ status: 'FAIL', detail: 'invalid_config: acp.command is not set (agent.runtime is acp)' });
    expect(await readdir(tmpDir)).toEqual([]);
  });
});
