/** ACP session/update → activity mapping, tool-call state, and usage reading (pure). */
import { describe, expect, it } from 'vitest';
import { describeUpdate, toolCommand, withToolCallState, type ToolCallBook } from '../../src/runner/acp/updates.js';
import { addTotals, turnUsage } from '../../src/runner/acp/usage.js';
import { acpRuntime } from '../../src/runner/acp/profile.js';
import { runtimeProfile } from '../../src/runner/registry.js';
import { isRuntimeKind } from '../../src/runner/kinds.js';
import { silentLogger } from '../../src/logging/logger.js';
import { testWorkflow } from '../support/orchestrator-harness.js';

const params = (update: Record<string, unknown>) => ({ sessionId: 's', update });

describe('describeUpdate', () => {
  it('maps message, thought, plan, notice and unknown updates', () => {
    expect(describeUpdate(params({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Hello\nworld' } }))).toEqual({ activity: { kind: 'message', phase: 'progress', tool: null, command: null, detail: null }, message: 'agent: Hello world' });
    expect(describeUpdate(params({ sessionUpdate: 'agent_thought_chunk', content: { type: 'text', text: 'hmm' } })).activity.kind).toBe('reasoning');
    expect(describeUpdate(params({ sessionUpdate: 'plan', entries: [{ status: 'completed' }, { status: 'pending' }, { status: 'in_progress' }] })).activity).toMatchObject({ kind: 'plan', detail: '1/3 done' });
    expect(describeUpdate(params({ sessionUpdate: 'notice', severity: 'error', message: 'quota exceeded' })).activity).toMatchObject({ kind: 'error', phase: 'failed', detail: 'quota exceeded' });
    expect(describeUpdate(params({ sessionUpdate: 'available_commands_update', availableCommands: [] })).activity).toMatchObject({ kind: 'internal', detail: 'available_commands_update' });
    expect(describeUpdate(null).activity).toMatchObject({ kind: 'internal', detail: 'session/update' });
  });

  it('maps tool calls by kind: execute → command, edit → file_change, fetch → web_search, others → tool', () => {
    expect(describeUpdate(params({ sessionUpdate: 'tool_call', toolCallId: 'a', title: 'npm test', kind: 'execute', status: 'pending' })).activity).toEqual({ kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null });
    expect(describeUpdate(params({ sessionUpdate: 'tool_call_update', toolCallId: 'b', kind: 'edit', status: 'completed', locations: [{ path: 'a.ts' }, { path: 'b.ts' }] })).activity).toMatchObject({ kind: 'file_change', phase: 'completed', detail: 'a.ts, b.ts' });
    expect(describeUpdate(params({ sessionUpdate: 'tool_call', toolCallId: 'c', title: 'https://x', kind: 'fetch' })).activity).toMatchObject({ kind: 'web_search', detail: 'https://x' });
    expect(describeUpdate(params({ sessionUpdate: 'tool_call_update', toolCallId: 'd', title: 'ReadFile', kind: 'read', status: 'failed' })).activity).toMatchObject({ kind: 'tool', phase: 'failed', tool: 'ReadFile', detail: 'read' });
    expect(toolCommand({ title: 'shell', rawInput: { command: ['git', 'status'] } })).toBe('git status');
  });

  it('completes tool call updates from the tool_call they belong to, and forgets finished calls', () => {
    const book: ToolCallBook = new Map();
    withToolCallState(params({ sessionUpdate: 'tool_call', toolCallId: 't', title: 'make', kind: 'execute', status: 'pending' }), book);
    const progress = withToolCallState(params({ sessionUpdate: 'tool_call_update', toolCallId: 't', status: 'in_progress', title: null }), book);
    expect(describeUpdate(progress).activity).toEqual({ kind: 'command', phase: 'progress', tool: null, command: 'make', detail: null });
    const done = withToolCallState(params({ sessionUpdate: 'tool_call_update', toolCallId: 't', status: 'completed' }), book);
    expect(describeUpdate(done).activity).toMatchObject({ kind: 'command', phase: 'completed', command: 'make' });
    expect(book.size).toBe(0);
  });
});

describe('turnUsage', () => {
  it('reads usage, else _meta.quota.token_count (Gemini CLI), else nothing', () => {
    expect(turnUsage({ stopReason: 'end_turn', usage: { inputTokens: 5, outputTokens: 2, totalTokens: 9 } })).toEqual({ inputTokens: 5, outputTokens: 2, totalTokens: 9 });
    expect(turnUsage({ stopReason: 'end_turn', _meta: { quota: { token_count: { input_tokens: 200, output_tokens: 20 } } } })).toEqual({ inputTokens: 200, outputTokens: 20, totalTokens: 220 });
    expect(turnUsage({ stopReason: 'end_turn' })).toBeNull();
    expect(turnUsage({ usage: { inputTokens: -1 } })).toBeNull();
    expect(addTotals({ inputTokens: 1, outputTokens: 2, totalTokens: 3 }, { inputTokens: 10, outputTokens: 20, totalTokens: 30 })).toEqual({ inputTokens: 11, outputTokens: 22, totalTokens: 33 });
  });
});

describe('the acp runtime profile', () => {
  it('is registered under kind acp', () => {
    expect(isRuntimeKind('acp')).toBe(true);
    expect(runtimeProfile('acp')).toBe(acpRuntime);
    expect(acpRuntime.displayName).toBe('ACP agent');
  });

  it('refuses to start without acp.command (a runtime:acp label on a workflow without it): invalid_config naming the key', async () => {
    const { config } = testWorkflow({ acp: { command: null } });
    const start = acpRuntime.start({
      config,
      workspacePath: '/test/workspaces/ABC-1',
      env: {},
      secretEnvNames: [],
      operatorChannel: false,
      tools: [],
      executeTool: () => Promise.resolve({ success: false, text: '' }),
      onEvent: () => undefined,
      logger: silentLogger(),
      signal: new AbortController().signal,
      clientVersion: '0',
      sessionLog: null,
    });
    await expect(start).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('acp.command is not set') });
  });
});
