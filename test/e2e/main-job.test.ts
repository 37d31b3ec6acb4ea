/**
 * End to end with the real Codex binary, through the `symphony` CLI: fake Linear and a scripted
 * model provider on 127.0.0.1 (issue #2 "Tests"). Every wait is on a log line or a model request.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { descendantPids, isAlive } from '../support/daemon.js';
import type { ModelRequest, ModelStep } from '../support/fake-model/index.js';
import { eventually } from '../support/wait.js';
import { LINEAR_KEY, setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;
afterEach(async () => {
  await env?.dispose();
  env = null;
});

const issueIdOf = (req: ModelRequest): string => /issue id ([^)\s]+)\)/.exec(req.input.map((i) => JSON.stringify(i)).join('\n'))?.[1] ?? 'unknown';
const lastOutput = (req: ModelRequest): string => req.toolOutputs[req.toolOutputs.length - 1]?.output ?? '';

describe('end to end: WORKFLOW.md → Linear → workspace → real Codex app-server', () => {
  it('runs an issue from Todo to Done: after_create, a command in the workspace, linear_graphql, cleanup with before_remove', async () => {
    env = await setupE2E((req): ModelStep => {
      switch (req.stepInTurn) {
        case 0:
          return { type: 'function_call', name: 'exec_command', arguments: { cmd: 'env > agent-env.txt; printf hello > result.txt' } };
        case 1:
          return {
            type: 'function_call',
            name: 'linear_graphql',
            arguments: { query: 'query States($name: String!) { workflowStates(filter: {name: {eq: $name}}) { nodes { id name } } }', variables: { name: 'Done' } },
          };
        case 2: {
          const doneId = /"id":\s*"([^"]+)"/.exec(lastOutput(req))?.[1] ?? 'missing';
          return {
            type: 'function_call',
            name: 'linear_graphql',
            arguments: {
              query: 'mutation Move($id: String!, $stateId: String!) { issueUpdate(id: $id, input: {stateId: $stateId}) { success } }',
              variables: { id: issueIdOf(req), stateId: doneId },
            },
          };
        }
        default:
          return { type: 'message', text: 'Moved the issue to Done.' };
      }
    });
    const issue = env.linear.addIssue({ identifier: 'SYM-1', title: 'Write a file', state: 'Todo', priority: 2 });
    const daemon = env.start();

    await daemon.waitForLog((l) => l.msg === 'workspace removed' && l.issue_identifier === 'SYM-1', 'workspace removal', 90_000);
    expect(env.linear.issue('SYM-1')?.state).toBe('Done');
    expect(await env.marker('after_create.log')).toBe('SYM-1\n');
    expect(await env.marker('before_remove.log')).toBe('SYM-1\n');
    expect(await env.marker('result.txt')).toBe('hello');
    expect(existsSync(path.join(env.root, 'SYM-1'))).toBe(false);

    // The move ran host-side with the daemon's key (the agent never saw the key). Reconciliation may
    // stop the run before the model's next request, so the tool result is checked at Linear's end.
    expect(env.linear.requests.some((r) => r.operationName === 'Move' && r.authorized)).toBe(true);
    const agentEnv = (await env.marker('agent-env.txt')) ?? '';
    expect(agentEnv).toContain('PATH=');
    expect(agentEnv).not.toContain('LINEAR_API_KEY');
    expect(agentEnv).not.toContain(LINEAR_KEY);

    // Every document sent to Linear (ours and the agent's) validated against the schema.
    expect(env.linear.invalidDocuments).toEqual([]);
    expect(env.linear.requests.some((r) => r.query?.includes('issueUpdate'))).toBe(true);
    expect(issue.id).toBeTruthy();

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
    expect(daemon.output).not.toContain(LINEAR_KEY);
    const dispatched = daemon.logs.find((l) => l.msg === 'dispatch started');
    expect(dispatched).toMatchObject({ issue_identifier: 'SYM-1', issue_id: issue.id });
  });

  it('continues on the same thread with guidance, then applies an edited prompt to the next dispatch', async () => {
    let sawReload: Promise<unknown> | null = null;
    env = await setupE2E(
      async (req): Promise<ModelStep> => {
        if (req.turnIndex === 1 && sawReload === null && env?.daemon) {
          // Edit the prompt while the second turn is in flight; answer once the daemon reloaded it.
          const daemon = env.daemon;
          await env.writeWorkflow({ maxTurns: 2, prompt: 'PROMPT-V2 for {{ issue.identifier }} (issue id {{ issue.id }}) attempt={{ attempt }}' });
          sawReload = daemon.waitForLog((l) => l.msg === 'workflow reloaded', 'reload', 30_000);
          await sawReload;
        }
        return { type: 'message', text: `still working (turn ${req.turnIndex})` };
      },
      { maxTurns: 2, prompt: 'PROMPT-V1 for {{ issue.identifier }} (issue id {{ issue.id }}) attempt={{ attempt }}' },
    );
    env.linear.addIssue({ identifier: 'SYM-2', title: 'Keep going', state: 'In Progress' });
    const daemon = env.start();
    await env.model.waitForRequests(3);
    const [first, second, third] = env.model.requests;
    expect(first!.turnIndex).toBe(0);
    expect(first!.lastUserText).toContain('PROMPT-V1 for SYM-2');
    expect(first!.lastUserText).toContain('attempt=');
    // Continuation turn: same thread (history carries turn 0), input is guidance, not the prompt.
    expect(second!.turnIndex).toBe(1);
    expect(second!.lastUserText).not.toContain('PROMPT-V1');
    expect(second!.lastUserText).toContain('SYM-2');
    // The worker exhausted max_turns; the continuation retry dispatched a new session with the new prompt.
    expect(third!.turnIndex).toBe(0);
    expect(third!.lastUserText).toContain('PROMPT-V2 for SYM-2');
    expect(third!.lastUserText).toContain('attempt=1');
    const retry = daemon.logs.find((l) => l.msg === 'retry scheduled' && l.kind === 'continuation');
    expect(retry).toMatchObject({ issue_identifier: 'SYM-2', attempt: 1, delay_ms: 1000 });
    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });

  it('kills a stalled run and retries it with backoff', async () => {
    env = await setupE2E((req): ModelStep => (env!.model.requests.length === 1 && req.turnIndex === 0 ? { type: 'hang' } : { type: 'message', text: 'done now' }), {
      stallMs: 3000,
      maxBackoffMs: 1000,
      pollMs: 200,
      maxTurns: 1,
    });
    env.linear.addIssue({ identifier: 'SYM-3', title: 'Stall', state: 'Todo' });
    const daemon = env.start();
    const stopping = await daemon.waitForLog((l) => l.msg === 'stopping worker' && l.reason === 'stalled', 'stall', 60_000);
    expect(stopping.issue_identifier).toBe('SYM-3');
    const retry = await daemon.waitForLog((l) => l.msg === 'retry scheduled' && l.kind === 'failure', 'failure retry', 30_000);
    expect(retry).toMatchObject({ attempt: 1, delay_ms: 1000 });
    expect(String(retry.reason)).toContain('stalled');
    await env.model.waitForRequests(2);
    expect(env.model.requests[1]!.turnIndex).toBe(0); // a fresh thread in a new app-server
    // attempt=1 normally; a loaded machine can stall attempt 1 before it reaches the model.
    expect(env.model.requests[1]!.lastUserText).toMatch(/attempt=[1-9]/);
    expect(await env.marker('after_run.log')).toContain('SYM-3');
    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });

  it('stops a run whose issue leaves the active states and keeps its workspace', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'hang' }), { pollMs: 200 });
    env.linear.addIssue({ identifier: 'SYM-4', title: 'Interrupted', state: 'Todo' });
    const daemon = env.start();
    await env.model.waitForRequests(1);
    env.linear.setState('SYM-4', 'Human Review');
    await daemon.waitForLog((l) => l.msg === 'stopping worker' && l.reason === 'inactive', 'inactive stop', 30_000);
    await daemon.waitForLog((l) => l.msg === 'claim released' && l.issue_identifier === 'SYM-4', 'release', 30_000);
    expect(await env.marker('after_run.log')).toBe('SYM-4\n');
    expect(await readdir(env.root)).toEqual(['SYM-4']);
    expect(daemon.logs.some((l) => l.msg === 'workspace removed')).toBe(false);
    expect(await env.marker('before_remove.log')).toBeNull();
    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });

  it('a daemon killed with SIGKILL leaves no agent behind: the app-server exits when its stdin closes', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'hang' }));
    env.linear.addIssue({ identifier: 'SYM-5', title: 'Killed', state: 'Todo' });
    const daemon = env.start();
    await env.model.waitForRequests(1);
    const agents = descendantPids(daemon.pid);
    expect(agents.length).toBeGreaterThan(0);
    daemon.signal('SIGKILL');
    await daemon.waitForExit();
    await eventually(() => agents.every((pid) => !isAlive(pid)), 'every agent process to exit after the daemon died', 30_000, 100);
  });
});
