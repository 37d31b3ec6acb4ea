/**
 * End to end with the Claude Code runtime (issue 8 "Tests"), through the `symphony` CLI: the real
 * Claude Code (the SDK and its bundled binary) against the scripted fake Anthropic server, the
 * fake Linear, offline. Plus the per-issue `runtime:<kind>` label next to the real Codex binary.
 * Every wait is on a log line, a model request, HTTP state or (for processes) `/proc`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLine, descendantPids, isAlive } from '../support/daemon.js';
import type { AnthropicRequest, AnthropicStep } from '../support/fake-anthropic/index.js';
import { eventually, eventuallyAsync } from '../support/wait.js';
import { ANTHROPIC_TEST_KEY, setupClaudeE2E, type ClaudeE2E } from './claude-harness.js';
import { LINEAR_KEY } from './harness.js';

let env: ClaudeE2E | null = null;
afterEach(async () => {
  await env?.dispose();
  env = null;
});

const GRAPHQL_TOOL = 'mcp__symphony__linear_graphql';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID_PAIR = new RegExp(`^(${UUID})-(${UUID})$`);
const issueIdOf = (req: AnthropicRequest): string => /issue id ([^)\s]+)\)/.exec(req.lastUserText)?.[1] ?? 'unknown';
const lastResult = (req: AnthropicRequest): string => req.toolResults[req.toolResults.length - 1]?.text ?? '';
const firstUserText = (req: AnthropicRequest): string => JSON.stringify(req.messages.find((m) => m.role === 'user')?.content ?? '');

/** The process group of `pid`, from `/proc/<pid>/stat`. */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function json(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

interface RunningRow {
  issue_identifier: string;
  session_id: string | null;
  runtime?: string;
  last_activity: Record<string, unknown> | null;
}

interface WaitingRow {
  issue_identifier: string;
  kind: string;
  command: string | null;
  cwd: string | null;
  decisions: string[];
}

describe('end to end: WORKFLOW.md → Linear → workspace → real Claude Code', () => {
  it('runs an issue from Todo to Done: after_create, Bash in the workspace, linear_graphql host-side, cleanup with before_remove', async () => {
    env = await setupClaudeE2E((req): AnthropicStep => {
      switch (req.stepInTurn) {
        case 0:
          return { type: 'tool_use', name: 'Bash', input: { command: 'env > agent-env.txt; printf hello > result.txt', description: 'Write the result' } };
        case 1:
          return {
            type: 'tool_use',
            name: GRAPHQL_TOOL,
            input: { query: 'query States($name: String!) { workflowStates(filter: {name: {eq: $name}}) { nodes { id name } } }', variables: { name: 'Done' } },
          };
        case 2: {
          const doneId = /"id":\s*"([^"]+)"/.exec(lastResult(req))?.[1] ?? 'missing';
          return {
            type: 'tool_use',
            name: GRAPHQL_TOOL,
            input: {
              query: 'mutation Move($id: String!, $stateId: String!) { issueUpdate(id: $id, input: {stateId: $stateId}) { success } }',
              variables: { id: issueIdOf(req), stateId: doneId },
            },
          };
        }
        default:
          // The turn stays open: only reconciliation, seeing Done, can end this run.
          return { type: 'hang' };
      }
    });
    const issue = env.linear.addIssue({ identifier: 'CC-1', title: 'Write a file', state: 'Todo', priority: 2 });
    const daemon = env.start();

    await daemon.waitForLog((l) => l.msg === 'workspace removed' && l.issue_identifier === 'CC-1', 'workspace removal', 45_000);
    expect(env.linear.issue('CC-1')?.state).toBe('Done');
    expect(await env.marker('after_create.log')).toBe('CC-1\n');
    expect(await env.marker('before_remove.log')).toBe('CC-1\n');
    expect(await env.marker('result.txt')).toBe('hello');
    expect(existsSync(path.join(env.root, 'CC-1'))).toBe(false);
    expect(daemon.logs.find((l) => l.msg === 'stopping worker')).toMatchObject({ issue_identifier: 'CC-1', reason: 'terminal' });
    expect(await env.marker('after_run.log')).toBe('CC-1\n');

    // Claude Code was offered the host tool, and the Bash result came back before the first call.
    const first = env.anthropic.requests[0]!;
    expect(first.toolNames).toContain(GRAPHQL_TOOL);
    expect(first.lastUserText).toContain(`Work on CC-1 (issue id ${issue.id})`);
    expect(env.anthropic.requests[1]?.toolResults[0]?.isError).toBe(false);
    // The lookup ran host-side and its answer reached the model; so did the move, with the daemon's
    // key (reconciliation may stop the run before the model's next request, so Linear's record
    // is the evidence for the move).
    expect(lastResult(env.anthropic.requests[2]!)).toContain('"name": "Done"');
    expect(env.linear.requests.some((r) => r.operationName === 'Move' && r.authorized)).toBe(true);
    expect(env.linear.invalidDocuments).toEqual([]);

    // The agent's environment: no tracker key (name or value), the model credential, its own config dir.
    const agentEnv = (await env.marker('agent-env.txt')) ?? '';
    expect(agentEnv).toContain('PATH=');
    expect(agentEnv).toContain(`ANTHROPIC_BASE_URL=${env.anthropic.baseUrl}`);
    expect(agentEnv).toMatch(/^CLAUDE_CONFIG_DIR=.*symphony-claude-/m);
    expect(agentEnv).not.toContain('LINEAR_API_KEY');
    expect(agentEnv).not.toContain(LINEAR_KEY);

    const dispatched = daemon.logs.find((l) => l.msg === 'dispatch started');
    expect(dispatched).toMatchObject({ issue_identifier: 'CC-1', issue_id: issue.id });
    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
    expect(daemon.output).not.toContain(LINEAR_KEY);
    expect(daemon.output).not.toContain(ANTHROPIC_TEST_KEY);
  });

  it('runs a continuation turn on the same Claude session: the second request carries the first turn', async () => {
    env = await setupClaudeE2E((req): AnthropicStep => ({ type: 'text', text: `still working (turn ${req.turnIndex})` }), {
      maxTurns: 2,
      prompt: 'PROMPT for {{ issue.identifier }} (issue id {{ issue.id }})',
    });
    env.linear.addIssue({ identifier: 'CC-2', title: 'Keep going', state: 'In Progress' });
    const daemon = env.start();
    const turns = await daemon.waitForLog((l) => l.msg === 'turn completed' && l.turn === 2, 'the second turn', 45_000).then(() =>
      daemon.logs.filter((l) => l.msg === 'turn completed' && l.issue_identifier === 'CC-2'),
    );
    expect(turns.map((l) => l.turn)).toEqual([1, 2]);
    // session_id is `<thread_id>-<turn_id>`: Claude Code's session UUID, then a fresh turn UUID.
    const [one, two] = turns.map((l) => UUID_PAIR.exec(String(l.session_id)));
    expect(one?.[1]).toBeTruthy();
    expect(two?.[1]).toBe(one?.[1]);
    expect(two?.[2]).not.toBe(one?.[2]);

    const [first, second] = env.anthropic.requests;
    expect(first!.turnIndex).toBe(0);
    expect(first!.lastUserText).toContain('PROMPT for CC-2');
    // Same conversation: the first prompt and the first answer are in the history; the new input is guidance.
    expect(second!.turnIndex).toBe(1);
    expect(firstUserText(second!)).toContain('PROMPT for CC-2');
    expect(second!.messages.some((m) => m.role === 'assistant' && JSON.stringify(m.content).includes('still working (turn 0)'))).toBe(true);
    expect(second!.lastUserText).not.toContain('PROMPT for');
    expect(second!.lastUserText).toContain('CC-2');

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });

  it('a Bash approval waits on the dashboard API; the accept posted there lets the command run', async () => {
    // Turn 1 runs the command (a prompt under `ask`) and ends; turn 2 stays open, so nothing else waits.
    const script = (req: AnthropicRequest): AnthropicStep => {
      if (req.turnIndex > 0) return { type: 'hang' };
      return req.stepInTurn === 0 ? { type: 'tool_use', name: 'Bash', input: { command: 'printf approved > result.txt', description: 'Write the result' } } : { type: 'text', text: 'done' };
    };
    env = await setupClaudeE2E(script, { approvalPolicy: 'ask', serverPort: 0, pollMs: 600_000, maxTurns: 2 });
    env.linear.addIssue({ identifier: 'CC-3', title: 'Needs approval', state: 'Todo' });
    const daemon = env.start();
    const base = String((await daemon.waitForLog((l) => l.msg === 'http server listening', 'the HTTP server')).url);

    const state = await eventuallyAsync(async () => {
      const body = await json(`${base}/api/v1/state`);
      return (body.waiting as WaitingRow[]).length > 0 ? body : false;
    }, 'the approval to wait for an operator', 30_000);
    const workspace = path.join(env.root, 'CC-3');
    expect((state.waiting as WaitingRow[])[0]).toMatchObject({ issue_identifier: 'CC-3', kind: 'approval', command: 'printf approved > result.txt', cwd: workspace });
    expect((state.waiting as WaitingRow[])[0]?.decisions).toContain('accept');
    const row = (state.running as RunningRow[]).find((r) => r.issue_identifier === 'CC-3');
    expect(row).toMatchObject({ runtime: 'claude', last_activity: { kind: 'operator', phase: 'waiting' } });
    expect(String(row?.last_activity?.summary)).toMatch(/^waiting for an operator: .*printf approved > result\.txt/);
    // Nothing ran while it waited.
    expect(existsSync(path.join(workspace, 'result.txt'))).toBe(false);

    const answered = await post(`${base}/api/v1/CC-3/answer`, { decision: 'accept' });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ answered: true });
    await daemon.waitForLog((l) => l.msg === 'turn completed' && l.issue_identifier === 'CC-3', 'the turn to complete after the answer', 30_000);
    expect(await readFile(path.join(workspace, 'result.txt'), 'utf8')).toBe('approved');
    // The model saw the command's (successful) result.
    const after = env.anthropic.requests.find((r) => r.stepInTurn === 1);
    expect(after?.toolResults[0]?.isError).toBe(false);
    // Answered once: nothing waits any more.
    expect((await post(`${base}/api/v1/CC-3/answer`, { decision: 'accept' })).status).toBe(409);
    expect((await json(`${base}/api/v1/state`)).counts).toMatchObject({ running: 1, waiting: 0 });

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });

  it('SIGTERM stops the daemon with exit 0 and leaves no process behind, not even a running Bash command', async () => {
    // Claude Code blocks a standalone long `sleep`; a loop waiting for a file that never comes runs on.
    const loop = 'until [ -e go.txt ]; do sleep 1; done';
    env = await setupClaudeE2E((req): AnthropicStep => (req.stepInTurn === 0 ? { type: 'tool_use', name: 'Bash', input: { command: loop, description: 'Wait for go.txt' } } : { type: 'text', text: 'done' }));
    env.linear.addIssue({ identifier: 'CC-4', title: 'Long command', state: 'Todo' });
    const daemon = env.start();
    const shell = await eventually(() => descendantPids(daemon.pid).find((pid) => commandLine(pid).includes(loop)), 'the Bash command to run', 30_000);
    const tree = descendantPids(daemon.pid);
    const claude = tree.find((pid) => /claude-agent-sdk-[^/]+\/claude /.test(commandLine(pid)));
    expect(claude).toBeDefined();
    // The command runs in a process group of its own: stopping Claude Code's group alone would miss it.
    expect(processGroup(shell)).not.toBe(processGroup(claude!));
    // Claude Code itself never had the tracker key.
    const claudeEnv = readFileSync(`/proc/${claude!}/environ`, 'latin1');
    expect(claudeEnv).toContain(`ANTHROPIC_BASE_URL=${env.anthropic.baseUrl}`);
    expect(claudeEnv).not.toContain('LINEAR_API_KEY');
    expect(claudeEnv).not.toContain(LINEAR_KEY);
    const configDir = claudeEnv.split('\0').find((entry) => entry.startsWith('CLAUDE_CONFIG_DIR='))?.slice('CLAUDE_CONFIG_DIR='.length) ?? '';
    expect(existsSync(configDir)).toBe(true);

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit(30_000)).exitCode).toBe(0);
    expect(daemon.logs.some((l) => l.msg === 'symphony stopped' && l.outcome === 'completed')).toBe(true);
    await eventually(() => tree.every((pid) => !isAlive(pid)), 'every process of the run to be gone', 10_000, 50);
    expect(await env.marker('after_run.log')).toBe('CC-4\n');
    // The stop removed the run's CLAUDE_CONFIG_DIR.
    expect(existsSync(configDir)).toBe(false);
  });
});

