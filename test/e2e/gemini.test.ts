/**
 * End to end with the ACP runtime and the real Gemini CLI 0.61 (`gemini --acp`), through the
 * `symphony` CLI against the fake Linear and the scripted fake Gemini API, offline (issue 8
 * "Tests"). Every wait is on a log line, a model request or the HTTP state. Gemini CLI takes
 * 2–3 s to start, so each daemon run covers several behaviours.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLine, descendantPids, isAlive, type Daemon } from '../support/daemon.js';
import type { GeminiContent, GeminiRequest, GeminiStep } from '../support/fake-gemini/index.js';
import { eventually, eventuallyAsync } from '../support/wait.js';
import { LINEAR_KEY, setupGeminiE2E, type GeminiE2E } from './gemini-harness.js';

let env: GeminiE2E | null = null;
afterEach(async () => {
  const other = env?.gemini.otherRequests ?? [];
  await env?.dispose();
  env = null;
  // Gemini CLI talked only to the fake's model routes.
  expect(other).toEqual([]);
});

const shell = (command: string): GeminiStep => ({ type: 'function_call', name: 'run_shell_command', args: { command, description: 'scripted command' } });
const text = (reply: string): GeminiStep => ({ type: 'text', text: reply });

/** The issue id the prompt names (`issue id <id>)`), anywhere in the conversation. */
function issueIdOf(req: GeminiRequest): string {
  return /issue id ([^)\s\\]+)\)/.exec(JSON.stringify(req.contents))?.[1] ?? 'unknown';
}

/**
 * The id of the `Done` state in a tool result. Gemini CLI hands the MCP tool's text to the model
 * inside `<untrusted_context>…</untrusted_context>`, so JSON is looked for inside strings.
 */
function doneStateId(value: unknown): string | null {
  if (typeof value === 'string') {
    const start = value.indexOf('{');
    const end = value.lastIndexOf('}');
    if (start < 0 || end < start) return null;
    try {
      return doneStateId(JSON.parse(value.slice(start, end + 1)));
    } catch {
      return null;
    }
  }
  if (value === null || typeof value !== 'object') return null;
  const record = value as Record<string, unknown>;
  if (record.name === 'Done' && typeof record.id === 'string') return record.id;
  for (const child of Object.values(record)) {
    const found = doneStateId(child);
    if (found !== null) return found;
  }
  return null;
}

const functionCalls = (contents: readonly GeminiContent[]): string[] =>
  contents.flatMap((content) => (content.parts ?? []).flatMap((part) => (part.functionCall === undefined ? [] : [String((part.functionCall as { name?: unknown }).name)])));

/** Live descendants of the daemon with their command lines. */
const processTree = (daemon: Daemon): { pid: number; cmd: string }[] => descendantPids(daemon.pid).map((pid) => ({ pid, cmd: commandLine(pid) }));
const isGemini = (process: { cmd: string }): boolean => process.cmd.includes('gemini.js') && process.cmd.includes('--acp');

