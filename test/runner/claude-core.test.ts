/**
 * The pure parts of the Claude Code runtime: the permission posture, operator answers, activity
 * mapping, token accounting, result reading, the host-tool schema and the launch script.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { messageEvents, toolActivity, type ToolUseRecord } from '../../src/runner/claude/activity.js';
import { claudeEnvironment } from '../../src/runner/claude/options.js';
import { approvalDraft, decidePermission, operatorPermissionResult, userInputDraft, type ToolPrompt } from '../../src/runner/claude/permissions.js';
import { endsTurn, readTurnResult } from '../../src/runner/claude/result.js';
import { execScript } from '../../src/runner/claude/spawn.js';
import { jsonSchemaShape } from '../../src/runner/claude/tools.js';
import { TokenLedger } from '../../src/runner/claude/usage.js';
import { linearGraphqlToolSpec } from '../../src/tracker/linear/tool.js';

const bash: ToolPrompt = {
  toolName: 'Bash',
  input: { command: 'rm -rf build', description: 'Clean the build' },
  suggestions: [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'rm -rf build' }], behavior: 'allow', destination: 'localSettings' }],
  title: null,
  decisionReason: null,
  suppressAlwaysAllow: false,
  cwd: '/ws/ABC-1',
};
const hostTools = new Set(['mcp__symphony__linear_graphql']);

describe('decidePermission (claude.approval_policy)', () => {
  it('allow approves, deny declines, ask waits with a channel and declines without one', () => {
    expect(decidePermission(bash, { policy: 'allow', operatorChannel: false, hostTools })).toMatchObject({ kind: 'answer', event: 'approval_auto_approved', result: { behavior: 'allow', updatedInput: bash.input } });
    expect(decidePermission(bash, { policy: 'deny', operatorChannel: true, hostTools })).toMatchObject({ kind: 'answer', event: 'approval_rejected', result: { behavior: 'deny' } });
    expect(decidePermission(bash, { policy: 'ask', operatorChannel: true, hostTools })).toMatchObject({ kind: 'operator', request: { kind: 'approval', command: 'rm -rf build', cwd: '/ws/ABC-1', reason: 'Clean the build' } });
    expect(decidePermission(bash, { policy: 'ask', operatorChannel: false, hostTools })).toMatchObject({ kind: 'answer', event: 'approval_rejected' });
  });

  it('host tools are always allowed without an event; questions need a channel whatever the policy', () => {
    const host = { ...bash, toolName: 'mcp__symphony__linear_graphql', input: { query: '{ viewer { id } }' } };
    expect(decidePermission(host, { policy: 'deny', operatorChannel: false, hostTools })).toMatchObject({ kind: 'answer', event: null, result: { behavior: 'allow' } });
    const question = { ...bash, toolName: 'AskUserQuestion', input: { questions: [{ question: 'Which?', header: 'Pick', options: [{ label: 'a', description: '' }] }] } };
    expect(decidePermission(question, { policy: 'allow', operatorChannel: true, hostTools })).toMatchObject({ kind: 'operator', request: { kind: 'user_input', summary: 'Which?' } });
    expect(decidePermission(question, { policy: 'deny', operatorChannel: false, hostTools })).toMatchObject({ kind: 'input_required', result: { behavior: 'deny', interrupt: true } });
  });

  it('describes file changes by path and offers acceptForSession only with suggestions', () => {
    const edit = { ...bash, toolName: 'Write', input: { file_path: '/ws/ABC-1/a.ts', content: 'x' }, suggestions: [] };
    expect(approvalDraft(edit)).toMatchObject({ summary: 'file change: /ws/ABC-1/a.ts', command: null, cwd: null, decisions: ['accept', 'decline', 'cancel'] });
    expect(approvalDraft(bash).decisions).toEqual(['accept', 'acceptForSession', 'decline', 'cancel']);
    expect(approvalDraft({ ...bash, suppressAlwaysAllow: true }).decisions).toEqual(['accept', 'decline', 'cancel']);
  });
});

describe('operatorPermissionResult', () => {
  const draft = approvalDraft(bash);
  it('maps the four decisions; session grants never reach a settings file', () => {
    expect(operatorPermissionResult(draft, { decision: 'accept' }, bash)).toMatchObject({ behavior: 'allow', updatedInput: bash.input });
    expect(operatorPermissionResult(draft, { decision: 'acceptForSession' }, bash)).toMatchObject({ behavior: 'allow', updatedPermissions: [{ type: 'addRules', destination: 'session' }] });
    expect(operatorPermissionResult(draft, { decision: 'decline' }, bash)).toMatchObject({ behavior: 'deny' });
    expect(operatorPermissionResult(draft, { decision: 'decline' }, bash)).not.toHaveProperty('interrupt');
    expect(operatorPermissionResult(draft, { decision: 'cancel' }, bash)).toMatchObject({ behavior: 'deny', interrupt: true });
  });

  it('answers questions by question text, labels joined; none interrupts', () => {
    const prompt = { ...bash, toolName: 'AskUserQuestion', input: { questions: [{ question: 'Colors?', header: 'C', multiSelect: true, options: [{ label: 'red' }, { label: 'blue' }] }] } };
    const questionDraft = userInputDraft(prompt);
    expect(questionDraft.questions[0]).toMatchObject({ id: 'q1', question: 'Colors?', options: [{ label: 'red', description: '' }, { label: 'blue', description: '' }] });
    expect(operatorPermissionResult(questionDraft, { answers: { q1: { answers: ['red', 'blue'] } } }, prompt)).toEqual({ behavior: 'allow', updatedInput: { ...prompt.input, answers: { 'Colors?': 'red, blue' } } });
    expect(operatorPermissionResult(questionDraft, { answers: {} }, prompt)).toMatchObject({ behavior: 'deny', interrupt: true });
  });
});

describe('messageEvents (activity)', () => {
  it('maps tool_use blocks by tool and names their results', () => {
    const toolUses = new Map<string, ToolUseRecord>();
    const context = { toolUses, hostTools };
    const assistant = {
      type: 'assistant',
      message: {
        content: [
          { type: 'text', text: 'Running the tests.' },
          { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } },
          { type: 'tool_use', id: 't2', name: 'Edit', input: { file_path: 'src/a.ts' } },
          { type: 'tool_use', id: 't3', name: 'mcp__github__create_pr', input: {} },
        ],
      },
    };
    expect(messageEvents(assistant, context).map((event) => event.activity)).toEqual([
      { kind: 'message', phase: 'completed', tool: null, command: null, detail: null },
      { kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null },
      { kind: 'file_change', phase: 'started', tool: null, command: null, detail: 'src/a.ts' },
      { kind: 'tool', phase: 'started', tool: 'github/create_pr', command: null, detail: null },
    ]);
    const results = { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: 'exit 1' }] } };
    expect(messageEvents(results, context)[0]?.activity).toEqual({ kind: 'command', phase: 'failed', tool: null, command: 'npm test', detail: 'exit 1' });
  });

  it('leaves host-tool results to the tool host; unknown messages are internal', () => {
    const toolUses = new Map<string, ToolUseRecord>([['h1', { name: 'mcp__symphony__linear_graphql', input: {} }]]);
    expect(messageEvents({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'h1', content: '{}' }] } }, { toolUses, hostTools })).toEqual([]);
    expect(messageEvents({ type: 'command_lifecycle' }, { toolUses, hostTools })[0]).toMatchObject({ event: 'other_message', activity: { kind: 'internal' } });
    expect(messageEvents({ type: 'system', subtype: 'compact_boundary' }, { toolUses, hostTools })[0]?.activity.kind).toBe('compaction');
    expect(messageEvents({ type: 'rate_limit_event', rate_limit_info: { status: 'allowed' } }, { toolUses, hostTools })[0]).toMatchObject({ event: 'rate_limits_updated', rateLimits: { status: 'allowed' } });
    expect(toolActivity('WebFetch', { url: 'https://example.com' }, 'started')).toMatchObject({ kind: 'web_search', detail: 'https://example.com' });
  });
});

describe('TokenLedger', () => {
  it('estimates from assistant usage and settles on the cumulative modelUsage of each result', () => {
    const ledger = new TokenLedger();
    expect(ledger.onAssistant({ message: { id: 'm1', usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } })).toEqual({ inputTokens: 15, outputTokens: 1, totalTokens: 16 });
    expect(ledger.onAssistant({ message: { id: 'm1', usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } })).toBeNull();
    expect(ledger.onResult({ modelUsage: { a: { inputTokens: 10, cacheReadInputTokens: 5, cacheCreationInputTokens: 0, outputTokens: 4 } } })).toEqual({ inputTokens: 15, outputTokens: 4, totalTokens: 19 });
    expect(ledger.onResult({ modelUsage: { a: { inputTokens: 30, cacheReadInputTokens: 5, cacheCreationInputTokens: 0, outputTokens: 8 }, b: { inputTokens: 1, outputTokens: 1 } } })).toEqual({ inputTokens: 36, outputTokens: 9, totalTokens: 45 });
    // Never backwards.
    expect(ledger.onResult({ modelUsage: { a: { inputTokens: 1, outputTokens: 1 } } })).toBeNull();
    expect(ledger.totals).toEqual({ inputTokens: 36, outputTokens: 9, totalTokens: 45 });
  });

  it('without modelUsage adds the per-turn usage', () => {
    const ledger = new TokenLedger();
    ledger.onResult({ usage: { input_tokens: 100, output_tokens: 10 } });
    expect(ledger.onResult({ usage: { input_tokens: 100, output_tokens: 10 } })).toEqual({ inputTokens: 200, outputTokens: 20, totalTokens: 220 });
  });
});

describe('readTurnResult', () => {
  it('reads success, errors and the user message uuids', () => {
    const ok = readTurnResult({ type: 'result', subtype: 'success', is_error: false, user_message_uuid: 'u1', user_message_uuids: ['u0', 'u1'] });
    expect(ok).toEqual({ ok: true, subtype: 'success', userMessageUuids: ['u0', 'u1'], errorMessage: null });
    expect(endsTurn(ok, 'u0')).toBe(true);
    expect(endsTurn(ok, 'u2')).toBe(false);
    expect(readTurnResult({ subtype: 'success', is_error: true, result: 'API Error: 400 prompt is too long' })).toMatchObject({ ok: false, errorMessage: 'API Error: 400 prompt is too long', userMessageUuids: null });
    expect(readTurnResult({ subtype: 'error_max_turns', errors: ['too many turns'] })).toMatchObject({ ok: false, errorMessage: 'too many turns' });
  });
});

describe('host tool schema, launch script, environment', () => {
  it('turns the linear_graphql JSON Schema into a zod shape with query required', () => {
    const shape = jsonSchemaShape(linearGraphqlToolSpec.inputSchema);
    expect(Object.keys(shape)).toEqual(['query', 'variables']);
    expect(shape.query?.safeParse(undefined).success).toBe(false);
    expect(shape.variables?.safeParse(undefined).success).toBe(true);
    expect(jsonSchemaShape({ type: 'object' })).toEqual({});
  });

  it('quotes every word of the SDK command line', () => {
    const script = execScript('/opt/claude code/bin', ['--model=x', "it's", '$HOME', '']);
    expect(execFileSync('bash', ['-c', script.replace(/^exec /, 'printf "[%s]" ')], { encoding: 'utf8' })).toBe("[/opt/claude code/bin][--model=x][it's][$HOME][]");
  });

  it('strips secrets and sets the isolation variables', () => {
    const env = claudeEnvironment({ PATH: '/bin', LINEAR_API_KEY: 'k', CLAUDE_CONFIG_DIR: '/home/op/.claude' }, ['LINEAR_API_KEY'], '/tmp/symphony-claude-1', '1.2.3');
    expect(env).toEqual({ PATH: '/bin', CLAUDE_CONFIG_DIR: '/tmp/symphony-claude-1', CLAUDE_CODE_TMPDIR: '/tmp/symphony-claude-1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', ENABLE_TOOL_SEARCH: 'false', CLAUDE_AGENT_SDK_CLIENT_APP: 'symphony-ts/1.2.3' });
  });
});