describe('runtime:<kind> label overrides the default runtime per issue', () => {
  it('runs a runtime:claude issue on Claude Code and another on Codex in one daemon; runtime:nope is skipped with the reason', async () => {
    env = await setupClaudeE2E((): AnthropicStep => ({ type: 'hang' }), { runtime: null, serverPort: 0, pollMs: 600_000 });
    env.linear.addIssue({ identifier: 'MIX-1', title: 'On Codex', state: 'Todo', priority: 1 });
    env.linear.addIssue({ identifier: 'MIX-2', title: 'On Claude', state: 'Todo', priority: 1, labels: ['runtime:claude'] });
    env.linear.addIssue({ identifier: 'MIX-3', title: 'Nowhere', state: 'Todo', priority: 1, labels: ['runtime:nope'] });
    const daemon = env.start();
    const base = String((await daemon.waitForLog((l) => l.msg === 'http server listening', 'the HTTP server')).url);

    const state = await eventuallyAsync(async () => {
      const body = await json(`${base}/api/v1/state`);
      const running = body.running as RunningRow[];
      return running.length === 2 && running.every((r) => r.session_id !== null) ? body : false;
    }, 'both issues running with a session', 45_000);
    const byIssue = new Map((state.running as RunningRow[]).map((r) => [r.issue_identifier, r.runtime]));
    expect(Object.fromEntries(byIssue)).toEqual({ 'MIX-1': 'codex', 'MIX-2': 'claude' });
    const skipped = state.skipped as { issue_identifier: string; reason: string }[];
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.issue_identifier).toBe('MIX-3');
    expect(skipped[0]?.reason).toMatch(/label runtime:nope names no runtime of this build \(supported: .*claude/);

    // Each model got its own issue's prompt.
    await env.anthropic.waitForRequests(1);
    await env.model.waitForRequests(1);
    expect(env.anthropic.requests.map((r) => r.lastUserText).join('\n')).toContain('Work on MIX-2');
    expect(env.anthropic.requests.map((r) => r.lastUserText).join('\n')).not.toContain('MIX-1');
    expect(env.model.requests.map((r) => r.lastUserText).join('\n')).toContain('Work on MIX-1');
    expect(env.model.requests.map((r) => r.lastUserText).join('\n')).not.toContain('MIX-2');
    const dispatches = daemon.logs.filter((l) => l.msg === 'dispatch started').map((l) => l.issue_identifier);
    expect(dispatches.sort()).toEqual(['MIX-1', 'MIX-2']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^symphony_dispatches_total\{runtime="claude"\} 1$/m);
    expect(metrics).toMatch(/^symphony_dispatches_total\{runtime="codex"\} 1$/m);

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit(30_000)).exitCode).toBe(0);
  });
});