async function json(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

const answer = (base: string, id: string, decision: string): Promise<Response> =>
  fetch(`${base}/api/v1/${id}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision }) });

describe('end to end: WORKFLOW.md → Linear → workspace → real gemini --acp', () => {
  it('runs an issue from Todo to Done over two turns of one ACP session (shell command, linear_graphql host-side), cleans up, exits on SIGTERM', async () => {
    let midTurnTree: { pid: number; cmd: string }[] = [];
    env = await setupGeminiE2E((req): GeminiStep => {
      if (midTurnTree.length === 0 && env?.daemon) midTurnTree = processTree(env.daemon);
      if (req.turnIndex === 0) return req.stepInTurn === 0 ? shell('env > agent-env.txt; printf hello > result.txt') : text('Wrote result.txt.');
      // The continuation turn moves the issue with the daemon's tool (Gemini names it mcp_<server>_<tool>).
      const tracker = req.toolNames.find((name) => name.endsWith('linear_graphql'));
      if (req.turnIndex > 1 || tracker === undefined) return text('nothing more to do');
      switch (req.stepInTurn) {
        case 0:
          return {
            type: 'function_call',
            name: tracker,
            args: { query: 'query States($name: String!) { workflowStates(filter: {name: {eq: $name}}) { nodes { id name } } }', variables: { name: 'Done' } },
          };
        case 1:
          return {
            type: 'function_call',
            name: tracker,
            args: {
              query: 'mutation Move($id: String!, $stateId: String!) { issueUpdate(id: $id, input: {stateId: $stateId}) { success } }',
              variables: { id: issueIdOf(req), stateId: doneStateId(req.functionResponses.at(-1)?.response) ?? 'missing' },
            },
          };
        default:
          // Only reconciliation can end this turn: it sees Done and stops the run.
          return { type: 'hang' };
      }
    });
    const issue = env.linear.addIssue({ identifier: 'GEM-1', title: 'Write a file', state: 'Todo', priority: 2 });
    const daemon = env.start();

    // 1. Todo → workspace (after_create) → shell command → linear_graphql → Done → cleanup (before_remove).
    await daemon.waitForLog((l) => l.msg === 'workspace removed' && l.issue_identifier === 'GEM-1', 'workspace removal', 45_000);
    expect(env.linear.issue('GEM-1')?.state).toBe('Done');
    expect(await env.marker('after_create.log')).toBe('GEM-1\n');
    expect(await env.marker('before_remove.log')).toBe('GEM-1\n');
    expect(await env.marker('result.txt')).toBe('hello');
    expect(existsSync(path.join(env.root, 'GEM-1'))).toBe(false);
    expect(daemon.logs.find((l) => l.msg === 'dispatch started')).toMatchObject({ issue_identifier: 'GEM-1', issue_id: issue.id });
    // The move ran host-side with the daemon's key, and the agent's shell never saw the key.
    expect(env.linear.requests.some((r) => r.operationName === 'Move' && r.authorized)).toBe(true);
    expect(env.linear.invalidDocuments).toEqual([]);
    const agentEnv = (await env.marker('agent-env.txt')) ?? '';
    expect(agentEnv).toContain('GEMINI_API_KEY=');
    expect(agentEnv).not.toContain('LINEAR_API_KEY');
    expect(agentEnv).not.toContain(LINEAR_KEY);
    // The shell command ran through Gemini's own tool, and its result reached the model.
    expect(env.gemini.requests.some((r) => r.functionResponses.some((f) => f.name === 'run_shell_command'))).toBe(true);

    // Reconciliation saw Done and stopped the run during its second turn.
    const stopping = daemon.logs.find((l) => l.msg === 'stopping worker' && l.issue_identifier === 'GEM-1');
    expect(stopping).toMatchObject({ reason: 'terminal' });

    // 2. The continuation turn ran on the same ACP session (`<acp session id>-<turn>`), and its model
    // request carries turn 1's history.
    const turn1 = daemon.logs.find((l) => l.msg === 'turn completed' && l.issue_identifier === 'GEM-1');
    expect(turn1).toMatchObject({ turn: 1 });
    expect(stopping?.session_id).toBe(String(turn1?.session_id).replace(/-1$/, '-2'));
    const continuation = env.gemini.requests.find((r) => r.turnIndex === 1 && r.stepInTurn === 0);
    expect(continuation?.lastUserText).not.toContain('Work on GEM-1');
    expect(JSON.stringify(continuation?.contents)).toContain('Work on GEM-1');
    expect(functionCalls(continuation?.contents ?? [])).toEqual(['run_shell_command']);
    expect(daemon.logs.filter((l) => l.msg === 'dispatch started')).toHaveLength(1);

    // The stopped run left no process: gemini (seen mid-turn) and everything under it are gone.
    expect(midTurnTree.some(isGemini)).toBe(true);
    await eventually(() => midTurnTree.every((p) => !isAlive(p.pid)), 'the stopped run to leave no process', 5_000);

    // 4. An idle daemon exits 0 on SIGTERM (mid-turn: the next test).
    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit(15_000)).exitCode).toBe(0);
    expect(daemon.output).not.toContain(LINEAR_KEY);
  }, 60_000);

  it('an approval waits on the dashboard API with the agent options; the answer runs the command; SIGTERM mid-turn leaves no process', async () => {
    env = await setupGeminiE2E(
      (req): GeminiStep => {
        if (req.turnIndex === 0) return req.stepInTurn === 0 ? shell('printf approved > result.txt') : text('done');
        return { type: 'hang' };
      },
      { pollMs: 600_000, serverPort: 0, approvalPolicy: 'ask', maxTurns: 2 },
    );
    env.linear.addIssue({ identifier: 'GEM-2', title: 'Needs approval', state: 'Todo' });
    const daemon = env.start();
    const base = String((await daemon.waitForLog((l) => l.msg === 'http server listening', 'the HTTP server')).url);

    // 3. session/request_permission waits for an operator, shown in the API with the agent's options.
    const waiting = await eventuallyAsync(async () => ((await json(`${base}/api/v1/state`)).waiting as Record<string, unknown>[])[0] ?? false, 'the approval to wait', 45_000);
    expect(waiting).toMatchObject({ issue_identifier: 'GEM-2', kind: 'approval', method: 'session/request_permission' });
    expect(String(waiting.command)).toContain('printf approved > result.txt');
    // Gemini CLI 0.61's own options, each with its kind and the decision that selects it.
    expect(waiting.options).toEqual([
      { id: 'proceed_always', name: 'Allow for this session', kind: 'allow_always', decision: 'acceptForSession' },
      { id: 'proceed_once', name: 'Allow', kind: 'allow_once', decision: 'accept' },
      { id: 'cancel', name: 'Reject', kind: 'reject_once', decision: 'decline' },
    ]);
    expect(waiting.decisions).toEqual(['accept', 'acceptForSession', 'decline', 'cancel']);
    const detail = await json(`${base}/api/v1/GEM-2`);
    expect(detail).toMatchObject({ status: 'waiting', waiting: { kind: 'approval' }, running: { runtime: 'acp' } });
    const activity = (detail.running as { last_activity: Record<string, unknown> | null }).last_activity;
    expect(activity).toMatchObject({ kind: 'operator', phase: 'waiting' });
    expect(String(activity?.summary)).toMatch(/^waiting for an operator: .*printf approved/);
    expect(existsSync(path.join(env.root, 'GEM-2', 'result.txt'))).toBe(false);

    const answered = await answer(base, 'GEM-2', 'accept');
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ answered: true });
    await daemon.waitForLog((l) => l.msg === 'turn completed' && l.issue_identifier === 'GEM-2', 'the turn to complete after the answer', 30_000);
    expect(await readFile(path.join(env.root, 'GEM-2', 'result.txt'), 'utf8')).toBe('approved');
    expect((await answer(base, 'GEM-2', 'accept')).status).toBe(409);

    // 4. SIGTERM while the continuation turn waits on the model: exit 0, no process left.
    await env.gemini.waitForRequests(3);
    const tree = processTree(daemon);
    expect(tree.some(isGemini)).toBe(true);
    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit(15_000)).exitCode).toBe(0);
    expect(daemon.logs.some((l) => l.msg === 'stopping worker' && l.reason === 'shutdown' && l.issue_identifier === 'GEM-2')).toBe(true);
    await eventually(() => tree.every((p) => !isAlive(p.pid)), 'every process of the daemon to be gone', 5_000);
  }, 60_000);

  it('symphony check with agent.runtime acp probes the real gemini --acp', async () => {
    env = await setupGeminiE2E(() => text('unused'));
    const check = env.check();
    const exit = await check.waitForExit(45_000);
    const lines = check.stdoutLines.filter((line) => line !== '');
    expect(lines.find((line) => line.startsWith('ok   acp: '))).toMatch(/^ok {3}acp: acp\.command answered initialize, authenticate \(gemini-api-key\), session\/new in \d+ ms$/);
    expect(exit.exitCode).toBe(0);
    expect(check.output).not.toContain(LINEAR_KEY);
    expect(env.gemini.requests).toEqual([]);
  }, 60_000);
});
